package dev.tviews.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PgServerTest {

    @Test
    void givesEachTestClassItsOwnDatabaseOnTheSharedServer(PgDatabase db, PgServer server) {
        assertThat(db.server()).isSameAs(server);
        assertThat(db.name()).startsWith("pgservertest_");
        assertThat(db.queryValue("SELECT current_database()")).isEqualTo(db.name());
        assertThat(db.queryValue("SHOW max_prepared_transactions")).isNotEqualTo("0");
        assertThat(db.queryValue("SHOW listen_addresses")).isEqualTo("127.0.0.1");
    }

    @Test
    void requiresThePassword(PgServer server) {
        assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("postgres"), "postgres", "wrong"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void runsPsqlFilesWithOnErrorStop(PgDatabase db) throws Exception {
        var ok = java.nio.file.Files.createTempFile("ok", ".sql");
        java.nio.file.Files.writeString(ok, "CREATE TABLE t(x int); INSERT INTO t VALUES (1);");
        assertThat(db.psqlFile(ok).exitCode()).isZero();
        var bad = java.nio.file.Files.createTempFile("bad", ".sql");
        java.nio.file.Files.writeString(bad, "INSERT INTO t VALUES (2); SELECT nonsense; INSERT INTO t VALUES (3);");
        OsCommand.Result r = db.psqlFile(bad);
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("nonsense");
        assertThat(db.queryValue("SELECT sum(x) FROM t")).isEqualTo(3L);
    }

    @Test
    void streamsToAStandbyAndPromotesIt(PgServer ignored) throws Exception {
        try (PgServer primary = PgServer.start("primary")) {
            PgDatabase db = primary.createDatabase("app");
            db.execute("CREATE TABLE t(x int); INSERT INTO t VALUES (1)");
            try (PgServer standby = primary.startStandby("standby")) {
                assertThat(standby.port()).isNotEqualTo(primary.port());
                db.execute("INSERT INTO t VALUES (2)");
                PgDatabase replica = standby.database("app");
                awaitRows(replica, 2);
                assertThatThrownBy(() -> replica.execute("INSERT INTO t VALUES (3)"))
                        .hasMessageContaining("read-only");
                standby.promote();
                replica.execute("INSERT INTO t VALUES (3)");
                assertThat(replica.queryValue("SELECT count(*) FROM t")).isEqualTo(3L);
            }
        }
    }

    @Test
    void closeStopsTheServerAndRemovesItsDirectory() {
        PgServer server = PgServer.start("short-lived");
        var home = server.dataDir().getParent();
        assertThat(server.isRunning()).isTrue();
        server.close();
        assertThat(home).doesNotExist();
        assertThat(postmastersUsing(home)).isEmpty();
        server.close(); // idempotent
    }

    /**
     * A JVM whose PG_BIN is an empty directory (the environment cannot be changed in this JVM): starting a server
     * must fail, saying which directory was tried and what to install, and leave nothing behind.
     */
    @Test
    void failsWithAnInstallHintWhenBinariesAreMissing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path empty)
            throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                StartServerMain.class.getName()).redirectErrorStream(true);
        pb.environment().put("PG_BIN", empty.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(output).isEqualTo(StartServerMain.FAILED);
        assertThat(output).contains("PG_BIN=" + empty + " has no executable initdb")
                .contains("apt-get install -y postgresql postgresql-contrib")
                .doesNotContain("STARTED");
        assertThat(empty).isEmptyDirectory();
    }

    /** Run in a child JVM by {@link #failsWithAnInstallHintWhenBinariesAreMissing}. */
    public static final class StartServerMain {
        static final int FAILED = 3;

        public static void main(String[] args) {
            try (PgServer server = PgServer.start("no-binaries")) {
                System.out.println("STARTED " + server);
            } catch (IllegalStateException e) {
                System.out.println(e.getMessage());
                System.exit(FAILED);
            }
        }
    }

    private static void awaitRows(PgDatabase replica, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Connection c = replica.connect(); Statement s = c.createStatement();
                 var rs = s.executeQuery("SELECT count(*) FROM t")) {
                rs.next();
                if (rs.getLong(1) == expected) {
                    return;
                }
            } catch (SQLException e) {
                // standby still starting
            }
            Thread.sleep(50);
        }
        throw new AssertionError("standby never reached " + expected + " rows");
    }

    private static List<String> postmastersUsing(java.nio.file.Path home) {
        return ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(cmd -> cmd.contains(home.toString()) && cmd.contains("postgres"))
                .filter(cmd -> !cmd.contains("sh -c"))
                .toList();
    }
}
