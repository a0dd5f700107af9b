package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.SHOP_SCHEMA;
import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * TViews on a CloudNativePG Cluster, with a real primary and a real streaming standby. A stand-in for the CloudNativePG
 * controller (this test) drives a failover the way CloudNativePG reports one in the Cluster's status: targetPrimary
 * {@code pending} while it decides, then the chosen instance, then currentPrimary once promoted; the old primary is
 * stopped and the {@code <cluster>-app} Secret is pointed at the promoted standby (standing in for the {@code -rw}
 * Service moving to it). The operator must hold while the cluster is switching, then follow it to the other server.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewCloudNativePgTest {

    @Inject
    KubernetesClient client;

    @Test
    void followsTheClusterToThePromotedStandbyAndHoldsWhileItSwitches() {
        try (PgServer first = PgServer.start("cnpg-1")) {
            PgDatabase oldPrimary = first.createDatabase("app");
            oldPrimary.execute(SHOP_SCHEMA);
            try (PgServer second = first.startStandby("cnpg-2")) {
                PgDatabase newPrimary = second.database("app");
                TViewFixture shop = TViewFixture.on(client, "cnpg", oldPrimary);
                appSecret(shop, first);
                createCluster(shop, "shop-pg-1", "shop-pg-1");
                shop.tview("user", USER_QUERY, spec -> {
                    spec.setDatabase(DatabaseRef.cluster("shop-pg"));
                    // a schedule that is never due during the test: only the failover can cause a new check
                    ConsistencyCheckSpec check = new ConsistencyCheckSpec();
                    check.setSchedule("0 0 1 1 *");
                    spec.setConsistencyCheck(check);
                });

                TView ready = shop.awaitReady("user");
                assertThat(ready.getStatus().getCurrentPrimary()).isEqualTo("shop-pg-1");
                Instant firstCheck = Instant.parse(ready.getStatus().getLastConsistencyCheck().time());

                // the primary fails; CloudNativePG reports a failover being decided
                setPrimaries(shop, "shop-pg-1", "pending");
                awaitHold(shop, "currentPrimary=shop-pg-1, targetPrimary=pending");
                first.close();
                second.promote();
                appSecret(shop, second);
                awaitRows(newPrimary, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tb_user'::regclass "
                        + "AND NOT tgisinternal", n -> n > 0);
                String trigger = (String) newPrimary.queryValue("SELECT min(tgname) FROM pg_trigger "
                        + "WHERE tgrelid = 'tb_user'::regclass AND NOT tgisinternal");
                newPrimary.execute("DROP TRIGGER " + trigger + " ON tb_user");

                // still switching: the operator reconciles (the status changes) but must not touch the database,
                // which is reachable and writable through the Secret at this point
                setPrimaries(shop, "shop-pg-1", "shop-pg-2");
                awaitHold(shop, "currentPrimary=shop-pg-1, targetPrimary=shop-pg-2");
                assertThat(count(newPrimary, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tb_user'::regclass "
                        + "AND tgname = '" + trigger + "'")).as("the database is not touched during the switchover").isZero();
                assertThat(shop.events("user")).noneMatch(e -> "TriggersReinstalled".equals(e.getReason()));

                // the failover completes: follow the new primary and re-check at once
                Awaitility.await().atMost(TViewFixture.TIMEOUT)
                        .until(() -> Instant.now().truncatedTo(ChronoUnit.SECONDS).isAfter(firstCheck));
                setPrimaries(shop, "shop-pg-2", "shop-pg-2");
                TView after = await(shop, t -> "shop-pg-2".equals(t.getStatus().getCurrentPrimary())
                        && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY));
                assertThat(Instant.parse(after.getStatus().getLastConsistencyCheck().time()))
                        .as("re-checked after the failover").isAfter(firstCheck);
                assertThat(after.getStatus().getLastConsistencyCheck().driftRows()).isZero();
                assertThat(shop.awaitEvent("user", "TriggersReinstalled").getMessage()).contains(trigger);
                assertThat(count(newPrimary, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tb_user'::regclass "
                        + "AND tgname = '" + trigger + "'")).as("reinstalled on the promoted standby").isEqualTo(1);
                newPrimary.execute("INSERT INTO tb_user (name) VALUES ('carol')");
                assertThat(newPrimary.queryValue("SELECT data->>'name' FROM tv_user WHERE pk_user = "
                        + "(SELECT max(pk_user) FROM tb_user)")).isEqualTo("carol");
            }
        }
    }

    @Test
    void aMissingClusterIsWaitedFor() {
        TViewFixture shop = TViewFixture.create(client, "cnpg-missing");
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(DatabaseRef.cluster("nowhere")));
        assertThat(shop.awaitCondition("user", Conditions.RECONCILING, true, "ClusterNotFound").getMessage())
                .contains("nowhere");
    }

    /** The CloudNativePG app Secret, pointing at {@code server} (where the -rw Service would route). */
    private void appSecret(TViewFixture shop, PgServer server) {
        var secret = new SecretBuilder().withNewMetadata().withName("shop-pg-app").withNamespace(shop.namespace).endMetadata()
                .withStringData(Map.of("host", server.host(), "port", String.valueOf(server.port()), "dbname", "app",
                        "username", "postgres", "password", server.password()))
                .build();
        client.resource(secret).createOr(r -> r.update());
    }

    private void awaitHold(TViewFixture shop, String primaries) {
        await(shop, t -> Conditions.find(t.getStatus().getConditions(), Conditions.RECONCILING)
                .filter(c -> "True".equals(c.getStatus()) && "SwitchoverInProgress".equals(c.getReason())
                        && c.getMessage().contains(primaries))
                .isPresent());
    }

    private void createCluster(TViewFixture shop, String current, String target) {
        GenericKubernetesResource cluster = new GenericKubernetesResourceBuilder()
                .withApiVersion("postgresql.cnpg.io/v1").withKind("Cluster")
                .withNewMetadata().withName("shop-pg").withNamespace(shop.namespace).endMetadata()
                .addToAdditionalProperties("spec", Map.of("instances", 2))
                .build();
        client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(shop.namespace).resource(cluster).create();
        setPrimaries(shop, current, target);
    }

    private void setPrimaries(TViewFixture shop, String current, String target) {
        var clusters = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(shop.namespace);
        GenericKubernetesResource cluster = clusters.withName("shop-pg").get();
        Map<String, Object> status = new HashMap<>();
        status.put("currentPrimary", current);
        status.put("targetPrimary", target);
        status.put("instancesStatus", Map.of("healthy", List.of("shop-pg-1", "shop-pg-2")));
        cluster.getAdditionalProperties().put("status", status);
        clusters.resource(cluster).update();
    }

    private static long count(PgDatabase db, String sql) {
        return ((Number) db.queryValue(sql)).longValue();
    }

    private static void awaitRows(PgDatabase db, String sql, Predicate<Long> matching) {
        Awaitility.await().atMost(TViewFixture.TIMEOUT).ignoreExceptions().until(() -> count(db, sql), matching::test);
    }

    private TView await(TViewFixture shop, Predicate<TView> condition) {
        try {
            return Awaitility.await().atMost(TViewFixture.TIMEOUT)
                    .until(() -> shop.get("user"), t -> t != null && t.getStatus() != null && condition.test(t));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("TView last seen: " + Serialization.asYaml(shop.get("user")), e);
        }
    }
}
