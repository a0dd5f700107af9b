package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.POST_QUERY;
import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input and unavailable databases become conditions with clear messages, never crash loops or leaks. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewErrorsTest {

    @Inject
    KubernetesClient client;

    @Test
    void invalidSqlIsStalledWithThePosition() {
        TViewFixture shop = TViewFixture.create(client, "bad-sql");
        shop.tview("user", "SELECT pk_user, id FROM tb_user WHERE");
        Condition stalled = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(stalled.getMessage()).contains("syntax error").contains("42601").contains("at character");
        assertThat(shop.count("SELECT count(*) FROM pg_class WHERE relname = 'tv_user'")).isZero();
        assertThat(shop.awaitEvent("user", "InvalidDefinition").getType()).isEqualTo("Warning");
    }

    @Test
    void aQueryWithoutItsKeyColumnIsStalled() {
        TViewFixture shop = TViewFixture.create(client, "no-key");
        shop.tview("user", "SELECT u.id, u.name FROM tb_user u");
        Condition stalled = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(stalled.getMessage()).contains("pk_user");
    }

    @Test
    void aClashWithAnExistingTableIsStalledAndTheTableIsUntouched() {
        TViewFixture shop = TViewFixture.create(client, "clash");
        shop.db.execute("CREATE TABLE tv_user (pk_user int PRIMARY KEY, note text); INSERT INTO tv_user VALUES (1, 'mine')");
        shop.tview("user", USER_QUERY, spec -> spec.setDeletionPolicy(TViewSpec.DeletionPolicy.Delete));
        Condition stalled = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(stalled.getMessage()).contains("tv_user");
        assertThat(shop.db.queryValue("SELECT note FROM tv_user")).isEqualTo("mine");

        client.resource(shop.get("user")).delete();
        org.awaitility.Awaitility.await().atMost(TViewFixture.TIMEOUT).until(() -> shop.get("user") == null);
        assertThat(shop.db.queryValue("SELECT note FROM tv_user")).as("never drop what was never created").isEqualTo("mine");
    }

    @Test
    void aCycleIsStalledWithSqlstate42P17() {
        TViewFixture shop = TViewFixture.create(client, "cycle");
        shop.tview("user", USER_QUERY);
        shop.tview("post", POST_QUERY);
        shop.awaitReady("post");
        shop.edit("user", t -> t.getSpec().setQuery(
                "SELECT u.pk_user, u.id, jsonb_build_object('posts', (SELECT count(*) FROM tv_post p "
                        + "WHERE p.fk_user = u.pk_user)) AS data FROM tb_user u"));
        Condition stalled = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(stalled.getMessage()).contains("42P17").contains("tv_user").contains("tv_post");
    }

    @Test
    void anUntraceableSourceIsStalledWithTheHint() {
        TViewFixture shop = TViewFixture.create(client, "untraceable");
        shop.db.execute("CREATE TABLE tb_setting (name text PRIMARY KEY, value text); INSERT INTO tb_setting VALUES ('x', 'y')");
        // (a correlation by an inequality: an uncorrelated subquery is refreshed in full since runtime 0.3.33)
        shop.tview("user", "SELECT u.pk_user, u.id, (SELECT max(value) FROM tb_setting WHERE name > u.pk_user::text) AS setting FROM tb_user u");
        Condition stalled = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(stalled.getMessage()).contains("tb_setting").contains("keys");
    }

    @Test
    void aSecretCreatedLateConverges() {
        TViewFixture shop = TViewFixture.create(client, "late-secret");
        TView tview = new TView();
        tview.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("user")
                .withNamespace(shop.namespace).build());
        TViewSpec spec = new TViewSpec();
        spec.setDatabase(DatabaseRef.secret("later-db"));
        spec.setQuery(USER_QUERY);
        tview.setSpec(spec);
        client.resource(tview).create();

        Condition waiting = shop.awaitCondition("user", Conditions.RECONCILING, true, "SecretNotFound");
        assertThat(waiting.getMessage()).contains("later-db");
        assertThat(Conditions.isTrue(shop.get("user").getStatus().getConditions(), Conditions.READY)).isFalse();

        shop.createSecret("later-db", shop.db.server().password());
        assertThat(shop.awaitReady("user").getStatus().getRowCount()).isEqualTo(2L);
    }

    @Test
    void aWrongPasswordIsReportedWithoutThePassword() {
        TViewFixture shop = TViewFixture.create(client, "wrong-password");
        String wrong = "Wr0ng-Secret-Value-42";
        client.resource(shop.secret("shop-db", wrong)).update();
        shop.tview("user", USER_QUERY);

        Condition unreachable = shop.awaitCondition("user", Conditions.RECONCILING, true, "DatabaseUnreachable");
        assertThat(unreachable.getMessage()).contains("password authentication failed").doesNotContain(wrong);
        String everything = Serialization.asYaml(shop.get("user")) + Serialization.asYaml(shop.events("user"));
        assertThat(everything).doesNotContain(wrong).doesNotContain(shop.db.server().password());

        client.resource(shop.secret("shop-db", shop.db.server().password())).update();
        shop.awaitReady("user");
    }

    @Test
    void anInvalidScheduleOrTimeZoneIsStalled() {
        TViewFixture shop = TViewFixture.create(client, "schedule");
        shop.tview("user", USER_QUERY, spec -> {
            ConsistencyCheckSpec check = new ConsistencyCheckSpec();
            check.setSchedule("61 * * * *");
            spec.setConsistencyCheck(check);
        });
        assertThat(shop.awaitCondition("user", Conditions.STALLED, true, "InvalidSchedule").getMessage())
                .contains("61 * * * *");

        shop.edit("user", t -> {
            t.getSpec().getConsistencyCheck().setSchedule("0 3 * * *");
            t.getSpec().getConsistencyCheck().setTimeZone("Mars/Olympus");
        });
        assertThat(shop.awaitCondition("user", Conditions.STALLED, true, "InvalidSchedule").getMessage())
                .contains("Mars/Olympus");

        shop.edit("user", t -> t.getSpec().getConsistencyCheck().setTimeZone("Europe/Paris"));
        TView ready = shop.awaitReady("user");
        var next = java.time.Instant.parse(ready.getStatus().getNextConsistencyCheck()).atZone(java.time.ZoneId.of("Europe/Paris"));
        assertThat(next.getHour()).isEqualTo(3);
        assertThat(next.getMinute()).isZero();
    }

    @Test
    void aSecretWithAUriWorks() {
        TViewFixture shop = TViewFixture.create(client, "uri");
        var server = shop.db.server();
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("uri-db")
                .withNamespace(shop.namespace).endMetadata()
                .withStringData(Map.of("uri", "postgresql://postgres:" + server.password() + "@" + server.host() + ":"
                        + server.port() + "/" + shop.db.name())).build()).create();
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(DatabaseRef.secret("uri-db")));
        shop.awaitReady("user");
    }
}
