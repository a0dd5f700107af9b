package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 6 — metadata corruption: a pg_tview_meta row deleted, a row altered, pg_tview_helpers rows lost, a runtime
 * helper function dropped. The health check names each; the documented recovery restores maintenance; zero drift.
 */
@ExtendWith(PostgresExtension.class)
class MetadataCorruptionFailureModeTest {

    @Test
    void deletedMetadataRowIsReRegistered(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "meta_deleted");
        db.execute("DELETE FROM pg_tviews_metadata WHERE entity_name = 'tv_comment'");
        assertThat(Docs.health(db).get("unregistered_tables")).startsWith("ERROR").contains("public.tv_comment")
                .contains("pg_tviews_convert_existing_table(name)");
        Docs.psqlOk(db, Docs.FAILURE_MODES, "metadata-row-deleted", Map.of("tview", "tv_comment"));
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }

    @Test
    void alteredMetadataRowIsRegenerated(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "meta_altered");
        db.execute("UPDATE pg_tview_meta SET dependencies = '[]' WHERE entity = 'post'");
        assertThat(Docs.health(db).get("definition:post")).startsWith("ERROR").contains("pg_tviews_reinstall_triggers('post')");
        Docs.psqlOk(db, Docs.FAILURE_MODES, "metadata-regenerate", Map.of("tview", "post"));
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }

    @Test
    void lostHelperRowsAreRegenerated(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "meta_helpers");
        db.execute("DELETE FROM pg_tview_helpers WHERE entity = 'post'");
        assertThat(Docs.health(db).get("functions:post")).startsWith("ERROR").contains("pg_tviews_reinstall_triggers('post')");
        Docs.psqlOk(db, Docs.FAILURE_MODES, "metadata-regenerate", Map.of("tview", "post"));
        assertThat(Docs.health(db).get("orphans")).startsWith("OK");
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
        // and the TVIEW can be dropped cleanly afterwards: no trigger left behind, writes to the source work
        db.execute("SELECT pg_tviews_drop('tv_comment')");
        db.execute("SELECT pg_tviews_drop('tv_post')");
        assertThat(db.queryValue("SELECT count(*) FROM pg_trigger WHERE tgrelid IN ('tb_post'::regclass, 'tb_comment'::regclass) AND tgname LIKE 'pg\\_tviews\\_%'"))
                .isEqualTo(0L);
        db.execute("UPDATE tb_post SET title = 'after drop' WHERE pk_post = 1");
    }

    @Test
    void droppedRuntimeHelperIsReportedAndReinstalled(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "meta_runtime");
        db.execute("DROP FUNCTION pg_tviews__no_dup(text, text, text, boolean)");
        assertThatThrownBy(() -> db.execute("UPDATE tb_user SET name = 'x' WHERE pk_user <= 2"))
                .hasMessageContaining("pg_tviews__no_dup");
        assertThat(Docs.health(db).get("runtime_objects")).startsWith("ERROR")
                .contains("public.pg_tviews__no_dup(text,text,text,boolean)").contains("re-run the installer");
        var run = Docs.sh(db, Docs.FAILURE_MODES, "reinstall-runtime", Map.of());
        assertThat(run.exit()).as(run.toString()).isZero();
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }

    @Test
    void droppedLockTableIsReportedAndReinstalled(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "meta_lock");
        String lockTable = (String) db.queryValue("SELECT format('%I.%I', schema_name, (pg_tviews__names(entity, table_name)).lk)"
                + " FROM pg_tview_meta WHERE entity = 'user'");
        db.execute("DROP TABLE " + lockTable);
        assertThatThrownBy(() -> db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; UPDATE tb_user SET name = 'rr' WHERE pk_user = 1; COMMIT"))
                .hasMessageContaining("_lk");
        assertThat(Docs.health(db).get("queue:user")).startsWith("ERROR").contains("lock table").contains("pg_tviews_reinstall_triggers('user')");
        var run = Docs.sh(db, Docs.FAILURE_MODES, "reinstall-runtime", Map.of());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(Docs.health(db).get("queue:user")).startsWith("OK");
        db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; UPDATE tb_user SET name = 'rr' WHERE pk_user = 1; COMMIT");
        Docs.assertNoDrift(db);
    }

}
