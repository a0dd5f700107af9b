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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Verification must reject damaged backups: a flipped byte, a tampered dump, TVIEW corruption captured in the dump. */
@ExtendWith(PostgresExtension.class)
class CorruptBackupScriptTest {

    @TempDir
    static Path root;
    static Path good;

    @BeforeAll
    static void backup(PgDatabase db, PgServer server) {
        ShopSchema.create(db);
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.resolve("policy").toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "logical");
        assertThat(run.exit()).as(run.toString()).isZero();
        good = Scripts.backups(root.resolve("policy")).get(0);
    }

    @Test
    void oneFlippedByteFailsVerification(PgDatabase db, PgServer server) {
        Path bad = Scripts.copy(good, root.resolve("flipped/20250101T000000Z-logical"));
        Scripts.flipByte(bad.resolve("dump.pgdump"), 100);

        Scripts.Run run = Scripts.run("verify.sh", Scripts.env(server, db.name()), bad.toString());
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr()).contains("sha256 mismatch for dump.pgdump");
        JsonNode m = Scripts.manifest(bad);
        assertThat(m.path("verified").asBoolean()).isFalse();
        assertThat(m.path("verification").asText()).contains("sha256 mismatch");

        // restore.sh refuses it too
        Scripts.Run restore = Scripts.run("restore.sh", Scripts.env(server, db.name()), bad.toString(), db.name() + "_never");
        assertThat(restore.exit()).isEqualTo(3);
        assertThat(restore.stderr()).contains("does not match the manifest");
        assertThat(server.database("postgres").queryValue(
                "SELECT count(*) FROM pg_database WHERE datname = '" + db.name() + "_never'")).isEqualTo(0L);
    }

    @Test
    void restoreTestDetectsADumpDamagedBeforeItsChecksumWasTaken(PgDatabase db, PgServer server) throws Exception {
        // the damage happened before the checksum (e.g. a faulty disk under pg_dump): the checksum matches, the
        // table of contents still reads, only restoring the data shows it
        Path bad = Scripts.copy(good, root.resolve("tampered/20250101T000000Z-logical"));
        Path dump = bad.resolve("dump.pgdump");
        Scripts.flipByte(dump, -40);
        String manifest = Files.readString(bad.resolve("manifest.json"));
        String oldSum = Scripts.manifest(bad).path("sha256").path("dump.pgdump").asText();
        Files.writeString(bad.resolve("manifest.json"), manifest.replace(oldSum, LogicalBackupScriptTest.sha256(dump)));

        Scripts.Run plain = Scripts.run("verify.sh", Scripts.env(server, db.name()), bad.toString());
        assertThat(plain.exit()).as("checksum and pg_restore -l alone do not see it: %s", plain).isZero();

        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("RESTORE_TEST", "1");
        env.put("RESTORE_DB", "scratch_tampered_" + db.name());
        Scripts.Run run = Scripts.run("verify.sh", env, bad.toString());
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        JsonNode m = Scripts.manifest(bad);
        assertThat(m.path("verified").asBoolean()).isFalse();
        assertThat(m.path("verification").asText()).contains("restore test");
        assertThat(server.database("postgres").queryValue(
                "SELECT count(*) FROM pg_database WHERE datname = 'scratch_tampered_" + db.name() + "'")).isEqualTo(0L);
    }

    @Test
    void restoreTestDetectsTviewCorruptionCapturedInTheBackup(PgServer server) {
        PgDatabase src = server.createDatabase("corrupt_src_" + System.nanoTime());
        ShopSchema.create(src);
        // silent corruption of a TVIEW row (maintenance bypassed), then a backup of that state
        src.execute("SET session_replication_role = replica; UPDATE tv_post SET data = jsonb_set(data, '{title}', '\"garbage\"') WHERE pk_post = 7");
        Map<String, String> env = new HashMap<>(Scripts.env(server, src.name()));
        env.put("BACKUP_ROOT", root.resolve("corrupt").toString());
        env.put("RESTORE_TEST", "1");
        Scripts.Run run = Scripts.run("backup.sh", env, "logical");

        assertThat(run.exit()).as(run.toString()).isEqualTo(3);
        JsonNode summary = Scripts.json(run.stdout().strip());
        assertThat(summary.path("status").asText()).isEqualTo("succeeded");
        assertThat(summary.path("verified").asBoolean()).isFalse();
        Path dir = Scripts.backups(root.resolve("corrupt")).get(0);
        JsonNode m = Scripts.manifest(dir);
        assertThat(m.path("verified").asBoolean()).isFalse();
        assertThat(m.path("verification").asText()).contains("restore test", "consistency post: FAILED");
        assertThat(m.path("verification").asText()).doesNotContain("consistency user: FAILED");
        assertThat(server.database("postgres").queryRows("SELECT datname FROM pg_database WHERE datname LIKE 'verify\\_%'"))
                .as("scratch databases are dropped").isEqualTo(List.of());
    }
}
