package dev.tviews.runtime;

import dev.tviews.testkit.PgDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Single-row statements measured in turn, so that every variant sees the same machine: this VM's speed drifts by
 * up to half within minutes, and a ratio of two phases run one after the other would compare two machines. Each
 * statement takes one integer key, drawn from 1 .. {@code keys}.
 */
final class Alternating {

    static final int CLIENTS = 8;

    private Alternating() {
    }

    /** Sorted latencies (ms) of each statement, one execution of each per step, the same key for all in a step. */
    static double[][] latencies(Connection c, List<String> sqls, int n, int keys) throws Exception {
        Random r = new Random(42);
        int m = sqls.size();
        double[][] out = new double[m][n];
        List<PreparedStatement> all = new ArrayList<>();
        try {
            for (String sql : sqls) {
                all.add(c.prepareStatement(sql));
            }
            for (int i = 0; i < 50; i++) {   // warm-up (plan cache)
                for (PreparedStatement ps : all) {
                    ps.setInt(1, 1 + r.nextInt(keys));
                    ps.executeUpdate();
                }
            }
            for (int i = 0; i < n; i++) {
                int key = 1 + r.nextInt(keys);
                for (int k = 0; k < m; k++) {
                    all.get(k).setInt(1, key);
                    long t = System.nanoTime();
                    all.get(k).executeUpdate();
                    out[k][i] = (System.nanoTime() - t) / 1e6;
                }
            }
        } finally {
            for (PreparedStatement ps : all) {
                ps.close();
            }
        }
        for (double[] o : out) {
            Arrays.sort(o);
        }
        return out;
    }

    /**
     * Transactions per second of each statement, {@link #CLIENTS} clients that switch from one statement to the next
     * every {@code sliceMillis} (each client holds a connection per statement), {@code millisEach} per statement after
     * one slice of warm-up. A transaction counts for the statement it ran.
     */
    static double[] throughput(PgDatabase db, List<String> sqls, long millisEach, long sliceMillis, int keys) throws Exception {
        int m = sqls.size();
        long slices = millisEach / sliceMillis;
        AtomicLong[] done = new AtomicLong[m];
        for (int k = 0; k < m; k++) {
            done[k] = new AtomicLong();
        }
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> fs = new ArrayList<>();
        long start = System.currentTimeMillis() + sliceMillis;     // one slice of warm-up, on every statement
        long end = start + m * slices * sliceMillis;
        for (int t = 0; t < CLIENTS; t++) {
            int seed = t;
            fs.add(pool.submit(() -> {
                Random r = new Random(seed);
                List<Connection> cs = new ArrayList<>();
                List<PreparedStatement> ps = new ArrayList<>();
                try {
                    for (String sql : sqls) {
                        Connection c = db.connect();
                        cs.add(c);
                        ps.add(c.prepareStatement(sql));
                    }
                    long now;
                    while ((now = System.currentTimeMillis()) < end) {
                        int k = now < start ? (int) (now / 50 % m) : (int) ((now - start) / sliceMillis % m);
                        ps.get(k).setInt(1, 1 + r.nextInt(keys));
                        ps.get(k).executeUpdate();
                        if (now >= start) {
                            done[k].incrementAndGet();
                        }
                    }
                } finally {
                    for (Connection c : cs) {
                        c.close();
                    }
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = slices * sliceMillis / 1000.0;
        double[] out = new double[m];
        for (int k = 0; k < m; k++) {
            out[k] = done[k].get() / seconds;
        }
        return out;
    }

    /** The {@code pct} percentile of sorted values. */
    static double p(double[] sorted, int pct) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(pct / 100.0 * sorted.length) - 1)];
    }
}
