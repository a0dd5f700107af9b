package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 4 — connection loss: a client that goes away in the middle of a transaction (its session idle in
 * transaction, holding TVIEW locks that block another writer inside its cascade). The documented blocker query
 * finds and terminates it (pg_terminate_backend, as a lost connection does); the blocked writer proceeds; the
 * terminated transaction leaves no trace; zero drift.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(120)
class ConnectionLossFailureModeTest {

    @Test
    void terminatedSessionLeavesNoTraceAndUnblocksWriters(PgServer server) throws Exception {
        PgDatabase db = Docs.freshShop(server, "connloss");
        try (Connection lost = db.connect(); Connection writer = db.connect()) {
            lost.setAutoCommit(false);
            lost.createStatement().execute("SET application_name = 'fm-lost-client'");
            lost.createStatement().execute("UPDATE tb_user SET name = 'never committed' WHERE pk_user = 6");
            // maintenance locks are held from the flush to the end of the transaction: a client that flushed
            // (pg_tviews_flush(), or a TVIEW with refresh = statement) and then went away holds them
            lost.createStatement().execute("SELECT pg_tviews_flush()");
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                try (Statement s = writer.createStatement()) {
                    s.execute("UPDATE tb_post SET title = 'waited' WHERE fk_user = 6");
                } catch (SQLException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (((Number) db.queryValue("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND cardinality(pg_blocking_pids(pid)) > 0")).longValue() == 0) {
                assertThat(System.nanoTime()).as("the writer is blocked by the lost client").isLessThan(deadline);
                Thread.sleep(20);
            }
            String out = Docs.psqlOk(db, Docs.FAILURE_MODES, "blocked-writers", Map.of("idle_for", "0 seconds"));
            assertThat(out).contains("fm-lost-client");
            assertThat(blocked).succeedsWithin(Duration.ofSeconds(30));
            assertThatThrownBy(() -> lost.createStatement().execute("COMMIT")).isInstanceOf(SQLException.class);
        }
        assertThat(db.queryValue("SELECT count(*) FROM tv_post WHERE data #>> '{author,name}' = 'never committed'")).isEqualTo(0L);
        assertThat(((Number) db.queryValue("SELECT count(*) FROM tv_post WHERE data ->> 'title' = 'waited'")).longValue()).isPositive();
        Docs.assertNoDrift(db);
    }
}
