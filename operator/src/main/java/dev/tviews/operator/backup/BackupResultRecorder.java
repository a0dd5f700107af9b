package dev.tviews.operator.backup;

import dev.tviews.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Records the results of a policy's finished Jobs in its status (recentBackups, lastSuccessfulBackup,
 * lastSuccessByMethod, consecutiveFailures, LastBackupSucceeded), in metrics and in events, each Job once.
 */
@ApplicationScoped
public class BackupResultRecorder {

    private final BackupMetrics metrics;
    private final EventRecorder events;
    private final Clock clock;

    public BackupResultRecorder(BackupMetrics metrics, EventRecorder events, Clock clock) {
        this.metrics = metrics;
        this.events = events;
        this.clock = clock;
    }

    void record(TViewBackupPolicy policy, KubernetesClient client, BackupPolicyStatusWriter writer) {
        BackupPolicyStatus status = writer.status();
        seedMetrics(policy, status);
        List<Job> jobs = JobResults.jobsOf(client, policy);
        jobs.stream().map(JobResults::startTime).flatMap(Optional::stream).max(Comparator.naturalOrder())
                .filter(t -> status.getLastScheduleTime() == null || t.isAfter(Instant.parse(status.getLastScheduleTime())))
                .ifPresent(t -> status.setLastScheduleTime(t.toString()));
        for (Job job : unrecorded(jobs, status)) {
            BackupRecord record = JobResults.record(job, JobResults.terminationMessage(client, job));
            List<BackupRecord> recent = new ArrayList<>(status.getRecentBackups());
            recent.add(0, record);
            status.setRecentBackups(new ArrayList<>(recent.subList(0, Math.min(recent.size(), BackupPolicyStatus.RECENT_LIMIT))));
            if (record.succeeded()) {
                succeeded(policy, status, record);
                if (JobResults.retentionFailed(job, record)) {
                    events.warning(policy, "RetentionFailed", "backup " + record.getName()
                            + " is verified but retention.sh failed in Job " + record.getJob() + "; see its logs");
                }
            } else {
                failed(policy, status, record);
            }
            writer.lastBackup(record);
        }
    }

    /**
     * Finished Jobs not in recentBackups yet, oldest first. With a full list, a Job that finished before the oldest
     * kept record was recorded once and pushed out: it is not counted again.
     */
    private static List<Job> unrecorded(List<Job> jobs, BackupPolicyStatus status) {
        Set<String> seen = new HashSet<>();
        status.getRecentBackups().forEach(r -> seen.add(r.getJob()));
        Optional<Instant> oldestKept = status.getRecentBackups().size() < BackupPolicyStatus.RECENT_LIMIT ? Optional.empty()
                : status.getRecentBackups().stream().map(BackupRecord::getEndTime).filter(Objects::nonNull)
                .map(Instant::parse).min(Comparator.naturalOrder());
        return jobs.stream().filter(JobResults::finished)
                .filter(j -> !seen.contains(j.getMetadata().getName()))
                .filter(j -> oldestKept.isEmpty() || JobResults.finishTime(j).map(t -> t.isAfter(oldestKept.get())).orElse(true))
                .sorted(Comparator.comparing((Job j) -> JobResults.finishTime(j).orElse(Instant.MAX)))
                .toList();
    }

    private void succeeded(TViewBackupPolicy policy, BackupPolicyStatus status, BackupRecord record) {
        status.setConsecutiveFailures(0);
        Instant end = record.getEndTime() == null ? clock.instant() : Instant.parse(record.getEndTime());
        BackupRecord last = status.getLastSuccessfulBackup();
        if (last == null || last.getEndTime() == null || !Instant.parse(last.getEndTime()).isAfter(end)) {
            status.setLastSuccessfulBackup(record);
        }
        Map<String, String> byMethod = new LinkedHashMap<>(status.getLastSuccessByMethod());
        String previous = byMethod.get(record.getMethod());
        if (previous == null || Instant.parse(previous).isBefore(end)) {
            byMethod.put(record.getMethod(), end.toString());
        }
        status.setLastSuccessByMethod(byMethod);
        metrics.success(policy, record.getMethod(), end, record.getSizeBytes(), durationSeconds(record));
        events.normal(policy, "BackupSucceeded", "backup " + record.getName() + " (" + record.getMethod()
                + ", " + record.getSizeBytes() + " bytes) written and verified by Job " + record.getJob());
    }

    private void failed(TViewBackupPolicy policy, BackupPolicyStatus status, BackupRecord record) {
        status.setConsecutiveFailures((status.getConsecutiveFailures() == null ? 0 : status.getConsecutiveFailures()) + 1);
        metrics.failure(policy, record.getMethod());
        events.warning(policy, "BackupFailed", "Job " + record.getJob() + " (" + record.getMethod() + "): "
                + record.getMessage());
    }

    /** After a restart the gauges come back from the status. */
    private void seedMetrics(TViewBackupPolicy policy, BackupPolicyStatus status) {
        policy.getSpec().methodsOrDefault().stream().filter(BackupPolicySpec.METHODS::contains)
                .forEach(m -> metrics.declare(policy, m));
        status.getLastSuccessByMethod().forEach((m, t) -> metrics.success(policy, m, Instant.parse(t), null, null));
        BackupRecord last = status.getLastSuccessfulBackup();
        if (last != null && last.getEndTime() != null && last.getMethod() != null) {
            metrics.success(policy, last.getMethod(), Instant.parse(last.getEndTime()), last.getSizeBytes(), durationSeconds(last));
        }
    }

    private static Long durationSeconds(BackupRecord r) {
        if (r.getStartTime() == null || r.getEndTime() == null) {
            return null;
        }
        return Duration.between(Instant.parse(r.getStartTime()), Instant.parse(r.getEndTime())).toSeconds();
    }
}
