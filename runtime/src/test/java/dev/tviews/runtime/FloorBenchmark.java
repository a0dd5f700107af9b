package dev.tviews.runtime;

import static dev.tviews.runtime.Alternating.p;
import static dev.tviews.runtime.Rt.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * How far below the runtime a single-row write's maintenance could go: ProductBenchmark's single-row UPDATE on plain
 * tables, on tables kept by the floor triggers of {@code bench/single-row-floor.sql} (a deferred row trigger that does
 * nothing; that recomputes the key at COMMIT; that locks the key, then recomputes it), on the runtime's TVIEW and on
 * a prototype of a lighter commit-time design ({@code bench/row-event-prototype.sql}), all measured in turn in one run;
 * then what the prototype costs bulk writes. Writes runtime/target/floor-benchmarks.md.
 */
class FloorBenchmark {

    static final String REPORT = "floor-benchmarks.md";
    static final long MILLIS_EACH = 8_000;
    static final long SLICE_MILLIS = 1_000;

    /** Table suffix and what keeps the table's read model, in measurement order. */
    static final String[][] VARIANTS = {
        {"_plain", "plain tables (no read model)"},
        {"_f0", "deferred row trigger that does nothing"},
        {"_f1", "floor: the trigger recomputes the key at COMMIT (no key lock: wrong under concurrent recomputes)"},
        {"_f2", "floor: the trigger locks the key, then recomputes it (the least a correct design does)"},
        {"_d", "prototype: deferred row events; a one-row transaction locks and recomputes at once, others queue and flush set-based"},
        {"", "runtime " + TviewsRuntime.version() + ": TVIEW, commit-time maintenance (queue, event, ordered flush)"},
    };

    @Test
    void floor() throws Exception {
        StringBuilder all = new StringBuilder("## Single-row floor (FloorBenchmark)\n");
        for (String config : List.of("durable", "cpu-bound")) {
            all.append("\n### ").append(config).append("\n\n").append(run(config));
        }
        System.out.println(all);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", REPORT), all);
    }

    private String run(String config) throws Exception {
        try (PgServer server = PgServer.start("tv-floor-" + config, ProductBenchmark.CONFIGS.get(config))) {
            PgDatabase db = server.createDatabase("floor");
            Rt.install(db);
            try (Connection c = db.connect()) {
                List<String> updates = new ArrayList<>();
                for (String[] v : VARIANTS) {
                    ProductBenchmark.createTables(c, v[0]);
                    updates.add("UPDATE tb_product" + v[0] + " SET price = price + 1 WHERE pk_product = ?");
                }
                exec(c, "SELECT pg_tviews_create('tv_product', $q$" + String.format(ProductBenchmark.TV_PRODUCT, "tb_product", "tb_category") + "$q$)");
                exec(c, script("single-row-floor.sql"));
                exec(c, script("row-event-prototype.sql"));
                exec(c, "VACUUM ANALYZE");

                double[][] lat = Alternating.latencies(c, updates, 3000, ProductBenchmark.PRODUCTS);
                double[] tps = Alternating.throughput(db, updates, MILLIS_EACH, SLICE_MILLIS, ProductBenchmark.PRODUCTS);
                double[] cpu = new double[VARIANTS.length];
                if (config.equals("cpu-bound")) {
                    for (int k = 0; k < VARIANTS.length; k++) {
                        cpu[k] = ProductBenchmark.inProcessMicros(c, "tb_product" + VARIANTS[k][0]);
                    }
                }

                String bulk = bulk(c);

                assertThat(Rt.drift(c, "product")).isZero();
                for (String f : List.of("_f1", "_f2", "_d")) {     // the floors and the prototype did the work they are timed for
                    assertThat(Rt.driftAgainst(c, "tv_product" + f, String.format(ProductBenchmark.TV_PRODUCT, "tb_product" + f, "tb_category" + f)))
                            .isZero();
                }
                return table(config, lat, tps, cpu) + bulk;
            }
        }
    }

    private static String table(String config, double[][] lat, double[] tps, double[] cpu) {
        StringBuilder md = new StringBuilder("| single-row UPDATE of tb_product, kept by | p50 | p95 | p50 × plain | tx/s, 8 clients | % of plain |"
                + (config.equals("cpu-bound") ? " in-process µs per transaction |\n|---|---|---|---|---|---|---|\n" : "\n|---|---|---|---|---|---|\n"));
        double p50Plain = p(lat[0], 50);
        for (int k = 0; k < VARIANTS.length; k++) {
            double p50 = p(lat[k], 50);
            md.append(String.format(Locale.ROOT, "| %s | %.3f ms | %.3f ms | %.2fx | %.0f | %.0f %% |", VARIANTS[k][1], p50,
                    p(lat[k], 95), p50 / p50Plain, tps[k], 100 * tps[k] / tps[0]));
            md.append(config.equals("cpu-bound") ? String.format(Locale.ROOT, " %.1f |%n", cpu[k]) : "\n");
        }
        md.append("\nDrift 0 (the TVIEW, both floors' tables and the prototype's equal their query after the run).\n");
        return md.toString();
    }

    /**
     * What the prototype's row events cost bulk writes, against the runtime and plain tables: a 1,000-row UPDATE (median
     * of 5, the three tables in turn), then one 100,000-row INSERT into each.
     */
    private static String bulk(Connection c) throws Exception {
        String[][] tables = {{"_plain", "plain tables"}, {"", "runtime TVIEW"}, {"_d", "prototype"}};
        double[][] updates = new double[tables.length][5];
        for (int round = 0; round < 5; round++) {
            int from = 1 + round * 17_011 % (ProductBenchmark.PRODUCTS - 1_000);
            for (int k = 0; k < tables.length; k++) {
                updates[k][round] = millis(c, "UPDATE tb_product" + tables[k][0] + " SET price = price + 1 WHERE pk_product BETWEEN "
                        + from + " AND " + (from + 999));
            }
        }
        StringBuilder md = new StringBuilder("\n| bulk write | " + tables[0][1] + " | " + tables[1][1] + " | " + tables[2][1] + " |\n|---|---|---|---|\n| 1,000-row UPDATE, median of 5 |");
        for (double[] u : updates) {
            Arrays.sort(u);
            md.append(String.format(Locale.ROOT, " %.1f ms |", u[2]));
        }
        md.append("\n| 100,000-row INSERT |");
        for (String[] t : tables) {
            md.append(String.format(Locale.ROOT, " %.0f ms |", millis(c, "INSERT INTO tb_product" + t[0] + " (pk_product, fk_category, name, price)"
                    + " SELECT g, 1 + g % " + ProductBenchmark.CATEGORIES + ", 'loaded ' || g, 1 FROM generate_series(" + (ProductBenchmark.PRODUCTS + 1)
                    + ", " + (2 * ProductBenchmark.PRODUCTS) + ") g")));
        }
        return md.append("\n").toString();
    }

    private static double millis(Connection c, String sql) throws Exception {
        long t0 = System.nanoTime();
        exec(c, sql);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static String script(String name) throws IOException {
        try (InputStream in = FloorBenchmark.class.getResourceAsStream("/bench/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
