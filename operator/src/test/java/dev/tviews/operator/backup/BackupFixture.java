package dev.tviews.operator.backup;

import dev.tviews.operator.NamespaceFixture;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A namespace with a real database behind the Secret "shop-db", the PVC "backups", and helpers to drive policies. */
final class BackupFixture extends NamespaceFixture<TViewBackupPolicy, BackupPolicyStatus> {

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private BackupFixture(KubernetesClient client, String namespace, PgDatabase db) {
        super(TViewBackupPolicy.class, client, namespace, db);
    }

    static BackupFixture create(KubernetesClient client, String label) {
        int n = COUNTER.incrementAndGet();
        PgDatabase db = PgServer.shared().createDatabase("bk_" + label.replace('-', '_') + "_" + n + "_"
                + ProcessHandle.current().pid());
        BackupFixture fixture = new BackupFixture(client, "bk-" + label + "-" + n, db);
        fixture.createSecret("shop-db", db.server().password());
        fixture.createPvc("backups");
        return fixture;
    }

    String password() {
        return db.server().password();
    }

    int serverMajor() {
        int num = Integer.parseInt(String.valueOf(db.queryValue("SHOW server_version_num")));
        return num / 10000;
    }

    void createPvc(String name) {
        client.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name).withNamespace(namespace)
                .endMetadata().withNewSpec().withAccessModes("ReadWriteMany").withNewResources()
                .addToRequests("storage", new Quantity("10Gi")).endResources().endSpec().build()).create();
    }

    /** A policy: secret shop-db, schedule 0 6 * * *, logical, PVC backups at path shop; customized. */
    TViewBackupPolicy policy(String name, Consumer<BackupPolicySpec> customize) {
        TViewBackupPolicy policy = new TViewBackupPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        BackupPolicySpec spec = new BackupPolicySpec();
        spec.setDatabase(DatabaseRef.secret("shop-db"));
        spec.setSchedule("0 6 * * *");
        BackupPolicySpec.Storage storage = new BackupPolicySpec.Storage();
        storage.setPersistentVolumeClaim(new BackupPolicySpec.ClaimRef("backups"));
        storage.setPath("shop");
        spec.setStorage(storage);
        customize.accept(spec);
        policy.setSpec(spec);
        return client.resource(policy).create();
    }

    TViewBackupPolicy awaitStatus(String name, Predicate<BackupPolicyStatus> matching) {
        try {
            return await().atMost(TIMEOUT).until(() -> get(name),
                    p -> p != null && p.getStatus() != null && matching.test(p.getStatus()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("policy " + name + " status never matched; last seen: " + Serialization.asYaml(get(name)), e);
        }
    }

    CronJob cronJob(String name) {
        return client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
    }

    CronJob awaitCronJob(String name) {
        return await().atMost(TIMEOUT).until(() -> cronJob(name), c -> c != null);
    }

    List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    /** A Job as the CronJob controller would create it from the CronJob's template. */
    Job jobFromCronJob(String cronJobName, String jobName) {
        CronJob cronJob = cronJob(cronJobName);
        Job job = new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
                .withNewMetadata().withName(jobName).withNamespace(namespace)
                .withLabels(cronJob.getSpec().getJobTemplate().getMetadata().getLabels())
                .addNewOwnerReference().withApiVersion("batch/v1").withKind("CronJob")
                .withName(cronJobName).withUid(cronJob.getMetadata().getUid()).withController(true).endOwnerReference()
                .endMetadata()
                .withSpec(cronJob.getSpec().getJobTemplate().getSpec()).build();
        return client.resource(job).create();
    }

    /**
     * What the Job controller and the kubelet would do: a Pod labelled job-name=<job> whose backup container
     * terminated with {@code message} (the JSON summary), then the Job's status Complete or Failed.
     */
    void finishJob(String jobName, boolean success, String message, Instant start, Instant end) {
        Pod pod = new PodBuilder().withNewMetadata().withName(jobName + "-x1").withNamespace(namespace)
                .withLabels(Map.of("job-name", jobName)).endMetadata()
                .withNewSpec().addNewContainer().withName("backup").withImage("postgres").endContainer().endSpec()
                .withNewStatus().withPhase(success ? "Succeeded" : "Failed")
                .addNewContainerStatus().withName("backup").withNewState().withNewTerminated()
                .withExitCode(success ? 0 : 1).withMessage(message).withFinishedAt(end.toString())
                .endTerminated().endState().endContainerStatus()
                .endStatus().build();
        client.resource(pod).create();
        Pod stored = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).get();
        if (stored.getStatus() == null || stored.getStatus().getContainerStatuses() == null
                || stored.getStatus().getContainerStatuses().isEmpty()) {
            client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
                p.setStatus(pod.getStatus());
                return p;
            });
        }
        client.batch().v1().jobs().inNamespace(namespace).withName(jobName).editStatus(j -> {
            j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder()
                    .withStartTime(start.toString())
                    .withCompletionTime(success ? end.toString() : null)
                    .withSucceeded(success ? 1 : 0).withFailed(success ? 0 : 1)
                    .withConditions(new JobConditionBuilder().withType(success ? "Complete" : "Failed").withStatus("True")
                            .withLastTransitionTime(end.toString()).build())
                    .build());
            return j;
        });
    }

    /** The one-line JSON summary backup.sh prints (and writes to the termination log). */
    static String summary(String name, String method, String status, boolean verified, Instant start, Instant end,
                          long size, String error, String verification) {
        return "{\"name\":\"" + name + "\",\"method\":\"" + method + "\",\"status\":\"" + status + "\",\"verified\":"
                + verified + ",\"path\":\"/backups/shop/nightly/" + name + "\",\"startTime\":\"" + start + "\","
                + "\"endTime\":\"" + end + "\",\"sizeBytes\":" + size + ",\"sha256\":\"9f2c00aa\",\"serverVersion\":\"15.18\","
                + "\"startLsn\":null,\"endLsn\":null,\"error\":" + (error == null ? "null" : "\"" + error + "\"")
                + ",\"verification\":" + (verification == null ? "null" : "\"" + verification + "\"")
                + ",\"tviews\":{\"post\":50,\"user\":20}}";
    }

    static String ts(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC)
                .format(t);
    }
}
