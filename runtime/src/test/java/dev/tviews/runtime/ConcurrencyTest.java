package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 8 connections writing random multi-statement transactions to shared parents, a fixed number of transactions
 * each (no time bound). While they run, a reader compares every TVIEW with its query in one snapshot, and runs
 * pg_tviews_check_consistency: other transactions never see a stale row, so both must find zero drift at every
 * moment, as must the final check. READ COMMITTED commits or deadlocks; REPEATABLE READ and SERIALIZABLE also
 * get (and must get) 40001.
 */
@ExtendWith(PostgresExtension.class)
class ConcurrencyTest {

    static final int CLIENTS = 8;
    static final int TRANSACTIONS = Integer.getInteger("tviews.concurrency.transactions", 150);

    @BeforeAll
    static void setUp(PgDatabase db) {
        Rt.install(db);
    }

    /** The error arose inside a generated maintenance function (its PL/pgSQL context names it). */
    static boolean inMaintenance(SQLException e) {
        return e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                && String.valueOf(p.getServerErrorMessage().getWhere()).contains("pg_tviews");
    }

    @Test
    void readCommittedNeverLeavesStaleRows(PgDatabase db) throws Exception {
        Map<String, AtomicLong> outcome = run(db, "rc", Connection.TRANSACTION_READ_COMMITTED);
        System.out.println("READ COMMITTED outcome: " + outcome);
        assertThat(outcome.keySet()).allMatch(k -> k.equals("commit") || k.equals("40P01") || k.equals("checks"));
    }

    /**
     * What a REPEATABLE READ or SERIALIZABLE writer may end with: a commit, 40001 or 40P01 (the drift checks, "checks",
     * hold throughout), or, rarely, PostgreSQL 15.18's own internal check "new multixact has more than one updating
     * member" (XX000), which rolls the transaction back: seen once in four runs of the mixed test on 2026-12-04 and once
     * in a SERIALIZABLE run on 2026-12-06, under the runtime's lock rows, with the drift checks holding. Counted and
     * printed, not hidden; a PostgreSQL issue the runtime has not found a way around (documented with the benchmarks).
     */
    static boolean expectedUnderSnapshotIsolation(String outcome) {
        return outcome.equals("commit") || outcome.equals("40001") || outcome.equals("40P01") || outcome.equals("checks")
                || outcome.startsWith("XX000 ERROR: new multixact has more than one updating member");
    }

    @Test
    void repeatableReadGetsSerializationFailuresInsteadOfStaleRows(PgDatabase db) throws Exception {
        Map<String, AtomicLong> outcome = run(db, "rr", Connection.TRANSACTION_REPEATABLE_READ);
        System.out.println("REPEATABLE READ outcome: " + outcome);
        assertThat(outcome.keySet()).allMatch(ConcurrencyTest::expectedUnderSnapshotIsolation);
        assertThat(outcome.get("40001")).as("conflicting writers must have been refused").isNotNull();
    }

    @Test
    void serializableGetsSerializationFailuresInsteadOfStaleRows(PgDatabase db) throws Exception {
        Map<String, AtomicLong> outcome = run(db, "sr", Connection.TRANSACTION_SERIALIZABLE);
        System.out.println("SERIALIZABLE outcome: " + outcome);
        assertThat(outcome.keySet()).allMatch(ConcurrencyTest::expectedUnderSnapshotIsolation);
        assertThat(outcome.get("40001")).as("conflicting writers must have been refused").isNotNull();
    }

    /** Half the writers READ COMMITTED, half REPEATABLE READ: neither may commit over a change it cannot see. */
    @Test
    void mixedIsolationLevelsNeverLeaveStaleRows(PgDatabase db) throws Exception {
        Map<String, AtomicLong> outcome = run(db, "mx", Connection.TRANSACTION_REPEATABLE_READ, true);
        System.out.println("READ COMMITTED + REPEATABLE READ outcome: " + outcome);
        assertThat(outcome.keySet()).allMatch(ConcurrencyTest::expectedUnderSnapshotIsolation);
    }

    private Map<String, AtomicLong> run(PgDatabase db, String schema, int isolation) throws Exception {
        return run(db, schema, isolation, false);
    }

    /** mixed: writers with an even number run READ COMMITTED, the others {@code isolation}. */
    private Map<String, AtomicLong> run(PgDatabase db, String schema, int isolation, boolean mixed) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, schema, 6, 30, 60);
            exec(c, "CREATE SEQUENCE " + schema + ".cseq START 100000");
        }
        Map<String, AtomicLong> outcome = new ConcurrentHashMap<>();
        java.util.concurrent.CountDownLatch writersDone = new java.util.concurrent.CountDownLatch(CLIENTS);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < CLIENTS; t++) {
            long seed = 1000L * t + isolation;
            int level = mixed && t % 2 == 0 ? Connection.TRANSACTION_READ_COMMITTED : isolation;
            fs.add(pool.submit(() -> {
                Random r = new Random(seed);
                try (Connection c = db.connect()) {
                    exec(c, "SET search_path = " + schema + ", public; SET deadlock_timeout = '50ms'");
                    c.setTransactionIsolation(level);
                    c.setAutoCommit(false);
                    for (int tx = 0; tx < TRANSACTIONS; tx++) {
                        try {
                            int n = 1 + r.nextInt(3);
                            for (int i = 0; i < n; i++) {
                                exec(c, statement(r));
                            }
                            c.commit();
                            outcome.computeIfAbsent("commit", k -> new AtomicLong()).incrementAndGet();
                        } catch (SQLException e) {
                            c.rollback();
                            String state = e.getSQLState();
                            if (state.equals("40P01") && inMaintenance(e)) {
                                state = "40P01 in maintenance";   // a lock cycle that TVIEW maintenance added
                            }
                            outcome.computeIfAbsent(state.equals("40001") || state.equals("40P01") ? state : state + " " + e.getMessage(),
                                    k -> new AtomicLong()).incrementAndGet();
                        }
                    }
                } finally {
                    writersDone.countDown();
                }
                return null;
            }));
        }
        // the reader: while writers run, every snapshot must show TVIEWs equal to their queries
        Future<Long> checks = pool.submit(() -> {
            long n = 0;
            try (Connection c = db.connect()) {
                exec(c, "SET search_path = " + schema + ", public");
                do {
                    assertThat(Rt.driftAgainst(c, "tv_post", Rt.TV_POST)).as("tv_post while writers run").isZero();
                    assertThat(Rt.driftAgainst(c, "tv_user", Rt.TV_USER)).as("tv_user while writers run").isZero();
                    assertThat(Rt.value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('" + schema + ".post')"))
                            .as("no false drift while writers run").isEqualTo(0L);
                    n++;
                } while (writersDone.getCount() > 0);
            }
            return n;
        });
        for (Future<?> f : fs) {
            f.get();
        }
        outcome.put("checks", new AtomicLong(checks.get()));
        pool.shutdownNow();
        try (Connection c = db.connect()) {
            exec(c, "SET search_path = " + schema + ", public");
            Rt.assertNoDrift(c, schema + ".post", schema + ".user");
            assertThat(Rt.driftAgainst(c, "tv_post", Rt.TV_POST)).isZero();
            assertThat(Rt.driftAgainst(c, "tv_user", Rt.TV_USER)).isZero();
        }
        assertThat(outcome.keySet()).as("deadlocks come only from the application's own statements, never from maintenance")
                .noneMatch(k -> k.startsWith("40P01 in maintenance"));
        assertThat(outcome.get("commit")).as("some transactions committed").isNotNull();
        assertThat(outcome.get("checks").get()).as("the reader ran while writers ran").isPositive();
        return outcome;
    }

    private static String statement(Random r) {
        int u = 1 + r.nextInt(6);
        int p = 1 + r.nextInt(30);
        return switch (r.nextInt(8)) {
            case 0, 1 -> "UPDATE tb_user SET name = 'n" + r.nextInt(100) + "' WHERE pk_user = " + u;
            case 2 -> "UPDATE tb_post SET fk_user = " + u + " WHERE pk_post = " + p;
            case 3 -> "UPDATE tb_post SET title = 't" + r.nextInt(100) + "', score = score + 1 WHERE pk_post = " + p;
            case 4 -> "INSERT INTO tb_comment VALUES (nextval('cseq'), " + p + ", 'c')";
            case 5 -> "DELETE FROM tb_comment WHERE pk_comment IN (SELECT pk_comment FROM tb_comment WHERE fk_post = " + p + " LIMIT 1)";
            case 6 -> "UPDATE tb_comment SET fk_post = " + p + " WHERE pk_comment IN (SELECT pk_comment FROM tb_comment WHERE fk_post = " + (1 + r.nextInt(30)) + " LIMIT 1)";
            default -> "UPDATE tb_post SET score = score + 1 WHERE fk_user = " + u;
        };
    }
}
