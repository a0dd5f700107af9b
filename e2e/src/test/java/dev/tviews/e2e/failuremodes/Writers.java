package dev.tviews.e2e.failuremodes;

import dev.tviews.testkit.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Background writers on the shop schema (renames of users, post titles, new comments), for faults injected
 * "with writers running". Failed statements (deadlocks, DDL in the way) are counted by SQLSTATE, never hidden.
 */
final class Writers implements AutoCloseable {

    final AtomicLong commits = new AtomicLong();
    final ConcurrentHashMap<String, AtomicLong> failures = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Writers(PgDatabase db, int count, long seed) {
        for (int i = 0; i < count; i++) {
            Random random = new Random(seed + i);
            Thread t = new Thread(() -> run(db, random), "fm-writer-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void run(PgDatabase db, Random random) {
        while (!stop.get()) {
            try (Connection c = db.connect()) {
                while (!stop.get()) {
                    int kind = random.nextInt(3);
                    String sql = switch (kind) {
                        case 0 -> "UPDATE tb_user SET name = ? WHERE pk_user = ?";
                        case 1 -> "UPDATE tb_post SET title = ? WHERE pk_post = ?";
                        default -> "INSERT INTO tb_comment (body, fk_post) VALUES (?, ?)";
                    };
                    try (PreparedStatement ps = c.prepareStatement(sql)) {
                        ps.setString(1, "w" + random.nextInt(1_000_000));
                        ps.setInt(2, 1 + random.nextInt(kind == 0 ? 20 : 50));
                        ps.executeUpdate();
                        commits.incrementAndGet();
                    } catch (SQLException e) {
                        failures.computeIfAbsent(String.valueOf(e.getSQLState()), k -> new AtomicLong()).incrementAndGet();
                        if (c.isClosed() || !c.isValid(2)) {
                            break;
                        }
                    }
                }
            } catch (SQLException e) {
                failures.computeIfAbsent("connect:" + e.getSQLState(), k -> new AtomicLong()).incrementAndGet();
            }
        }
    }

    /** Waits until at least {@code n} more statements committed (writers really run), at most 30 s. */
    void awaitCommits(long n) throws InterruptedException {
        long target = commits.get() + n;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (commits.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("writers made no progress: " + commits.get() + " commits, failures " + failures);
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }

    @Override
    public String toString() {
        return commits.get() + " commits, failures by SQLSTATE " + failures;
    }
}
