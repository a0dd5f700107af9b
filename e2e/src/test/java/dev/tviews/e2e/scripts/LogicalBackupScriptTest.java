package dev.tviews.e2e.scripts;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * backup.sh logical → verify.sh (also with RESTORE_TEST=1) → restore.sh into a new database. Each test takes its own
 * backup into its own directory (no state shared between tests, any order); the test that writes after its backup
 * does so in a database of its own.
 */
@ExtendWith(PostgresExtension.class)
class LogicalBackupScriptTest {

    @TempDir
    Path root;

    @BeforeAll
    static void schema(PgDatabase db) {
        ShopSchema.create(db);
    }

    /** backup.sh logical of {@code db} into {@code root}/shop/nightly; returns the run (the directory: {@link #onlyBackup()}). */
    private Scripts.Run backup(PgServer server, PgDatabase db, Path termination) {
        Map<String, String> env = new java.util.HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.resolve("shop/nightly").toString());
        if (termination != null) {
            env.put("TERMINATION_LOG", termination.toString());
        }
        Scripts.Run run = Scripts.run("backup.sh", env, "logical");
        assertThat(run.exit()).as(run.toString()).isZero();
        return run;
    }

    private Path onlyBackup() {
        List<Path> dirs = Scripts.backups(root.resolve("shop/nightly"));
        assertThat(dirs).hasSize(1);
        return dirs.get(0);
    }

    @Test
    void logicalBackupWritesDumpManifestAndSummary(PgDatabase db, PgServer server) throws Exception {
        Path termination = root.resolve("termination-log");
        Scripts.Run run = backup(server, db, termination);
        Path backup = onlyBackup();
        assertThat(backup.getFileName().toString()).matches("\\d{8}T\\d{6}Z-logical");
        assertThat(backup.resolve("dump.pgdump")).exists();
        try (var s = Files.list(backup.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary directory left").noneMatch(n -> n.startsWith(".tmp"));
        }

        JsonNode m = Scripts.manifest(backup);
        assertThat(m.path("method").asText()).isEqualTo("logical");
        assertThat(m.path("status").asText()).isEqualTo("succeeded");
        assertThat(m.path("verified").asBoolean()).isTrue();
        assertThat(m.path("database").asText()).isEqualTo(db.name());
        assertThat(m.path("serverVersion").asText()).startsWith(String.valueOf(server.majorVersion()));
        assertThat(m.path("sizeBytes").asLong()).isEqualTo(Files.size(backup.resolve("dump.pgdump")));
        assertThat(m.path("sha256").path("dump.pgdump").asText()).isEqualTo(sha256(backup.resolve("dump.pgdump")));
        assertThat(m.path("tviews").path("user").asLong()).isEqualTo(ShopSchema.USERS);
        assertThat(m.path("tviews").path("post").asLong()).isEqualTo(ShopSchema.POSTS);
        assertThat(m.path("tviews").path("comment").asLong()).isEqualTo(ShopSchema.COMMENTS);
        assertThat(m.path("tviewTables").path("post").asText()).isEqualTo("public.tv_post");
        assertThat(m.path("catalogTables").toString()).contains("pg_tview_meta", "pg_tview_helpers", "pg_tview_audit_log");
        assertThat(m.path("toolVersions").path("pg_dump").asText()).startsWith("pg_dump (PostgreSQL)");
        assertThat(m.path("startTime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(m.path("verification").asText()).contains("pg_restore -l lists 3 catalog table(s) and 3 TVIEW table(s)");

        // one-line JSON summary on stdout, identical in the termination message, < 4096 bytes
        String line = run.stdout().strip();
        assertThat(line).doesNotContain("\n");
        JsonNode summary = Scripts.json(line);
        assertThat(summary.path("status").asText()).isEqualTo("succeeded");
        assertThat(summary.path("verified").asBoolean()).isTrue();
        assertThat(summary.path("sha256").asText()).isEqualTo(m.path("sha256").path("dump.pgdump").asText());
        assertThat(summary.path("tviews").path("comment").asLong()).isEqualTo(ShopSchema.COMMENTS);
        assertThat(Files.readString(termination).strip()).isEqualTo(line);
        assertThat(Files.size(termination)).isLessThan(4096);
    }

    @Test
    void restoreTestPassesAndDropsTheScratchDatabase(PgDatabase db, PgServer server) {
        backup(server, db, null);
        Path backup = onlyBackup();
        Map<String, String> env = new java.util.HashMap<>(Scripts.env(server, db.name()));
        env.put("RESTORE_TEST", "1");
        env.put("RESTORE_DB", "scratch_" + db.name());
        Scripts.Run run = Scripts.run("verify.sh", env, backup.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stderr()).contains("consistency user: ok", "consistency post: ok", "consistency comment: ok");
        JsonNode m = Scripts.manifest(backup);
        assertThat(m.path("verified").asBoolean()).isTrue();
        assertThat(m.path("verification").asText()).contains("restore test", "3 TVIEW(s) consistent");
        assertThat(server.database("postgres").queryValue(
                "SELECT count(*) FROM pg_database WHERE datname = 'scratch_" + db.name() + "'")).isEqualTo(0L);
    }

    @Test
    void restoreIntoANewDatabaseGivesConsistentSelfMaintainingTviews(PgServer server) {
        PgDatabase own = server.createDatabase("logical_restore_" + System.nanoTime());
        ShopSchema.create(own);
        backup(server, own, null);
        Path backup = onlyBackup();
        // the source moves on after the backup; the restore must bring back the backup's state
        own.execute("INSERT INTO tb_user (name) VALUES ('after the backup')");
        String target = own.name() + "_restored";
        Scripts.Run run = Scripts.run("restore.sh", Scripts.env(server, own.name()), backup.toString(), target);
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("timings: verify=", "restore=", "consistency comment: ok");

        PgDatabase restored = server.database(target);
        assertThat(ShopSchema.rows(restored, "user")).isEqualTo(ShopSchema.USERS);
        assertThat(ShopSchema.rows(restored, "post")).isEqualTo(ShopSchema.POSTS);
        assertThat(ShopSchema.rows(restored, "comment")).isEqualTo(ShopSchema.COMMENTS);
        ShopSchema.assertHealthy(restored);
        ShopSchema.assertConsistent(restored);
        ShopSchema.assertMaintainsAfterWrite(restored);

        // a logical backup is only ever restored into a NEW database
        Scripts.Run again = Scripts.run("restore.sh", Scripts.env(server, own.name()), backup.toString(), target);
        assertThat(again.exit()).isNotZero();
        assertThat(again.stderr()).contains("already exists");
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
