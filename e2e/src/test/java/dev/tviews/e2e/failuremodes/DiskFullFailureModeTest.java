package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mode 2 — disk full, for a TVIEW table (a 8 MB tmpfs tablespace) and for the WAL (pg_wal on a 48 MB tmpfs).
 * Needs root and a working {@code mount -t tmpfs}; reported as skipped, with the reason, elsewhere.
 */
@Timeout(300)
class DiskFullFailureModeTest {

    static final List<Path> MOUNTS = new ArrayList<>();
    static PgServer server;

    @BeforeAll
    static void requireTmpfs() throws Exception {
        assumeTrue(OsCommand.runningAsRoot(), "disk-full tests mount a tmpfs: they need root");
        Path probe = Files.createTempDirectory("fm-tmpfs-probe");
        OsCommand.Result r = OsCommand.run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.toString()), Map.of(), null, 30);
        if (r.exitCode() == 0) {
            OsCommand.run(List.of("umount", probe.toString()), Map.of(), null, 30);
        }
        Files.deleteIfExists(probe);
        assumeTrue(r.exitCode() == 0, "mount -t tmpfs does not work here: " + r.output().trim());
        server = PgServer.start("fm-disk");
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (server != null) {
            server.close();
        }
        for (Path m : MOUNTS) {
            OsCommand.run(List.of("umount", "-l", m.toString()), Map.of(), null, 30);
            Files.deleteIfExists(m);
        }
    }

    static Path tmpfs(String size) throws Exception {
        Path dir = Files.createTempDirectory("fm-tmpfs");
        OsCommand.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", dir.toString()), Map.of(), null, 30)
                .orThrow("mount tmpfs");
        MOUNTS.add(dir);
        OsCommand.run(List.of("chown", "postgres:", dir.toString()), Map.of(), null, 30).orThrow("chown");
        return dir;
    }

    @Test
    void fullTablespaceOfATviewRefusesTheWriteAndLeavesNoDrift() throws Exception {
        PgDatabase db = server.createDatabase("disk_table");
        ShopSchema.create(db);
        Path small = tmpfs("8m");
        db.execute("CREATE TABLESPACE fm_small LOCATION '" + small + "'");
        db.execute("ALTER TABLE tv_comment SET TABLESPACE fm_small");
        long before = ShopSchema.rows(db, "comment");
        assertThatThrownBy(() -> db.execute("INSERT INTO tb_comment (fk_post, body) "
                + "SELECT 1 + g % 50, md5(g::text) || repeat(md5(random()::text), 30) FROM generate_series(1, 20000) g"))
                .hasMessageContaining("could not extend file").hasMessageContaining("No space left on device");
        assertThat(ShopSchema.rows(db, "comment")).as("the source write was rolled back with its TVIEW write").isEqualTo(before);
        assertThat(db.queryValue("SELECT count(*) FROM tb_comment")).isEqualTo(before);

        Docs.psqlOk(db, Docs.FAILURE_MODES, "disk-full-tablespace", Map.of("tview", "tv_comment", "tablespace", "pg_default"));
        assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).contains(" 0 TVIEW(s) drifted");
        Docs.assertNoDrift(db);
        db.execute("INSERT INTO tb_comment (fk_post, body) SELECT 1 + g % 50, repeat(md5(g::text), 30) FROM generate_series(1, 20000) g");
        Docs.assertNoDrift(db);
    }

    @Test
    void fullWalVolumeStopsTheServerAndLeavesNoDrift() throws Exception {
        PgServer wal = PgServer.start("fm-wal", Map.of("max_wal_size", "'1GB'"));
        try {
            PgDatabase db = wal.createDatabase("disk_wal");
            ShopSchema.create(db);
            Path walDir = tmpfs("48m");
            wal.crash();
            Path pgWal = wal.dataDir().resolve("pg_wal");
            OsCommand.run(List.of("sh", "-c", "cp -a \"$1\"/. \"$2\"/ && rm -rf \"$1\" && ln -s \"$2\" \"$1\" && chown -h postgres: \"$1\"",
                    "sh", pgWal.toString(), walDir.toString()), Map.of(), null, 60).orThrow("move pg_wal to the tmpfs");
            wal.restart();
            long before = ShopSchema.rows(db, "comment");
            assertThatThrownBy(() -> db.execute("INSERT INTO tb_comment (fk_post, body) "
                    + "SELECT 1 + g % 50, md5(g::text) || repeat(md5(random()::text), 30) FROM generate_series(1, 60000) g"))
                    .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("No space left on device", "terminating connection",
                            "I/O error", "connection has been closed", "Connection refused"));
            assertThat(Files.readString(wal.dataDir().getParent().resolve("server.log"))).contains("No space left on device");
            // the operator grows the volume; then the server is started again if it stopped
            OsCommand.run(List.of("mount", "-o", "remount,size=512m", walDir.toString()), Map.of(), null, 30).orThrow("grow the tmpfs");
            try {
                wal.awaitAcceptingConnections(Duration.ofSeconds(20));
            } catch (IllegalStateException notUp) {
                if (!wal.isRunning()) {
                    wal.restart();
                }
                wal.awaitAcceptingConnections(Duration.ofSeconds(60));
            }
            assertThat(ShopSchema.rows(db, "comment")).isEqualTo(before);
            assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).contains(" 0 TVIEW(s) drifted");
            Docs.assertNoDrift(db);
            ShopSchemaWrites.touch(db);
        } finally {
            wal.close();
        }
    }
}
