package dev.tviews.operator.jobs;

import dev.tviews.operator.config.OperatorSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The Kubernetes objects of restore drills: the scripts ConfigMap ({@code <drill>-scripts}), the run's Job
 * ({@code <drill>-<runId>}) and the report ConfigMap ({@code <drill>-<runId>-report}), all owned by the drill; and
 * the run's result, read from the Job's Pod termination message. The drill is seen only as the owner of these
 * objects ({@link HasMetadata}), so that this package does not depend on the drill's.
 */
@ApplicationScoped
public class DrillJobs {

    /** What a restore run's Job needs of the drill, its backup policy and its plan. */
    public record RestoreJob(String runId, String scenario, String cleanup, String image, long deadlineSeconds,
                             Double targetRto, Double targetRpo, String secretName, boolean secretHasPort,
                             String backupRoot, String claimName) {
    }

    static final List<String> SCRIPTS = List.of("lib.sh", "backup.sh", "verify.sh", "restore.sh", "retention.sh", "drill.sh");
    static final String LABEL_DRILL = "tviews.dev/drill";
    static final String LABEL_RUN = "tviews.dev/drill-run";
    static final String REPORT_KEY = "report.md";
    static final String RESULT_KEY = "result.json";

    private final KubernetesClient client;
    /** Classpath directory of the scripts ({@code tview.operator.drill-scripts-resource}). */
    private final String scriptsResource;

    public DrillJobs(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.scriptsResource = settings.drillScriptsResource().endsWith("/") ? settings.drillScriptsResource()
                : settings.drillScriptsResource() + "/";
    }

    public static String jobName(HasMetadata drill, String runId) {
        return drill.getMetadata().getName() + "-" + runId;
    }

    public static String reportName(HasMetadata drill, String runId) {
        return drill.getMetadata().getName() + "-" + runId + "-report";
    }

    static String scriptsName(HasMetadata drill) {
        return drill.getMetadata().getName() + "-scripts";
    }

    /** Every *.sh of the packaged job scripts (the tview-runtime jar packages src/scripts). */
    Map<String, String> scripts() {
        Map<String, String> scripts = new TreeMap<>();
        for (String name : SCRIPTS) {
            try (InputStream in = DrillJobs.class.getClassLoader().getResourceAsStream(scriptsResource + name)) {
                if (in == null) {
                    throw new IllegalStateException("classpath resource " + scriptsResource + name
                            + " not found: the operator's tview-runtime jar is older than the drill scripts");
                }
                scripts.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return scripts;
    }

    /** Creates or updates the scripts ConfigMap (only when its content differs). */
    public void ensureScripts(HasMetadata drill) {
        Map<String, String> data = scripts();
        ConfigMap current = client.configMaps().inNamespace(ns(drill)).withName(scriptsName(drill)).get();
        if (current != null && data.equals(current.getData())) {
            return;
        }
        ConfigMap desired = new ConfigMapBuilder().withNewMetadata().withName(scriptsName(drill)).withNamespace(ns(drill))
                .addToLabels(LABEL_DRILL, drill.getMetadata().getName()).withOwnerReferences(owner(drill)).endMetadata()
                .withData(data).build();
        client.configMaps().inNamespace(ns(drill)).resource(desired).createOr(c -> c.update());
    }

    /**
     * Checks that the Secret exists and has the libpq fields the Job needs (host, dbname, username, password; port
     * optional). Returns a problem, or empty.
     */
    public Optional<String> secretProblem(String namespace, String secretName) {
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null) {
            return Optional.of("Secret " + namespace + "/" + secretName + " not found");
        }
        List<String> missing = new ArrayList<>();
        for (String key : List.of("host", "dbname", "username", "password")) {
            if (!has(secret, key)) {
                missing.add(key);
            }
        }
        return missing.isEmpty() ? Optional.empty() : Optional.of("Secret " + namespace + "/" + secretName + " lacks key(s) "
                + String.join(", ", missing) + ": drill Jobs connect with libpq variables taken from keys host, port, "
                + "dbname, username, password (a 'uri' key alone is not enough)");
    }

    public boolean secretHasPort(String namespace, String secretName) {
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        return secret != null && has(secret, "port");
    }

    private static boolean has(Secret s, String key) {
        return (s.getData() != null && s.getData().containsKey(key)) || (s.getStringData() != null && s.getStringData().containsKey(key));
    }

    /** Creates the run's Job unless it exists (a run is never started twice). */
    public Job ensureJob(HasMetadata drill, RestoreJob run) {
        String runId = run.runId();
        String name = jobName(drill, runId);
        Job existing = client.batch().v1().jobs().inNamespace(ns(drill)).withName(name).get();
        if (existing != null) {
            return existing;
        }
        String secret = run.secretName();
        List<EnvVar> env = new ArrayList<>();
        env.add(fromSecret("PGHOST", secret, "host"));
        env.add(run.secretHasPort() ? fromSecret("PGPORT", secret, "port") : value("PGPORT", "5432"));
        env.add(fromSecret("PGDATABASE", secret, "dbname"));
        env.add(fromSecret("PGUSER", secret, "username"));
        env.add(fromSecret("PGPASSWORD", secret, "password"));
        env.add(value("BACKUP_ROOT", run.backupRoot()));
        env.add(value("DRILL_NAME", drill.getMetadata().getName()));
        env.add(value("CLEANUP", run.cleanup()));
        env.add(value("DEADLINE_SECONDS", String.valueOf(run.deadlineSeconds())));
        if (run.targetRto() != null) {
            env.add(value("TARGET_RTO_SECONDS", String.valueOf(run.targetRto().longValue())));
        }
        if (run.targetRpo() != null) {
            env.add(value("TARGET_RPO_SECONDS", String.valueOf(run.targetRpo().longValue())));
        }
        env.add(value("TERMINATION_LOG", "/dev/termination-log"));
        env.add(value("REPORT_FILE", "/tmp/drill-report.md"));
        env.add(value("TMPDIR", "/tmp"));
        Job job = new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(ns(drill))
                    .addToLabels(LABEL_DRILL, drill.getMetadata().getName()).addToLabels(LABEL_RUN, runId)
                    .addToLabels("app.kubernetes.io/managed-by", "tview-operator")
                    .withOwnerReferences(owner(drill)).endMetadata()
                .withNewSpec()
                    .withBackoffLimit(0)
                    .withActiveDeadlineSeconds(run.deadlineSeconds())
                    .withNewTemplate()
                        .withNewMetadata().addToLabels(LABEL_DRILL, drill.getMetadata().getName())
                            .addToLabels(LABEL_RUN, runId).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withAutomountServiceAccountToken(false)
                            .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(999L).withRunAsGroup(999L)
                                .withFsGroup(999L).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                            .endSecurityContext()
                            .addNewContainer()
                                .withName("drill").withImage(run.image())
                                .withCommand("sh", "/scripts/drill.sh", run.scenario())
                                .withEnv(env)
                                .withTerminationMessagePolicy("FallbackToLogsOnError")
                                .withTerminationMessagePath("/dev/termination-log")
                                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                                    .withNewCapabilities().withDrop("ALL").endCapabilities().endSecurityContext()
                                .addNewVolumeMount().withName("scripts").withMountPath("/scripts").withReadOnly(true).endVolumeMount()
                                .addNewVolumeMount().withName("backups").withMountPath("/backups").withReadOnly(true).endVolumeMount()
                                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                            .endContainer()
                            .addNewVolume().withName("scripts").withNewConfigMap().withName(scriptsName(drill))
                                .withDefaultMode(0555).endConfigMap().endVolume()
                            .addNewVolume().withName("backups").withNewPersistentVolumeClaim()
                                .withClaimName(run.claimName()).withReadOnly(true).endPersistentVolumeClaim().endVolume()
                            .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
                        .endSpec()
                    .endTemplate()
                .endSpec().build();
        return client.batch().v1().jobs().inNamespace(ns(drill)).resource(job).create();
    }

    public Job job(HasMetadata drill, String name) {
        return client.batch().v1().jobs().inNamespace(ns(drill)).withName(name).get();
    }

    /** The termination message of the Job's terminated drill container, if any (drill.sh's JSON result). */
    public Optional<String> terminationMessage(HasMetadata drill, String jobName) {
        List<Pod> pods = client.pods().inNamespace(ns(drill)).withLabel("job-name", jobName).list().getItems();
        if (pods.isEmpty()) {
            pods = client.pods().inNamespace(ns(drill)).withLabel("batch.kubernetes.io/job-name", jobName).list().getItems();
        }
        return pods.stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getContainerStatuses() != null)
                .flatMap(p -> p.getStatus().getContainerStatuses().stream())
                .filter(s -> s.getState() != null && s.getState().getTerminated() != null)
                .map(s -> s.getState().getTerminated().getMessage())
                .filter(m -> m != null && !m.isBlank())
                .findFirst();
    }

    /** The Job's True condition of type Complete or Failed, if it finished. */
    public static Optional<JobCondition> finished(Job job) {
        if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> "True".equals(c.getStatus()))
                .filter(c -> "Complete".equals(c.getType()) || "Failed".equals(c.getType()))
                .findFirst();
    }

    public void writeReport(HasMetadata drill, String runId, String markdown, String resultJson) {
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(reportName(drill, runId)).withNamespace(ns(drill))
                .addToLabels(LABEL_DRILL, drill.getMetadata().getName()).addToLabels(LABEL_RUN, runId)
                .withOwnerReferences(owner(drill)).endMetadata()
                .withData(Map.of(REPORT_KEY, markdown, RESULT_KEY, resultJson)).build();
        client.configMaps().inNamespace(ns(drill)).resource(cm).createOr(c -> c.update());
    }

    /** Deletes the Job (with its Pods) and the report ConfigMap of a run dropped from the history. */
    public void prune(HasMetadata drill, String runId) {
        client.batch().v1().jobs().inNamespace(ns(drill)).withName(jobName(drill, runId))
                .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
        client.configMaps().inNamespace(ns(drill)).withName(reportName(drill, runId)).delete();
    }

    static OwnerReference owner(HasMetadata drill) {
        return new OwnerReferenceBuilder().withApiVersion(drill.getApiVersion()).withKind(drill.getKind())
                .withName(drill.getMetadata().getName()).withUid(drill.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    private static EnvVar fromSecret(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key)
                .endSecretKeyRef().endValueFrom().build();
    }

    private static EnvVar value(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static String ns(HasMetadata r) {
        return r.getMetadata().getNamespace();
    }
}
