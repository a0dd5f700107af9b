package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The benchmark of issue 10 (run by {@code make bench}): what per-statement maintenance costs when writers contend.
 * <ol>
 *   <li>a contended multi-statement workload (8 clients moving posts between users, renaming users, upserting
 *       posts) on plain tables and on the same tables with two TVIEWs, under READ COMMITTED and REPEATABLE READ,
 *       for 5, 50 and 1,000 users;</li>
 *   <li>a diamond ladder: every TVIEW of a level reads both TVIEWs of the level below, so one base-row update
 *       reaches each TVIEW through every path;</li>
 *   <li>a 100,000-row bulk INSERT under a TVIEW, with and without {@code pg_tviews_suspend_triggers()}.</li>
 * </ol>
 * Every cell runs on a fresh database of a durable server (PostgreSQL's defaults: fsync, synchronous_commit and
 * full_page_writes on). {@code -Dtviews.baseline=path/to/an/older/tviews.sql} runs everything on that script
 * too, in the same JVM: the contended cells of plain tables, the baseline and the current runtime side by side,
 * in interleaved slices; the ladder and the bulk load on the baseline first. {@code -Dtviews.contended.seconds=N}
 * (default 20) is the measured duration of one workload cell. Writes runtime/target/contended-benchmarks.md and prints it. Only drift
 * (and that the workload ran) is asserted, never a timing.
 */
class ContendedBenchmark {

    static final String CONFIG = "durable";
    static final int SECONDS = Integer.getInteger("tviews.contended.seconds", 20);
    /** Contended cells run in slices of this many seconds, plain and every runtime in turn, so a machine that slows
     *  down during the run (shared VMs do, by half at times) slows all of them alike instead of one. */
    static final int SLICE_SECONDS = 2;
    static final int SLICE_WARMUP_SECONDS = 1;
    static final String REPORT = "contended-benchmarks.md";

    // 1. contended multi-statement workload
    static final int CLIENTS = 8;
    static final int POSTS = 200;
    static final int[] USER_COUNTS = {5, 50, 1_000};
    /** One transaction in this many also renames the user it moved a post to. */
    static final int RENAME_ONE_IN = 4;
    static final int TITLE_RANGE = 1_000_000;
    static final String DEADLOCK = "40P01";
    /** A deadlock whose error context is TVIEW maintenance (a generated pg_tviews_* function), not the application's own statements. */
    static final String MAINTENANCE_DEADLOCK = "40P01 in maintenance";
    static final String SERIALIZATION = "40001";

    static final String BLOG_SCHEMA = """
            CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
            CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text);
            CREATE INDEX ON tb_post (fk_user)""";
    static final String FILL_USERS = "INSERT INTO tb_user (pk_user, name) SELECT g, 'user ' || g FROM generate_series(1, ?) g";
    static final String INSERT_POSTS = "INSERT INTO tb_post (pk_post, fk_user, title) SELECT g, 1 + g % ?, 'post ' || g FROM generate_series(1, ?) g";
    static final String TV_USER = """
            SELECT u.pk_user, u.name,
                   coalesce((SELECT jsonb_agg(p.title ORDER BY p.pk_post) FROM tb_post p WHERE p.fk_user = u.pk_user), '[]'::jsonb) AS posts
              FROM tb_user u""";
    static final String TV_POST = """
            SELECT p.pk_post, p.fk_user, p.title, u.name AS author
              FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user""";
    static final String MOVE_POST = "UPDATE tb_post SET fk_user = ?, title = ? WHERE pk_post = ?";
    static final String RENAME_USER = "UPDATE tb_user SET name = ? WHERE pk_user = ?";
    static final String UPSERT_POST = "INSERT INTO tb_post (pk_post, fk_user, title) VALUES (?, ?, ?)"
            + " ON CONFLICT (pk_post) DO UPDATE SET title = EXCLUDED.title, fk_user = EXCLUDED.fk_user";

    // 2. diamond ladder
    static final int LADDER_ROWS = 10;
    static final int LADDER_SAMPLES = 5;
    static final int[] LADDER_LEVELS = {2, 4, 6, 8, 10};
    static final int[] DEEP_LADDER_LEVELS = {12, 16};
    /** The deep ladders run only when the deepest of LADDER_LEVELS updated in less than this. */
    static final double DEEP_LADDER_BUDGET_MS = 2_000;
    static final String LADDER_KEY = "{\"key\": \"pk\"}";
    static final String LADDER_BASE = "CREATE TABLE tb_base (pk int PRIMARY KEY, v int NOT NULL)";
    static final String FILL_BASE = "INSERT INTO tb_base (pk, v) SELECT g, g FROM generate_series(1, ?) g";
    static final String LEVEL_1A = "SELECT a.pk, a.v + b.v AS v FROM tb_base a JOIN tb_base b ON b.pk = a.pk";
    static final String LEVEL_1B = "SELECT b.pk, b.v + 1 AS v FROM tb_base b";
    static final String LEVEL_A = "SELECT a.pk, a.v + b.v AS v FROM tv_l%1$da a JOIN tv_l%1$db b ON b.pk = a.pk";
    static final String LEVEL_B = "SELECT a.pk, a.v - b.v AS v FROM tv_l%1$da a JOIN tv_l%1$db b ON b.pk = a.pk";
    static final String LADDER_UPDATE = "UPDATE tb_base SET v = v + 1 WHERE pk = 1";
    /** Maintenance calls (not the owner-exec functions, _ex, that create and refresh run). */
    static final String PL_CALLS = "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname NOT LIKE '%\\_ex'";

    // 3. bulk load
    static final int BULK_ROWS = 100_000;
    static final int BULK_USERS = 1_000;
    static final String SUSPEND = "pg_tviews_suspend_triggers";
    static final String RESUME = "pg_tviews_resume_triggers";
    static final String NOT_AVAILABLE = "not available in this runtime";

    enum Isolation {
        READ_COMMITTED("READ COMMITTED", Connection.TRANSACTION_READ_COMMITTED),
        REPEATABLE_READ("REPEATABLE READ", Connection.TRANSACTION_REPEATABLE_READ);

        final String label;
        final int jdbcLevel;

        Isolation(String label, int jdbcLevel) {
            this.label = label;
            this.jdbcLevel = jdbcLevel;
        }
    }

    enum BulkVariant {
        PLAIN("plain tables (no TVIEW)"),
        TVIEW("TVIEW maintained by its triggers"),
        SUSPENDED("TVIEW, " + SUSPEND + "() … " + RESUME + "() around the INSERT");

        final String label;

        BulkVariant(String label) {
            this.label = label;
        }
    }

    /** A runtime under test: a label and its install script. */
    record RuntimeScript(String label, String script) {
    }

    /** What one workload cell measured: commits and failures (by SQLSTATE) inside the window, and drift after it. */
    record Cell(long committed, Map<String, Long> failures, double seconds, long drift) {
        static final Cell NONE = new Cell(0, Map.of(), 0, 0);

        Cell withDrift(long rows) {
            return new Cell(committed, failures, seconds, rows);
        }

        Cell plus(Cell slice) {
            Map<String, Long> sum = new TreeMap<>(failures);
            slice.failures.forEach((state, n) -> sum.merge(state, n, Long::sum));
            return new Cell(committed + slice.committed, sum, seconds + slice.seconds, drift);
        }

        double txPerSecond() {
            return committed / seconds;
        }

        long failed(String sqlState) {
            return failures.getOrDefault(sqlState, 0L);
        }

        long failedOther() {
            return failures.entrySet().stream().filter(e -> !e.getKey().equals(DEADLOCK) && !e.getKey().equals(SERIALIZATION))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        double serializationRate() {
            long attempts = committed + failures.values().stream().mapToLong(Long::longValue).sum();
            return attempts == 0 ? 0 : 100.0 * failed(SERIALIZATION) / attempts;
        }
    }

    record ContendedRow(Isolation isolation, int users, Cell plain, Cell tview) {
    }

    record LadderRow(int levels, double[] sortedMillis, long[] sortedCalls, long drift, String skipped) {
        double medianMillis() {
            return sortedMillis[sortedMillis.length / 2];
        }

        long medianCalls() {
            return sortedCalls[sortedCalls.length / 2];
        }
    }

    record BulkRow(BulkVariant variant, Double millis, Long drift) {
    }

    record Results(RuntimeScript runtime, List<ContendedRow> contended, List<LadderRow> ladder, List<BulkRow> bulk) {
    }

    private final AtomicInteger databases = new AtomicInteger();

    @Test
    void benchmark() throws Exception {
        List<RuntimeScript> runtimes = runtimes();
        Map<RuntimeScript, List<ContendedRow>> contended;
        try (PgServer server = PgServer.start("tv-contended", ProductBenchmark.CONFIGS.get(CONFIG))) {
            contended = contended(server, runtimes);
        }
        List<Results> all = new ArrayList<>();
        for (RuntimeScript runtime : runtimes) {
            try (PgServer server = PgServer.start("tv-contended", ProductBenchmark.CONFIGS.get(CONFIG))) {
                all.add(new Results(runtime, contended.get(runtime), ladder(server, runtime), bulk(server, runtime)));
            }
        }
        String md = Markdown.report(all);
        System.out.println(md);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", REPORT), md);
    }

    /** The baseline script (if -Dtviews.baseline is set) first, then the current runtime. */
    private static List<RuntimeScript> runtimes() throws Exception {
        List<RuntimeScript> out = new ArrayList<>();
        if (!ProductBenchmark.BASELINE.isBlank()) {
            String old = Files.readString(Path.of(ProductBenchmark.BASELINE));
            out.add(new RuntimeScript("before: " + versionOf(old), old));
        }
        out.add(new RuntimeScript("runtime " + TviewsRuntime.version(), TviewsRuntime.installScript()));
        return out;
    }

    private static String versionOf(String script) {
        return script.lines().findFirst().orElse("").replace("-- tviews-runtime-version: ", "runtime ");
    }

    // ---------------------------------------------------------------- 1. contended multi-statement workload

    /** Every cell: plain tables and each runtime's TVIEWs on databases of their own, measured slice by slice in turn. */
    private Map<RuntimeScript, List<ContendedRow>> contended(PgServer server, List<RuntimeScript> runtimes) throws Exception {
        Map<RuntimeScript, List<ContendedRow>> rows = new LinkedHashMap<>();
        runtimes.forEach(r -> rows.put(r, new ArrayList<>()));
        List<RuntimeScript> variants = new ArrayList<>();
        variants.add(null);     // plain tables
        variants.addAll(runtimes);
        for (Isolation isolation : Isolation.values()) {
            for (int users : USER_COUNTS) {
                List<Cell> cells = contendedCells(server, variants, isolation, users);
                for (int i = 0; i < runtimes.size(); i++) {
                    rows.get(runtimes.get(i)).add(new ContendedRow(isolation, users, cells.get(0), cells.get(i + 1)));
                }
            }
        }
        return rows;
    }

    /** One cell per variant (null: plain tables), each on a fresh database, measured in interleaved slices. */
    private List<Cell> contendedCells(PgServer server, List<RuntimeScript> variants, Isolation isolation, int users) throws Exception {
        List<PgDatabase> dbs = new ArrayList<>();
        try {
            for (RuntimeScript runtime : variants) {
                dbs.add(blogDatabase(server, runtime, users));
            }
            List<Cell> cells = new ArrayList<>(Collections.nCopies(variants.size(), Cell.NONE));
            int slices = Math.max(1, SECONDS / SLICE_SECONDS);
            for (int slice = 0; slice < slices; slice++) {
                for (int v = 0; v < variants.size(); v++) {
                    cells.set(v, cells.get(v).plus(runClients(dbs.get(v), isolation, users, SECONDS / slices)));
                }
            }
            for (int v = 0; v < variants.size(); v++) {
                cells.set(v, checked(dbs.get(v), variants.get(v), cells.get(v), isolation, users));
            }
            return cells;
        } finally {
            for (PgDatabase db : dbs) {
                dropDatabase(server, db);
            }
        }
    }

    private PgDatabase blogDatabase(PgServer server, RuntimeScript runtime, int users) throws SQLException {
        PgDatabase db = freshDatabase(server, runtime);
        try (Connection c = db.connect()) {
            createBlog(c, users, POSTS);
            if (runtime != null) {
                createTview(c, "tv_user", TV_USER, "{}");
                createTview(c, "tv_post", TV_POST, "{}");
            }
            exec(c, "VACUUM ANALYZE");
        }
        return db;
    }

    private static Cell checked(PgDatabase db, RuntimeScript runtime, Cell measured, Isolation isolation, int users) throws SQLException {
        try (Connection c = db.connect()) {
            long drift = runtime == null ? 0 : Rt.driftAgainst(c, "tv_user", TV_USER) + Rt.driftAgainst(c, "tv_post", TV_POST);
            Cell cell = measured.withDrift(drift);
            assertThat(cell.committed()).as("committed transactions (%s, %d users)", isolation.label, users).isPositive();
            assertThat(cell.drift()).as("drift (%s, %d users)", isolation.label, users).isZero();
            return cell;
        }
    }

    private static Cell runClients(PgDatabase db, Isolation isolation, int users, int seconds) throws Exception {
        Window window = Window.startingNow(SLICE_WARMUP_SECONDS, seconds);
        Tally tally = new Tally();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int seed = 0; seed < CLIENTS; seed++) {
                int clientSeed = seed;
                clients.add(pool.submit(() -> {
                    client(db, isolation, users, new Random(clientSeed), window, tally);
                    return null;
                }));
            }
            for (Future<?> client : clients) {
                client.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return new Cell(tally.committed.get(), tally.failures(), seconds, 0);
    }

    /** One client: transactions back to back until the window closes; a failed transaction is rolled back and counted. */
    private static void client(PgDatabase db, Isolation isolation, int users, Random random, Window window, Tally tally) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement move = c.prepareStatement(MOVE_POST);
             PreparedStatement rename = c.prepareStatement(RENAME_USER);
             PreparedStatement upsert = c.prepareStatement(UPSERT_POST)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(isolation.jdbcLevel);
            while (window.open()) {
                Transaction tx = Transaction.next(random, users);
                try {
                    tx.run(move, rename, upsert);
                    c.commit();
                    tally.committed(window);
                } catch (SQLException e) {
                    c.rollback();
                    tally.failed(window, cause(e));
                    UNEXPECTED.putIfAbsent(cause(e), e.getMessage());
                }
            }
        }
    }

    static String cause(SQLException e) {
        boolean inMaintenance = e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null
                && String.valueOf(p.getServerErrorMessage().getWhere()).contains("pg_tviews");
        return DEADLOCK.equals(e.getSQLState()) && inMaintenance ? MAINTENANCE_DEADLOCK : String.valueOf(e.getSQLState());
    }

    /** The random choices of one transaction, drawn before it runs so every client's sequence depends only on its seed. */
    record Transaction(int post, int user, String title, boolean renameUser, String userName, int upsertPost, String upsertTitle) {
        static Transaction next(Random r, int users) {
            return new Transaction(1 + r.nextInt(POSTS), 1 + r.nextInt(users), text(r, "title "), r.nextInt(RENAME_ONE_IN) == 0,
                    text(r, "user "), 1 + r.nextInt(POSTS), text(r, "post "));
        }

        private static String text(Random r, String prefix) {
            return prefix + r.nextInt(TITLE_RANGE);
        }

        void run(PreparedStatement move, PreparedStatement rename, PreparedStatement upsert) throws SQLException {
            move.setInt(1, user);
            move.setString(2, title);
            move.setInt(3, post);
            move.executeUpdate();
            if (renameUser) {
                rename.setString(1, userName);
                rename.setInt(2, user);
                rename.executeUpdate();
            }
            upsert.setInt(1, upsertPost);
            upsert.setInt(2, user);
            upsert.setString(3, upsertTitle);
            upsert.executeUpdate();
        }
    }

    /** The warm-up ends at start; only transactions that finish in [start, end) count. */
    record Window(long start, long end) {
        static Window startingNow(int warmupSeconds, int seconds) {
            long start = System.nanoTime() + warmupSeconds * 1_000_000_000L;
            return new Window(start, start + seconds * 1_000_000_000L);
        }

        boolean open() {
            return System.nanoTime() < end;
        }

        boolean counts() {
            long now = System.nanoTime();
            return now >= start && now < end;
        }
    }

    /** Thread-safe counts of one cell. */
    /** The first message of each failure cause, so a failure other than a deadlock or a serialization failure is
     *  reported with what the server said, not only counted. */
    static final Map<String, String> UNEXPECTED = new java.util.concurrent.ConcurrentSkipListMap<>();

    static final class Tally {
        final AtomicLong committed = new AtomicLong();
        private final Map<String, AtomicLong> failures = new TreeMap<>();

        void committed(Window window) {
            if (window.counts()) {
                committed.incrementAndGet();
            }
        }

        synchronized void failed(Window window, String sqlState) {
            if (window.counts()) {
                failures.computeIfAbsent(String.valueOf(sqlState), s -> new AtomicLong()).incrementAndGet();
            }
        }

        synchronized Map<String, Long> failures() {
            Map<String, Long> out = new TreeMap<>();
            failures.forEach((state, n) -> out.put(state, n.get()));
            return out;
        }
    }

    private static void createBlog(Connection c, int users, int posts) throws SQLException {
        exec(c, BLOG_SCHEMA);
        update(c, FILL_USERS, users);
        update(c, INSERT_POSTS, users, posts);
    }

    // ---------------------------------------------------------------- 2. diamond ladder

    private List<LadderRow> ladder(PgServer server, RuntimeScript runtime) throws Exception {
        List<LadderRow> rows = new ArrayList<>();
        for (int levels : LADDER_LEVELS) {
            rows.add(ladderCell(server, runtime, levels));
        }
        double deepest = rows.get(rows.size() - 1).medianMillis();
        for (int levels : DEEP_LADDER_LEVELS) {
            rows.add(deepest < DEEP_LADDER_BUDGET_MS ? ladderCell(server, runtime, levels)
                    : new LadderRow(levels, null, null, 0, String.format(Locale.ROOT, "skipped: level %d took %.1f s",
                            LADDER_LEVELS[LADDER_LEVELS.length - 1], deepest / 1000)));
        }
        return rows;
    }

    private LadderRow ladderCell(PgServer server, RuntimeScript runtime, int levels) throws Exception {
        PgDatabase db = freshDatabase(server, runtime);
        try (Connection writer = db.connect(); Connection reader = db.connect()) {
            createLadder(writer, levels);
            double[] millis = new double[LADDER_SAMPLES];
            long[] calls = new long[LADDER_SAMPLES];
            for (int i = -1; i < LADDER_SAMPLES; i++) {   // i = -1: warm-up (plan caches), not recorded
                long before = plCalls(writer, reader);
                long t0 = System.nanoTime();
                exec(writer, LADDER_UPDATE);
                double elapsed = (System.nanoTime() - t0) / 1e6;
                long after = plCalls(writer, reader);
                if (i >= 0) {
                    millis[i] = elapsed;
                    calls[i] = after - before;
                }
            }
            long drift = ladderDrift(writer, levels);
            assertThat(drift).as("drift of the %d-level ladder", levels).isZero();
            Arrays.sort(millis);
            Arrays.sort(calls);
            return new LadderRow(levels, millis, calls, drift, null);
        } finally {
            dropDatabase(server, db);
        }
    }

    private static void createLadder(Connection c, int levels) throws SQLException {
        exec(c, LADDER_BASE);
        update(c, FILL_BASE, LADDER_ROWS);
        for (int level = 1; level <= levels; level++) {
            createTview(c, ladderTable(level, 'a'), ladderQuery(level, 'a'), LADDER_KEY);
            createTview(c, ladderTable(level, 'b'), ladderQuery(level, 'b'), LADDER_KEY);
        }
        exec(c, "VACUUM ANALYZE");
    }

    private static String ladderTable(int level, char side) {
        return "tv_l" + level + side;
    }

    private static String ladderQuery(int level, char side) {
        if (level == 1) {
            return side == 'a' ? LEVEL_1A : LEVEL_1B;
        }
        return String.format(Locale.ROOT, side == 'a' ? LEVEL_A : LEVEL_B, level - 1);
    }

    /** Drift of every level (10 rows each), each TVIEW against the query text this class gave it. */
    private static long ladderDrift(Connection c, int levels) throws SQLException {
        long drift = 0;
        for (int level = 1; level <= levels; level++) {
            for (char side : new char[] {'a', 'b'}) {
                drift += Rt.driftAgainst(c, ladderTable(level, side), ladderQuery(level, side));
            }
        }
        return drift;
    }

    /**
     * Total calls of PL functions (track_functions = pl) as the statistics system sees them once the writer's
     * counters are flushed: PostgreSQL 15 flushes a backend's pending counters at most once a second unless forced,
     * so the writer forces the flush (it happens at the end of that statement, before the writer is idle again),
     * and the reader drops its cached stats snapshot before reading.
     */
    private static long plCalls(Connection writer, Connection reader) throws SQLException {
        exec(writer, "SELECT pg_stat_force_next_flush()");
        exec(reader, "SELECT pg_stat_clear_snapshot()");
        return ((Number) value(reader, PL_CALLS)).longValue();
    }

    // ---------------------------------------------------------------- 3. bulk load

    private List<BulkRow> bulk(PgServer server, RuntimeScript runtime) throws Exception {
        List<BulkRow> rows = new ArrayList<>();
        for (BulkVariant variant : BulkVariant.values()) {
            rows.add(bulkCell(server, runtime, variant));
        }
        return rows;
    }

    private BulkRow bulkCell(PgServer server, RuntimeScript runtime, BulkVariant variant) throws Exception {
        boolean withTview = variant != BulkVariant.PLAIN;
        PgDatabase db = freshDatabase(server, withTview ? runtime : null);
        try (Connection c = db.connect()) {
            createBlog(c, BULK_USERS, 0);
            if (withTview) {
                createTview(c, "tv_post", TV_POST, "{}");
            }
            if (variant == BulkVariant.SUSPENDED && !suspendAvailable(c)) {
                return new BulkRow(variant, null, null);
            }
            exec(c, "VACUUM ANALYZE");
            double millis = timedBulkInsert(c, variant == BulkVariant.SUSPENDED);
            Long drift = withTview ? Rt.driftAgainst(c, "tv_post", TV_POST) : null;
            assertThat(value(c, "SELECT count(*) FROM tb_post")).isEqualTo((long) BULK_ROWS);
            if (drift != null) {
                assertThat(drift).as("drift after the bulk load (%s)", variant.label).isZero();
            }
            return new BulkRow(variant, millis, drift);
        } finally {
            dropDatabase(server, db);
        }
    }

    private static boolean suspendAvailable(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regproc(?) IS NOT NULL AND to_regproc(?) IS NOT NULL")) {
            ps.setString(1, SUSPEND);
            ps.setString(2, RESUME);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The INSERT (between suspend and resume when asked) and its commit, in one transaction. */
    private static double timedBulkInsert(Connection c, boolean suspend) throws SQLException {
        c.setAutoCommit(false);
        try {
            long t0 = System.nanoTime();
            if (suspend) {
                exec(c, "SELECT " + SUSPEND + "()");
            }
            update(c, INSERT_POSTS, BULK_USERS, BULK_ROWS);
            if (suspend) {
                exec(c, "SELECT " + RESUME + "()");
            }
            c.commit();
            return (System.nanoTime() - t0) / 1e6;
        } finally {
            c.setAutoCommit(true);
        }
    }

    // ---------------------------------------------------------------- shared helpers

    /** A new database on the server, with the runtime installed unless runtime is null (plain tables). */
    private PgDatabase freshDatabase(PgServer server, RuntimeScript runtime) {
        PgDatabase db = server.createDatabase("contended_" + databases.incrementAndGet());
        if (runtime != null) {
            Rt.install(db, runtime.script());
        }
        return db;
    }

    private static void dropDatabase(PgServer server, PgDatabase db) throws SQLException {
        try (Connection c = server.connect("postgres")) {
            exec(c, "DROP DATABASE " + Rt.quote(db.name()) + " WITH (FORCE)");
        }
    }

    private static void createTview(Connection c, String name, String query, String options) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_tviews_create(?, ?, ?::jsonb)")) {
            ps.setString(1, name);
            ps.setString(2, query);
            ps.setString(3, options);
            ps.execute();
        }
    }

    private static void update(Connection c, String sql, int... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setInt(i + 1, params[i]);
            }
            ps.executeUpdate();
        }
    }

    // ---------------------------------------------------------------- report

    /** Renders the results as Markdown: one section per runtime, then before/after figures when a baseline ran. */
    static final class Markdown {
        private Markdown() {
        }

        static String report(List<Results> all) {
            StringBuilder md = new StringBuilder("## Contended workloads (ContendedBenchmark)\n\n");
            md.append(String.format(Locale.ROOT, "%d clients, %d s per workload cell, measured in %d s slices (each after %d s of "
                    + "warm-up) taken in turn: plain tables, then each runtime, so all of them see the same machine; server: %s "
                    + "(fsync=on, synchronous_commit=on, full_page_writes=on), deadlock_timeout 1 s, a fresh database per cell and variant.%n",
                    CLIENTS, SECONDS, SLICE_SECONDS, SLICE_WARMUP_SECONDS, CONFIG));
            for (Results r : all) {
                md.append("\n### ").append(r.runtime().label()).append("\n\n");
                contended(md, r, Isolation.READ_COMMITTED);
                contended(md, r, Isolation.REPEATABLE_READ);
                ladder(md, r);
                bulk(md, r);
            }
            if (all.size() > 1) {
                beforeAfter(md, all.get(0), all.get(all.size() - 1));
            }
            unexpected(md);
            return md.toString();
        }

        private static void contended(StringBuilder md, Results r, Isolation isolation) {
            md.append(String.format(Locale.ROOT, "#### Contended multi-statement workload, %s (%d posts)%n%n", isolation.label, POSTS));
            md.append("| users | plain tx/s | TVIEW tx/s | TVIEW / plain | plain failures 40P01 / 40001 / other | plain 40001 rate"
                    + " | TVIEW failures 40P01 / 40001 / other | TVIEW 40001 rate | drift (rows) |\n");
            md.append("|---|---|---|---|---|---|---|---|---|\n");
            for (ContendedRow row : r.contended()) {
                if (row.isolation() == isolation) {
                    md.append(String.format(Locale.ROOT, "| %,d | %.0f | %.0f | %.0f %% | %s | %.1f %% | %s | %.1f %% | %d |%n", row.users(),
                            row.plain().txPerSecond(), row.tview().txPerSecond(), 100 * row.tview().txPerSecond() / row.plain().txPerSecond(),
                            failures(row.plain()), row.plain().serializationRate(), failures(row.tview()), row.tview().serializationRate(),
                            row.tview().drift()));
                }
            }
            md.append('\n');
        }

        private static void unexpected(StringBuilder md) {
            List<String> states = UNEXPECTED.keySet().stream().filter(s -> !s.equals(DEADLOCK) && !s.equals(SERIALIZATION)).toList();
            if (!states.isEmpty()) {
                md.append("#### Other failures: the server's first message per cause, any variant\n\n");
                states.forEach(s -> md.append("- ").append(s).append(": `").append(UNEXPECTED.get(s).replace('\n', ' ')).append("`\n"));
                md.append('\n');
            }
        }

        private static String failures(Cell cell) {
            String others = cell.failedOther() == 0 ? "" : " " + cell.failures().keySet().stream()
                    .filter(s -> !s.equals(DEADLOCK) && !s.equals(SERIALIZATION) && !s.equals(MAINTENANCE_DEADLOCK)).toList();
            return (cell.failed(DEADLOCK) + cell.failed(MAINTENANCE_DEADLOCK)) + " (in maintenance: " + cell.failed(MAINTENANCE_DEADLOCK) + ")"
                    + " / " + cell.failed(SERIALIZATION) + " / " + (cell.failedOther() - cell.failed(MAINTENANCE_DEADLOCK)) + others;
        }

        private static void ladder(StringBuilder md, Results r) {
            md.append(String.format(Locale.ROOT, "#### Diamond ladder (%d rows per level; `%s` in its own transaction, %d samples after 1 warm-up)%n%n",
                    LADDER_ROWS, LADDER_UPDATE, LADDER_SAMPLES));
            md.append("| levels | TVIEWs | elapsed, median | min – max | PL function calls per update (median) | drift, all levels (rows) |\n");
            md.append("|---|---|---|---|---|---|\n");
            for (LadderRow row : r.ladder()) {
                if (row.skipped() != null) {
                    md.append(String.format(Locale.ROOT, "| %d | %d | %s | | | |%n", row.levels(), 2 * row.levels(), row.skipped()));
                } else {
                    md.append(String.format(Locale.ROOT, "| %d | %d | %.1f ms | %.1f – %.1f ms | %,d | %d |%n", row.levels(), 2 * row.levels(),
                            row.medianMillis(), row.sortedMillis()[0], row.sortedMillis()[LADDER_SAMPLES - 1], row.medianCalls(), row.drift()));
                }
            }
            md.append('\n');
        }

        private static void bulk(StringBuilder md, Results r) {
            md.append(String.format(Locale.ROOT, "#### Bulk load (one `INSERT … SELECT generate_series` of %,d posts over %,d users, one transaction)%n%n",
                    BULK_ROWS, BULK_USERS));
            md.append("| variant | elapsed (INSERT + COMMIT) | drift (rows) |\n|---|---|---|\n");
            for (BulkRow row : r.bulk()) {
                if (row.millis() == null) {
                    md.append("| ").append(row.variant().label).append(" | ").append(NOT_AVAILABLE).append(" | |\n");
                } else {
                    md.append(String.format(Locale.ROOT, "| %s | %,.0f ms | %s |%n", row.variant().label, row.millis(),
                            row.drift() == null ? "—" : row.drift().toString()));
                }
            }
            md.append('\n');
        }

        private static void beforeAfter(StringBuilder md, Results before, Results after) {
            md.append("### Before / after (same run): ").append(before.runtime().label()).append(" → ").append(after.runtime().label()).append("\n\n");
            md.append("| measurement | before | after |\n|---|---|---|\n");
            for (int i = 0; i < after.contended().size(); i++) {
                ContendedRow b = before.contended().get(i);
                ContendedRow a = after.contended().get(i);
                md.append(String.format(Locale.ROOT, "| %s, %,d users: TVIEW tx/s (%% of plain) | %.0f (%.0f %%) | %.0f (%.0f %%) |%n",
                        a.isolation().label, a.users(), b.tview().txPerSecond(), 100 * b.tview().txPerSecond() / b.plain().txPerSecond(),
                        a.tview().txPerSecond(), 100 * a.tview().txPerSecond() / a.plain().txPerSecond()));
            }
            for (int i = 0; i < after.ladder().size(); i++) {
                LadderRow b = before.ladder().get(i);
                LadderRow a = after.ladder().get(i);
                md.append(String.format(Locale.ROOT, "| diamond ladder, %d levels: elapsed median (PL calls) | %s | %s |%n",
                        a.levels(), ladderFigure(b), ladderFigure(a)));
            }
            for (int i = 0; i < after.bulk().size(); i++) {
                md.append(String.format(Locale.ROOT, "| bulk load, %s | %s | %s |%n", after.bulk().get(i).variant().label,
                        bulkFigure(before.bulk().get(i)), bulkFigure(after.bulk().get(i))));
            }
            md.append('\n');
        }

        private static String ladderFigure(LadderRow row) {
            return row.skipped() != null ? row.skipped() : String.format(Locale.ROOT, "%.1f ms (%,d)", row.medianMillis(), row.medianCalls());
        }

        private static String bulkFigure(BulkRow row) {
            return row.millis() == null ? NOT_AVAILABLE : String.format(Locale.ROOT, "%,.0f ms", row.millis());
        }
    }
}
