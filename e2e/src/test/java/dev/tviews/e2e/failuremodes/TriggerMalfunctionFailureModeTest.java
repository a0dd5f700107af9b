package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 8 — trigger malfunction: maintenance triggers disabled, dropped, and writes under
 * {@code session_replication_role = replica}. Each leaves drift; the health check names the cause; the documented
 * recovery (read from failure-modes.md) removes the drift. Also: the documented emergency disable really disables
 * every TVIEW trigger, TRUNCATE triggers included (the seeds' version, through information_schema, does not).
 */
@ExtendWith(PostgresExtension.class)
class TriggerMalfunctionFailureModeTest {

    @Test
    void disabledTriggersAreReportedAndRecovered(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "trg_disabled");
        db.execute("ALTER TABLE tb_post DISABLE TRIGGER USER");
        db.execute("UPDATE tb_post SET title = 'written while disabled' WHERE pk_post <= 3");
        assertThat(Docs.drift(db)).isPositive();
        assertThat(Docs.health(db).get("source:post:public.tb_post"))
                .startsWith("ERROR").contains("maintenance triggers disabled").contains("pg_tviews_refresh('post')");

        Docs.psqlOk(db, Docs.FAILURE_MODES, "triggers-enable");
        Docs.assertNoDrift(db);
        db.execute("UPDATE tb_post SET title = 'after enable' WHERE pk_post = 4");
        Docs.assertNoDrift(db);
    }

    @Test
    void droppedTriggerIsReportedAndRecovered(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "trg_dropped");
        String trg = (String) db.queryValue("SELECT object_name FROM pg_tview_helpers WHERE entity = 'comment' AND kind = 'trigger' "
                + "AND on_table = 'tb_comment' AND object_name LIKE '%\\_ins'");
        db.execute("DROP TRIGGER \"" + trg.replace("\"", "\"\"") + "\" ON tb_comment");
        db.execute("INSERT INTO tb_comment (fk_post, body) VALUES (2, 'written without the trigger')");
        assertThat(Docs.drift(db)).isEqualTo(1);
        assertThat(Docs.health(db).get("source:comment:public.tb_comment"))
                .startsWith("ERROR").contains("maintenance triggers missing on " + trg).contains("pg_tviews_reinstall_triggers('comment')");

        Docs.psqlOk(db, Docs.FAILURE_MODES, "trigger-dropped", Map.of("tview", "comment"));
        Docs.assertNoDrift(db);
        db.execute("INSERT INTO tb_comment (fk_post, body) VALUES (2, 'after reinstall')");
        Docs.assertNoDrift(db);
    }

    @Test
    void replicaRoleDriftsAndIsReportedWhereItIsSet(PgServer server) throws Exception {
        PgDatabase db = Docs.freshShop(server, "trg_replica");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute("UPDATE tb_user SET name = 'written as replica' WHERE pk_user = 1");
            var rs = s.executeQuery("SELECT status, message FROM pg_tviews_health_check() WHERE component = 'session_replication_role'");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("ERROR");
            assertThat(rs.getString(2)).contains("session_replication_role = replica");
        }
        assertThat(Docs.drift(db)).isPositive();
        // another session (the default role) sees no ERROR row: only the consistency check finds this drift
        assertThat(Docs.health(db).get("session_replication_role")).startsWith("OK");
        assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).contains("TVIEW(s) drifted").doesNotContain(" 0 TVIEW(s) drifted");

        // set for the whole database: every new session, the health check's included, reports it
        db.execute("ALTER DATABASE \"" + db.name() + "\" SET session_replication_role = replica");
        assertThat(Docs.health(db).get("session_replication_role")).startsWith("ERROR");

        Docs.psqlOk(db, Docs.FAILURE_MODES, "replica-role", Map.of("dbname", db.name()));
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }

    @Test
    void emergencyDisableReallyDisablesEveryTrigger(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "trg_emergency");
        long total = (Long) db.queryValue("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_tviews\\_%' AND NOT tgisinternal");
        assertThat(total).isPositive();
        Docs.psqlOk(db, Docs.FAILURE_MODES, "triggers-disable");
        assertThat(db.queryValue("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'pg\\_tviews\\_%' AND tgenabled = 'D'")).isEqualTo(total);
        db.execute("TRUNCATE tb_comment");
        assertThat(db.queryValue("SELECT count(*) FROM tv_comment")).as("TRUNCATE trigger disabled too").isNotEqualTo(0L);
        assertThat(Docs.health(db).get("source:comment:public.tb_comment")).startsWith("ERROR").contains("disabled");
        Docs.psqlOk(db, Docs.FAILURE_MODES, "triggers-enable");
        Docs.assertNoDrift(db);
    }

    /** The seeds' trigger recovery, pg_tviews_convert_existing_table(name) while the metadata row exists, works too. */
    @Test
    void seedsConvertExistingTableRecoveryWorksWithTheMetadataRow(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "trg_convert");
        String trg = (String) db.queryValue("SELECT object_name FROM pg_tview_helpers WHERE entity = 'post' AND kind = 'trigger' "
                + "AND on_table = 'tb_post' AND object_name LIKE '%\\_upd'");
        db.execute("DROP TRIGGER \"" + trg.replace("\"", "\"\"") + "\" ON tb_post");
        db.execute("UPDATE tb_post SET title = 'written without the trigger' WHERE pk_post = 5");
        assertThat(Docs.drift(db)).isPositive();
        db.execute("SELECT pg_tviews_convert_existing_table('tv_post')");
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }
}
