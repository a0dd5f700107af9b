package dev.tviews.operator.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tviews.operator.jobs.BackupJobs;
import dev.tviews.operator.jobs.BackupNames;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the outcome of backup Jobs: whether a Job finished, and the JSON summary backup.sh wrote as the
 * termination message of the Job's Pod (pods labelled {@code job-name=<job>}).
 */
final class JobResults {

    /** Message prefix of a backup that was written but failed verification (backup.sh exit 3). */
    static final String NOT_VERIFIED = "written but NOT verified: ";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JobResults() {
    }

    /** Jobs of a policy (scheduled and backup-now), read fresh from the API. */
    static List<Job> jobsOf(KubernetesClient client, TViewBackupPolicy policy) {
        return client.batch().v1().jobs().inNamespace(policy.namespace())
                .withLabel(BackupNames.POLICY_LABEL, policy.name()).list().getItems();
    }

    static boolean finished(Job job) {
        return succeededJob(job) || failedJob(job);
    }

    static boolean succeededJob(Job job) {
        return condition(job, "Complete").isPresent()
                || (job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0);
    }

    static boolean failedJob(Job job) {
        return !succeededJob(job) && (condition(job, "Failed").isPresent()
                || (job.getStatus() != null && job.getStatus().getFailed() != null && job.getStatus().getFailed() > 0));
    }

    /** When the Job finished (completion time, else the time of its Complete/Failed condition). */
    static Optional<Instant> finishTime(Job job) {
        if (job.getStatus() != null && job.getStatus().getCompletionTime() != null) {
            return Optional.of(Instant.parse(job.getStatus().getCompletionTime()));
        }
        return condition(job, "Complete").or(() -> condition(job, "Failed"))
                .map(JobCondition::getLastTransitionTime).filter(t -> t != null).map(Instant::parse);
    }

    static Optional<Instant> startTime(Job job) {
        String t = job.getStatus() != null && job.getStatus().getStartTime() != null ? job.getStatus().getStartTime()
                : job.getMetadata().getCreationTimestamp();
        return Optional.ofNullable(t).map(Instant::parse);
    }

    static String method(Job job) {
        return job.getMetadata().getLabels() == null ? null : job.getMetadata().getLabels().get(BackupNames.METHOD_LABEL);
    }

    private static Optional<JobCondition> condition(Job job, String type) {
        return job.getStatus() == null || job.getStatus().getConditions() == null ? Optional.empty()
                : job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus())).findFirst();
    }

    /** The termination message of the backup container of the Job's newest Pod, if any. */
    static Optional<String> terminationMessage(KubernetesClient client, Job job) {
        List<Pod> pods = client.pods().inNamespace(job.getMetadata().getNamespace())
                .withLabel("job-name", job.getMetadata().getName()).list().getItems();
        return pods.stream()
                .sorted(Comparator.comparing((Pod p) -> String.valueOf(p.getMetadata().getCreationTimestamp())).reversed())
                .map(p -> p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? null
                        : p.getStatus().getContainerStatuses().stream()
                        .filter(cs -> BackupJobs.CONTAINER.equals(cs.getName()))
                        .map(JobResults::message).filter(m -> m != null && !m.isBlank()).findFirst().orElse(null))
                .filter(m -> m != null).findFirst();
    }

    private static String message(ContainerStatus cs) {
        if (cs.getState() != null && cs.getState().getTerminated() != null) {
            return cs.getState().getTerminated().getMessage();
        }
        if (cs.getLastState() != null && cs.getLastState().getTerminated() != null) {
            return cs.getLastState().getTerminated().getMessage();
        }
        return null;
    }

    /** Turns a finished Job and its termination message into a record. */
    static BackupRecord record(Job job, Optional<String> message) {
        BackupRecord r = new BackupRecord();
        r.setJob(job.getMetadata().getName());
        r.setMethod(method(job));
        r.setName(job.getMetadata().getName());
        startTime(job).ifPresent(t -> r.setStartTime(t.toString()));
        finishTime(job).ifPresent(t -> r.setEndTime(t.toString()));
        Optional<JsonNode> summary = message.flatMap(JobResults::summary);
        if (summary.isEmpty()) {
            r.setResult(BackupRecord.FAILED);
            String tail = message.map(m -> m.strip()).map(m -> m.length() > 400 ? "..." + m.substring(m.length() - 400) : m)
                    .orElse(null);
            r.setMessage(succeededJob(job)
                    ? "the Job completed but reported no backup summary" + (tail == null ? "" : ": " + tail)
                    : "the Job failed without a backup summary" + (tail == null ? " (no Pod found)" : ": " + tail));
            return r;
        }
        JsonNode s = summary.get();
        text(s, "name").ifPresent(r::setName);
        text(s, "method").ifPresent(r::setMethod);
        text(s, "startTime").ifPresent(r::setStartTime);
        text(s, "endTime").ifPresent(r::setEndTime);
        text(s, "sha256").ifPresent(r::setSha256);
        text(s, "serverVersion").ifPresent(r::setServerVersion);
        text(s, "path").ifPresent(r::setPath);
        if (s.hasNonNull("sizeBytes") && s.get("sizeBytes").canConvertToLong()) {
            r.setSizeBytes(s.get("sizeBytes").asLong());
        }
        boolean verified = s.path("verified").asBoolean(false);
        r.setVerified(verified);
        if (s.path("tviews").isObject()) {
            Map<String, Long> tviews = new LinkedHashMap<>();
            s.get("tviews").fields().forEachRemaining(e -> tviews.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asLong()));
            r.setTviews(tviews);
        }
        boolean written = "succeeded".equals(s.path("status").asText());
        if (written && verified) {
            r.setResult(BackupRecord.SUCCEEDED);
            String verification = text(s, "verification").orElse("verified");
            r.setMessage(failedJob(job) ? "backup verified, but retention.sh failed (see the Job's logs); " + verification
                    : verification);
        } else {
            r.setResult(BackupRecord.FAILED);
            r.setMessage(written ? NOT_VERIFIED + text(s, "verification").orElse("no verification result")
                    : text(s, "error").orElse("backup failed (no error message)"));
        }
        return r;
    }

    /** True when the record is a verified backup whose Job nevertheless failed (retention). */
    static boolean retentionFailed(Job job, BackupRecord record) {
        return record.succeeded() && failedJob(job);
    }

    /** The last line of the message that parses as a JSON object. */
    static Optional<JsonNode> summary(String message) {
        String[] lines = message.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (line.startsWith("{")) {
                try {
                    JsonNode node = MAPPER.readTree(line);
                    if (node.isObject() && node.has("status")) {
                        return Optional.of(node);
                    }
                } catch (java.io.IOException e) {
                    // not the summary line
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> text(JsonNode node, String field) {
        return node.hasNonNull(field) ? Optional.of(node.get(field).asText()) : Optional.empty();
    }
}
