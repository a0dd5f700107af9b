package dev.tviews.e2e.scripts;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** backup.sh metadata: a dump of the runtime catalog only, restored into the damaged database. */
@ExtendWith(PostgresExtension.class)
class MetadataBackupScriptTest {

    @TempDir
    static Path root;

    @BeforeAll
    static void schema(PgDatabase db) {
        ShopSchema.create(db);
    }

    @Test
    void metadataBackupRestoresTheCatalog(PgDatabase db, PgServer server) {
        // every column but the time of the last refresh: restoring re-installs the triggers, which refreshes
        String catalogQuery = "SELECT entity || '|' || md5((to_jsonb(m) - 'last_refreshed_at')::text) FROM pg_tview_meta m ORDER BY entity";
        List<List<Object>> before = db.queryRows(catalogQuery);
        assertThat(before).hasSize(3);
        long auditBefore = ((Number) db.queryValue("SELECT count(*) FROM pg_tview_audit_log")).longValue();

        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "metadata");
        assertThat(run.exit()).as(run.toString()).isZero();
        Path dir = Scripts.backups(root).get(0);
        assertThat(dir.getFileName().toString()).endsWith("-metadata");
        JsonNode m = Scripts.manifest(dir);
        assertThat(m.path("status").asText()).isEqualTo("succeeded");
        assertThat(m.path("verified").asBoolean()).isTrue();
        assertThat(m.path("catalogTables").size()).isEqualTo(3);

        // the dump holds the catalog and nothing else
        OsCommand.Result toc = OsCommand.run(List.of(server.bin("pg_restore"), "-l", dir.resolve("dump.pgdump").toString()),
                Map.of(), null, 60).orThrow("pg_restore -l");
        assertThat(toc.output()).contains("TABLE DATA public pg_tview_meta", "TABLE DATA public pg_tview_helpers",
                "TABLE DATA public pg_tview_audit_log");
        assertThat(toc.output()).doesNotContain("tb_user", "tv_user", "tv_comment");

        // disaster: the catalog rows are lost, while the audit log goes on
        db.execute("DELETE FROM pg_tview_meta");
        db.execute("INSERT INTO pg_tview_audit_log (operation, entity) VALUES ('after-backup', 'post')");
        assertThat(db.queryValue("SELECT count(*) FROM pg_tview_meta")).isEqualTo(0L);

        Scripts.Run restore = Scripts.run("restore.sh", Scripts.env(server, db.name()), dir.toString(), db.name());
        assertThat(restore.exit()).as(restore.toString()).isZero();
        assertThat(restore.stdout()).contains("timings:", "restored " + dir.getFileName() + " (metadata)");

        assertThat(db.queryRows(catalogQuery)).as("pg_tview_meta equals the backup").isEqualTo(before);
        assertThat(((Number) db.queryValue("SELECT count(*) FROM pg_tview_audit_log")).longValue())
                .as("audit log rows of the backup are kept and newer rows are not lost").isGreaterThanOrEqualTo(auditBefore + 1);
        assertThat(db.queryValue("SELECT count(*) FROM pg_tview_audit_log WHERE operation = 'after-backup'")).isEqualTo(1L);
        ShopSchema.assertHealthy(db);
        ShopSchema.assertConsistent(db);
        ShopSchema.assertMaintainsAfterWrite(db);
    }

    @Test
    void metadataBackupOfADatabaseWithoutTheRuntimeFails(PgServer server) {
        PgDatabase plain = server.createDatabase("no_runtime_" + System.nanoTime());
        Map<String, String> env = new HashMap<>(Scripts.env(server, plain.name()));
        env.put("BACKUP_ROOT", root.resolve("plain").toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "metadata");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr()).contains("no TVIEW runtime catalog");
        Path dir = Scripts.backups(root.resolve("plain")).get(0);
        JsonNode m = Scripts.manifest(dir);
        assertThat(m.path("status").asText()).isEqualTo("failed");
        assertThat(m.path("error").asText()).contains("no TVIEW runtime catalog");
        assertThat(Scripts.json(run.stdout().strip()).path("status").asText()).isEqualTo("failed");
    }

    /**
     * Issue 13: the metadata restore merges audit rows with their own log_id; without moving the sequence past
     * them, the next audit row (the restore's own pg_tviews_reinstall_triggers) failed with a duplicate key. The
     * database here is restored from a logical backup taken BEFORE more audit rows were written, so its sequence
     * is behind the metadata backup's rows.
     */
    @Test
    void metadataMergeAdvancesTheAuditLogSequence(PgServer server) {
        PgDatabase own = server.createDatabase("audit_seq_" + System.nanoTime());
        ShopSchema.create(own);
        Path ownRoot = root.resolve("audit-seq");
        Map<String, String> env = new HashMap<>(Scripts.env(server, own.name()));
        env.put("BACKUP_ROOT", ownRoot.toString());
        Scripts.Run logical = Scripts.run("backup.sh", env, "logical");
        assertThat(logical.exit()).as(logical.toString()).isZero();
        Path logicalDir = Scripts.backups(ownRoot).get(0);
        own.execute("SELECT pg_tviews_reinstall_triggers(NULL)");   // three more audit rows (REINSTALL)
        Scripts.Run metadata = Scripts.run("backup.sh", env, "metadata");
        assertThat(metadata.exit()).as(metadata.toString()).isZero();
        Path metadataDir = Scripts.backups(ownRoot).stream().filter(p -> p.getFileName().toString().endsWith("-metadata")).findFirst().orElseThrow();

        String target = own.name() + "_r";
        Scripts.Run restored = Scripts.run("restore.sh", Scripts.env(server, own.name()), logicalDir.toString(), target);
        assertThat(restored.exit()).as(restored.toString()).isZero();
        PgDatabase copy = server.database(target);
        long maxBefore = ((Number) copy.queryValue("SELECT max(log_id) FROM pg_tview_audit_log")).longValue();
        copy.execute("DELETE FROM pg_tview_meta");

        Scripts.Run restore = Scripts.run("restore.sh", Scripts.env(server, own.name()), metadataDir.toString(), target);
        assertThat(restore.exit()).as(restore.toString()).isZero();
        long maxAfter = ((Number) copy.queryValue("SELECT max(log_id) FROM pg_tview_audit_log")).longValue();
        assertThat(maxAfter).as("the merge brought the newer audit rows and the reinstall added its own").isGreaterThan(maxBefore + 3);
        assertThat(((Number) copy.queryValue("SELECT last_value FROM pg_tview_audit_log_log_id_seq")).longValue())
                .as("sequence past every log_id").isGreaterThanOrEqualTo(maxAfter);
        copy.execute("SELECT pg_tviews_reinstall_triggers(NULL)");   // writes audit rows again: no duplicate key
        ShopSchema.assertHealthy(copy);
        ShopSchema.assertConsistent(copy);
    }
}
