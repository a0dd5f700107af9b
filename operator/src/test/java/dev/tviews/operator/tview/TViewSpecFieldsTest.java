package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Documented TView fields and signals (docs/tview.md) not covered elsewhere: entity, options (key, keys, uncascaded_policy, refresh), dependsOn, suspend, Altered/Rebuilt, tview_reconcile_errors_total. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewSpecFieldsTest {

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    @Test
    void entityNamesTheTableAndOptionsReachTheRuntime() {
        TViewFixture shop = TViewFixture.create(client, "fields");
        shop.tview("people", "SELECT u.pk_user AS user_key, u.id, jsonb_build_object('name', u.name) AS data FROM tb_user u",
                spec -> {
                    spec.setEntity("person");
                    TViewOptions options = new TViewOptions();
                    options.setKey("user_key");
                    options.setKeys(java.util.Map.of("tb_user", "pk_user"));   // the key is aliased: explicit lineage
                    spec.setOptions(options);
                });
        TView ready = shop.awaitReady("people");
        assertThat(ready.getStatus().getTable()).isEqualTo("public.tv_person");
        assertThat(shop.db.queryRows("SELECT table_name, key_column, options->>'key' FROM pg_tview_meta WHERE entity = 'person'"))
                .containsExactly(List.of("tv_person", "user_key", "user_key"));
        shop.db.execute("INSERT INTO tb_user (name) VALUES ('carol')");
        assertThat(shop.count("SELECT count(*) FROM tv_person")).isEqualTo(3);
    }

    @Test
    void settingsFixTheTextOfDateTimeValues() {
        TViewFixture shop = TViewFixture.create(client, "settings");
        shop.db.execute("ALTER TABLE tb_user ADD COLUMN joined timestamptz NOT NULL DEFAULT '2026-01-01 00:00+00'");
        shop.tview("member", "SELECT u.pk_user AS pk_member, jsonb_build_object('joined', u.joined) AS data FROM tb_user u", spec -> {
            TViewOptions options = new TViewOptions();
            options.setSettings(java.util.Map.of("TimeZone", "Asia/Tokyo"));
            spec.setOptions(options);
        });
        shop.awaitReady("member");
        assertThat(shop.db.queryValue("SELECT settings->>'TimeZone' FROM pg_tview_meta WHERE entity = 'member'")).isEqualTo("Asia/Tokyo");
        shop.db.execute("INSERT INTO tb_user (name) VALUES ('carol')");        // a writer in another time zone
        assertThat(shop.db.queryValue("SELECT data->>'joined' FROM tv_member WHERE pk_member = 3")).isEqualTo("2026-01-01T09:00:00+09:00");
    }

    @Test
    void dependsOnWaitsForNamedTViewsEvenWhenTheQueryDoesNotReadThem() {
        TViewFixture shop = TViewFixture.create(client, "depends");
        shop.tview("user", USER_QUERY, spec -> spec.setSuspend(true));
        shop.tview("post", "SELECT p.pk_post, p.id, jsonb_build_object('title', p.title) AS data FROM tb_post p",
                spec -> spec.setDependsOn(List.of("user", "ghost")));
        assertThat(shop.awaitCondition("post", Conditions.RECONCILING, true, "WaitingForDependency").getMessage())
                .isEqualTo("waiting for TView(s) to be Ready: user, ghost (not found)");
        assertThat(shop.count("SELECT count(*) FROM pg_class WHERE relname = 'tv_post'")).isZero();

        shop.edit("post", t -> t.getSpec().setDependsOn(List.of("user")));
        shop.edit("user", t -> t.getSpec().setSuspend(false));
        assertThat(shop.awaitReady("post").getStatus().getRowCount()).isEqualTo(3L);
    }

    @Test
    void suspendStopsRepairsAndAnEditedQueryIsAltered() throws Exception {
        TViewFixture shop = TViewFixture.create(client, "suspend");
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");

        shop.edit("user", t -> t.getSpec().setSuspend(true));
        shop.awaitCondition("user", Conditions.RECONCILING, false, "Suspended");
        String trigger = (String) shop.db.queryValue("SELECT min(tgname) FROM pg_trigger "
                + "WHERE tgrelid = 'tb_user'::regclass AND NOT tgisinternal");
        shop.db.execute("DROP TRIGGER " + trigger + " ON tb_user");
        // one more reconcile while suspended, observable as the new generation being observed
        shop.edit("user", t -> t.getSpec().setDeletionPolicy(TViewSpec.DeletionPolicy.Delete));
        shop.awaitCondition("user", Conditions.RECONCILING, false, "Suspended");
        assertThat(shop.count("SELECT count(*) FROM pg_trigger WHERE tgname = '" + trigger + "'"))
                .as("nothing repaired while suspended").isZero();
        assertThat(shop.events("user")).noneMatch(e -> "TriggersReinstalled".equals(e.getReason()));

        shop.edit("user", t -> t.getSpec().setSuspend(false));
        shop.awaitEvent("user", "TriggersReinstalled");
        assertThat(shop.count("SELECT count(*) FROM pg_trigger WHERE tgname = '" + trigger + "'")).isEqualTo(1);

        // only the options change: Altered; the query changes: Rebuilt (docs/runtime.md, pg_tviews_create_or_replace)
        shop.edit("user", t -> {
            TViewOptions options = new TViewOptions();
            options.setUncascadedPolicy(TViewOptions.UncascadedPolicy.FULL_REFRESH);
            options.setRefresh(TViewOptions.Refresh.STATEMENT);
            t.getSpec().setOptions(options);
        });
        assertThat(shop.awaitEvent("user", "Altered").getType()).isEqualTo("Normal");
        shop.awaitReady("user");
        assertThat(shop.db.queryValue("SELECT options->>'uncascaded_policy' FROM pg_tview_meta WHERE entity = 'user'"))
                .isEqualTo("full_refresh");
        assertThat(shop.db.queryValue("SELECT options->>'refresh' FROM pg_tview_meta WHERE entity = 'user'")).isEqualTo("statement");
        try (java.sql.Connection c = shop.db.connect(); java.sql.Statement st = c.createStatement()) {
            c.setAutoCommit(false);   // refresh = statement: the writer reads its change before committing
            st.execute("UPDATE tb_user SET name = 'Mid transaction' WHERE pk_user = 1");
            try (java.sql.ResultSet rs = st.executeQuery("SELECT data->>'name' FROM tv_user WHERE pk_user = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("Mid transaction");
            }
            c.rollback();
        }
        shop.edit("user", t -> t.getSpec().setQuery(
                "SELECT u.pk_user, u.id, jsonb_build_object('name', u.name, 'upper', upper(u.name)) AS data FROM tb_user u"));
        assertThat(shop.awaitEvent("user", "Rebuilt").getType()).isEqualTo("Normal");
        shop.awaitReady("user");
        assertThat(shop.db.queryValue("SELECT data->>'upper' FROM tv_user WHERE pk_user = 1")).isEqualTo("ALICE");
    }

    @Test
    void reconcileErrorsAreCountedByReason() {
        TViewFixture shop = TViewFixture.create(client, "errors-metric");
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(dev.tviews.operator.api.DatabaseRef.secret("absent")));
        shop.awaitCondition("user", Conditions.RECONCILING, true, "SecretNotFound");
        Awaitility.await().atMost(TViewFixture.TIMEOUT).until(() -> errors(shop, "SecretNotFound") >= 1.0);
        shop.tview("broken", "SELECT FORM tb_user");
        shop.awaitCondition("broken", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(registry.get("tview.reconcile.errors").tag("namespace", shop.namespace).tag("name", "broken")
                .tag("reason", "InvalidDefinition").counter().count()).isGreaterThanOrEqualTo(1.0);
    }

    private double errors(TViewFixture shop, String reason) {
        var counter = registry.find("tview.reconcile.errors").tag("namespace", shop.namespace).tag("name", "user")
                .tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }
}
