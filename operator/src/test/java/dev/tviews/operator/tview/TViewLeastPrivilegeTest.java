package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.POST_QUERY;
import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator's main path with the role docs/security.md asks for: a database created {@code OWNER app_owner} by
 * the superuser, the shop schema created by {@code app_owner} (LOGIN, NOSUPERUSER, NOCREATEDB, NOCREATEROLE), and the
 * TViews' Secret naming {@code app_owner}. The superuser only creates the role and the database and reads the
 * oracles. The operator installs the runtime as that role, two TViews (one reading the other) reach Ready with the
 * rows of their queries, writes are maintained, drift made by the owner is detected with exact counts and
 * repaired, and every runtime and TVIEW object in the database (tables, functions, the catalog) is owned by
 * {@code app_owner}; the DDL event trigger, which needs a superuser, is absent.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewLeastPrivilegeTest {

    @Inject
    KubernetesClient client;

    @Test
    void aNonSuperuserDatabaseOwnerRunsTheWholeMainPath() throws SQLException {
        PgServer server = PgServer.shared();
        String suffix = String.valueOf(ProcessHandle.current().pid());
        String role = "app_owner_" + suffix;
        String password = "App-Owner-" + suffix;
        String dbName = "least_privilege_" + suffix;
        PgDatabase postgres = server.database("postgres");
        postgres.execute("CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '" + password + "'");
        postgres.execute("CREATE DATABASE " + dbName + " OWNER " + role);
        PgDatabase db = server.database(dbName);
        asOwner(db, role, password, TViewFixture.SHOP_SCHEMA);

        TViewFixture shop = TViewFixture.on(client, "least-privilege", db);
        client.resource(new SecretBuilder().withNewMetadata().withName("owner-db").withNamespace(shop.namespace).endMetadata()
                .withStringData(Map.of("host", server.host(), "port", String.valueOf(server.port()), "dbname", dbName,
                        "username", role, "password", password)).build()).create();
        shop.tview("user", USER_QUERY, spec -> spec.setDatabase(DatabaseRef.secret("owner-db")));
        shop.tview("post", POST_QUERY, spec -> spec.setDatabase(DatabaseRef.secret("owner-db")));
        Condition ready = shop.awaitCondition("user", Conditions.READY, true, "Applied");
        shop.awaitCondition("post", Conditions.READY, true, "Applied");
        assertThat(ready.getMessage()).doesNotContain("superuser");

        // rows: exactly the queries' results; a write by the owner is maintained through both levels
        assertThat(shop.count("SELECT count(*) FROM tv_user")).isEqualTo(2);
        assertThat(shop.count("SELECT count(*) FROM tv_post")).isEqualTo(3);
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
        assertThat(shop.drift("tv_post", POST_QUERY)).isZero();
        asOwner(db, role, password, "UPDATE tb_user SET name = 'alice renamed' WHERE pk_user = 1");
        assertThat(shop.count("SELECT count(*) FROM tv_post WHERE data #>> '{author,name}' = 'alice renamed'")).isEqualTo(2);
        assertThat(shop.drift("tv_post", POST_QUERY)).isZero();

        // everything the operator installed and created belongs to the owner; nothing needed a superuser
        assertThat(db.queryValue("SELECT rolsuper FROM pg_roles WHERE rolname = '" + role + "'")).isEqualTo(false);
        assertThat(db.queryValue("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE oid = 'pg_tviews_version()'::regprocedure"))
                .isEqualTo(role);
        assertThat(db.queryRows("SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                + "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'p') AND pg_get_userbyid(c.relowner) <> '" + role + "'"))
                .as("tables and views in public not owned by the owner").isEmpty();
        assertThat(db.queryRows("SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                + "WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '" + role + "'"))
                .as("functions in public not owned by the owner").isEmpty();
        assertThat(shop.count("SELECT count(*) FROM pg_class WHERE relname IN ('pg_tview_meta', 'tv_user', 'tv_post') "
                + "AND pg_get_userbyid(relowner) = '" + role + "'")).isEqualTo(3);
        assertThat(shop.count("SELECT count(*) FROM pg_event_trigger")).as("no DDL event trigger without a superuser").isZero();

        // drift made by the owner itself: detected with exact counts, then repaired, all as the owner
        asOwner(db, role, password, "DELETE FROM tv_user WHERE pk_user = 2; "
                + "UPDATE tv_user SET data = '{\"name\": \"tampered\"}' WHERE pk_user = 1");
        shop.edit("user", t -> TViewFixture.checkNow(t, "1"));
        Condition drifted = shop.awaitCondition("user", TViewStatusWriter.DRIFTED, true, "RowsDiffer");
        assertThat(drifted.getMessage()).contains("1 missing, 0 extra, 1 different");
        shop.edit("user", t -> {
            ConsistencyCheckSpec spec = new ConsistencyCheckSpec();
            spec.setOnDrift(ConsistencyCheckSpec.OnDrift.Repair);
            t.getSpec().setConsistencyCheck(spec);
            TViewFixture.checkNow(t, "2");
        });
        shop.awaitCondition("user", TViewStatusWriter.DRIFTED, false, "Repaired");
        assertThat(shop.get("user").getStatus().getLastRepair().rowsRepaired()).isEqualTo(2);
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
        assertThat(shop.count("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + dbName + "' AND usename = 'postgres' "
                + "AND application_name <> 'psql' AND pid <> pg_backend_pid()"))
                .as("no superuser session on the owner's database but the test's own").isZero();
    }

    private static void asOwner(PgDatabase db, String role, String password, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(), role, password); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
