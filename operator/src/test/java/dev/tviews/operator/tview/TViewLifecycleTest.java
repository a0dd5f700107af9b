package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.POST_QUERY;
import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.Conditions;
import dev.tviews.runtime.TviewsRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** TViews against the mock API server and a real PostgreSQL: create, maintain, rebuild, dependencies, deletion. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewLifecycleTest {

    @Inject
    KubernetesClient client;

    @Inject
    dev.tviews.operator.database.ConnectionPools pools;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Test
    void createsAMaintainedTViewAndReportsItInStatus() throws Exception {
        TViewFixture shop = TViewFixture.create(client, "lifecycle");
        shop.tview("user", USER_QUERY);

        TView user = shop.awaitReady("user");
        assertThat(user.getStatus().getTable()).isEqualTo("public.tv_user");
        assertThat(user.getStatus().getRowCount()).isEqualTo(2L);
        assertThat(user.getStatus().getRuntimeVersion()).isEqualTo(TviewsRuntime.version());
        assertThat(user.getStatus().getCreatedByOperator()).isTrue();
        assertThat(user.getStatus().getDefinitionHash()).isNotBlank();
        assertThat(user.getStatus().getLastAppliedGeneration()).isEqualTo(user.getMetadata().getGeneration());
        assertThat(user.getStatus().getNextConsistencyCheck()).isNotBlank();
        assertThat(user.getStatus().getLastConsistencyCheck().driftRows()).isZero();
        assertThat(Conditions.isTrue(user.getStatus().getConditions(), Conditions.STALLED)).isFalse();
        shop.awaitEvent("user", "Created");

        shop.db.execute("INSERT INTO tb_user (name) VALUES ('carol'); UPDATE tb_user SET name = 'alice2' WHERE pk_user = 1");
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
        assertThat(shop.count("SELECT count(*) FROM tv_user")).isEqualTo(3);

        await().atMost(TViewFixture.TIMEOUT).untilAsserted(() -> assertThat(get(metrics))
                .contains("tview_rows{name=\"user\",namespace=\"" + shop.namespace + "\",} 3.0")
                .contains("tview_drift_rows{kind=\"missing\",name=\"user\",namespace=\"" + shop.namespace + "\",} 0.0")
                .contains("tview_consistency_check_seconds_count{name=\"user\",namespace=\"" + shop.namespace + "\",}"));
    }

    @Test
    void waitsForTheTViewItReadsThenConverges() {
        TViewFixture shop = TViewFixture.create(client, "deps");
        shop.tview("user", USER_QUERY, spec -> spec.setSuspend(true));
        shop.tview("post", POST_QUERY);

        var waiting = shop.awaitCondition("post", Conditions.RECONCILING, true, "WaitingForDependency");
        assertThat(waiting.getMessage()).isEqualTo("waiting for TView(s) to be Ready: user");
        assertThat(shop.count("SELECT count(*) FROM pg_class WHERE relname = 'tv_post'")).isZero();

        shop.edit("user", t -> t.getSpec().setSuspend(false));
        shop.awaitReady("user");
        TView post = shop.awaitReady("post");
        assertThat(post.getStatus().getRowCount()).isEqualTo(3L);

        shop.db.execute("UPDATE tb_user SET name = 'Alice' WHERE pk_user = 1");
        assertThat(shop.drift("tv_post", POST_QUERY)).isZero();
        assertThat(shop.db.queryValue("SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 1")).isEqualTo("Alice");
    }

    @Test
    void aSourceThatDoesNotExistYetIsWaitedForNotStalled() {
        TViewFixture shop = TViewFixture.create(client, "late-source");
        shop.tview("post", POST_QUERY);

        var missing = shop.awaitCondition("post", Conditions.RECONCILING, true, "SourceMissing");
        assertThat(missing.getMessage()).contains("tv_user").contains("42P01");

        shop.tview("user", USER_QUERY);
        assertThat(shop.awaitReady("post").getStatus().getRowCount()).isEqualTo(3L);
    }

    @Test
    void aChangedQueryRebuildsTheTView() {
        TViewFixture shop = TViewFixture.create(client, "rebuild");
        shop.tview("user", USER_QUERY);
        String firstHash = shop.awaitReady("user").getStatus().getDefinitionHash();

        String newQuery = "SELECT u.pk_user, u.id, u.name, jsonb_build_object('name', upper(u.name)) AS data FROM tb_user u";
        shop.edit("user", t -> t.getSpec().setQuery(newQuery));

        shop.awaitEvent("user", "Rebuilt");
        TView rebuilt = shop.awaitReady("user");
        assertThat(rebuilt.getStatus().getDefinitionHash()).isNotEqualTo(firstHash);
        assertThat(shop.db.queryValue("SELECT data->>'name' FROM tv_user WHERE pk_user = 1")).isEqualTo("ALICE");
        assertThat(shop.drift("tv_user", newQuery)).isZero();
    }

    @Test
    void upgradesAnOlderRuntimeAndSharesOnePoolPerDatabase() {
        TViewFixture shop = TViewFixture.create(client, "upgrade");
        shop.tview("user", USER_QUERY);
        shop.tview("post", POST_QUERY);
        shop.awaitReady("post");
        assertThat(pools.usersOf(connectionOf(shop))).containsExactlyInAnyOrder(
                shop.namespace + "/TView/user", shop.namespace + "/TView/post");

        shop.db.execute("CREATE OR REPLACE FUNCTION public.pg_tviews_version() RETURNS text LANGUAGE sql AS $$ SELECT '0.0.1' $$");
        await().atMost(TViewFixture.TIMEOUT).until(() -> TviewsRuntime.version().equals(shop.db.queryValue("SELECT pg_tviews_version()")));
        shop.db.execute("UPDATE tb_user SET name = 'after upgrade' WHERE pk_user = 2");
        assertThat(shop.drift("tv_post", POST_QUERY)).isZero();

        client.resource(shop.get("post")).delete();
        client.resource(shop.get("user")).delete();
        await().atMost(TViewFixture.TIMEOUT).until(() -> pools.usersOf(connectionOf(shop)).isEmpty());
    }

    /**
     * An upgrade that a writer's open transaction blocks (it must drop and recreate the source's triggers) waits no
     * longer than the operator's install lock timeout (1 s in tests): it fails changing nothing, the TView says
     * RuntimeInstallFailed with PostgreSQL's reason, and the next attempt after the writer commits upgrades. Before,
     * the reconcile waited without bound, holding the runtime's catalog (writers of every TVIEW queued behind it).
     */
    @Test
    void anUpgradeThatALockBlocksFailsWithinTheTimeoutAndIsRetried() throws Exception {
        TViewFixture shop = TViewFixture.create(client, "upgrade_wait");
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");
        try (java.sql.Connection writer = shop.db.connect(); java.sql.Statement w = writer.createStatement()) {
            w.execute("BEGIN");
            w.execute("UPDATE tb_user SET name = 'in flight' WHERE pk_user = 2");
            shop.db.execute("CREATE OR REPLACE FUNCTION public.pg_tviews_version() RETURNS text LANGUAGE sql AS $$ SELECT '0.0.1' $$");
            var failed = shop.awaitCondition("user", Conditions.RECONCILING, true, "RuntimeInstallFailed");
            assertThat(failed.getMessage()).contains("lock timeout");
            assertThat(shop.db.queryValue("SELECT pg_tviews_version()")).isEqualTo("0.0.1");
            w.execute("COMMIT");
        }
        await().atMost(TViewFixture.TIMEOUT).until(() -> TviewsRuntime.version().equals(shop.db.queryValue("SELECT pg_tviews_version()")));
        shop.awaitReady("user");
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
        assertThat(shop.db.queryValue("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND state = 'idle in transaction (aborted)'")).isEqualTo(0L);
    }

    private static dev.tviews.operator.database.ConnectionSpec connectionOf(TViewFixture shop) {
        return new dev.tviews.operator.database.ConnectionSpec(shop.db.server().host(), shop.db.server().port(),
                shop.db.name(), "postgres", shop.db.server().password());
    }

    @Test
    void adoptsAnExistingTViewAndNeverDropsIt() {
        TViewFixture shop = TViewFixture.create(client, "adopt");
        shop.db.execute(TviewsRuntime.installScript());
        shop.db.execute("SELECT pg_tviews_create('tv_user', $q$" + USER_QUERY + "$q$)");
        shop.tview("user", USER_QUERY, spec -> spec.setDeletionPolicy(TViewSpec.DeletionPolicy.Delete));

        TView user = shop.awaitReady("user");
        assertThat(user.getStatus().getCreatedByOperator()).isFalse();
        shop.awaitEvent("user", "Adopted");

        client.resource(user).delete();
        await().atMost(TViewFixture.TIMEOUT).until(() -> shop.get("user") == null);
        shop.awaitEvent("user", "Retained");
        assertThat(shop.count("SELECT count(*) FROM tv_user")).isEqualTo(2);
    }

    @Test
    void deletionRetainsOrDropsPerPolicyAndIsRefusedWhileAnotherTViewReadsIt() {
        TViewFixture shop = TViewFixture.create(client, "deletion");
        shop.tview("user", USER_QUERY, spec -> spec.setDeletionPolicy(TViewSpec.DeletionPolicy.Delete));
        shop.tview("post", POST_QUERY, spec -> spec.setDeletionPolicy(TViewSpec.DeletionPolicy.Retain));
        shop.awaitReady("user");
        shop.awaitReady("post");

        client.resource(shop.get("user")).delete();
        var blocked = shop.awaitCondition("user", Conditions.RECONCILING, true, "DeletionBlocked");
        assertThat(blocked.getMessage()).contains("tv_post").contains("2BP01");
        assertThat(shop.get("user")).isNotNull();
        assertThat(shop.count("SELECT count(*) FROM tv_user")).isEqualTo(2);

        client.resource(shop.get("post")).delete();
        await().atMost(TViewFixture.TIMEOUT).until(() -> shop.get("post") == null);
        assertThat(shop.count("SELECT count(*) FROM tv_post")).as("Retain keeps the table").isEqualTo(3);

        shop.db.execute("SELECT pg_tviews_drop('tv_post')");
        await().atMost(TViewFixture.TIMEOUT).until(() -> shop.get("user") == null);
        shop.awaitEvent("user", "Dropped");
        assertThat(shop.count("SELECT count(*) FROM pg_class WHERE relname = 'tv_user'")).isZero();
        assertThat(shop.count("SELECT count(*) FROM pg_tview_meta WHERE entity = 'user'")).isZero();
        assertThat(shop.count("SELECT count(*) FROM tb_user")).as("sources untouched").isEqualTo(2);
    }

    private static String get(URL url) throws Exception {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
