package dev.tviews.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Bad input is Stalled with a message (and nothing is scheduled); what may still arrive (Secret, Cluster, a reachable
 * database) is Reconciling and retried. The mock API server applies no CRD validation, so the operator's own checks
 * are what is tested here.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BackupPolicyErrorsTest {

    @Inject
    KubernetesClient client;

    @Test
    void invalidScheduleTimeZoneDurationsMethodsRetentionAndPathAreStalled() {
        BackupFixture shop = BackupFixture.create(client, "invalid");
        expectStalled(shop, "cron", s -> s.setSchedule("61 6 * * *"), "61 6 * * *");
        expectStalled(shop, "seconds-cron", s -> s.setSchedule("0 0 6 * * *"), "5 fields");
        expectStalled(shop, "zone", s -> s.setTimeZone("Mars/Olympus"), "Mars/Olympus");
        expectStalled(shop, "rpo", s -> s.setRpoTarget("1 day"), "spec.rpoTarget '1 day'");
        expectStalled(shop, "maxage", s -> {
            BackupPolicySpec.Retention r = new BackupPolicySpec.Retention();
            r.setMaxAge("30 days");
            s.setRetention(r);
        }, "spec.retention.maxAge");
        expectStalled(shop, "keeplast", s -> {
            BackupPolicySpec.Retention r = new BackupPolicySpec.Retention();
            r.setKeepLast(0);
            s.setRetention(r);
        }, "keepLast must be at least 1");
        expectStalled(shop, "method", s -> s.setMethods(List.of("logical", "incremental")), "unknown method 'incremental'");
        expectStalled(shop, "twice", s -> s.setMethods(List.of("logical", "logical")), "twice");
        expectStalled(shop, "none", s -> s.setMethods(List.of()), "spec.methods is empty");
        expectStalled(shop, "path", s -> s.getStorage().setPath("../other-team"), "must not contain '..'");
        assertThat(client.batch().v1().cronjobs().inNamespace(shop.namespace).list().getItems())
                .as("nothing is scheduled from an invalid spec").isEmpty();

        // fixing the spec converges
        shop.edit("cron", p -> p.getSpec().setSchedule("30 2 * * 0"));
        shop.awaitReady("cron");
        assertThat(shop.cronJob("cron-logical").getSpec().getSchedule()).isEqualTo("30 2 * * 0");
    }

    @Test
    void aMissingPvcIsStalledUntilItExists() {
        BackupFixture shop = BackupFixture.create(client, "pvc");
        shop.policy("nightly", s -> s.getStorage().getPersistentVolumeClaim().setClaimName("nowhere"));
        assertThat(shop.awaitCondition("nightly", Conditions.STALLED, true, "StorageNotFound").getMessage())
                .contains("PersistentVolumeClaim " + shop.namespace + "/nowhere not found");
        assertThat(shop.cronJob("nightly-logical")).isNull();
        shop.createPvc("nowhere");
        shop.awaitReady("nightly");
    }

    @Test
    void aMissingSecretOrClusterOrPasswordIsStalledUntilItAppears() {
        BackupFixture shop = BackupFixture.create(client, "secret");
        shop.policy("nightly", s -> s.setDatabase(DatabaseRef.secret("later-db")));
        assertThat(shop.awaitCondition("nightly", Conditions.STALLED, true, "SecretNotFound").getMessage())
                .contains("later-db");
        shop.createSecret("later-db", shop.password());
        shop.awaitReady("nightly");

        shop.policy("cluster", s -> s.setDatabase(DatabaseRef.cluster("nowhere")));
        assertThat(shop.awaitCondition("cluster", Conditions.STALLED, true, "ClusterNotFound").getMessage())
                .contains("nowhere");

        var server = shop.db.server();
        client.resource(new SecretBuilder().withNewMetadata().withName("uri-only").withNamespace(shop.namespace).endMetadata()
                .withStringData(Map.of("uri", "postgresql://postgres:" + shop.password() + "@" + server.host() + ":"
                        + server.port() + "/" + shop.db.name())).build()).create();
        shop.policy("uri", s -> s.setDatabase(DatabaseRef.secret("uri-only")));
        assertThat(shop.awaitCondition("uri", Conditions.STALLED, true, "InvalidSecret").getMessage())
                .contains("no key 'password'").doesNotContain(shop.password());
        // adding a password key is enough: the other settings, not secret, come from the uri
        client.secrets().inNamespace(shop.namespace).withName("uri-only").edit(sec -> {
            sec.getStringData().put("password", shop.password());
            return sec;
        });
        shop.awaitReady("uri");
        var env = shop.cronJob("uri-logical").getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getEnv();
        assertThat(env).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("PGPASSWORD");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password");
        });
        assertThat(env).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("PGDATABASE");
            assertThat(e.getValue()).isEqualTo(shop.db.name());
        });
        assertThat(Serialization.asYaml(shop.cronJob("uri-logical"))).doesNotContain(shop.password());
    }

    @Test
    void anUnreachableDatabaseIsRetriedWithoutLeakingThePassword() {
        BackupFixture shop = BackupFixture.create(client, "unreachable");
        String wrong = "Wr0ng-Backup-Secret-77";
        client.resource(shop.secret("shop-db", wrong)).update();
        shop.policy("nightly", s -> { });
        var waiting = shop.awaitCondition("nightly", Conditions.RECONCILING, true, "DatabaseUnreachable");
        assertThat(waiting.getMessage()).contains("password authentication failed").doesNotContain(wrong);
        assertThat(Serialization.asYaml(shop.get("nightly")) + Serialization.asYaml(shop.events("nightly")))
                .doesNotContain(wrong).doesNotContain(shop.password());
        client.resource(shop.secret("shop-db", shop.password())).update();
        shop.awaitReady("nightly");
    }

    private void expectStalled(BackupFixture shop, String name, Consumer<BackupPolicySpec> spec, String message) {
        shop.policy(name, spec);
        assertThat(shop.awaitCondition(name, Conditions.STALLED, true, "InvalidSpec").getMessage()).contains(message);
        assertThat(Conditions.isTrue(shop.get(name).getStatus().getConditions(), Conditions.READY)).isFalse();
    }
}
