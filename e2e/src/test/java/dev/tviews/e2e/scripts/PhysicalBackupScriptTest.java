package dev.tviews.e2e.scripts;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** backup.sh physical (pg_basebackup -Ft -z -X stream) on a server of its own → verify → start a copy → TVIEWs. */
class PhysicalBackupScriptTest {

    @TempDir
    static Path root;
    static PgServer server;
    static PgDatabase db;
    static Path backup;

    @BeforeAll
    static void backup() {
        server = PgServer.start("physical-backup");
        db = server.createDatabase("shop");
        ShopSchema.create(db);
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.resolve("shop/weekly").toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "physical");
        assertThat(run.exit()).as(run.toString()).isZero();
        backup = Scripts.backups(root.resolve("shop/weekly")).get(0);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void manifestDescribesTheBaseBackup() throws Exception {
        assertThat(backup.getFileName().toString()).matches("\\d{8}T\\d{6}Z-physical");
        assertThat(backup.resolve("base.tar.gz")).exists();
        assertThat(backup.resolve("pg_wal.tar.gz")).exists();
        assertThat(backup.resolve("backup_manifest")).exists();
        JsonNode m = Scripts.manifest(backup);
        assertThat(m.path("status").asText()).isEqualTo("succeeded");
        assertThat(m.path("verified").asBoolean()).isTrue();
        assertThat(m.path("verification").asText()).contains("gzip and tar integrity", "pg_verifybackup");
        assertThat(m.path("startLsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(m.path("endLsn").asText()).matches("[0-9A-F]+/[0-9A-F]+");
        assertThat(m.path("timeline").asInt()).isEqualTo(1);
        assertThat(m.path("tviews").path("comment").asLong()).isEqualTo(ShopSchema.COMMENTS);
        for (String f : new String[] {"base.tar.gz", "pg_wal.tar.gz", "backup_manifest"}) {
            assertThat(m.path("sha256").path(f).asText()).as(f).isEqualTo(LogicalBackupScriptTest.sha256(backup.resolve(f)));
        }
        long size = Files.size(backup.resolve("base.tar.gz")) + Files.size(backup.resolve("pg_wal.tar.gz"))
                + Files.size(backup.resolve("backup_manifest"));
        assertThat(m.path("sizeBytes").asLong()).isEqualTo(size);
        assertThat(m.path("toolVersions").path("pg_basebackup").asText()).startsWith("pg_basebackup (PostgreSQL)");
    }

    @Test
    void extractedBackupStartsOnANewPortWithCorrectSelfMaintainingTviews() throws Exception {
        // the original moves on; the copy must show the backup's state
        db.execute("INSERT INTO tb_user (name) VALUES ('after the backup')");
        try (RestoredPhysicalServer copy = RestoredPhysicalServer.start(backup, server)) {
            assertThat(copy.port).isNotEqualTo(server.port());
            try (Connection c = copy.connect("shop"); Statement s = c.createStatement()) {
                assertThat(count(s, "SELECT count(*) FROM tb_user")).isEqualTo(ShopSchema.USERS);
                for (String e : ShopSchema.ENTITIES) {
                    assertThat(count(s, oracleDiff(e))).as("tv_%s equals its oracle on the copy", e).isZero();
                    assertThat(count(s, "SELECT missing + extra + different FROM pg_tviews_check_consistency('tv_" + e + "')")).isZero();
                }
                assertThat(count(s, "SELECT count(*) FROM tv_comment")).isEqualTo(ShopSchema.COMMENTS);
                s.execute("UPDATE tb_user SET name = 'renamed on the copy' WHERE pk_user = 3");
                s.execute("INSERT INTO tb_comment (fk_post, body) VALUES (2, 'written on the copy')");
                assertThat(count(s, "SELECT count(*) FROM tv_comment WHERE data #>> '{post,author,name}' = 'renamed on the copy'"))
                        .isEqualTo(count(s, "SELECT count(*) FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post WHERE p.fk_user = 3"))
                        .isPositive();
                for (String e : ShopSchema.ENTITIES) {
                    assertThat(count(s, oracleDiff(e))).as("tv_%s after a write on the copy", e).isZero();
                }
            }
        }
    }

    @Test
    void oneFlippedByteInTheBaseArchiveFailsVerification() throws Exception {
        Path bad = Scripts.copy(backup, root.resolve("bad/20250101T000000Z-physical"));
        Scripts.flipByte(bad.resolve("base.tar.gz"), 5000);
        Scripts.Run run = Scripts.run("verify.sh", Scripts.env(server, db.name()), bad.toString());
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(Scripts.manifest(bad).path("verification").asText()).contains("sha256 mismatch for base.tar.gz");

        // same damage with the checksum "fixed": the archive checks still catch it
        String sum = Scripts.manifest(bad).path("sha256").path("base.tar.gz").asText();
        Files.writeString(bad.resolve("manifest.json"), Files.readString(bad.resolve("manifest.json"))
                .replace(sum, LogicalBackupScriptTest.sha256(bad.resolve("base.tar.gz"))));
        Scripts.Run again = Scripts.run("verify.sh", Scripts.env(server, db.name()), bad.toString());
        assertThat(again.exit()).as(again.toString()).isEqualTo(1);
        assertThat(Scripts.manifest(bad).path("verified").asBoolean()).isFalse();
        assertThat(Scripts.manifest(bad).path("verification").asText()).containsAnyOf("not a valid gzip", "not a valid tar", "pg_verifybackup");
    }

    private static String oracleDiff(String e) {
        String tv = "SELECT " + ShopSchema.COLUMNS.get(e) + " FROM tv_" + e;
        String oracle = ShopSchema.ORACLE.get(e);
        return "SELECT count(*) FROM ((" + oracle + " EXCEPT ALL " + tv + ") UNION ALL (" + tv + " EXCEPT ALL " + oracle + ")) d";
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
