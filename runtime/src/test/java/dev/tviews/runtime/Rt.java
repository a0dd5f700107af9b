package dev.tviews.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Shared helpers for the runtime tests. */
final class Rt {
    private Rt() {
    }

    static Path scriptFile() {
        return scriptFile(TviewsRuntime.installScript());
    }

    static Path scriptFile(String script) {
        try {
            Path p = Files.createTempFile("tviews", ".sql");
            Files.writeString(p, script);
            p.toFile().setReadable(true, false);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Installs (or upgrades) the runtime with psql -v ON_ERROR_STOP=1 -f. */
    static void install(PgDatabase db) {
        install(db, TviewsRuntime.installScript());
    }

    /** Installs a given runtime script (benchmarks compare another version in the same run). */
    static void install(PgDatabase db, String script) {
        OsCommand.Result r = db.psqlFile(scriptFile(script));
        assertThat(r.exitCode()).as(r.output()).isZero();
    }

    /**
     * The oracle: rows of the TVIEW table EXCEPT ALL its query, both ways; returns the number of differing rows. The
     * query is the text the test passed to pg_tviews_create, verbatim (never the runtime's deparsed definition), run
     * with the test's search_path; tests that know the text use {@link #driftAgainst}.
     */
    static long drift(Connection c, String tview) throws SQLException {
        String sch;
        String tbl;
        String def;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT schema_name, table_name, definition FROM pg_tview_meta WHERE entity = ? OR table_name = ?")) {
            ps.setString(1, tview);
            ps.setString(2, tview);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalArgumentException("no TVIEW " + tview);
                }
                sch = rs.getString(1);
                tbl = rs.getString(2);
                def = rs.getString(3).replaceAll("[;\\s]+$", "");
            }
        }
        String t = quote(sch) + "." + quote(tbl);
        return differentRows(c, t, def);
    }

    /**
     * Rows of the table and of the query that differ, compared by their text images (finer than EXCEPT ALL's
     * equality: a numeric 1.0 that should read 1.00 counts).
     */
    private static long differentRows(Connection c, String table, String query) throws SQLException {
        String sql = "SELECT (SELECT count(*) FROM (SELECT x::text FROM " + table + " x EXCEPT ALL SELECT q::text FROM (" + query + "\n) q) a)"
                + " + (SELECT count(*) FROM (SELECT q::text FROM (" + query + "\n) q EXCEPT ALL SELECT x::text FROM " + table + " x) b)";
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The independent oracle: the TVIEW table EXCEPT ALL the test's own query text, both ways (never the
     * runtime's stored or deparsed definition, so a wrong deparse cannot agree with itself).
     */
    static long driftAgainst(Connection c, String table, String query) throws SQLException {
        return differentRows(c, table, query);
    }

    static void assertNoDrift(Connection c, String... tviews) throws SQLException {
        for (String tv : tviews) {
            assertThat(drift(c, tv)).as("drift of " + tv).isZero();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT missing + extra + different FROM pg_tviews_check_consistency(" + literal(tv) + ")")) {
                rs.next();
                assertThat(rs.getLong(1)).as("pg_tviews_check_consistency(" + tv + ")").isZero();
            }
        }
    }

    static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    /** A string literal (standard_conforming_strings: only quotes are doubled). */
    static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }


    /**
     * A FROM item: the health check's rows about the TVIEWs of one schema and those reading its tables, from each one's
     * own check ({@code pg_tviews_health_check(entity)}, the same rows as the whole check's for it). The whole check
     * re-analyses every TVIEW in the database, so in a class whose tests share one database it costs more with every
     * test before it (16 s a call late in LineageTest).
     */
    static String healthOf(String schema) {
        return "(SELECT h.* FROM public.pg_tview_meta m CROSS JOIN LATERAL public.pg_tviews_health_check(m.entity) h"
                + " WHERE m.schema_name = " + literal(schema) + " OR EXISTS (SELECT 1 FROM jsonb_array_elements(m.dependencies) d"
                + " WHERE d->>'schema' = " + literal(schema) + ")) hc";
    }
    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static Object value(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getObject(1) : null;
        }
    }

    static List<List<Object>> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> out = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                out.add(row);
            }
            return out;
        }
    }

    /** Runs sql and returns the SQLSTATE it failed with (or null if it succeeded). */
    /** Polls (every 50 ms, up to 30 s) until countQuery counts a session waiting for a lock; returns the last count. */
    static long awaitLockWait(Connection c, String countQuery, java.util.concurrent.Future<?> stopWhenDone) throws SQLException, InterruptedException {
        long waiting = 0;
        for (int i = 0; i < 600 && waiting == 0 && !stopWhenDone.isDone(); i++) {
            waiting = (Long) value(c, countQuery);
            if (waiting == 0) {
                Thread.sleep(50);                       // polling for the lock wait, not an assertion
            }
        }
        return waiting;
    }

    static String sqlState(Connection c, String sql) {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
            return null;
        } catch (SQLException e) {
            return e.getSQLState();
        }
    }

    /**
     * Runs sql as the first statement of a transaction begun with begin (REPEATABLE READ or SERIALIZABLE), which runs
     * only when no other transaction committed after its snapshot: the test's own sessions are quiet, but the server's
     * autovacuum may commit an ANALYZE in between, so a 40001 is retried in a new transaction (at most ten times: three
     * were not enough once, in a clean-clone run whose autovacuum was busy after the classes before it), as the
     * runtime's hint tells users to. Returns the last SQLSTATE (null: it ran); the transaction stays open.
     */
    static String sqlStateOnAFreshSnapshot(Connection c, String begin, String sql) throws SQLException {
        String state = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            exec(c, begin);
            state = sqlState(c, sql);
            if (!"40001".equals(state)) {
                return state;
            }
            exec(c, "ROLLBACK");
        }
        exec(c, begin);
        return state;
    }

    /** A fingerprint of the schema + runtime catalog, to prove failed calls change nothing. */
    static String fingerprint(Connection c) throws SQLException {
        return String.valueOf(value(c, "SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM ("
                + " SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text AS x FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                + "  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%'"
                + " UNION ALL SELECT 'meta:' || entity || definition FROM pg_tview_meta"
                + " UNION ALL SELECT 'helper:' || object_name || on_table FROM pg_tview_helpers"
                + " UNION ALL SELECT 'trg:' || tgname FROM pg_trigger WHERE NOT tgisinternal"
                + " UNION ALL SELECT 'fn:' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace) s"));
    }

    /** Creates the blog schema + tv_post + tv_user in a fresh schema and leaves search_path = schema, public. */
    static void blog(Connection c, String schema, int users, int posts, int comments) throws SQLException {
        exec(c, "CREATE SCHEMA IF NOT EXISTS " + schema + "; SET search_path = " + schema + ", public");
        exec(c, BLOG_SCHEMA);
        exec(c, "INSERT INTO tb_user (pk_user, name) SELECT g, 'user ' || g FROM generate_series(1, " + users + ") g");
        exec(c, "INSERT INTO tb_post SELECT g, 1 + g % " + users + ", 'post ' || g, g % 7 FROM generate_series(1, " + posts + ") g");
        exec(c, "INSERT INTO tb_comment SELECT g, 1 + g % " + posts + ", 'comment ' || g FROM generate_series(1, " + comments + ") g");
        exec(c, "SELECT pg_tviews_create('" + schema + ".tv_post', $q$" + TV_POST + "$q$)");
        exec(c, "SELECT pg_tviews_create('" + schema + ".tv_user', $q$" + TV_USER + "$q$)");
    }

    /** users -> posts -> comments; tv_post embeds author + comments, tv_user reads tv_post. */
    static final String BLOG_SCHEMA = """
            CREATE TABLE tb_user (pk_user int PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid(), name text NOT NULL);
            CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user ON DELETE CASCADE, title text, score int DEFAULT 0);
            CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL REFERENCES tb_post ON DELETE CASCADE ON UPDATE CASCADE, body text);
            """;
    static final String TV_POST = """
            SELECT p.pk_post, p.fk_user, jsonb_build_object('title', p.title, 'score', p.score,
                   'author', jsonb_build_object('id', u.id, 'name', u.name),
                   'comments', coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.pk_comment, 'body', c.body) ORDER BY c.pk_comment)
                                           FROM tb_comment c WHERE c.fk_post = p.pk_post), '[]'::jsonb)) AS data
              FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user""";
    static final String TV_USER = """
            SELECT u.pk_user, u.id, u.name, count(tp.pk_post) AS post_count,
                   coalesce(jsonb_agg(tp.data ORDER BY tp.pk_post) FILTER (WHERE tp.pk_post IS NOT NULL), '[]'::jsonb) AS posts
              FROM tb_user u LEFT JOIN tv_post tp ON tp.fk_user = u.pk_user
             GROUP BY u.pk_user, u.id, u.name""";
}
