package dev.tviews.operator.jobs;

import dev.tviews.operator.backup.BackupPolicySpec;
import dev.tviews.operator.backup.TViewBackupPolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds what a policy owns: the scripts ConfigMap, one CronJob per method, and backup-now Jobs. Every Job runs
 * {@code backup.sh METHOD} then, after a verified backup, {@code retention.sh}; the connection comes only from
 * the Secret through {@code env.valueFrom.secretKeyRef} (never a literal password, never a command-line argument).
 */
public final class BackupJobs {

    /** The Job scripts, packaged by the tview-runtime jar from src/scripts. */
    static final List<String> SCRIPTS = List.of("backup.sh", "verify.sh", "restore.sh", "retention.sh", "lib.sh");
    static final String SCRIPTS_RESOURCE = "dev/tviews/runtime/scripts/";
    public static final String CONTAINER = "backup";
    public static final String BACKUPS_MOUNT = "/backups";
    static final String SCRIPTS_MOUNT = "/scripts";
    static final long RUN_AS = 999L;   // the postgres user of the official postgres images
    static final int HISTORY_LIMIT = 3;
    static final long MANUAL_JOB_TTL_SECONDS = 7 * 24 * 3600L;

    /** Runs the backup, then retention after a verified backup; the exit code is backup.sh's (4: retention failed). */
    static final String COMMAND = String.join("\n",
            "sh " + SCRIPTS_MOUNT + "/backup.sh \"$BACKUP_METHOD\"; rc=$?",
            "if [ \"$rc\" -eq 0 ]; then",
            "  sh " + SCRIPTS_MOUNT + "/retention.sh 1>&2 || { echo \"retention.sh failed; the backup itself is verified\" >&2; rc=4; }",
            "fi",
            "exit \"$rc\"");

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private BackupJobs() {
    }

    /** Everything a Job needs to know besides the method. */
    public record Settings(String image, String backupRoot, String claimName, String scriptsConfigMap,
                           List<EnvVar> connection, Integer keepLast, String maxAge, boolean restoreTest) {
    }

    /** The Jobs' settings of a policy, running {@code image} with the libpq variables {@code connection}. */
    public static Settings settings(TViewBackupPolicy policy, String image, List<EnvVar> connection) {
        BackupPolicySpec spec = policy.getSpec();
        BackupPolicySpec.Retention retention = spec.retentionOrDefault();
        return new Settings(image, backupRoot(policy), spec.getStorage().getPersistentVolumeClaim().getClaimName(),
                BackupNames.scriptsConfigMap(policy.name()), connection, retention.getKeepLast(), retention.getMaxAge(),
                spec.restoreTest());
    }

    /** Where the policy's backups go on the volume: {@code /backups/<spec.storage.path>/<policy>}. */
    public static String backupRoot(TViewBackupPolicy policy) {
        String path = policy.getSpec().getStorage().getPath() == null ? "" : policy.getSpec().getStorage().getPath();
        String clean = path.replaceAll("/+", "/").replaceAll("^/|/$", "");
        return BACKUPS_MOUNT + (clean.isEmpty() ? "" : "/" + clean) + "/" + policy.name();
    }

    /** The CronJobs' time zone: spec.timeZone, UTC when empty. */
    public static String timeZone(BackupPolicySpec spec) {
        return spec.getTimeZone() == null || spec.getTimeZone().isBlank() ? "UTC" : spec.getTimeZone();
    }

    public static ConfigMap scripts(TViewBackupPolicy policy) {
        Map<String, String> data = new LinkedHashMap<>();
        for (String script : SCRIPTS) {
            data.put(script, readScript(script));
        }
        ConfigMap map = new ConfigMapBuilder()
                .withMetadata(meta(policy, BackupNames.scriptsConfigMap(policy.name()), null, Map.of()))
                .withData(data).build();
        return withHash(map, data);
    }

    static String readScript(String script) {
        try (InputStream in = BackupJobs.class.getClassLoader().getResourceAsStream(SCRIPTS_RESOURCE + script)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + SCRIPTS_RESOURCE + script
                        + " not found (the tview-runtime jar packages src/scripts)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static CronJob cronJob(TViewBackupPolicy policy, String method, String timeZone, Settings settings) {
        JobSpec jobSpec = jobSpec(policy, method, settings);
        CronJob cronJob = new CronJobBuilder()
                .withMetadata(meta(policy, BackupNames.cronJob(policy.name(), method), method, Map.of()))
                .withNewSpec()
                .withSchedule(policy.getSpec().getSchedule().trim())
                .withTimeZone(timeZone)
                .withSuspend(policy.getSpec().isSuspend())
                .withConcurrencyPolicy("Forbid")
                .withStartingDeadlineSeconds(3600L)
                .withSuccessfulJobsHistoryLimit(HISTORY_LIMIT)
                .withFailedJobsHistoryLimit(HISTORY_LIMIT)
                .withNewJobTemplate()
                .withNewMetadata().withLabels(labels(policy, method, "schedule")).endMetadata()
                .withSpec(jobSpec)
                .endJobTemplate()
                .endSpec().build();
        return withHash(cronJob, cronJob.getSpec());
    }

    public static Job manualJob(TViewBackupPolicy policy, String method, String request, Settings settings) {
        JobSpec spec = jobSpec(policy, method, settings);
        spec.setTtlSecondsAfterFinished((int) MANUAL_JOB_TTL_SECONDS);
        return new JobBuilder()
                .withMetadata(meta(policy, BackupNames.manualJob(policy.name(), method, request), method,
                        Map.of(BackupNames.TRIGGER_LABEL, "backup-now")))
                .withSpec(spec).build();
    }

    private static JobSpec jobSpec(TViewBackupPolicy policy, String method, Settings s) {
        List<EnvVar> env = new ArrayList<>();
        env.add(literal("BACKUP_METHOD", method));
        env.add(literal("BACKUP_ROOT", s.backupRoot()));
        env.add(literal("KEEP_LAST", s.keepLast() == null ? "" : String.valueOf(s.keepLast())));
        env.add(literal("MAX_AGE", s.maxAge() == null ? "" : s.maxAge()));
        env.add(literal("RESTORE_TEST", s.restoreTest() ? "1" : "0"));
        env.add(literal("TERMINATION_LOG", "/dev/termination-log"));
        env.add(literal("TMPDIR", "/tmp"));
        env.add(literal("PGAPPNAME", "tview-backup"));
        env.add(literal("PGCONNECT_TIMEOUT", "15"));
        env.addAll(s.connection());
        return new JobSpecBuilder()
                .withBackoffLimit(0)
                .withNewTemplate()
                .withNewMetadata().withLabels(labels(policy, method, null)).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(RUN_AS).withRunAsGroup(RUN_AS).withFsGroup(RUN_AS)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewContainer()
                .withName(CONTAINER)
                .withImage(s.image())
                .withCommand("/bin/sh", "-c", COMMAND)
                .withEnv(env)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withTerminationMessagePath("/dev/termination-log")
                .withNewSecurityContext()
                .withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("backups").withMountPath(BACKUPS_MOUNT).endVolumeMount()
                .addNewVolumeMount().withName("scripts").withMountPath(SCRIPTS_MOUNT).withReadOnly(true).endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("backups").withNewPersistentVolumeClaim().withClaimName(s.claimName())
                .endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName("scripts").withNewConfigMap().withName(s.scriptsConfigMap())
                .withDefaultMode(0555).endConfigMap().endVolume()
                .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                .endSpec()
                .endTemplate()
                .build();
    }

    public static EnvVar literal(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    public static EnvVar fromSecret(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).withOptional(false).endSecretKeyRef().endValueFrom().build();
    }

    public static Map<String, String> labels(TViewBackupPolicy policy, String method, String trigger) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/managed-by", "tview-operator");
        labels.put("app.kubernetes.io/component", "backup");
        labels.put(BackupNames.POLICY_LABEL, policy.name());
        if (method != null) {
            labels.put(BackupNames.METHOD_LABEL, method);
        }
        if (trigger != null) {
            labels.put(BackupNames.TRIGGER_LABEL, trigger);
        }
        return labels;
    }

    private static ObjectMeta meta(TViewBackupPolicy policy, String name, String method, Map<String, String> extraLabels) {
        Map<String, String> labels = labels(policy, method, null);
        labels.putAll(extraLabels);
        return new ObjectMetaBuilder().withName(name).withNamespace(policy.namespace()).withLabels(labels)
                .withOwnerReferences(owner(policy)).build();
    }

    public static OwnerReference owner(TViewBackupPolicy policy) {
        return new OwnerReferenceBuilder().withApiVersion(policy.getApiVersion()).withKind(policy.getKind())
                .withName(policy.name()).withUid(policy.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> T withHash(T object, Object content) {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(BackupNames.SPEC_HASH, BackupNames.hash(JSON.asJson(content), 16));
        object.getMetadata().setAnnotations(annotations);
        return object;
    }
}
