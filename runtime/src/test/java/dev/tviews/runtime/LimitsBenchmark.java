package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The measured limits of docs/operations/limits.md (run by {@code make bench}; bounded to a few minutes): a
 * 1,000,000-row TVIEW (create, no-op refresh, consistency check, repair of 100,000 drifted rows, forced refresh,
 * size), fan-out of a parent rename (100 … 100,000 children), keys per statement (1 … 100,000), cascade depth
 * (1 … 8 levels). Memory is the peak resident set (VmHWM) of the backend that ran the operation, on a fresh
 * connection (it includes the shared buffers that backend touched). Writes runtime/target/limits.md.
 */
class LimitsBenchmark {

    static final int ITEMS = 1_000_000;
    static final String TV_ITEM = "SELECT i.pk_item, i.fk_group, i.id, jsonb_build_object('name', i.name, 'qty', i.qty, "
            + "'group', jsonb_build_object('id', g.pk_group, 'name', g.name)) AS data FROM tb_item i JOIN tb_group g ON g.pk_group = i.fk_group";

    final List<String[]> rows = new ArrayList<>();

    @Test
    void limits() throws Exception {
        try (PgServer server = PgServer.start("tv-limits", java.util.Map.of("shared_buffers", "'512MB'", "work_mem", "'16MB'",
                "maintenance_work_mem", "'256MB'", "max_wal_size", "'4GB'"))) {
            PgDatabase db = server.createDatabase("limits");
            Rt.install(db);
            try (Connection c = db.connect()) {
                exec(c, "CREATE TABLE tb_group (pk_group int PRIMARY KEY, name text NOT NULL)");
                exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid(), "
                        + "fk_group int NOT NULL REFERENCES tb_group, name text NOT NULL, qty int NOT NULL)");
                exec(c, "INSERT INTO tb_group SELECT g, 'group ' || g FROM generate_series(1, 10004) g");
                // groups 1..4 have 100,000 / 10,000 / 1,000 / 100 items; the rest spread over groups 5..10004
                exec(c, "INSERT INTO tb_item (pk_item, fk_group, name, qty) SELECT g, CASE WHEN g <= 100000 THEN 1 WHEN g <= 110000 THEN 2 "
                        + "WHEN g <= 111000 THEN 3 WHEN g <= 111100 THEN 4 ELSE 5 + g % 10000 END, 'item ' || g, g % 97 "
                        + "FROM generate_series(1, " + ITEMS + ") g");
                exec(c, "CREATE INDEX ON tb_item (fk_group)");
                exec(c, "VACUUM ANALYZE tb_group, tb_item");
            }
            measure(db, "create a 1,000,000-row TVIEW (fill, indexes, triggers)", "SELECT pg_tviews_create('tv_item', $q$" + TV_ITEM + "$q$)");
            try (Connection c = db.connect()) {
                exec(c, "VACUUM ANALYZE tv_item");
                rows.add(new String[] {"size of tv_item (table + indexes)", value(c, "SELECT pg_size_pretty(pg_total_relation_size('tv_item'))"), "", ""});
            }
            measure(db, "pg_tviews_check_consistency, 1,000,000 rows", "SELECT * FROM pg_tviews_check_consistency('tv_item')");
            measure(db, "pg_tviews_refresh (diff-based, nothing changed), 1,000,000 rows", "SELECT pg_tviews_refresh('tv_item')");
            try (Connection c = db.connect()) {
                exec(c, "UPDATE tv_item SET data = '{}' WHERE pk_item % 10 = 0");
            }
            measure(db, "pg_tviews_repair of 100,000 drifted rows of 1,000,000", "SELECT pg_tviews_repair('tv_item')");
            measure(db, "pg_tviews_refresh(force => true), 1,000,000 rows", "SELECT pg_tviews_refresh('tv_item', true)");
            for (int[] fan : new int[][] {{4, 100}, {3, 1_000}, {2, 10_000}, {1, 100_000}}) {
                measure(db, String.format(Locale.ROOT, "fan-out: rename of a group with %,d items (one statement)", fan[1]),
                        "UPDATE tb_group SET name = name || '!' WHERE pk_group = " + fan[0]);
            }
            for (int keys : new int[] {1, 100, 1_000, 1_001, 10_000, 100_000}) {
                measure(db, String.format(Locale.ROOT, "keys per statement: UPDATE of %,d items", keys),
                        "UPDATE tb_item SET qty = qty + 1 WHERE pk_item BETWEEN 200001 AND " + (200000 + keys));
            }
            try (Connection c = db.connect()) {
                assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('tv_item')")).isEqualTo("0");
            }
            depth(db);
        }
        StringBuilder md = new StringBuilder("| measurement | time | backend peak RSS | note |\n|---|---|---|---|\n");
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        System.out.println(md);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "limits.md"), "## Limits (LimitsBenchmark)\n\n" + md);
    }

    private void depth(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE TABLE tb_chain (pk_chain int PRIMARY KEY, v int NOT NULL)");
            exec(c, "INSERT INTO tb_chain SELECT g, g FROM generate_series(1, 10000) g");
            exec(c, "SELECT pg_tviews_create('tv_chain1', $q$SELECT c.pk_chain, c.v FROM tb_chain c$q$, '{\"key\": \"pk_chain\"}')");
            for (int d = 2; d <= 8; d++) {
                exec(c, "SELECT pg_tviews_create('tv_chain" + d + "', $q$SELECT t.pk_chain, t.v + 1 AS v FROM tv_chain" + (d - 1)
                        + " t$q$, '{\"key\": \"pk_chain\"}')");
            }
        }
        for (int d : new int[] {8, 4, 2, 1}) {
            // a single-row write whose cascade reaches depth d (only tv_chain1..d read the row; deeper ones are dropped first)
            measureRepeated(db, "cascade depth " + d + ": single-row UPDATE, p50 of 200", d);
        }
    }

    private void measureRepeated(PgDatabase db, String label, int depth) throws Exception {
        try (Connection c = db.connect()) {
            for (int d = 8; d > depth; d--) {
                exec(c, "SELECT pg_tviews_drop('tv_chain" + d + "', true)");
            }
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < 220; i++) {
                long t0 = System.nanoTime();
                exec(c, "UPDATE tb_chain SET v = v + 1 WHERE pk_chain = " + (1 + i % 1000));
                if (i >= 20) {
                    ms.add((System.nanoTime() - t0) / 1e6);
                }
            }
            ms.sort(Double::compare);
            assertThat(value(c, "SELECT count(*) FROM tv_chain" + depth + " t JOIN tb_chain c ON c.pk_chain = t.pk_chain"
                    + " WHERE t.v <> c.v + " + (depth - 1))).isEqualTo("0");
            rows.add(new String[] {label, String.format(Locale.ROOT, "%.2f ms", ms.get(ms.size() / 2)), "", "p95 "
                    + String.format(Locale.ROOT, "%.2f ms", ms.get(ms.size() * 95 / 100))});
        }
    }

    private void measure(PgDatabase db, String label, String sql) throws Exception {
        try (Connection c = db.connect()) {
            long pid = Long.parseLong(value(c, "SELECT pg_backend_pid()"));
            long t0 = System.nanoTime();
            exec(c, sql);
            double s = (System.nanoTime() - t0) / 1e9;
            rows.add(new String[] {label, String.format(Locale.ROOT, "%.2f s", s), peakRss(pid), ""});
            System.out.println(label + ": " + String.format(Locale.ROOT, "%.2f s", s));
        }
    }

    private static String peakRss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> (Long.parseLong(l.replaceAll("\\D", "")) / 1024) + " MB").findFirst().orElse("?");
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static String value(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
