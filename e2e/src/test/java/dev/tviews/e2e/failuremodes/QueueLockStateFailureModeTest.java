package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mode 7 — queue and lock state after a crash. The runtime has no queue table (the seeds'
 * pg_tview_pending_refreshes and pg_tviews_debug_queue() do not exist): its only state between statements is the
 * advisory locks of open transactions. After kill -9 of the postmaster with writers holding TVIEW locks, the
 * documented queue check shows nothing held, the health check is clean, writers of the same keys proceed.
 */
@Timeout(180)
class QueueLockStateFailureModeTest {

    static PgServer server;
    static PgDatabase db;

    @BeforeAll
    static void start() {
        server = PgServer.start("fm-queue");
        db = server.createDatabase("queue");
        ShopSchema.create(db);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void noLockOrQueueStateSurvivesACrash() throws Exception {
        assertThat(db.queryValue("SELECT to_regclass('public.pg_tview_pending_refreshes')")).isNull();
        assertThat(db.queryValue("SELECT to_regprocedure('public.pg_tviews_debug_queue()')")).isNull();
        try (Connection a = db.connect(); Connection b = db.connect()) {
            a.setAutoCommit(false);
            b.setAutoCommit(false);
            a.createStatement().execute("UPDATE tb_user SET name = 'held at crash' WHERE pk_user IN (1, 2, 3)");
            b.createStatement().execute("UPDATE tb_post SET title = 'held at crash' WHERE pk_post IN (10, 11)");
            // one writer flushed (holds the TVIEW key locks), the other still has its work queued
            a.createStatement().execute("SELECT pg_tviews_flush()");
            assertThat(((Number) db.queryValue("SELECT sum(flushing_sessions) FROM pg_tviews_get_queue()")).longValue()).isPositive();
            assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "queue-state")).contains("tv_user");
            server.killPostmaster();
        }
        server.restart();
        server.awaitAcceptingConnections(Duration.ofSeconds(60));
        String out = Docs.psqlOk(db, Docs.FAILURE_MODES, "queue-state");
        assertThat(out).contains("(0 rows)").doesNotContain("tv_user");
        assertThat(db.queryValue("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isEqualTo(0L);
        assertThat(db.queryValue("SELECT count(*) FROM pg_tviews_get_queue()")).isEqualTo(0L);
        assertThat(Docs.health(db).get("prepared_transactions")).startsWith("OK");
        db.execute("SET lock_timeout = '2s'; UPDATE tb_user SET name = 'after crash' WHERE pk_user IN (1, 2, 3)");
        Docs.assertNoDrift(db);
    }
}
