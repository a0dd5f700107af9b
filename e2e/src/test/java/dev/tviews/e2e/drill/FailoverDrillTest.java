package dev.tviews.e2e.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The failover drill at script level, on real PostgreSQL: a primary and a streaming standby from the harness, the
 * runtime and the 3-level schema, a writer in a loop. The switchover is what CloudNativePG does for
 * {@code kubectl cnpg promote} (the operator patches the Cluster status' targetPrimary; the CNPG controller then
 * shuts the old primary down cleanly, which sends its remaining WAL to the standby, and promotes the target):
 * here {@code close()} (fast shutdown) of the old primary, {@code standby.promote()}, then the writer follows the
 * new primary. Measured: the write downtime = last successful write on the old primary → first successful write
 * on the new one. Asserted: no committed write is lost, the TVIEWs are consistent on the new primary and keep being
 * maintained there, and a restore drill of a backup taken on the new primary succeeds.
 */
class FailoverDrillTest {

    @Test
    void switchoverKeepsTviewsConsistentAndMaintainedAndMeasuresDowntime() throws Exception {
        PgServer primary = PgServer.start("drill-failover-primary");
        PgServer standby = null;
        Thread writerThread = null;
        AtomicBoolean stop = new AtomicBoolean();
        try {
            PgDatabase db = primary.createDatabase("shop");
            DrillSupport.createShop(db);
            standby = primary.startStandby("drill-failover-standby");
            PgDatabase replica = standby.database("shop");
            waitFor(() -> ((Number) replica.queryValue("SELECT count(*) FROM tv_comment")).longValue() == 120, "standby catch-up");
            DrillSupport.assertConsistent(replica);

            // the writer: each transaction renames one user (cascades through tv_post into tv_comment) and adds a comment
            AtomicReference<PgServer> target = new AtomicReference<>(primary);
            AtomicLong seq = new AtomicLong();
            AtomicLong lastOkOld = new AtomicLong();
            AtomicLong firstOkNew = new AtomicLong();
            AtomicLong lastCommittedOld = new AtomicLong(-1);
            AtomicLong writesOld = new AtomicLong();
            AtomicLong writesNew = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            PgServer oldPrimary = primary;
            writerThread = new Thread(() -> {
                Connection c = null;
                PgServer connectedTo = null;
                while (!stop.get()) {
                    PgServer t = target.get();
                    try {
                        if (c == null || connectedTo != t) {
                            if (c != null) {
                                try {
                                    c.close();
                                } catch (SQLException ignored) {
                                    // the old connection is gone anyway
                                }
                            }
                            c = t.connect("shop");
                            c.setAutoCommit(false);
                            connectedTo = t;
                        }
                        long n = seq.incrementAndGet();
                        try (PreparedStatement u = c.prepareStatement("UPDATE tb_user SET name = ? WHERE pk_user = ?");
                             PreparedStatement i = c.prepareStatement("INSERT INTO tb_comment (fk_post, body) VALUES (?, ?)")) {
                            u.setString(1, "writer " + n);
                            u.setInt(2, (int) (n % 20) + 1);
                            u.executeUpdate();
                            i.setInt(1, (int) (n % 50) + 1);
                            i.setString(2, "writer " + n);
                            i.executeUpdate();
                        }
                        c.commit();
                        long now = System.nanoTime();
                        if (t == oldPrimary) {
                            lastOkOld.set(now);
                            lastCommittedOld.set(n);
                            writesOld.incrementAndGet();
                        } else {
                            firstOkNew.compareAndSet(0, now);
                            writesNew.incrementAndGet();
                        }
                        Thread.sleep(5);
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                        try {
                            if (c != null) {
                                c.close();
                            }
                        } catch (SQLException ignored) {
                            // broken connection
                        }
                        c = null;
                        sleepQuietly(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (SQLException ignored) {
                    // done
                }
            }, "failover-writer");
            writerThread.start();
            waitFor(() -> writesOld.get() >= 50, "writes on the primary");

            // switchover: clean shutdown of the old primary (its WAL reaches the standby), promote, writer follows
            long t0 = System.nanoTime();
            primary.close();
            long tStopped = System.nanoTime();
            standby.promote();
            long tPromoted = System.nanoTime();
            target.set(standby);
            waitFor(() -> writesNew.get() >= 50, "writes on the new primary");
            stop.set(true);
            writerThread.join(10_000);

            double downtime = (firstOkNew.get() - lastOkOld.get()) / 1e9;
            double stopSeconds = (tStopped - t0) / 1e9;
            double promoteSeconds = (tPromoted - tStopped) / 1e9;
            String figures = String.format("failover drill: write downtime %.3f s (old primary shutdown %.3f s, promote %.3f s); "
                            + "%d writes on the old primary, %d on the new one, %d failed attempts during the switch",
                    downtime, stopSeconds, promoteSeconds, writesOld.get(), writesNew.get(), failures.get());
            System.out.println(figures);
            assertThat(downtime).as(figures).isPositive().isLessThan(30);

            PgDatabase promoted = standby.database("shop");
            // nothing committed on the old primary is lost (clean switchover)
            assertThat(promoted.queryValue("SELECT count(*) FROM tb_comment WHERE body = 'writer " + lastCommittedOld.get() + "'"))
                    .as("the last write committed on the old primary").isEqualTo(1L);
            assertThat(((Number) promoted.queryValue("SELECT count(*) FROM tb_comment WHERE body LIKE 'writer %'")).longValue())
                    .as("every acknowledged write is there (a commit whose reply was lost in the shutdown may be too)")
                    .isBetween(writesOld.get() + writesNew.get(), writesOld.get() + writesNew.get() + failures.get());
            // TVIEWs consistent, healthy and maintained on the new primary
            DrillSupport.assertConsistent(promoted);
            DrillSupport.assertHealthy(promoted);
            promoted.execute("UPDATE tb_user SET name = 'after failover' WHERE pk_user = 2");
            promoted.execute("INSERT INTO tb_comment (fk_post, body) VALUES (1, 'after failover')");
            assertThat(promoted.queryValue("SELECT count(*) FROM tv_comment WHERE data #>> '{post,author,name}' = 'after failover'"))
                    .isEqualTo(promoted.queryValue("SELECT count(*) FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post WHERE p.fk_user = 2"));
            assertThat(promoted.queryValue("SELECT count(*) FROM tv_comment WHERE data ->> 'body' = 'after failover'")).isEqualTo(1L);
            DrillSupport.assertConsistent(promoted);

            // and the new primary's backups are restorable: backup.sh + drill.sh restore-latest against it
            Path root = Files.createTempDirectory("failover-drill");
            try {
                DrillSupport.backup(standby, promoted, root, "logical");
                DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(standby, "shop", root,
                        "DRILL_NAME", "after-failover"), "restore-latest");
                assertThat(run.exit()).as(run.toString()).isZero();
                assertThat(run.failedChecks()).isEmpty();
            } finally {
                deleteTree(root);
            }
        } finally {
            stop.set(true);
            if (writerThread != null) {
                writerThread.join(10_000);
            }
            primary.close();
            if (standby != null) {
                standby.close();
            }
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (c.holds()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet (e.g. the standby still replaying)
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
