package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the operator refuses or warns about before it trusts a TView: a query that is not exactly one SELECT never
 * reaches the database; a Secret naming a superuser is reported on Ready and by an Event.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewQueryAndRoleTest {

    private static final String INSTALLED = "SELECT count(*) FROM pg_proc WHERE proname = 'pg_tviews_version'";

    @Inject
    KubernetesClient client;

    @Test
    void aSecondStatementIsRefusedBeforeAnythingReachesTheDatabase() {
        TViewFixture shop = TViewFixture.create(client, "injected");
        shop.tview("user", "SELECT u.pk_user, u.id FROM tb_user u; CREATE TABLE injected(x int)");
        shop.tview("post", "WITH gone AS (DELETE FROM tb_post RETURNING pk_post) SELECT pk_post FROM gone");
        Condition user = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(user.getMessage()).contains("not exactly one SELECT").contains("';' at position 38");
        Condition post = shop.awaitCondition("post", Conditions.STALLED, true, "InvalidDefinition");
        assertThat(post.getMessage()).contains("'DELETE'");
        assertThat(shop.awaitEvent("user", "InvalidDefinition").getType()).isEqualTo("Warning");

        assertThat(shop.count("SELECT count(*) FROM pg_class WHERE relname IN ('injected', 'tv_user', 'tv_post')")).isZero();
        assertThat(shop.count("SELECT count(*) FROM tb_post")).as("the CTE's DELETE never ran").isEqualTo(3);
        assertThat(shop.count(INSTALLED)).as("not even the runtime was installed: no connection was used").isZero();

        // a ';' inside a string is part of one SELECT: applied
        shop.edit("user", t -> t.getSpec().setQuery(
                "SELECT u.pk_user, u.id, jsonb_build_object('name', u.name || '; DROP TABLE tb_user') AS data FROM tb_user u"));
        shop.awaitReady("user");
        assertThat(shop.count("SELECT count(*) FROM tv_user")).isEqualTo(2);
    }

    @Test
    void aSuperuserConnectionIsAWarningOnReadyAndAnEvent() {
        TViewFixture shop = TViewFixture.create(client, "as-superuser");
        shop.tview("user", USER_QUERY);
        Condition ready = shop.awaitCondition("user", Conditions.READY, true, "Applied");
        assertThat(ready.getMessage()).contains("is maintained")
                .contains("WARNING: connected as superuser postgres").contains("docs/security.md");
        assertThat(shop.awaitEvent("user", "ConnectedAsSuperuser").getMessage())
                .contains("superuser postgres").contains("should own the TVIEWs");
        assertThat(shop.events("user")).filteredOn(e -> e.getReason().equals("ConnectedAsSuperuser")).hasSize(1);
    }

    @Test
    void anOwnerRoleWithoutSuperuserGetsNoWarning() {
        TViewFixture shop = TViewFixture.create(client, "as-owner");
        String role = "tv_owner_" + shop.namespace.replaceAll("[^a-z0-9]", "_");
        String password = "Owner-Secret-" + ProcessHandle.current().pid();
        shop.db.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER PASSWORD '" + password + "'");
        shop.db.execute("ALTER DATABASE \"" + shop.db.name() + "\" OWNER TO " + role);
        shop.db.execute("ALTER SCHEMA public OWNER TO " + role);
        shop.db.execute("ALTER TABLE tb_user OWNER TO " + role + "; ALTER TABLE tb_post OWNER TO " + role);
        client.resource(new SecretBuilder().withNewMetadata().withName("owner-db").withNamespace(shop.namespace).endMetadata()
                .withStringData(Map.of("host", shop.db.server().host(), "port", String.valueOf(shop.db.server().port()),
                        "dbname", shop.db.name(), "username", role, "password", password)).build()).create();
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(dev.tviews.operator.api.DatabaseRef.secret("owner-db")));
        Condition ready = shop.awaitCondition("user", Conditions.READY, true, "Applied");
        assertThat(ready.getMessage()).contains("is maintained").doesNotContain("superuser");
        assertThat(shop.events("user")).extracting(e -> e.getReason()).doesNotContain("ConnectedAsSuperuser");
        assertThat(shop.db.queryValue("SELECT tableowner FROM pg_tables WHERE tablename = 'tv_user'")).isEqualTo(role);
    }
}
