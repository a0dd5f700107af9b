package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mode 10 — backup and restore, by the documented commands (src/scripts, read from failure-modes.md): a full
 * logical backup restored into a new database, a data-only restore into a schema-only copy, and the runtime
 * catalog lost in place and restored from a metadata backup. Each restored database: zero drift, healthy,
 * maintained.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(300)
class BackupRestoreFailureModeTest {

    @TempDir
    Path root;

    @Test
    void fullLogicalRestore(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "bk_full");
        String target = db.name() + "_restored";
        Scripts.Run run = Docs.sh(db, Docs.FAILURE_MODES, "restore-full", Map.of("BACKUP_ROOT", root.toString(), "TARGET_DB", target));
        assertThat(run.exit()).as(run.toString()).isZero();
        PgDatabase restored = server.database(target);
        Docs.assertNoDrift(restored);
        ShopSchemaWrites.touch(restored);
    }

    @Test
    void dataOnlyRestore(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "bk_data");
        String target = db.name() + "_data";
        Scripts.Run run = Docs.sh(db, Docs.FAILURE_MODES, "restore-data-only", Map.of("BACKUP_ROOT", root.toString(), "TARGET_DB", target));
        assertThat(run.exit()).as(run.toString()).isZero();
        PgDatabase restored = server.database(target);
        assertThat(ShopSchema.rows(restored, "comment")).isEqualTo(ShopSchema.COMMENTS);
        Docs.assertNoDrift(restored);
        ShopSchemaWrites.touch(restored);
    }

    @Test
    void lostCatalogRestoredFromMetadataBackup(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "bk_meta");
        Map<String, String> env = new java.util.HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.toString());
        Scripts.Run backup = Scripts.run("backup.sh", env, "metadata");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        db.execute("DELETE FROM pg_tview_helpers; DELETE FROM pg_tview_meta");
        assertThat(Docs.health(db).get("unregistered_tables")).startsWith("ERROR");
        Scripts.Run run = Docs.sh(db, Docs.FAILURE_MODES, "restore-metadata", Map.of("BACKUP_ROOT", root.toString()));
        assertThat(run.exit()).as(run.toString()).isZero();
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }
}
