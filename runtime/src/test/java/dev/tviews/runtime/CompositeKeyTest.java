package dev.tviews.runtime;

import static dev.tviews.runtime.LineageTest.assertRefused;
import static dev.tviews.runtime.LineageTest.dependencyKinds;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.runtime.LineageTest.Oracle;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Keys of two tables that no equality ties (a.id || '/' || b.id over a JOIN b USING (i): pg_ivm's flat joins; since
 * 0.3.32, refused before) are followed through another column of the result that every table's changes reach (i): a
 * changed row gives the values of that column for the rows it was and is part of, and the flush finds the keys among the
 * TVIEW's rows (the old ones) and the query's (the new ones).
 */
@ExtendWith(PostgresExtension.class)
class CompositeKeyTest {

    private static final String B = "l48.\"tb b'|\"";
    private static final String V = "\"v|\n w\"";

    @BeforeAll
    static void install(PgDatabase db) {
        Rt.install(db);
    }

    /**
     * Joins, a self-join, a grouped key, three tables with a cascading foreign key, a LEFT JOIN whose nullable side is
     * passed over for a preserved column with NULLs; writes of one table, of both in one statement (a writable CTE) and
     * in one transaction, checked after every statement; renames, a role that may only write the tables; the shapes
     * that stay refused.
     */
    @Test
    void compositeKeysOfTablesNoEqualityTiesAreFollowedThroughAnotherColumn(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l48; SET search_path = l48, public");
            exec(c, "CREATE TABLE l48.tb_a (id int PRIMARY KEY, i int, j int);"
                    + " CREATE TABLE " + B + " (id int PRIMARY KEY, i int, k int);"
                    + " CREATE TABLE l48.tb_c (id int PRIMARY KEY, aid int REFERENCES l48.tb_a (id) ON UPDATE CASCADE ON DELETE CASCADE, " + V + " text COLLATE \"C\")");
            exec(c, "INSERT INTO l48.tb_a SELECT g, g % 4, CASE WHEN g % 5 <> 0 THEN g * 10 END FROM generate_series(1, 8) g;"
                    + " INSERT INTO " + B + " SELECT g, g % 5, 100 + g FROM generate_series(1, 8) g;"
                    + " INSERT INTO l48.tb_c SELECT g, 1 + g % 8, 'v' || g FROM generate_series(1, 6) g");
            Oracle o = new Oracle(c)
                    .create("l48.tv_ab", "SELECT a.id || '/' || b.id AS pk_ab, i, a.j, b.k FROM l48.tb_a a JOIN " + B + " b USING (i)")
                    .create("l48.tv_self", "SELECT t1.id || '/' || t2.id AS pk_self, t1.j AS \"v1'\", t2.j AS v2 FROM l48.tb_a t1 JOIN l48.tb_a t2 ON t1.i = t2.i")
                    .create("l48.tv_grouped", "SELECT coalesce(a.j, -1) || '/' || coalesce(b.k, -1) || '/' || a.i AS pk_grouped, a.i, count(*) AS n FROM l48.tb_a a JOIN " + B
                            + " b ON b.i = a.i GROUP BY coalesce(a.j, -1), coalesce(b.k, -1), a.i")
                    .create("l48.tv_three", "SELECT a.id || '/' || b.id || '/' || c.id AS pk_three, a.i, c." + V + " FROM l48.tb_a a JOIN " + B
                            + " b USING (i) JOIN l48.tb_c c ON c.aid = a.id WHERE c." + V + " > 'v2'")
                    .create("l48.tv_left", "SELECT a.id || '/' || coalesce(b.id, 0) AS pk_left, b.k, a.j, a.i FROM l48.tb_a a LEFT JOIN " + B + " b ON b.i = a.i")
                    // (a FULL JOIN's merged column is one side's value in every row: hunt 34 found it refused)
                    .create("l48.tv_full", "SELECT coalesce(a.id, 0) || '/' || coalesce(b.id, 0) AS pk_full, a.j, i FROM l48.tb_a a FULL JOIN " + B + " b USING (i)");
            assertThat(dependencyKinds(c, "l48")).isEqualTo("keyed");
            // (the LEFT JOIN's b.k is passed over: a null-extended row's NULL there is no value of b's)
            assertThat(value(c, "SELECT string_agg(DISTINCT m.entity || ':' || (d->>'via'), ',' ORDER BY m.entity || ':' || (d->>'via'))"
                    + " FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l48'"))
                    .isEqualTo("l48.ab:i,l48.full:i,l48.grouped:i,l48.left:j,l48.self:v1',l48.three:i");
            o.replay(w, "UPDATE l48.tb_a SET i = 1 WHERE id = 2", "DELETE FROM " + B + " WHERE id = 1", "UPDATE l48.tb_a SET j = NULL WHERE id = 3",
                    "WITH x AS (UPDATE l48.tb_a SET i = 2 WHERE id = 1 RETURNING 1), y AS (UPDATE " + B + " SET i = 3 WHERE id = 2 RETURNING 1) SELECT 1",
                    "BEGIN", "UPDATE l48.tb_a SET i = 4 WHERE id = 4", "UPDATE " + B + " SET i = 4, id = 40 WHERE id = 3", "DELETE FROM l48.tb_a WHERE i = 2", "COMMIT",
                    "UPDATE l48.tb_a SET id = 90 WHERE id = 6", "UPDATE l48.tb_c SET " + V + " = 'v9' WHERE aid = 90",
                    "WITH d AS (DELETE FROM l48.tb_a WHERE id = 7 RETURNING id, i, j) INSERT INTO " + B + " SELECT id + 20, i, j FROM d",
                    "INSERT INTO l48.tb_a VALUES (7, NULL, 70)", "TRUNCATE l48.tb_c");
            java.util.Random r = new java.util.Random(48);
            for (int n = 0; n < 80; n++) {
                int id = 1 + r.nextInt(9);
                int i = r.nextInt(5);
                String sql = switch (r.nextInt(10)) {
                    case 0 -> "INSERT INTO l48.tb_a VALUES (" + id + ", " + i + ", " + r.nextInt(60) + ") ON CONFLICT (id) DO UPDATE SET i = EXCLUDED.i";
                    case 1 -> "DELETE FROM l48.tb_a WHERE id = " + id;
                    case 2 -> "UPDATE l48.tb_a SET i = " + (r.nextInt(6) == 0 ? "NULL" : String.valueOf(i)) + ", j = " + (r.nextInt(5) == 0 ? "NULL" : "j + 1") + " WHERE id = " + id;
                    case 3 -> "UPDATE l48.tb_a SET id = id + 10 WHERE id = " + id + " AND NOT EXISTS (SELECT 1 FROM l48.tb_a o WHERE o.id = " + (id + 10) + ")";
                    case 4 -> "INSERT INTO " + B + " VALUES (" + id + ", " + i + ", " + (100 + r.nextInt(9)) + ") ON CONFLICT (id) DO UPDATE SET i = EXCLUDED.i";
                    case 5 -> "DELETE FROM " + B + " WHERE id = " + id;
                    case 6 -> "UPDATE " + B + " SET i = " + i + ", k = k + 1 WHERE id = " + id;
                    case 7 -> "WITH x AS (UPDATE l48.tb_a SET i = " + i + " WHERE id = " + id + " RETURNING 1), y AS (UPDATE " + B + " SET i = " + r.nextInt(5)
                            + " WHERE id = " + (1 + r.nextInt(9)) + " RETURNING 1) SELECT 1";
                    case 8 -> "INSERT INTO l48.tb_c SELECT " + r.nextInt(10) + ", " + id + ", 'v" + r.nextInt(6) + "' WHERE EXISTS (SELECT 1 FROM l48.tb_a WHERE id = "
                            + id + ") ON CONFLICT (id) DO UPDATE SET aid = EXCLUDED.aid, " + V + " = EXCLUDED." + V;
                    default -> "DELETE FROM l48.tb_c WHERE id = " + r.nextInt(10);
                };
                o.replay(w, sql);
            }
            exec(c, "ALTER TABLE l48.tb_a RENAME COLUMN i TO \"I'i\"; ALTER TABLE " + B + " RENAME COLUMN id TO \"id|\n x\"");
            exec(c, "CREATE ROLE \"l48 wr'iter\"; GRANT USAGE ON SCHEMA l48 TO \"l48 wr'iter\";"
                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON l48.tb_a, " + B + ", l48.tb_c TO \"l48 wr'iter\"");
            exec(w, "SET ROLE \"l48 wr'iter\"");
            exec(w, "INSERT INTO l48.tb_a VALUES (30, 3, 3); INSERT INTO " + B + " VALUES (30, 3, 300); INSERT INTO l48.tb_c VALUES (30, 30, 'v8');"
                    + " UPDATE l48.tb_a SET \"I'i\" = 1 WHERE id = 30; UPDATE " + B + " SET i = 1 WHERE \"id|\n x\" = 30");
            exec(w, "RESET ROLE");
            for (String tview : new String[] {"ab", "self", "grouped", "three", "left", "full"}) {
                assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l48." + tview + "')")).as(tview).isEqualTo(0L);
            }
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK' AND component LIKE '%l48%'")).isEqualTo(0L);
            // regenerated from a catalog row that refreshed it in full (0.3.31 did with uncascaded_policy = 'full_refresh', and
            // an upgrade regenerates it): the flush is generated from the new lineage (the first cut kept the old row's, and
            // queued values of i were taken for keys)
            exec(c, "UPDATE pg_tview_meta SET dependencies = (SELECT jsonb_agg(jsonb_build_object('kind', 'full', 'lineage', 'uncascaded_policy',"
                    + " 'schema', d->>'schema', 'table', d->>'table', 'relkind', d->>'relkind')) FROM jsonb_array_elements(dependencies) d) WHERE entity = 'l48.ab'");
            exec(c, "SELECT pg_tviews_reinstall_triggers('l48.ab')");
            for (String sql : new String[] {"INSERT INTO " + B + " VALUES (31, 1, 310)", "UPDATE l48.tb_a SET \"I'i\" = 2 WHERE id = 30",
                                            "DELETE FROM " + B + " WHERE \"id|\n x\" = 30"}) {
                exec(w, sql);
                assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l48.ab')")).as(sql).isEqualTo(0L);
            }

            Map<String, String> refused = new LinkedHashMap<>();
            // no equality reaches b's rows from a column
            refused.put("SELECT a.id || '/' || b.id AS pk, a.j FROM l48.tb_a a JOIN l48.tb_c b ON b.id > a.j", "cannot trace");
            // an outer join below a subquery or in a view (both sides nullable: since 0.3.33, nullExtendedColumnsAreFollowed…)
            refused.put("SELECT a.id || '/' || s.id AS pk, s.n FROM l48.tb_a a JOIN (SELECT b.id, b.aid, a2.j AS n FROM l48.tb_c b LEFT JOIN l48.tb_a a2 ON a2.j = b.id) s"
                    + " ON s.aid = a.id", "cannot trace");
            exec(c, "CREATE VIEW l48.v_c AS SELECT b.id, b.aid, a2.j FROM l48.tb_c b LEFT JOIN l48.tb_a a2 ON a2.j = b.id");
            refused.put("SELECT a.id || '/' || s.id AS pk, s.j FROM l48.tb_a a JOIN l48.v_c s ON s.aid = a.id", "cannot trace");
            // DISTINCT ON picks one row per group: a changed row may move another row of its group in
            refused.put("SELECT DISTINCT ON (a.j) a.id || '/' || b.id AS pk, a.j FROM l48.tb_a a JOIN l48.tb_c b ON b.aid = a.id ORDER BY a.j, b.id", "cannot trace");
            assertRefused(c, "l48.tv_x", "{\"key\": \"pk\"}", refused);

            // a key the query yields twice, once in rows holding the changed values and once in rows holding none: 23505
            exec(c, "CREATE TABLE l48.tb_d (id int PRIMARY KEY, i int, j int); CREATE TABLE l48.tb_e (id int PRIMARY KEY, i int, k int);"
                    + " INSERT INTO l48.tb_d VALUES (1, 1, 5); INSERT INTO l48.tb_e VALUES (1, 1, 7)");
            // (the merged column of a FULL JOIN that another outer join follows may be NULL where that join null-extends it)
            assertRefused(c, "l48.tv_x", "{\"key\": \"pk\"}", Map.of("SELECT coalesce(d.id, 0) || '/' || coalesce(e.id, 0) AS pk, i FROM l48.tb_d d"
                    + " FULL JOIN l48.tb_e e USING (i) LEFT JOIN l48.tb_c c ON c.aid = d.id", "cannot trace"));
            exec(c, "SELECT pg_tviews_create('l48.tv_dup', $q$SELECT d.j || '/' || e.k AS pk_dup, i FROM l48.tb_d d JOIN l48.tb_e e USING (i)$q$)");
            assertThat(Rt.sqlState(w, "BEGIN; INSERT INTO l48.tb_d VALUES (2, 2, 5); INSERT INTO l48.tb_e VALUES (2, 2, 7); COMMIT")).isEqualTo("23505");
            exec(w, "ROLLBACK");
            assertThat(Rt.sqlState(w, "INSERT INTO l48.tb_d VALUES (2, 2, 5)")).isNull();
            assertThat(Rt.sqlState(w, "INSERT INTO l48.tb_e VALUES (2, 2, 7)")).isEqualTo("23505");
            assertThat(value(c, "SELECT string_agg(pk_dup || ':' || i, ',') FROM l48.tv_dup")).isEqualTo("5/7:1");
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l48.dup')")).isEqualTo(0L);

            // an enum column whose value is renamed between two writes of one transaction: the queued label reads as
            // nothing at COMMIT, and the TVIEW is refreshed in full instead (the first cut failed the COMMIT with 22P02)
            exec(c, "CREATE TYPE l48.mood AS ENUM ('sad', 'o''k', 'happy'); CREATE TABLE l48.tb_m (id int PRIMARY KEY, mo l48.mood);"
                    + " CREATE TABLE l48.tb_n (id int PRIMARY KEY, mo l48.mood); INSERT INTO l48.tb_m VALUES (1, 'o''k'), (2, 'sad');"
                    + " INSERT INTO l48.tb_n VALUES (1, 'o''k'), (2, 'happy')");
            exec(c, "SELECT pg_tviews_create('l48.tv_mood', $q$SELECT x.id || '/' || y.id AS pk_mood, mo FROM l48.tb_m x JOIN l48.tb_n y USING (mo)$q$)");
            exec(w, "BEGIN; UPDATE l48.tb_m SET mo = 'happy' WHERE id = 1; ALTER TYPE l48.mood RENAME VALUE 'happy' TO 'gl|ad';"
                    + " UPDATE l48.tb_n SET mo = 'gl|ad' WHERE id = 1; COMMIT");
            assertThat(value(c, "SELECT string_agg(pk_mood || ':' || mo, ',' ORDER BY pk_mood) FROM l48.tv_mood")).isEqualTo("1/1:gl|ad,1/2:gl|ad");
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l48.mood')")).isEqualTo(0L);

            // a column whose "=" is not built in (citext) is not the column followed, nor a reason to refuse (hunt 35)
            exec(c, "CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE l48.tb_ci (id int PRIMARY KEY, i int, nm citext);"
                    + " INSERT INTO l48.tb_ci VALUES (1, 1, 'Ann'), (2, 2, 'bob')");
            new Oracle(c).create("l48.tv_ci", "SELECT d.id || '/' || y.id AS pk_ci, y.nm, i FROM l48.tb_d d JOIN l48.tb_ci y USING (i)")
                    .replay(w, "UPDATE l48.tb_ci SET nm = 'ANN' WHERE id = 1", "UPDATE l48.tb_ci SET i = 2 WHERE id = 1", "INSERT INTO l48.tb_d VALUES (3, 2, 9)");
            assertThat(value(c, "SELECT d->>'via' FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.entity = 'l48.ci' LIMIT 1")).isEqualTo("i");
        }
    }

    /**
     * Keys of two or three tables that outer joins null-extend on both sides (FULL JOIN chains, a LEFT JOIN under a FULL
     * JOIN, a nested RIGHT JOIN, a self-join; hunt 30's shapes of pg_ivm's suite; since 0.3.33, refused before), with no
     * column that every row holds: followed through a column of a null-extended table, whose NULLs every flush
     * recomputes. Writes that leave rows without partners (a NULL join column, an insert with no match) are what the
     * first cut missed.
     */
    @Test
    void nullExtendedColumnsAreFollowedWhenNoOtherServes(PgDatabase db) throws Exception {
        String a = "l50.\"tb a'|\"";
        try (Connection c = db.connect(); Connection w = db.connect(); Connection w2 = db.connect()) {
            exec(c, "CREATE SCHEMA l50; SET search_path = l50, public");
            exec(c, "CREATE TABLE " + a + " (id int PRIMARY KEY, i int, j int); CREATE TABLE l50.tb_b (id int PRIMARY KEY, i int, k int);"
                    + " CREATE TABLE l50.tb_c (id int PRIMARY KEY, aid int REFERENCES " + a + " (id) ON UPDATE CASCADE ON DELETE CASCADE, " + V + " text COLLATE \"C\")");
            exec(c, "INSERT INTO " + a + " SELECT g, g % 4, g * 10 FROM generate_series(1, 8) g; INSERT INTO l50.tb_b SELECT g, g % 5, 100 + g FROM generate_series(1, 8) g;"
                    + " INSERT INTO l50.tb_c SELECT g, 1 + g % 8, 'v' || g FROM generate_series(1, 6) g");
            String three = "coalesce(a.id, 0) || '/' || coalesce(b.id, 0) || '/' || coalesce(c.id, 0)";
            Oracle o = new Oracle(c)
                    .create("l50.tv_ff", "SELECT coalesce(a.id, 0) || '/' || coalesce(b.id, 0) AS pk_ff, a.i AS \"a i'\", b.i AS bi, a.j, b.k FROM " + a
                            + " a FULL JOIN l50.tb_b b ON a.i = b.i")
                    .create("l50.tv_ff3", "SELECT " + three + " AS pk_ff3, b.k, c." + V + " FROM " + a + " a FULL JOIN l50.tb_b b ON a.i = b.i FULL JOIN l50.tb_c c ON c.aid = a.id")
                    .create("l50.tv_lf", "SELECT " + three + " AS pk_lf, c." + V + ", b.k FROM " + a + " a LEFT JOIN l50.tb_b b ON a.i = b.i FULL JOIN l50.tb_c c ON c.aid = b.id")
                    .create("l50.tv_rl", "SELECT " + three + " AS pk_rl, c." + V + ", b.k FROM l50.tb_c c LEFT JOIN (" + a + " a RIGHT JOIN l50.tb_b b ON a.i = b.i) ON c.aid = b.id")
                    // (an ON that keeps a row unmatched although a partner's column is equal: its NULL is recomputed all the same)
                    .create("l50.tv_fk", "SELECT coalesce(a.id, 0) || '/' || coalesce(b.id, 0) AS pk_fk, b.k, a.j FROM " + a + " a FULL JOIN l50.tb_b b ON a.i = b.i AND b.k > 103")
                    .create("l50.tv_fself", "SELECT coalesce(t1.id, 0) || '/' || coalesce(t2.id, 0) AS pk_fself, t1.j AS v1, t2.i AS v2 FROM " + a + " t1 FULL JOIN " + a
                            + " t2 ON t1.i = t2.j")
                    // (an equality of an expression: a hop into the other side by its value)
                    .create("l50.tv_fx", "SELECT coalesce(a.id, 0) || '/' || coalesce(b.id, 0) AS pk_fx, a.j FROM " + a + " a FULL JOIN l50.tb_b b ON a.i = b.i + 1")
                    .create("l50.tv_lc", "SELECT coalesce(a.j, 0) || '/' || a.id || '/' || coalesce(c.id, 0) AS pk_lc, c." + V + " FROM " + a + " a LEFT JOIN l50.tb_c c ON c.aid = a.id");
            assertThat(dependencyKinds(c, "l50")).isEqualTo("keyed");
            // (a nested RIGHT JOIN's preserved side holds a column every row has: followed through it as before)
            assertThat(value(c, "SELECT string_agg(DISTINCT m.entity || ':' || (d->>'via') || ':' || coalesce(d->>'via_nulls', 'false'), ',')"
                    + " FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l50'"))
                    .isEqualTo("l50.ff3:k:true,l50.ff:a i':true,l50.fk:k:true,l50.fself:v1:true,l50.fx:j:true,l50.lc:v|\n w:true,l50.lf:v|\n w:true,l50.rl:v|\n w:false");
            o.replay(w, "INSERT INTO " + a + " VALUES (20, NULL, 5)", "INSERT INTO l50.tb_b VALUES (20, 9, 109)", "UPDATE " + a + " SET i = NULL WHERE id = 2",
                    "UPDATE l50.tb_b SET i = NULL WHERE id = 3", "UPDATE " + a + " SET id = 90 WHERE id = 6", "UPDATE l50.tb_c SET aid = 7 WHERE aid = 90",
                    "WITH x AS (UPDATE " + a + " SET i = 9 WHERE id = 1 RETURNING 1), y AS (UPDATE l50.tb_b SET i = 1 WHERE id = 20 RETURNING 1) SELECT 1",
                    "BEGIN", "DELETE FROM l50.tb_b WHERE i = 1", "INSERT INTO l50.tb_c VALUES (30, 1, NULL)", "UPDATE " + a + " SET j = 104 WHERE id = 4", "COMMIT",
                    "TRUNCATE l50.tb_c", "INSERT INTO l50.tb_c VALUES (1, 1, 'v1')");
            java.util.Random r = new java.util.Random(50);
            for (int n = 0; n < 120; n++) {
                int id = 1 + r.nextInt(9);
                String i = r.nextInt(6) == 0 ? "NULL" : String.valueOf(r.nextInt(5));
                String sql = switch (r.nextInt(11)) {
                    case 0 -> "INSERT INTO " + a + " VALUES (" + id + ", " + i + ", " + r.nextInt(6) + ") ON CONFLICT (id) DO UPDATE SET i = EXCLUDED.i";
                    case 1 -> "DELETE FROM " + a + " WHERE id = " + id;
                    case 2 -> "UPDATE " + a + " SET i = " + i + ", j = " + (r.nextInt(5) == 0 ? "NULL" : String.valueOf(r.nextInt(6))) + " WHERE id = " + id;
                    case 3 -> "UPDATE " + a + " SET id = id + 10 WHERE id = " + id + " AND NOT EXISTS (SELECT 1 FROM " + a + " o WHERE o.id = " + (id + 10) + ")";
                    case 4 -> "INSERT INTO l50.tb_b VALUES (" + id + ", " + i + ", " + (100 + r.nextInt(9)) + ") ON CONFLICT (id) DO UPDATE SET i = EXCLUDED.i";
                    case 5 -> "DELETE FROM l50.tb_b WHERE id = " + id;
                    case 6 -> "UPDATE l50.tb_b SET i = " + i + ", k = k + 1 WHERE id = " + id;
                    case 7 -> "WITH x AS (UPDATE " + a + " SET i = " + i + " WHERE id = " + id + " RETURNING 1), y AS (UPDATE l50.tb_b SET i = " + r.nextInt(5)
                            + " WHERE id = " + (1 + r.nextInt(9)) + " RETURNING 1) SELECT 1";
                    case 8 -> "INSERT INTO l50.tb_c SELECT " + r.nextInt(10) + ", " + id + ", 'v" + r.nextInt(6) + "' WHERE EXISTS (SELECT 1 FROM " + a + " WHERE id = "
                            + id + ") ON CONFLICT (id) DO UPDATE SET aid = EXCLUDED.aid, " + V + " = EXCLUDED." + V;
                    case 9 -> "UPDATE l50.tb_c SET " + V + " = " + (r.nextInt(4) == 0 ? "NULL" : "'v" + r.nextInt(6) + "'") + " WHERE id = " + r.nextInt(10);
                    default -> "DELETE FROM l50.tb_c WHERE id = " + r.nextInt(10);
                };
                o.replay(w, sql);
            }
            exec(c, "ALTER TABLE " + a + " RENAME COLUMN i TO \"I'i\"; ALTER TABLE l50.tb_b RENAME COLUMN id TO \"id|\n x\"");
            exec(c, "CREATE ROLE \"l50 wr'iter\"; GRANT USAGE ON SCHEMA l50 TO \"l50 wr'iter\";"
                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON " + a + ", l50.tb_b, l50.tb_c TO \"l50 wr'iter\"");
            exec(w, "SET ROLE \"l50 wr'iter\"");
            exec(w, "INSERT INTO " + a + " VALUES (40, NULL, 3); INSERT INTO l50.tb_b VALUES (40, 3, 300); INSERT INTO l50.tb_c VALUES (40, 40, 'v8');"
                    + " UPDATE " + a + " SET \"I'i\" = 3 WHERE id = 40; UPDATE l50.tb_b SET i = NULL WHERE \"id|\n x\" = 40");
            exec(w, "RESET ROLE");
            // regenerated (as an upgrade does): the same lineage, NULLs still recomputed
            exec(c, "SELECT pg_tviews_reinstall_triggers()");
            exec(w, "INSERT INTO " + a + " VALUES (41, NULL, 4); DELETE FROM l50.tb_c WHERE id = 40");
            for (String tview : new String[] {"ff", "ff3", "lf", "rl", "fk", "fself", "fx", "lc"}) {
                assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l50." + tview + "')")).as(tview).isEqualTo(0L);
            }
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK' AND component LIKE '%l50%'")).isEqualTo(0L);

            // two writers whose null-extended rows become one matched row: serialised like any such TVIEW's
            exec(c, "CREATE TABLE l50.tb_x (id int PRIMARY KEY, i int); CREATE TABLE l50.tb_y (id int PRIMARY KEY, i int);"
                    + " INSERT INTO l50.tb_x VALUES (1, 5); INSERT INTO l50.tb_y VALUES (1, 5)");
            exec(c, "SELECT pg_tviews_create('l50.tv_xy', $q$SELECT coalesce(x.id, 0) || '/' || coalesce(y.id, 0) AS pk_xy, x.i AS xi FROM l50.tb_x x FULL JOIN l50.tb_y y ON y.i = x.i$q$)");
            meet(c, w, w2, "UPDATE l50.tb_x SET i = 6 WHERE id = 1", "INSERT INTO l50.tb_y VALUES (2, 6)", "read committed");
            assertThat(value(c, "SELECT string_agg(pk_xy, ',' ORDER BY pk_xy) FROM l50.tv_xy")).isEqualTo("0/1,1/2");
            assertThat(meet(c, w, w2, "UPDATE l50.tb_x SET i = 7 WHERE id = 1", "INSERT INTO l50.tb_y VALUES (3, 7)", "repeatable read")).isEqualTo("40001");
            assertThat(value(c, "SELECT string_agg(pk_xy, ',' ORDER BY pk_xy) FROM l50.tv_xy")).isEqualTo("0/1,0/2,1/0");
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l50.xy')")).isEqualTo(0L);

            // no column of a table: refused as before
            assertRefused(c, "l50.tv_x", "{\"key\": \"pk\"}", Map.of(
                    "SELECT coalesce(x.id, 0) || '/' || coalesce(y.id, 0) AS pk, coalesce(x.i, y.i) AS xy FROM l50.tb_x x FULL JOIN l50.tb_y y ON y.i = x.i", "cannot trace",
                    "SELECT coalesce(x.id, 0) || '/' || coalesce(y.id, 0) AS pk FROM l50.tb_x x FULL JOIN l50.tb_y y ON y.i = x.i", "cannot trace",
                    "SELECT coalesce(x.id, 0) || '/' || coalesce(y.id, 0) AS pk, y.i FROM l50.tb_x x LEFT JOIN l50.tb_y y ON x.i < y.i", "cannot trace"));
        }
    }

    /**
     * Two writers whose rows meet in a new row of the result (an a moved to i = 6, a b inserted at i = 6) each look the
     * other's row up before it commits: the TVIEW's lock row makes the second flush wait and then read the first's
     * commit (READ COMMITTED), or fail with 40001 (REPEATABLE READ). Without it the row is missed.
     */
    @Test
    void writersWhoseRowsMeetInANewRowAreSerialised(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect(); Connection w2 = db.connect()) {
            exec(c, "CREATE SCHEMA l49; CREATE TABLE l49.tb_a (id int PRIMARY KEY, i int); CREATE TABLE l49.tb_b (id int PRIMARY KEY, i int);"
                    + " INSERT INTO l49.tb_a VALUES (1, 5); INSERT INTO l49.tb_b VALUES (1, 5)");
            exec(c, "SELECT pg_tviews_create('l49.tv_ab', $q$SELECT a.id || '/' || b.id AS pk_ab, i FROM l49.tb_a a JOIN l49.tb_b b USING (i)$q$)");
            meet(c, w, w2, "UPDATE l49.tb_a SET i = 6 WHERE id = 1", "INSERT INTO l49.tb_b VALUES (2, 6)", "read committed");
            assertThat(value(c, "SELECT string_agg(pk_ab, ',' ORDER BY pk_ab) FROM l49.tv_ab")).isEqualTo("1/2");
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l49.ab')")).isEqualTo(0L);
            assertThat(meet(c, w, w2, "UPDATE l49.tb_a SET i = 7 WHERE id = 1", "INSERT INTO l49.tb_b VALUES (3, 7)", "repeatable read")).isEqualTo("40001");
            assertThat(value(c, "SELECT string_agg(pk_ab, ',' ORDER BY pk_ab) FROM l49.tv_ab")).isNull();
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l49.ab')")).isEqualTo(0L);
        }
    }

    /** w writes and flushes; w2 (at level) writes and flushes, waiting; w commits; w2's SQLSTATE (null: it committed). */
    private static String meet(Connection c, Connection w, Connection w2, String write, String meetingWrite, String level) throws Exception {
        w.setAutoCommit(false);
        w2.setAutoCommit(false);
        try {
            exec(w, write);
            exec(w, "SELECT pg_tviews_flush()");
            exec(w2, "SET TRANSACTION ISOLATION LEVEL " + level);
            exec(w2, "SELECT 1");                    // (the snapshot of a REPEATABLE READ w2 is older than w's commit)
            int pid = ((Number) value(w2, "SELECT pg_backend_pid()")).intValue();
            var second = CompletableFuture.supplyAsync(() -> {
                try {
                    exec(w2, meetingWrite);
                    exec(w2, "SELECT pg_tviews_flush()");
                    w2.commit();
                    return null;
                } catch (SQLException e) {
                    return e.getSQLState();
                }
            });
            assertThat(Rt.awaitLockWait(c, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid = " + pid, second)).isEqualTo(1L);
            w.commit();
            String state = second.get(60, TimeUnit.SECONDS);
            if (state != null) {
                w2.rollback();
            }
            return state;
        } finally {
            w.setAutoCommit(true);
            w2.setAutoCommit(true);
        }
    }
}
