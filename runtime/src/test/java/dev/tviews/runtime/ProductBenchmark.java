package dev.tviews.runtime;

import static dev.tviews.runtime.Alternating.p;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The benchmark of issue 3 (run by {@code make bench} = {@code mvn -pl runtime -am -Pbench test}).
 * 100,000 products x 1,000 categories, tv_product embedding its category. Prints a Markdown table and writes
 * it to runtime/target/benchmarks.md.
 */
class ProductBenchmark {

    static final int PRODUCTS = 100_000;
    static final int CATEGORIES = 1_000;
    static final String TV_PRODUCT = """
            SELECT p.pk_product, p.fk_category, p.id,
                   jsonb_build_object('name', p.name, 'price', p.price,
                                      'category', jsonb_build_object('id', c.pk_category, 'name', c.name)) AS data
              FROM %s p JOIN %s c ON c.pk_category = p.fk_category""";

    /** PostgreSQL's durable defaults (what production runs), and the harness's CPU-bound test settings. */
    static final Map<String, Map<String, String>> CONFIGS = Map.of(
            "durable", Map.of("fsync", "on", "synchronous_commit", "on", "full_page_writes", "on"),
            "cpu-bound", Map.of());

    /** -Dtviews.baseline=path/to/an/older/tviews.sql runs the same measurements on it first (before/after in one run). */
    static final String BASELINE = System.getProperty("tviews.baseline", "");
    /** Each statement's share of the throughput phase, and the length of one turn. */
    static final long THROUGHPUT_MILLIS = 10_000;
    static final long SLICE_MILLIS = 1_000;

    @Test
    void benchmark() throws Exception {
        StringBuilder all = new StringBuilder();
        List<String[]> scripts = new ArrayList<>();
        if (!BASELINE.isBlank()) {
            String old = Files.readString(Path.of(BASELINE));
            scripts.add(new String[] {"before: " + old.lines().findFirst().orElse("").replace("-- tviews-runtime-version: ", "runtime "), old});
        }
        scripts.add(new String[] {"runtime " + TviewsRuntime.version(), TviewsRuntime.installScript()});
        for (String config : List.of("durable", "cpu-bound")) {
            for (String[] script : scripts) {
                all.append("\n### ").append(config).append(", ").append(script[0]).append(config.equals("durable")
                        ? " (fsync=on, synchronous_commit=on: PostgreSQL defaults)\n\n"
                        : " (fsync=off, synchronous_commit=off: pure CPU cost of maintenance)\n\n");
                all.append(run(config, config.equals("cpu-bound") && script == scripts.get(scripts.size() - 1), script[1]));
            }
        }
        System.out.println(all);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "benchmarks.md"), "## Runtime (ProductBenchmark)\n" + all);
    }

    private String run(String config, boolean withConsistencyCheck, String script) throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (PgServer server = PgServer.start("tv-bench-" + config, CONFIGS.get(config))) {
            PgDatabase db = server.createDatabase("bench");
            Rt.install(db, script);
            try (Connection c = db.connect()) {
                for (String suffix : List.of("", "_plain")) {
                    createTables(c, suffix);
                }
                exec(c, "CREATE MATERIALIZED VIEW mv_product AS " + String.format(TV_PRODUCT, "tb_product_plain", "tb_category_plain"));
                exec(c, "CREATE UNIQUE INDEX ON mv_product (pk_product)");
                long t0 = System.nanoTime();
                exec(c, "SELECT pg_tviews_create('tv_product', $q$" + String.format(TV_PRODUCT, "tb_product", "tb_category") + "$q$)");
                rows.add(row("create tv_product (100k rows)", ms(System.nanoTime() - t0), "", ""));
                exec(c, "VACUUM ANALYZE");

                // single-row UPDATE latency, TVIEW and plain statements alternating (the VM's speed drifts)
                double[][] pair = Alternating.latencies(c, List.of("UPDATE tb_product SET price = price + 1 WHERE pk_product = ?",
                        "UPDATE tb_product_plain SET price = price + 1 WHERE pk_product = ?"), 3000, PRODUCTS);
                double[] tv = pair[0];
                double[] plain = pair[1];
                double[] refresh = latencies(c, "UPDATE tb_product_plain SET price = price + 1 WHERE pk_product = ?", 15,
                        "REFRESH MATERIALIZED VIEW mv_product");
                rows.add(row("single-row UPDATE, plain table (no TVIEW)", p(plain, 50), p(plain, 95), "1.00x"));
                rows.add(row("single-row UPDATE, TVIEW maintained", p(tv, 50), p(tv, 95), ratio(p(tv, 50), p(plain, 50)) + " of plain"));
                rows.add(row("single-row UPDATE + REFRESH MATERIALIZED VIEW", p(refresh, 50), p(refresh, 95),
                        ratio(p(refresh, 50), p(tv, 50)) + " slower than TVIEW"));

                // category rename fanning out to 100 products
                double[] fan = latencies(c, "UPDATE tb_category SET name = name || '+' WHERE pk_category = ?", 100, null);
                double[] fanPlain = latencies(c, "UPDATE tb_category_plain SET name = name || '+' WHERE pk_category = ?", 100, null);
                rows.add(row("category rename -> 100 products, TVIEW", p(fan, 50), p(fan, 95), ratio(p(fan, 50), p(fanPlain, 50)) + " of plain"));

                // 1% bulk UPDATE
                double[] bulk = latencies(c, "UPDATE tb_product SET price = price + 1 WHERE pk_product % 100 = ? % 100", 10, null);
                double[] bulkPlain = latencies(c, "UPDATE tb_product_plain SET price = price + 1 WHERE pk_product % 100 = ? % 100", 10, null);
                rows.add(row("1% bulk UPDATE (1,000 rows), TVIEW", p(bulk, 50), p(bulk, 95), ratio(p(bulk, 50), p(bulkPlain, 50)) + " of plain"));
                rows.add(row("1% bulk UPDATE (1,000 rows), plain", p(bulkPlain, 50), p(bulkPlain, 95), ""));

                // throughput, 8 clients
                double[] tps = Alternating.throughput(db, List.of("UPDATE tb_product SET price = price + 1 WHERE pk_product = ?",
                        "UPDATE tb_product_plain SET price = price + 1 WHERE pk_product = ?"), THROUGHPUT_MILLIS, SLICE_MILLIS, PRODUCTS);
                double tpsTv = tps[0];
                double tpsPlain = tps[1];
                rows.add(row("throughput 8 clients, plain (tx/s)", String.format(Locale.ROOT, "%.0f", tpsPlain), "", ""));
                rows.add(row("throughput 8 clients, TVIEW (tx/s)", String.format(Locale.ROOT, "%.0f", tpsTv), "",
                        String.format(Locale.ROOT, "%.0f%% of plain", 100 * tpsTv / tpsPlain)));

                // CPU of one single-row UPDATE transaction without the client (cpu-bound only: durable measures the disk):
                // a procedure commits once per iteration; the minimum of three rounds is stable to a few percent
                if (config.equals("cpu-bound")) {
                    double usPlain = inProcessMicros(c, "tb_product_plain");
                    double usTv = inProcessMicros(c, "tb_product");
                    rows.add(row("single-row UPDATE transaction in-process, plain / TVIEW (us, min of 3 x 5,000)",
                            String.format(Locale.ROOT, "%.1f / %.1f", usPlain, usTv), "", ratio(usTv, usPlain) + " of plain"));
                }

                // drift after the run
                assertThat(Rt.drift(c, "product")).isZero();
                rows.add(row("drift of tv_product after the run (rows)", "0", "", ""));

                if (withConsistencyCheck) {
                // consistency check on 1,000,000 rows
                exec(c, "CREATE TABLE tb_big (pk_big int PRIMARY KEY, fk_category int NOT NULL, v text)");
                exec(c, "INSERT INTO tb_big SELECT g, 1 + g % 1000, md5(g::text) FROM generate_series(1, 1000000) g");
                exec(c, "SELECT pg_tviews_create('tv_big', $q$SELECT b.pk_big, b.fk_category, jsonb_build_object('v', b.v, 'c', c.name) AS data"
                        + " FROM tb_big b JOIN tb_category c ON c.pk_category = b.fk_category$q$)");
                exec(c, "VACUUM ANALYZE tv_big");
                List<Object> check = Rt.rows(c, "SELECT missing + extra + different, checked_rows, duration_ms FROM pg_tviews_check_consistency('tv_big')").get(0);
                assertThat(((Number) check.get(0)).longValue()).isZero();
                double secs = ((Number) check.get(2)).doubleValue() / 1000.0;
                rows.add(row("consistency check, 1,000,000 rows", String.format(Locale.ROOT, "%.0f ms", secs * 1000), "",
                        String.format(Locale.ROOT, "%.0f rows/s", ((Number) check.get(1)).longValue() / secs)));
                }
                assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);

                StringBuilder md = new StringBuilder("| measurement | p50 / value | p95 | ratio |\n|---|---|---|---|\n");
                for (String[] r : rows) {
                    md.append("| ").append(String.join(" | ", r)).append(" |\n");
                }
                double p50Ratio = p(tv, 50) / p(plain, 50);
                md.append(String.format(Locale.ROOT, "%ntargets (%s): TVIEW/plain p50 = %.2fx (<= 3x: %s), REFRESH/TVIEW = %.0fx "
                        + "(>= 500x: %s), throughput = %.0f%% of plain (>= 40%%: %s), drift 0%n", config, p50Ratio,
                        p50Ratio <= 3 ? "met" : "NOT met", p(refresh, 50) / p(tv, 50), p(refresh, 50) / p(tv, 50) >= 500 ? "met" : "NOT met",
                        100 * tpsTv / tpsPlain, tpsTv / tpsPlain >= 0.4 ? "met" : "NOT met"));
                return md.toString();
            }
        }
    }

    /** tb_category{suffix} (1,000 rows) and tb_product{suffix} (100,000 rows, each in a category). */
    static void createTables(Connection c, String suffix) throws Exception {
        exec(c, "CREATE TABLE tb_category" + suffix + " (pk_category int PRIMARY KEY, name text NOT NULL)");
        exec(c, "CREATE TABLE tb_product" + suffix + " (pk_product int PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid(),"
                + " fk_category int NOT NULL REFERENCES tb_category" + suffix + ", name text NOT NULL, price numeric NOT NULL)");
        exec(c, "CREATE INDEX ON tb_product" + suffix + " (fk_category)");
        exec(c, "INSERT INTO tb_category" + suffix + " SELECT g, 'category ' || g FROM generate_series(1, " + CATEGORIES + ") g");
        exec(c, "INSERT INTO tb_product" + suffix + " (pk_product, fk_category, name, price) SELECT g, 1 + g % " + CATEGORIES
                + ", 'product ' || g, (g % 997)::numeric FROM generate_series(1, " + PRODUCTS + ") g");
    }

    /** Microseconds per single-row UPDATE transaction of {@code table}, run by a procedure that commits after each one. */
    static double inProcessMicros(Connection c, String table) throws Exception {
        // the key goes through a variable: random() in the WHERE clause would be evaluated per row (a scan)
        exec(c, "CREATE OR REPLACE PROCEDURE bench_in_process_" + table + "(n int) LANGUAGE plpgsql AS $p$ DECLARE k int; BEGIN"
                + " FOR i IN 1 .. n LOOP k := 1 + (random() * " + (PRODUCTS - 1) + ")::int;"
                + " UPDATE " + table + " SET price = price + 1 WHERE pk_product = k; COMMIT; END LOOP; END $p$");
        exec(c, "CALL bench_in_process_" + table + "(1000)");   // warm-up (plan cache)
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            double t0 = ((Number) value(c, "SELECT extract(epoch FROM clock_timestamp())")).doubleValue();
            exec(c, "CALL bench_in_process_" + table + "(5000)");
            double t1 = ((Number) value(c, "SELECT extract(epoch FROM clock_timestamp())")).doubleValue();
            best = Math.min(best, (t1 - t0) * 1e6 / 5000);
        }
        return best;
    }

    private static double[] latencies(Connection c, String sql, int n, String after) throws Exception {
        Random r = new Random(42);
        double[] out = new double[n];
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < Math.min(50, n); i++) {   // warm-up (plan cache)
                ps.setInt(1, 1 + r.nextInt(CATEGORIES));
                ps.executeUpdate();
            }
            for (int i = 0; i < n; i++) {
                ps.setInt(1, 1 + r.nextInt(sql.contains("tb_category") ? CATEGORIES : PRODUCTS));
                long t = System.nanoTime();
                ps.executeUpdate();
                if (after != null) {
                    exec(c, after);
                }
                out[i] = (System.nanoTime() - t) / 1e6;
            }
        }
        Arrays.sort(out);
        return out;
    }

    private static String[] row(String name, Object a, Object b, String ratio) {
        return new String[] {name, a instanceof Double d ? fmt(d) : a.toString(), b instanceof Double d ? fmt(d) : b.toString(), ratio};
    }

    private static String fmt(double msValue) {
        return String.format(Locale.ROOT, "%.3f ms", msValue);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2fx", a / b);
    }
}
