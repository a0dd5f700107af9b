package dev.tviews.e2e.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.UnusualNames;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: backup.sh, verify.sh and restore.sh on TVIEWs whose names contain {@code '}, {@code "}, {@code |},
 * spaces, newlines and non-ASCII characters, one of them an SQL injection that copies a SCRAM hash out of
 * pg_authid when a script splices names into SQL (see {@link UnusualNames}). Every manifest must be valid JSON
 * that names each TVIEW exactly, every script must succeed, and no secret may appear in any output, manifest or
 * termination message. Each test takes its own backups.
 */
@ExtendWith(PostgresExtension.class)
class UnusualNamesScriptTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void schema(PgDatabase db) {
        UnusualNames.create(db);
    }

    private Map<String, String> backupEnv(PgServer server, PgDatabase db, Path root, Path termination) {
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.toString());
        env.put("TERMINATION_LOG", termination.toString());
        return env;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every file of the backup directory that is text (manifest) plus the outputs, checked for secrets. */
    private static void assertNoSecretAnywhere(PgServer server, List<String> outputs, Path... files) {
        for (int i = 0; i < outputs.size(); i++) {
            UnusualNames.assertNoSecret(server, "script output " + i, outputs.get(i));
        }
        for (Path f : files) {
            UnusualNames.assertNoSecret(server, f.toString(), read(f));
        }
    }

    private static void assertManifestNamesEveryTview(JsonNode m, boolean withCounts) {
        List<String> keys = new ArrayList<>();
        m.path("tviews").fieldNames().forEachRemaining(keys::add);
        assertThat(keys).as("manifest tviews").containsExactlyElementsOf(UnusualNames.ENTITIES);
        List<String> tables = new ArrayList<>();
        m.path("tviewTableNames").fieldNames().forEachRemaining(tables::add);
        assertThat(tables).containsExactlyElementsOf(UnusualNames.ENTITIES);
        assertThat(m.path("tviewTableNames").path(UnusualNames.GROUPED).path("schema").asText()).isEqualTo("odd schema|'x");
        assertThat(m.path("tviewTableNames").path(UnusualNames.GROUPED).path("table").asText()).isEqualTo("tv_é ü\nline");
        assertThat(m.path("tviewTables").path(UnusualNames.QUOTE).asText()).isEqualTo("public.tv_q\"uote|pipe");
        if (withCounts) {
            assertThat(m.path("tviews").path(UnusualNames.INJECTION).asLong()).isEqualTo(UnusualNames.ROWS);
            assertThat(m.path("tviews").path(UnusualNames.QUOTE).asLong()).isEqualTo(UnusualNames.ROWS);
            assertThat(m.path("tviews").path(UnusualNames.GROUPED).asLong()).isEqualTo(UnusualNames.WRITERS);
            assertThat(m.path("tviews").path(UnusualNames.CHAIN).asLong()).isEqualTo(UnusualNames.WRITERS);
        }
    }

    @Test
    void logicalBackupVerifyRestoreTestAndRestoreWithUnusualNames(PgDatabase db, PgServer server) {
        Path root = tmp.resolve("logical");
        Path termination = tmp.resolve("termination-log");
        Scripts.Run backup = Scripts.run("backup.sh", backupEnv(server, db, root, termination), "logical");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        Path dir = Scripts.backups(root).get(0);
        JsonNode m = Scripts.manifest(dir);   // Jackson: fails when the manifest is not valid JSON
        assertThat(m.path("status").asText()).isEqualTo("succeeded");
        assertThat(m.path("verified").asBoolean()).as(m.toString()).isTrue();
        assertThat(m.path("verification").asText()).contains("3 catalog table(s) and 4 TVIEW table(s)");
        assertManifestNamesEveryTview(m, true);
        JsonNode summary = Scripts.json(backup.stdout().strip());
        assertThat(summary.path("tviews").path(UnusualNames.GROUPED).asLong()).isEqualTo(UnusualNames.WRITERS);
        assertThat(Scripts.json(read(termination).strip())).isEqualTo(summary);

        Map<String, String> verifyEnv = new HashMap<>(Scripts.env(server, db.name()));
        verifyEnv.put("RESTORE_TEST", "1");
        Scripts.Run verify = Scripts.run("verify.sh", verifyEnv, dir.toString());
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(Scripts.manifest(dir).path("verification").asText()).contains("restore test", "4 TVIEW(s) consistent");
        assertThat(verify.stderr()).contains("consistency odd schema|'x.é ü line: ok (5 rows)",
                "consistency tenant.a'UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT': ok (7 rows)");

        String target = db.name() + "_unusual_restored";
        Scripts.Run restore = Scripts.run("restore.sh", Scripts.env(server, db.name()), dir.toString(), target);
        assertThat(restore.exit()).as(restore.toString()).isZero();
        PgDatabase restored = server.database(target);
        UnusualNames.assertConsistent(restored);
        for (String e : UnusualNames.ENTITIES) {
            assertThat(UnusualNames.rows(restored, e)).isEqualTo(UnusualNames.rows(db, e));
        }
        // maintained after the restore: a write to the grouped TVIEW's source reaches the chained one
        restored.execute("UPDATE tenant.tb_note SET body = 'rewritten' WHERE pk_note = 1");
        UnusualNames.assertConsistent(restored);

        assertNoSecretAnywhere(server, List.of(backup.all(), verify.all(), restore.all()), dir.resolve("manifest.json"), termination);
    }

    @Test
    void metadataBackupAndRestoreWithUnusualNames(PgDatabase db, PgServer server) {
        Path root = tmp.resolve("metadata");
        Path termination = tmp.resolve("termination-log");
        Scripts.Run backup = Scripts.run("backup.sh", backupEnv(server, db, root, termination), "metadata");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        Path dir = Scripts.backups(root).get(0);
        JsonNode m = Scripts.manifest(dir);
        assertThat(m.path("verified").asBoolean()).as(m.toString()).isTrue();
        assertManifestNamesEveryTview(m, true);

        // a copy of the database loses its catalog rows; restore.sh metadata brings them back
        String copy = db.name() + "_unusual_meta";
        server.database("postgres").execute("CREATE DATABASE \"" + copy + "\" TEMPLATE \"" + db.name() + "\"");
        PgDatabase target = server.database(copy);
        target.execute("DELETE FROM pg_tview_meta");
        Scripts.Run restore = Scripts.run("restore.sh", Scripts.env(server, db.name()), dir.toString(), copy);
        assertThat(restore.exit()).as(restore.toString()).isZero();
        UnusualNames.assertConsistent(target);
        target.execute("UPDATE tenant.tb_note SET body = 'rewritten' WHERE pk_note = 2");
        UnusualNames.assertConsistent(target);

        assertNoSecretAnywhere(server, List.of(backup.all(), restore.all()), dir.resolve("manifest.json"), termination);
    }

    @Test
    void physicalBackupManifestWithUnusualNames(PgDatabase db, PgServer server) {
        Path root = tmp.resolve("physical");
        Path termination = tmp.resolve("termination-log");
        Scripts.Run backup = Scripts.run("backup.sh", backupEnv(server, db, root, termination), "physical");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        Path dir = Scripts.backups(root).get(0);
        JsonNode m = Scripts.manifest(dir);
        assertThat(m.path("verified").asBoolean()).as(m.toString()).isTrue();
        assertManifestNamesEveryTview(m, true);
        assertNoSecretAnywhere(server, List.of(backup.all()), dir.resolve("manifest.json"), termination);
    }

    /**
     * The injection of issue 12 alone (no other unusual name to make the old scripts fail early): backup.sh run as
     * superuser used to write role app's SCRAM hash into manifest.json, stdout and the termination message.
     */
    @Test
    void injectionNamedTviewLeaksNoHash(PgServer server) {
        assertThat(UnusualNames.appScramHash(server)).as("the secret the injection would copy exists").startsWith("SCRAM-SHA-256$");
        PgDatabase only = server.createDatabase("injection_only_" + System.nanoTime());
        dev.tviews.e2e.support.ShopSchema.installRuntime(only);
        only.execute("""
                CREATE SCHEMA tenant;
                CREATE TABLE tenant."tb_a'UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT'"
                    ("pk_a'UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT'" integer PRIMARY KEY, name text NOT NULL);
                INSERT INTO tenant."tb_a'UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT'" VALUES (1, 'one'), (2, 'two');
                SELECT pg_tviews_create('tenant."tv_a''UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT''"',
                    'SELECT s."pk_a''UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT''", s.name
                     FROM tenant."tb_a''UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT''" s');
                """);
        Path root = tmp.resolve("injection");
        Path termination = tmp.resolve("termination-log");
        Scripts.Run backup = Scripts.run("backup.sh", backupEnv(server, only, root, termination), "logical");
        Path dir = Scripts.backups(root).get(0);
        assertNoSecretAnywhere(server, List.of(backup.all()), dir.resolve("manifest.json"), termination);
        assertThat(backup.exit()).as(backup.toString()).isZero();
        JsonNode m = Scripts.manifest(dir);
        assertThat(m.path("tviews").path(UnusualNames.INJECTION).asLong()).isEqualTo(2);
        assertThat(m.path("tviews").size()).isEqualTo(1);
    }
}
