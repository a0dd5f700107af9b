package dev.tviews.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the kubelet and the Job controller <em>for real</em>: runs the one container of a Job the operator created,
 * on this machine, with the Job's own command and environment, then records what Kubernetes would (a Pod labelled
 * {@code job-name} whose container terminated with the termination message, then the Job's Complete/Failed
 * condition). So what the operator reads afterwards was written by the real scripts.
 *
 * <p>What a container would give and this machine does not is mapped, nothing else: each volume mount path becomes a
 * directory under {@code root} (ConfigMap volumes are written from the ConfigMap in the API server, PVCs map to
 * {@code claims}, emptyDirs are empty), and the mount paths are rewritten wherever they appear in the command and
 * the environment; {@code secretKeyRef}s are read from the Secret in the API server; the termination message path
 * becomes a file; the PostgreSQL client tools are found through {@code PG_BIN} (in the image they are on PATH).
 * The termination message follows the kubelet's rules: the file, at most 4096 bytes; with
 * {@code FallbackToLogsOnError}, an empty file and a non-zero exit, the last 80 lines / 2048 bytes of the log.
 */
public final class JobRunner {

    /** One finished run: exit code, the container log (stdout and stderr interleaved) and the termination message. */
    public record Run(int exit, String log, String terminationMessage, Instant start, Instant end) {
        /** The last log line that is a JSON object (what the scripts print on stdout as their result). */
        public String lastJsonLine() {
            String[] lines = log.strip().split("\n");
            for (int i = lines.length - 1; i >= 0; i--) {
                if (lines[i].startsWith("{")) {
                    return lines[i];
                }
            }
            throw new AssertionError("no JSON line in the log:\n" + log);
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- termination message\n" + terminationMessage + "\n--- log\n" + log;
        }
    }

    private static final int MESSAGE_LIMIT = 4096;
    private static final int FALLBACK_LINES = 80;
    private static final int FALLBACK_BYTES = 2048;

    private final KubernetesClient client;
    private final Path root;
    private final Map<String, Path> claims;
    private final Path pgBin;

    /** {@code claims}: directory standing for each PersistentVolumeClaim (by claim name), shared between Jobs. */
    public JobRunner(KubernetesClient client, Path root, Map<String, Path> claims, Path pgBin) {
        this.client = client;
        this.root = root;
        this.claims = claims;
        this.pgBin = pgBin;
    }

    /** Runs the Job's container to completion and records the Pod and the Job status in the API server. */
    public Run run(Job job) {
        String ns = job.getMetadata().getNamespace();
        var podSpec = job.getSpec().getTemplate().getSpec();
        Container container = podSpec.getContainers().get(0);
        Path base = root.resolve(job.getMetadata().getName());
        Map<String, Path> mounts = new LinkedHashMap<>();
        for (VolumeMount m : container.getVolumeMounts()) {
            Volume v = podSpec.getVolumes().stream().filter(x -> x.getName().equals(m.getName())).findFirst().orElseThrow();
            mounts.put(m.getMountPath(), volume(ns, v, base.resolve("volumes").resolve(v.getName())));
        }
        Path terminationLog = base.resolve("termination-log");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("HOME", mounts.getOrDefault("/tmp", base).toString());
        env.put("PG_BIN", pgBin.toString());
        for (EnvVar e : container.getEnv()) {
            env.put(e.getName(), e.getValueFrom() == null ? mapPaths(e.getValue(), mounts)
                    : secretValue(ns, e.getValueFrom().getSecretKeyRef().getName(), e.getValueFrom().getSecretKeyRef().getKey()));
        }
        env.put("TERMINATION_LOG", terminationLog.toString());
        List<String> command = new ArrayList<>();
        container.getCommand().forEach(c -> command.add(mapPaths(c, mounts)));
        container.getArgs().forEach(a -> command.add(mapPaths(a, mounts)));
        Instant start = Instant.now();
        int exit;
        String log;
        try {
            Files.createDirectories(base);
            Files.writeString(terminationLog, "");
            Path logFile = base.resolve("container.log");
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(600, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("Job " + job.getMetadata().getName() + " timed out: " + command);
            }
            exit = p.exitValue();
            log = Files.readString(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Instant end = Instant.now();
        String message = terminationMessage(terminationLog, exit, log, container.getTerminationMessagePolicy());
        record(job, container.getName(), exit, message, start, end);
        return new Run(exit, log, message, start, end);
    }

    private Path volume(String ns, Volume v, Path dir) {
        try {
            if (v.getPersistentVolumeClaim() != null) {
                Path claim = claims.get(v.getPersistentVolumeClaim().getClaimName());
                if (claim == null) {
                    throw new IllegalArgumentException("no directory for claim " + v.getPersistentVolumeClaim().getClaimName());
                }
                return Files.createDirectories(claim);
            }
            Files.createDirectories(dir);
            if (v.getConfigMap() != null) {
                ConfigMap cm = client.configMaps().inNamespace(ns).withName(v.getConfigMap().getName()).get();
                if (cm == null) {
                    throw new IllegalStateException("ConfigMap " + ns + "/" + v.getConfigMap().getName() + " does not exist");
                }
                for (var e : cm.getData().entrySet()) {
                    Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String secretValue(String ns, String name, String key) {
        Secret s = client.secrets().inNamespace(ns).withName(name).get();
        if (s == null) {
            throw new IllegalStateException("Secret " + ns + "/" + name + " does not exist");
        }
        if (s.getData() != null && s.getData().containsKey(key)) {
            return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
        }
        if (s.getStringData() != null && s.getStringData().containsKey(key)) {
            return s.getStringData().get(key);
        }
        throw new IllegalStateException("Secret " + ns + "/" + name + " has no key " + key);
    }

    /** Rewrites every path under a mount point (a whole path element: /tmp and /tmp/x, never /tmpx). */
    static String mapPaths(String text, Map<String, Path> mounts) {
        if (text == null || mounts.isEmpty()) {
            return text;
        }
        List<String> points = new ArrayList<>(mounts.keySet());
        points.sort(Comparator.comparingInt(String::length).reversed());
        StringBuilder alternatives = new StringBuilder();
        for (String p : points) {
            alternatives.append(alternatives.length() == 0 ? "" : "|").append(Pattern.quote(p));
        }
        Matcher m = Pattern.compile("(?<![\\w./-])(" + alternatives + ")(?=/|$|[\\s\"';])").matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(mounts.get(m.group(1)).toString()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String terminationMessage(Path file, int exit, String log, String policy) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            String message = new String(bytes, 0, Math.min(bytes.length, MESSAGE_LIMIT), StandardCharsets.UTF_8);
            if (message.isEmpty() && exit != 0 && "FallbackToLogsOnError".equals(policy)) {
                String[] lines = log.split("\n", -1);
                String tail = String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - FALLBACK_LINES), lines.length));
                byte[] t = tail.getBytes(StandardCharsets.UTF_8);
                message = new String(t, Math.max(0, t.length - FALLBACK_BYTES), Math.min(t.length, FALLBACK_BYTES), StandardCharsets.UTF_8);
            }
            return message;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the Job controller and the kubelet write: the Pod with its terminated container, then the Job status. */
    private void record(Job job, String containerName, int exit, String message, Instant start, Instant end) {
        String ns = job.getMetadata().getNamespace();
        String name = job.getMetadata().getName();
        boolean success = exit == 0;
        Pod pod = new PodBuilder().withNewMetadata().withName(name + "-run").withNamespace(ns)
                .addToLabels("job-name", name).addToLabels("batch.kubernetes.io/job-name", name).endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase(success ? "Succeeded" : "Failed")
                .addNewContainerStatus().withName(containerName).withNewState().withNewTerminated()
                .withExitCode(exit).withMessage(message.isEmpty() ? null : message).withReason(success ? "Completed" : "Error")
                .withStartedAt(start.toString()).withFinishedAt(end.toString())
                .endTerminated().endState().endContainerStatus().endStatus().build();
        client.resource(pod).create();
        Pod stored = client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).get();
        if (stored.getStatus() == null || stored.getStatus().getContainerStatuses() == null
                || stored.getStatus().getContainerStatuses().isEmpty()) {
            client.pods().inNamespace(ns).withName(pod.getMetadata().getName()).editStatus(p -> {
                p.setStatus(pod.getStatus());
                return p;
            });
        }
        client.batch().v1().jobs().inNamespace(ns).withName(name).editStatus(j -> {
            j.setStatus(new JobStatusBuilder().withStartTime(start.toString())
                    .withCompletionTime(success ? end.toString() : null)
                    .withSucceeded(success ? 1 : 0).withFailed(success ? 0 : 1)
                    .withConditions(new JobConditionBuilder().withType(success ? "Complete" : "Failed").withStatus("True")
                            .withReason(success ? null : "BackoffLimitExceeded").withLastTransitionTime(end.toString()).build())
                    .build());
            return j;
        });
    }
}
