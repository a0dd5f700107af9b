package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mode 1 — crashes: kill -9 of a backend in the middle of a transaction and in the middle of a cascade (the
 * writer blocked inside the trigger, two TVIEW levels written, the third waiting), and kill -9 of the postmaster
 * with a prepared transaction and an open transaction. After restart: the open transactions are gone without a
 * trace, the prepared one survives holding its TVIEW locks (health-check WARNING, writers of the same keys wait),
 * and the recovery of docs/operations/failure-modes.md (read from the file) ends it with zero drift.
 */
@Timeout(180)
class CrashFailureModeTest {

    static PgServer server;
    static PgDatabase db;

    @BeforeAll
    static void start() {
        server = PgServer.start("fm-crash");
        db = server.createDatabase("crash");
        ShopSchema.create(db);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A failed test must not leave a prepared transaction holding locks for the next one. */
    @AfterEach
    void endPreparedTransactions() {
        for (List<Object> gid : db.queryRows("SELECT gid FROM pg_prepared_xacts")) {
            db.execute("ROLLBACK PREPARED '" + String.valueOf(gid.get(0)).replace("'", "''") + "'");
        }
    }

    static long pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); var rs = s.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void killedBackendMidTransactionLeavesNoTrace() throws Exception {
        Connection c = db.connect();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("UPDATE tb_user SET name = 'killed mid-transaction' WHERE pk_user <= 5");
            s.execute("INSERT INTO tb_comment (fk_post, body) VALUES (1, 'killed mid-transaction')");
        }
        server.killBackend(pid(c));
        assertThatThrownBy(() -> c.createStatement().execute("COMMIT")).isInstanceOf(SQLException.class);
        assertThat(db.queryValue("SELECT count(*) FROM tv_comment WHERE data::text LIKE '%killed mid-transaction%'")).isEqualTo(0L);
        String out = Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify");
        assertThat(out).contains("0 TVIEW(s) drifted");
        Docs.assertNoDrift(db);
        ShopSchema.assertMaintainsAfterWrite(db);
    }

    @Test
    void killedBackendMidCascadeLeavesNoTrace() throws Exception {
        try (Connection holder = db.connect(); Connection writer = db.connect()) {
            holder.setAutoCommit(false);
            holder.createStatement().execute("SET lock_timeout = '10s'");
            holder.createStatement().execute("SELECT 1 FROM tv_comment FOR UPDATE");   // the third level will wait here
            long writerPid = pid(writer);
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try (Statement s = writer.createStatement()) {
                    s.execute("UPDATE tb_user SET name = 'killed mid-cascade' WHERE pk_user = 2");
                } catch (SQLException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!"Lock".equals(db.queryValue("SELECT wait_event_type FROM pg_stat_activity WHERE pid = " + writerPid))) {
                assertThat(System.nanoTime()).as("the writer waits inside the cascade").isLessThan(deadline);
                Thread.sleep(20);
            }
            // the writer is inside the trigger: tv_user and tv_post rows written, tv_comment waiting
            assertThat(db.queryValue("SELECT query FROM pg_stat_activity WHERE pid = " + writerPid)).asString().isNotBlank();
            server.killBackend(writerPid);
            assertThat(write).failsWithin(Duration.ofSeconds(30));
        }
        assertThat(db.queryValue("SELECT count(*) FROM tv_post WHERE data::text LIKE '%killed mid-cascade%'")).isEqualTo(0L);
        assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).contains("0 TVIEW(s) drifted");
        Docs.assertNoDrift(db);
    }

    @Test
    void killedPostmasterWithAPreparedTransaction() throws Exception {
        try (Connection prepared = db.connect(); Connection open = db.connect()) {
            prepared.setAutoCommit(false);
            prepared.createStatement().execute("UPDATE tb_user SET name = 'prepared before the crash' WHERE pk_user = 3");
            prepared.createStatement().execute("PREPARE TRANSACTION 'fm_crash_prepared'");
            open.setAutoCommit(false);
            open.createStatement().execute("UPDATE tb_user SET name = 'open at the crash' WHERE pk_user = 4");
            server.killPostmaster();
        }
        server.restart();
        server.awaitAcceptingConnections(Duration.ofSeconds(60));

        assertThat(db.queryValue("SELECT count(*) FROM tv_user WHERE data ->> 'name' = 'open at the crash'")).isEqualTo(0L);
        assertThat(db.queryValue("SELECT gid FROM pg_prepared_xacts")).isEqualTo("fm_crash_prepared");
        // what the user sees: the health check names the prepared transaction, the queue view counts it
        assertThat(Docs.health(db).get("prepared_transactions"))
                .startsWith("WARNING").contains("hold TVIEW maintenance locks").contains("fm_crash_prepared");
        assertThat(((Number) db.queryValue("SELECT sum(prepared_holders) FROM pg_tviews_get_queue()")).longValue()).isPositive();
        // a writer of the same TVIEW keys waits for it
        assertThatThrownBy(() -> db.execute("SET lock_timeout = '300ms'; UPDATE tb_post SET title = 'blocked' WHERE fk_user = 3"))
                .hasMessageContaining("lock timeout");

        String out = Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-prepared", Map.of("gid", "fm_crash_prepared"));
        assertThat(out).contains("fm_crash_prepared");
        assertThat(db.queryValue("SELECT count(*) FROM pg_prepared_xacts")).isEqualTo(0L);
        assertThat(db.queryValue("SELECT data ->> 'name' FROM tv_user WHERE pk_user = 3")).isEqualTo("prepared before the crash");
        assertThat(Docs.health(db).get("prepared_transactions")).startsWith("OK");
        assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).contains("0 TVIEW(s) drifted");
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }
}
