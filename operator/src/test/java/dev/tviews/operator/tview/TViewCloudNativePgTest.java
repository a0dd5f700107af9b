package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.database.DatabaseResolver;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TViews on a CloudNativePG Cluster: the {@code <name>-app} Secret is used, work holds while a switchover is in
 * progress, and a consistency check runs right after the primary changed. The Cluster objects are created in the
 * mock API server by the test (no CloudNativePG controller runs here).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewCloudNativePgTest {

    @Inject
    KubernetesClient client;

    @Test
    void followsTheClusterAndHoldsDuringASwitchover() {
        TViewFixture shop = TViewFixture.create(client, "cnpg");
        client.resource(shop.secret("shop-pg-app", shop.db.server().password())).create();
        createCluster(shop, "shop-pg-1", "shop-pg-1");
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(DatabaseRef.cluster("shop-pg")));

        TView ready = shop.awaitReady("user");
        assertThat(ready.getStatus().getCurrentPrimary()).isEqualTo("shop-pg-1");
        String firstCheck = ready.getStatus().getLastConsistencyCheck().time();

        setPrimaries(shop, "shop-pg-1", "shop-pg-2");
        var holding = shop.awaitCondition("user", Conditions.RECONCILING, true, "SwitchoverInProgress");
        assertThat(holding.getMessage()).contains("currentPrimary=shop-pg-1").contains("targetPrimary=shop-pg-2");
        shop.db.execute("DROP TRIGGER " + shop.db.queryValue("SELECT min(tgname) FROM pg_trigger "
                + "WHERE tgrelid = 'tb_user'::regclass AND NOT tgisinternal") + " ON tb_user");
        setPrimaries(shop, "pending", "pending");
        shop.awaitCondition("user", Conditions.RECONCILING, true, "SwitchoverInProgress");
        assertThat(shop.events("user")).as("the database is not touched during the switchover")
                .noneMatch(e -> "TriggersReinstalled".equals(e.getReason()));

        setPrimaries(shop, "shop-pg-2", "shop-pg-2");
        TView after = await(shop, t -> "shop-pg-2".equals(t.getStatus().getCurrentPrimary())
                && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY));
        assertThat(after.getStatus().getLastConsistencyCheck().time()).as("re-checked after the failover")
                .isGreaterThanOrEqualTo(firstCheck);
        shop.awaitEvent("user", "TriggersReinstalled");
    }

    @Test
    void aMissingClusterIsWaitedFor() {
        TViewFixture shop = TViewFixture.create(client, "cnpg-missing");
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(DatabaseRef.cluster("nowhere")));
        assertThat(shop.awaitCondition("user", Conditions.RECONCILING, true, "ClusterNotFound").getMessage())
                .contains("nowhere");
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

    private TView await(TViewFixture shop, java.util.function.Predicate<TView> condition) {
        return org.awaitility.Awaitility.await().atMost(TViewFixture.TIMEOUT)
                .until(() -> shop.get("user"), t -> t != null && t.getStatus() != null && condition.test(t));
    }
}
