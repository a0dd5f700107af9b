package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mode 11 — replica lag and promotion. A lagging standby (replay paused) serves an older but consistent
 * snapshot: its TVIEWs equal their queries over its own (equally old) sources. "Refresh on the replica" (the
 * seeds) fails on a read-only standby and is not needed. The documented lag check resumes replay; after
 * promotion the new primary maintains TVIEWs with no step; zero drift throughout.
 */
@Timeout(300)
class ReplicaFailureModeTest {

    static PgServer primary;

    @BeforeAll
    static void start() {
        primary = PgServer.start("fm-primary");
    }

    @AfterAll
    static void stop() {
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void laggingStandbyIsConsistentAndPromotionNeedsNoStep() throws Exception {
        PgDatabase db = primary.createDatabase("replica");
        ShopSchema.create(db);
        try (PgServer standby = primary.startStandby("fm-standby")) {
            PgDatabase replica = standby.database(db.name());
            awaitReplayed(replica, "SELECT count(*) FROM tv_comment", ShopSchema.COMMENTS);
            replica.execute("SELECT pg_wal_replay_pause()");
            db.execute("UPDATE tb_user SET name = 'written during lag' WHERE pk_user = 1");
            // what the user sees on the replica: the old value, consistently at every level
            assertThat(replica.queryValue("SELECT count(*) FROM tv_post WHERE data #>> '{author,name}' = 'written during lag'")).isEqualTo(0L);
            ShopSchema.assertConsistent(replica);
            assertThatThrownBy(() -> replica.execute("SELECT pg_tviews_refresh('tv_post')"))
                    .hasMessageMatching("(?s).*(read-only transaction|during recovery).*");

            String out = Docs.psqlOk(replica, Docs.FAILURE_MODES, "replica-lag");
            assertThat(out).contains("t");   // pg_is_in_recovery
            awaitReplayed(replica, "SELECT count(*) FROM tv_user WHERE data ->> 'name' = 'written during lag'", 1);
            ShopSchema.assertConsistent(replica);

            standby.promote();
            Docs.psqlOk(replica, Docs.FAILURE_MODES, "crash-verify");
            Docs.assertNoDrift(replica);
            ShopSchemaWrites.touch(replica);
        }
    }

    static void awaitReplayed(PgDatabase replica, String sql, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Object v = null;
            try {
                v = replica.queryValue(sql);
            } catch (IllegalStateException notYet) {
                // the database may not be replayed yet
            }
            if (v != null && ((Number) v).longValue() == expected) {
                return;
            }
            assertThat(System.nanoTime()).as("standby replays %s = %s", sql, expected).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
