package dev.tviews.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.jobs.BackupNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What a policy creates: the scripts ConfigMap and one CronJob per method, with the exact Job spec. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BackupPolicyJobSpecTest {

    @Inject
    KubernetesClient client;

    @Test
    void oneCronJobPerMethodWithScheduleTimeZoneEnvVolumesAndOwnership() {
        BackupFixture shop = BackupFixture.create(client, "spec");
        shop.policy("nightly", spec -> {
            spec.setMethods(List.of("logical", "physical"));
            spec.setTimeZone("Europe/Paris");
            BackupPolicySpec.Retention retention = new BackupPolicySpec.Retention();
            retention.setKeepLast(7);
            retention.setMaxAge("14d");
            spec.setRetention(retention);
            BackupPolicySpec.Verify verify = new BackupPolicySpec.Verify();
            verify.setRestoreTest(true);
            spec.setVerify(verify);
        });
        TViewBackupPolicy ready = shop.awaitReady("nightly");
        TViewBackupPolicy policy = shop.get("nightly");

        // image detected from the server
        String detected = "postgres:" + shop.serverMajor();
        assertThat(ready.getStatus().getImage()).isEqualTo(detected);
        assertThat(ready.getStatus().getServerVersionNum() / 10000).isEqualTo(shop.serverMajor());
        ZonedDateTime next = Instant.parse(ready.getStatus().getNextScheduleTime()).atZone(ZoneId.of("Europe/Paris"));
        assertThat(next.getHour()).isEqualTo(6);
        assertThat(next.getMinute()).isZero();
        assertThat(Instant.parse(ready.getStatus().getNextScheduleTime())).isAfter(Instant.now());

        // the scripts ConfigMap holds every script of src/scripts, owned by the policy
        ConfigMap scripts = client.configMaps().inNamespace(shop.namespace).withName("nightly-scripts").get();
        assertThat(scripts.getData()).containsOnlyKeys("backup.sh", "verify.sh", "restore.sh", "retention.sh", "lib.sh");
        for (String script : scripts.getData().keySet()) {
            assertThat(scripts.getData().get(script)).as(script + " is the committed src/scripts/" + script)
                    .isEqualTo(committedScript(script));
        }
        assertThat(scripts.getData().get("backup.sh")).startsWith("#!/bin/sh");
        assertOwned(scripts.getMetadata().getOwnerReferences(), policy);

        assertThat(client.batch().v1().cronjobs().inNamespace(shop.namespace).list().getItems())
                .extracting(c -> c.getMetadata().getName()).containsExactlyInAnyOrder("nightly-logical", "nightly-physical");
        for (String method : List.of("logical", "physical")) {
            CronJob cronJob = shop.cronJob("nightly-" + method);
            assertOwned(cronJob.getMetadata().getOwnerReferences(), policy);
            assertThat(cronJob.getSpec().getSchedule()).isEqualTo("0 6 * * *");
            assertThat(cronJob.getSpec().getTimeZone()).isEqualTo("Europe/Paris");
            assertThat(cronJob.getSpec().getSuspend()).isFalse();
            assertThat(cronJob.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
            assertThat(cronJob.getSpec().getSuccessfulJobsHistoryLimit()).isEqualTo(3);
            assertThat(cronJob.getSpec().getFailedJobsHistoryLimit()).isEqualTo(3);
            assertThat(cronJob.getSpec().getJobTemplate().getMetadata().getLabels())
                    .containsEntry(BackupNames.POLICY_LABEL, "nightly").containsEntry(BackupNames.METHOD_LABEL, method);
            assertThat(cronJob.getSpec().getJobTemplate().getSpec().getBackoffLimit()).isZero();

            PodSpec pod = cronJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
            assertThat(pod.getRestartPolicy()).isEqualTo("Never");
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(999L);
            assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(999L);
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            Container c = pod.getContainers().get(0);
            assertThat(c.getImage()).isEqualTo(detected);
            assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
            assertThat(c.getCommand()).hasSize(3).startsWith("/bin/sh", "-c");
            assertThat(c.getCommand().get(2)).contains("sh /scripts/backup.sh \"$BACKUP_METHOD\"")
                    .contains("sh /scripts/retention.sh").doesNotContain("PGPASSWORD");
            assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + ":" + m.getMountPath())
                    .containsExactlyInAnyOrder("backups:/backups", "scripts:/scripts", "tmp:/tmp");
            assertThat(pod.getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo("backups");
                assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("backups");
            });
            assertThat(pod.getVolumes()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo("scripts");
                assertThat(v.getConfigMap().getName()).isEqualTo("nightly-scripts");
            });

            Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
            assertThat(env.get("BACKUP_METHOD").getValue()).isEqualTo(method);
            assertThat(env.get("BACKUP_ROOT").getValue()).isEqualTo("/backups/shop/nightly");
            assertThat(env.get("KEEP_LAST").getValue()).isEqualTo("7");
            assertThat(env.get("MAX_AGE").getValue()).isEqualTo("14d");
            assertThat(env.get("RESTORE_TEST").getValue()).isEqualTo("1");
            for (var e : Map.of("PGHOST", "host", "PGPORT", "port", "PGDATABASE", "dbname", "PGUSER", "username",
                    "PGPASSWORD", "password").entrySet()) {
                EnvVar var = env.get(e.getKey());
                assertThat(var.getValue()).as(e.getKey() + " is not literal").isNull();
                assertThat(var.getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-db");
                assertThat(var.getValueFrom().getSecretKeyRef().getKey()).isEqualTo(e.getValue());
            }
        }
        String everything = Serialization.asYaml(client.batch().v1().cronjobs().inNamespace(shop.namespace).list())
                + Serialization.asYaml(scripts) + Serialization.asYaml(shop.get("nightly"))
                + Serialization.asYaml(shop.events("nightly"));
        assertThat(everything).as("the password appears nowhere").doesNotContain(shop.password());
        assertThat(shop.awaitEvent("nightly", "Scheduled").getType()).isEqualTo("Normal");
    }

    @Test
    void anExplicitImageIsUsedAndAnImageOlderThanTheServerIsStalled() {
        BackupFixture shop = BackupFixture.create(client, "image");
        int major = shop.serverMajor();
        shop.policy("nightly", spec -> spec.setImage("postgres:" + (major - 1)));
        assertThat(shop.awaitCondition("nightly", Conditions.STALLED, true, "ImageTooOld").getMessage())
                .contains("postgres:" + (major - 1)).contains("older than the server (" + major + ")");
        assertThat(shop.cronJob("nightly-logical")).as("nothing scheduled with an unusable image").isNull();
        assertThat(shop.awaitEvent("nightly", "ImageTooOld").getType()).isEqualTo("Warning");

        // another registry would be refused by the default allow-list (BackupImageAllowListTest)
        shop.edit("nightly", p -> p.getSpec().setImage("docker.io/library/postgres:" + (major + 1) + "-alpine"));
        TViewBackupPolicy ready = shop.awaitReady("nightly");
        assertThat(ready.getStatus().getImage()).isEqualTo("docker.io/library/postgres:" + (major + 1) + "-alpine");
        assertThat(shop.awaitCronJob("nightly-logical").getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo("docker.io/library/postgres:" + (major + 1) + "-alpine");
    }

    @Test
    void methodsChangeTheCronJobsAndLongNamesStayWithinLimits() {
        BackupFixture shop = BackupFixture.create(client, "names");
        String longName = "a-very-long-backup-policy-name-for-the-shop-database-cluster";
        shop.policy(longName, spec -> spec.setMethods(List.of("logical", "metadata")));
        shop.awaitReady(longName);
        // shortened names: a prefix, the first 6 hex digits of sha256 of the policy name ("bc7319..."), the suffix
        String logical = "a-very-long-backup-policy-name-for-th-bc7319-logical";
        String metadata = "a-very-long-backup-policy-name-for-t-bc7319-metadata";
        assertThat(logical).hasSize(52);
        assertThat(BackupNames.manualJob(longName, "physical", "2025-03-31"))
                .isEqualTo("a-very-long-backup-policy-name-for-bc7319-physical-now-ea283032").hasSize(63);
        shop.awaitCronJob(logical);
        shop.awaitCronJob(metadata);

        shop.edit(longName, p -> p.getSpec().setMethods(List.of("metadata")));
        org.awaitility.Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.cronJob(logical) == null);
        assertThat(shop.cronJob(metadata)).isNotNull();
        shop.awaitEvent(longName, "CronJobDeleted");
    }

    @Test
    void aCloudNativePgClusterUsesItsAppSecretAndRwService() {
        BackupFixture shop = BackupFixture.create(client, "cnpg");
        client.resource(shop.secret("shop-pg-app", shop.password())).create();
        client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(shop.namespace)
                .resource(new GenericKubernetesResourceBuilder().withApiVersion("postgresql.cnpg.io/v1").withKind("Cluster")
                        .withNewMetadata().withName("shop-pg").withNamespace(shop.namespace).endMetadata()
                        .addToAdditionalProperties("spec", Map.of("instances", 2))
                        .addToAdditionalProperties("status", Map.of("currentPrimary", "shop-pg-1", "targetPrimary", "shop-pg-1"))
                        .build()).create();
        shop.policy("nightly", spec -> spec.setDatabase(DatabaseRef.cluster("shop-pg")));
        shop.awaitReady("nightly");
        Map<String, EnvVar> env = shop.cronJob("nightly-logical").getSpec().getJobTemplate().getSpec().getTemplate()
                .getSpec().getContainers().get(0).getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get("PGHOST").getValue()).isEqualTo("shop-pg-rw");
        assertThat(env.get("PGPASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-pg-app");
        assertThat(env.get("PGUSER").getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-pg-app");
    }

    private static String committedScript(String name) {
        String root = System.getProperty("tviews.repo.root");
        java.nio.file.Path dir = (root != null ? java.nio.file.Path.of(root) : java.nio.file.Path.of("..").toAbsolutePath().normalize())
                .resolve("src/scripts");
        try {
            return java.nio.file.Files.readString(dir.resolve(name));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void assertOwned(List<io.fabric8.kubernetes.api.model.OwnerReference> owners, TViewBackupPolicy policy) {
        assertThat(owners).singleElement().satisfies(o -> {
            assertThat(o.getKind()).isEqualTo("TViewBackupPolicy");
            assertThat(o.getApiVersion()).isEqualTo("tviews.dev/v1alpha1");
            assertThat(o.getName()).isEqualTo(policy.getMetadata().getName());
            assertThat(o.getUid()).isEqualTo(policy.getMetadata().getUid());
            assertThat(o.getController()).isTrue();
        });
    }
}
