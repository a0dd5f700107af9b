package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue classes of "the runtime never returns a wrong row": lineage is proven from the query's own
 * predicates, never from column names, and rows appear and disappear when parents change. The oracle is
 * the test's own query text, rows compared by their text images with EXCEPT ALL both ways after every statement.
 */
@ExtendWith(PostgresExtension.class)
class LineageTest {

    @BeforeAll
    static void install(PgDatabase db) {
        Rt.install(db);
    }

    /** TVIEW tables and the queries they must equal; checked after every statement. */
    static final class Oracle {
        private final Connection c;
        private final Map<String, String> tviews = new LinkedHashMap<>();

        Oracle(Connection c) {
            this.c = c;
        }

        Oracle create(String tview, String query) throws SQLException {
            return create(tview, query, "{}");
        }

        Oracle create(String tview, String query, String options) throws SQLException {
            exec(c, "SELECT pg_tviews_create('" + tview + "', $q$" + query + "$q$, '" + options + "')");
            tviews.put(tview, query);
            check("after create");
            return this;
        }

        Oracle run(String... statements) throws SQLException {
            for (String sql : statements) {
                exec(c, sql);
                check(sql);
            }
            return this;
        }

        /** Runs each write on w and checks every TVIEW after each one that leaves w outside a transaction. */
        void replay(Connection w, String... writes) throws SQLException {
            for (String sql : writes) {
                exec(w, sql);
                if (value(w, "SELECT pg_current_xact_id_if_assigned() IS NULL").equals(Boolean.TRUE)) {
                    check(sql);
                }
            }
        }

        /** Inside a transaction the writer reads its own changes after pg_tviews_flush(); other sessions and commits never need it. */
        void check(String after) throws SQLException {
            if (value(c, "SELECT pg_current_xact_id_if_assigned() IS NOT NULL").equals(Boolean.TRUE)) {
                exec(c, "SELECT pg_tviews_flush()");
            }
            for (Map.Entry<String, String> e : tviews.entrySet()) {
                assertThat(Rt.driftAgainst(c, e.getKey(), e.getValue())).as(e.getKey() + " after: " + after).isZero();
            }
        }
    }

    /** The kinds of lineage (keyed, full) of every source of every TVIEW in a schema. */
    static Object dependencyKinds(Connection c, String schema) throws SQLException {
        try (var ps = c.prepareStatement("SELECT string_agg(DISTINCT d->>'kind', ',') FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d"
                + " WHERE m.schema_name = ?")) {
            ps.setString(1, schema);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1);
            }
        }
    }

    /** Each query is refused (0A000) with a message holding its text and every one of also, and changes nothing. */
    static void assertRefused(Connection c, String tview, String options, Map<String, String> refused, String... also) throws SQLException {
        String before = Rt.fingerprint(c);
        for (Map.Entry<String, String> e : refused.entrySet()) {
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('" + tview + "', $q$" + e.getKey() + "$q$, '" + options + "')")).as(e.getKey())
                    .isInstanceOfSatisfying(SQLException.class, ex -> {
                        assertThat(ex.getSQLState()).as(ex.getMessage()).isEqualTo("0A000");
                        assertThat(ex.getMessage()).contains(e.getValue());
                        for (String text : also) {
                            assertThat(ex.getMessage()).contains(text);
                        }
                    });
        }
        assertThat(Rt.fingerprint(c)).isEqualTo(before);
    }

    /**
     * w writes and leaves its transaction open; a second session writes and flushes (its maintenance's locks held); w
     * commits (its flush waits where the two meet) while the second commits. Both must commit.
     */
    static void commitAgainstAFlushedWriter(PgDatabase db, Connection w, String write, String flushedWrite) throws Exception {
        try (Connection w2 = db.connect()) {
            w.setAutoCommit(false);
            w2.setAutoCommit(false);
            exec(w, write);
            exec(w2, flushedWrite);
            exec(w2, "SELECT pg_tviews_flush()");
            var first = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    w.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            w2.commit();
            first.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            w.setAutoCommit(true);
        }
    }

    @Test
    void selfJoinRenamingTheParentUpdatesEveryChild(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l1; SET search_path = l1, public");
            exec(c, "CREATE TABLE tb_category (pk_category int PRIMARY KEY, fk_parent int REFERENCES tb_category, name text)");
            exec(c, "INSERT INTO tb_category VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1')");
            new Oracle(c).create("l1.tv_category", "SELECT c.pk_category, c.fk_parent, c.name, p.name AS parent_name"
                            + " FROM tb_category c LEFT JOIN tb_category p ON p.pk_category = c.fk_parent")
                    .run("UPDATE tb_category SET name = 'ROOT' WHERE pk_category = 1",
                            "UPDATE tb_category SET fk_parent = 3 WHERE pk_category = 4",
                            "INSERT INTO tb_category VALUES (5, 4, 'deep')",
                            "UPDATE tb_category SET name = 'moved' WHERE pk_category = 4",
                            "DELETE FROM tb_category WHERE pk_category = 5",
                            "UPDATE tb_category SET name = name || '!'");
        }
    }

    @Test
    void correlatedSubqueryOnAnotherForeignKeyFollowsThatKey(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l2; SET search_path = l2, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text)");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, fk_reviewer int REFERENCES tb_user, title text)");
            exec(c, "INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 5) g");
            exec(c, "INSERT INTO tb_post SELECT g, 1 + g % 5, 1 + (g * 3) % 5, 't' || g FROM generate_series(1, 20) g");
            new Oracle(c).create("l2.tv_user", "SELECT u.pk_user, u.name,"
                            + " (SELECT count(*) FROM tb_post p WHERE p.fk_reviewer = u.pk_user) AS reviews,"
                            + " EXISTS (SELECT 1 FROM tb_post p2 WHERE p2.fk_user = u.pk_user AND p2.title LIKE 'x%') AS has_x"
                            + " FROM tb_user u")
                    .run("UPDATE tb_post SET fk_reviewer = 1 WHERE pk_post IN (2, 3, 4)",
                            "UPDATE tb_post SET fk_user = 2 WHERE pk_post = 5",          // must not matter for reviews
                            "UPDATE tb_post SET title = 'x' || title WHERE pk_post = 6",
                            "INSERT INTO tb_post VALUES (21, 3, 3, 'x21')",
                            "DELETE FROM tb_post WHERE fk_reviewer = 1");
        }
    }

    /**
     * A subquery that reads nothing of the rows around it ((SELECT min(b.k) FROM tb_b b), EXISTS (SELECT 1 FROM tb_b), a
     * nested one that refers only to its own levels) has one value that every row reads: a change of its tables reaches
     * every key, and the TVIEW is refreshed in full (lineage "uncorrelated"; since 0.3.33; refused before unless
     * uncascaded_policy = full_refresh). So does a FROM clause's subquery or CTE of one row (an aggregate; since 0.3.34)
     * or of one row or none (with HAVING, or GROUP BY (); since 0.3.35), and an IN, = ANY or <> ALL whose compared value
     * is a constant (since 0.3.35). A column named like the key (tb_b.pk_a) links
     * nothing. A running count, which reads the row around it by an inequality, stays refused.
     */
    @Test
    void anUncorrelatedSubqueryIsRefreshedFully(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l3; SET search_path = l3, public");
            exec(c, "CREATE TABLE tb_a (pk_a int PRIMARY KEY, v int)");
            exec(c, "CREATE TABLE \"tb b'|\" (pk_a int, k int)");                 // a column named like the key, but no predicate
            exec(c, "INSERT INTO tb_a SELECT g, g FROM generate_series(1, 10) g; INSERT INTO \"tb b'|\" VALUES (1, 5), (2, 7)");
            String q = "SELECT a.pk_a, a.v, (SELECT min(b.k) FROM \"tb b'|\" b) AS m FROM tb_a a";
            new Oracle(c).create("l3.tv_a", q)
                    .create("l3.tv_policy", q.replace("a.pk_a,", "a.pk_a AS pk_policy,"), "{\"uncascaded_policy\": \"full_refresh\"}")
                    .create("l3.tv_some", "SELECT a.pk_a AS pk_some, a.v FROM tb_a a WHERE EXISTS (SELECT 1 FROM tb_a a2 WHERE EXISTS"
                            + " (SELECT 1 FROM \"tb b'|\" b WHERE b.k = a2.v))")
                    .create("l3.tv_top", "SELECT a.pk_a AS pk_top, (SELECT max(b.k) FROM \"tb b'|\" b) + a.v AS t,"
                            + " (SELECT count(*) FROM \"tb b'|\" b WHERE b.pk_a = a.pk_a) AS n FROM tb_a a")
                    .create("l3.tv_series", "SELECT v AS pk_series FROM generate_series(1, (SELECT max(b.k) FROM \"tb b'|\" b)) v")
                    // (one row of a FROM clause that reads nothing around it: a subquery and a CTE; since 0.3.34, refused before)
                    .create("l3.tv_cross", "SELECT a.pk_a AS pk_cross, a.v, m.mx FROM tb_a a CROSS JOIN (SELECT max(b.k) AS mx, count(*) AS n FROM \"tb b'|\" b) m WHERE a.v <= m.mx + 2")
                    .create("l3.tv_cte", "WITH m AS (SELECT min(b.k) AS mn FROM \"tb b'|\" b WHERE b.pk_a IS NOT NULL) SELECT a.pk_a AS pk_cte, a.v FROM tb_a a"
                            + " LEFT JOIN m ON a.v > m.mn")
                    // (one row or none: HAVING, and GROUP BY (); since 0.3.35, refused before)
                    .create("l3.tv_having", "SELECT a.pk_a AS pk_having, a.v, m.mx FROM tb_a a CROSS JOIN (SELECT max(b.k) AS mx FROM \"tb b'|\" b"
                            + " HAVING count(*) > 1) m WHERE a.v <= m.mx")
                    .create("l3.tv_unit", "SELECT a.pk_a AS pk_unit, m.n FROM tb_a a LEFT JOIN (SELECT count(b.k) AS n FROM \"tb b'|\" b GROUP BY ()) m ON a.v < m.n")
                    // (an IN, = ANY or <> ALL that compares no column of the row either: one value for every row; since 0.3.35)
                    .create("l3.tv_const", "SELECT a.pk_a AS pk_const, a.v, 5 IN (SELECT b.k FROM \"tb b'|\" b) AS has5 FROM tb_a a"
                            + " WHERE 7 <> ALL (SELECT b.k FROM \"tb b'|\" b WHERE b.pk_a IS NOT NULL)")
                    // (the array of ANY or ALL, whose order does not count: since 0.3.34, refused for an ARRAY(SELECT ...) without
                    // a total ORDER BY before)
                    .create("l3.tv_any", "SELECT a.pk_a AS pk_any, a.v FROM tb_a a WHERE a.v = ANY (ARRAY(SELECT b.k FROM \"tb b'|\" b))")
                    .create("l3.tv_all", "SELECT a.pk_a AS pk_all, a.v <> ALL (ARRAY(SELECT b.k FROM \"tb b'|\" b WHERE b.pk_a = a.pk_a)) AS fresh FROM tb_a a")
                    .run("INSERT INTO \"tb b'|\" VALUES (9, 1)", "UPDATE \"tb b'|\" SET k = 0 WHERE pk_a = 2", "DELETE FROM \"tb b'|\" WHERE k < 2",
                            "UPDATE tb_a SET v = -v WHERE pk_a < 4", "BEGIN", "UPDATE \"tb b'|\" SET k = 3", "UPDATE tb_a SET v = 3 WHERE pk_a = 5", "COMMIT",
                            "TRUNCATE \"tb b'|\"", "INSERT INTO \"tb b'|\" VALUES (4, 12), (NULL, 6)");
            assertThat(value(c, "SELECT string_agg(DISTINCT m.table_name || ':' || (d->>'table') || ':' || (d->>'kind') || ':' || (d->>'lineage'), ','"
                    + " ORDER BY m.table_name || ':' || (d->>'table') || ':' || (d->>'kind') || ':' || (d->>'lineage'))"
                    + " FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l3'"))
                    .isEqualTo("tv_a:tb b'|:full:uncorrelated,tv_a:tb_a:keyed:query,tv_all:tb b'|:keyed:query,tv_all:tb_a:keyed:query,"
                            + "tv_any:tb b'|:full:uncorrelated,tv_any:tb_a:keyed:query,tv_const:tb b'|:full:uncorrelated,tv_const:tb_a:keyed:query,"
                            + "tv_cross:tb b'|:full:uncorrelated,tv_cross:tb_a:keyed:query,"
                            + "tv_cte:tb b'|:full:uncorrelated,tv_cte:tb_a:keyed:query,tv_having:tb b'|:full:uncorrelated,tv_having:tb_a:keyed:query,"
                            + "tv_policy:tb b'|:full:uncorrelated,tv_policy:tb_a:keyed:query,"
                            + "tv_series:tb b'|:full:uncorrelated,tv_some:tb b'|:full:uncorrelated,tv_some:tb_a:full:uncorrelated,"
                            + "tv_top:tb b'|:full:uncorrelated,tv_top:tb_a:keyed:query,tv_unit:tb b'|:full:uncorrelated,tv_unit:tb_a:keyed:query");
            // (an array whose order counts: subscripted)
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l3.tv_first', $q$SELECT a.pk_a AS pk_first FROM tb_a a"
                    + " WHERE (ARRAY(SELECT b.k FROM \"tb b'|\" b WHERE b.pk_a = a.pk_a))[1] = ANY (ARRAY(SELECT b.k FROM \"tb b'|\" b))$q$)")).isEqualTo("0A000");
            // (several rows: a grouped subquery joined by an inequality stays refused, and so do grouping sets)
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l3.tv_sets', $q$SELECT a.pk_a AS pk_sets, m.n FROM tb_a a LEFT JOIN (SELECT count(b.k) AS n"
                    + " FROM \"tb b'|\" b GROUP BY ROLLUP (b.pk_a)) m ON a.v < m.n$q$)")).isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l3.tv_grp', $q$SELECT a.pk_a AS pk_grp FROM tb_a a JOIN (SELECT b.pk_a, max(b.k) AS mx FROM \"tb b'|\" b"
                    + " GROUP BY b.pk_a) m ON a.v < m.mx$q$)")).isEqualTo("0A000");
            // a running count over the same table is refused too (it depends on every other row)
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l3.tv_run', $q$SELECT a.pk_a AS pk_run,"
                    + " (SELECT count(*) FROM tb_a x WHERE x.pk_a <= a.pk_a) AS n FROM tb_a a$q$)")).isEqualTo("0A000");
        }
    }

    @Test
    void notInOverSidesThatAreNeverNullIsAnAntiJoin(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l14; SET search_path = l14, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, fk_team int)");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL)");
            exec(c, "CREATE TABLE tb_hidden (pk_hidden int PRIMARY KEY, fk_post int NOT NULL, fk_maybe int)");
            exec(c, "INSERT INTO tb_user SELECT g, 'u' || g, g % 3 FROM generate_series(1, 6) g;"
                    + " INSERT INTO tb_post SELECT g, 1 + g % 6, 't' || g FROM generate_series(1, 20) g;"
                    + " INSERT INTO tb_hidden VALUES (1, 3, 3), (2, 4, NULL), (3, 7, 1)");
            // both sides NOT NULL columns; a NOT IN inside a correlated count; an outer column proven by IS NOT NULL; <> ALL
            String visible = "SELECT p.pk_post, p.title FROM tb_post p WHERE p.pk_post NOT IN (SELECT h.fk_post FROM tb_hidden h)";
            String counts = "SELECT u.pk_user, (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user"
                    + " AND p.pk_post NOT IN (SELECT h.fk_maybe FROM tb_hidden h WHERE h.fk_maybe IS NOT NULL)) AS visible FROM tb_user u";
            String teams = "SELECT u.pk_user AS pk_member, u.name FROM tb_user u WHERE u.fk_team NOT IN (SELECT h.pk_hidden FROM tb_hidden h)"
                    + " AND u.fk_team IS NOT NULL";
            String others = "SELECT u.pk_user AS pk_other, u.name FROM tb_user u WHERE u.pk_user <> ALL (SELECT p.fk_user FROM tb_post p WHERE p.title LIKE 't1%')";
            new Oracle(c).create("l14.tv_post", visible).create("l14.tv_user", counts).create("l14.tv_member", teams).create("l14.tv_other", others)
                    .run("INSERT INTO tb_hidden VALUES (4, 5, 5)", "UPDATE tb_hidden SET fk_post = 6 WHERE pk_hidden = 1",
                            "UPDATE tb_hidden SET fk_maybe = NULL WHERE pk_hidden = 3", "UPDATE tb_hidden SET fk_maybe = 2 WHERE pk_hidden = 2",
                            "UPDATE tb_hidden SET pk_hidden = 0 WHERE pk_hidden = 2", "DELETE FROM tb_hidden WHERE pk_hidden = 4",
                            "UPDATE tb_user SET fk_team = NULL WHERE pk_user = 1", "UPDATE tb_user SET fk_team = 0 WHERE pk_user = 2",
                            "UPDATE tb_post SET pk_post = 30 WHERE pk_post = 6", "UPDATE tb_post SET pk_post = 6 WHERE pk_post = 8",
                            "UPDATE tb_post SET title = 't1x' WHERE pk_post = 2", "UPDATE tb_post SET fk_user = 4 WHERE pk_post = 10",
                            "BEGIN", "INSERT INTO tb_hidden SELECT 100 + g, g, g FROM generate_series(1, 10) g", "DELETE FROM tb_hidden WHERE pk_hidden = 1",
                            "COMMIT", "TRUNCATE tb_hidden");
            // a side that can be NULL makes the test depend on other rows (a NULL in the subquery hides every post): refused
            // with a hint, or refreshed fully
            String nullableInner = "SELECT p.pk_post AS pk_open, p.title FROM tb_post p WHERE p.pk_post NOT IN (SELECT h.fk_maybe FROM tb_hidden h)";
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l14.tv_open', $q$" + nullableInner + "$q$)"))
                    .hasMessageContaining("tb_hidden").hasMessageContaining("NOT IN");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l14.tv_team', $q$SELECT u.pk_user AS pk_team FROM tb_user u"
                    + " WHERE u.fk_team NOT IN (SELECT h.pk_hidden FROM tb_hidden h)$q$)")).isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l14.tv_left', $q$SELECT u.pk_user AS pk_left FROM tb_user u"
                    + " LEFT JOIN tb_post p ON p.fk_user = u.pk_user WHERE p.pk_post NOT IN (SELECT h.fk_post FROM tb_hidden h)$q$)")).isEqualTo("0A000");
            new Oracle(c).create("l14.tv_open", nullableInner, "{\"uncascaded_policy\": \"full_refresh\"}")
                    .run("INSERT INTO tb_hidden VALUES (7, 2, NULL)", "UPDATE tb_hidden SET fk_maybe = 9 WHERE pk_hidden = 7",
                            "DELETE FROM tb_hidden WHERE fk_maybe = 9");
        }
    }

    /**
     * An IN, = ANY or <> ALL (SELECT ...) whose value counts rather than only its truth (in the SELECT list, under a CASE
     * or a NOT, inside an aggregate's FILTER) is, when neither side can be NULL, an EXISTS (or NOT EXISTS) correlated by
     * its equality: keyed through it (since 0.3.35; refused before). A side that can be NULL (a nullable column, a
     * computed subquery output) makes the value depend on whether the subquery returns a NULL or any row: still refused,
     * and the DDL that would make a side nullable is refused while such a TVIEW stands.
     */
    @Test
    void inTestsWhoseValueCountsOverSidesThatAreNeverNullAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l53; SET search_path = l53, public");
            exec(c, "CREATE TABLE \"tb po'st|\" (pk_post int PRIMARY KEY, \"fk us\"\"er\" int NOT NULL, title text NOT NULL, fk_maybe int)");
            exec(c, "CREATE TABLE \"tb li ke\n\" (pk_like int PRIMARY KEY, fk_post int NOT NULL, \"fk us\"\"er\" int NOT NULL, n int)");
            exec(c, "INSERT INTO \"tb po'st|\" SELECT g, 1 + g % 4, 't' || g, CASE WHEN g % 3 = 0 THEN g END FROM generate_series(1, 12) g;"
                    + " INSERT INTO \"tb li ke\n\" SELECT g, 1 + (g * 5) % 12, 1 + g % 3, g FROM generate_series(1, 9) g");
            String p = "l53.\"tb po'st|\"", l = "l53.\"tb li ke\n\"";
            Oracle o = new Oracle(c)
                    .create("l53.tv_post", "SELECT p.pk_post, p.title, p.pk_post IN (SELECT k.fk_post FROM " + l + " k WHERE k.\"fk us\"\"er\" = 1) AS liked_by_1,"
                            + " p.\"fk us\"\"er\" <> ALL (SELECT k.\"fk us\"\"er\" FROM " + l + " k WHERE k.n > 4) AS quiet_author FROM " + p + " p")
                    .create("l53.tv_flag", "SELECT p.pk_post AS pk_flag, CASE WHEN p.pk_post = ANY (SELECT k.fk_post FROM " + l + " k) THEN 'liked' ELSE 'not' END AS f"
                            + " FROM " + p + " p WHERE NOT (p.\"fk us\"\"er\" IN (SELECT k.pk_like FROM " + l + " k WHERE k.n < 3)) OR p.pk_post > 10")
                    .create("l53.tv_author", "SELECT p.\"fk us\"\"er\" AS pk_author, count(*) FILTER (WHERE p.pk_post IN (SELECT k.fk_post FROM " + l + " k)) AS liked"
                            + " FROM " + p + " p GROUP BY p.\"fk us\"\"er\"");
            // (the subquery's side relabelled to the outer side's type: a domain over integer, varchar against text; and a
            // positive IN of WHERE over such columns, which 0.3.34 refused too)
            exec(c, "CREATE DOMAIN l53.\"po sint'\" AS integer CHECK (VALUE > 0); CREATE TABLE l53.tb_tag (pk_tag int PRIMARY KEY, fk_post l53.\"po sint'\" NOT NULL,"
                    + " label varchar(20) NOT NULL); INSERT INTO l53.tb_tag SELECT g, 1 + g % 12, 't' || (g % 3) FROM generate_series(1, 8) g");
            o.create("l53.tv_tagged", "SELECT p.pk_post AS pk_tagged, p.pk_post IN (SELECT t.fk_post FROM l53.tb_tag t) AS tagged,"
                            + " p.title IN (SELECT t.label FROM l53.tb_tag t) AS title_is_tag FROM " + p + " p WHERE p.pk_post IN (SELECT t.fk_post FROM l53.tb_tag t WHERE t.pk_tag > 2)");
            // (a side read through a plain view or a subquery of FROM that selects a NOT NULL column: since 0.3.35; one that
            // null-extends it, or computes it, stays refused)
            exec(c, "CREATE VIEW l53.\"v li'ke\" AS SELECT k.pk_like, k.fk_post, k.\"fk us\"\"er\" FROM " + l + " k");
            exec(c, "CREATE VIEW l53.v_open AS SELECT q.pk_post, k.fk_post FROM " + p + " q LEFT JOIN " + l + " k ON k.fk_post = q.pk_post");
            o.create("l53.tv_viewed", "SELECT v.pk_post AS pk_viewed, v.pk_post IN (SELECT k.fk_post FROM l53.\"v li'ke\" k) AS liked"
                            + " FROM (SELECT x.pk_post, x.title FROM " + p + " x) v WHERE v.pk_post NOT IN (SELECT k.pk_like FROM l53.\"v li'ke\" k WHERE k.\"fk us\"\"er\" = 3)");
            // (a nullable column proven by NOT (x IS NULL), as by x IS NOT NULL: since 0.3.35)
            o.create("l53.tv_proved", "SELECT p.pk_post AS pk_proved, p.fk_maybe IN (SELECT k.fk_post FROM " + l + " k) AS m FROM " + p + " p"
                    + " WHERE NOT (p.fk_maybe IS NULL)");
            assertThat(dependencyKinds(c, "l53")).isEqualTo("keyed");
            o.replay(w, "UPDATE " + l + " SET fk_post = 2 WHERE pk_like = 1", "UPDATE " + l + " SET \"fk us\"\"er\" = 1 WHERE pk_like IN (2, 3)",
                    "INSERT INTO " + l + " VALUES (20, 11, 2, 1), (21, 12, 1, 2)", "UPDATE " + l + " SET n = n + 3", "DELETE FROM " + l + " WHERE pk_like = 4",
                    "UPDATE " + p + " SET pk_post = 30 WHERE pk_post = 2", "UPDATE " + p + " SET \"fk us\"\"er\" = 2 WHERE pk_post < 5",
                    "BEGIN", "UPDATE " + l + " SET pk_like = pk_like + 100 WHERE pk_like < 3", "SAVEPOINT s", "DELETE FROM " + l, "ROLLBACK TO SAVEPOINT s",
                    "INSERT INTO " + p + " VALUES (13, 1, 't13', NULL)", "COMMIT", "TRUNCATE " + l, "INSERT INTO " + l + " VALUES (1, 13, 2, 0), (2, 1, 1, 9)",
                    "UPDATE l53.tb_tag SET fk_post = 13 WHERE pk_tag = 3", "UPDATE l53.tb_tag SET label = 't13' WHERE pk_tag = 4", "INSERT INTO l53.tb_tag VALUES (9, 5, 'x')",
                    "UPDATE " + p + " SET title = 't1' WHERE pk_post = 5", "DELETE FROM l53.tb_tag WHERE pk_tag < 4", "TRUNCATE l53.tb_tag",
                    "UPDATE " + p + " SET fk_maybe = pk_post WHERE fk_maybe IS NULL AND pk_post % 2 = 0", "UPDATE " + p + " SET fk_maybe = NULL WHERE pk_post = 3");
            assertRefused(c, "l53.tv_x", "{}", Map.of(
                    // (a nullable outer side: NULL IN (...) is NULL when the subquery has rows, false when it has none)
                    "SELECT p.pk_post AS pk_x, p.fk_maybe IN (SELECT k.fk_post FROM " + l + " k) AS m FROM " + p + " p", "tb li ke",
                    // (a nullable subquery column: a NULL among its rows makes every unmatched post's value NULL)
                    "SELECT p.pk_post AS pk_x, p.pk_post IN (SELECT k.n FROM " + l + " k) AS m FROM " + p + " p", "tb li ke",
                    // (a computed output, which the proof does not read)
                    "SELECT p.pk_post AS pk_x, p.pk_post IN (SELECT k.fk_post + 1 FROM " + l + " k) AS m FROM " + p + " p", "tb li ke",
                    // (a view that null-extends the subquery's column)
                    "SELECT p.pk_post AS pk_x, p.pk_post IN (SELECT v.fk_post FROM l53.v_open v) AS m FROM " + p + " p", "tb li ke"),
                    "cannot trace");
            // (an IN that compares arrays: a hop passes single values, and 0.3.34 accepted it in WHERE, then failed the writes
            // of the subquery's table with 42883; hunt 41)
            exec(c, "CREATE TABLE l53.\"tb a'rr\" (pk_arr int PRIMARY KEY, ids int[] NOT NULL)");
            for (String arr : new String[] {"SELECT p.pk_arr AS pk_x FROM l53.\"tb a'rr\" p WHERE p.ids IN (SELECT q.ids FROM l53.\"tb a'rr\" q WHERE q.pk_arr > 1)",
                    "SELECT p.pk_arr AS pk_x, p.ids IN (SELECT q.ids FROM l53.\"tb a'rr\" q WHERE q.pk_arr > 1) AS m FROM l53.\"tb a'rr\" p"}) {
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l53.tv_x', $q$" + arr + "$q$)")).as(arr).isEqualTo("0A000");
            }
            assertThat(Rt.sqlState(c, "ALTER TABLE " + l + " ALTER COLUMN fk_post DROP NOT NULL")).isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "CREATE OR REPLACE VIEW l53.\"v li'ke\" AS SELECT k.pk_like, nullif(k.fk_post, 1) AS fk_post, k.\"fk us\"\"er\" FROM " + l + " k"))
                    .isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "ALTER TABLE " + p + " ALTER COLUMN \"fk us\"\"er\" DROP NOT NULL")).isEqualTo("0A000");
            o.check("the refused DDL");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l53") + " WHERE status <> 'OK' AND component LIKE '%l53%'")).isEqualTo(0L);
        }
    }

    @Test
    void aFullJoinKeyedByItsMergedUsingColumnFollowsEachSide(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l15; SET search_path = l15, public");
            exec(c, "CREATE TABLE tb_price (sku int PRIMARY KEY, price numeric NOT NULL)");
            exec(c, "CREATE TABLE tb_stock (sku int PRIMARY KEY, qty int NOT NULL)");
            exec(c, "CREATE TABLE tb_review (pk_review int PRIMARY KEY, sku int, stars int NOT NULL)");
            exec(c, "INSERT INTO tb_price VALUES (1, 10), (2, 20), (3, 30); INSERT INTO tb_stock VALUES (2, 5), (3, 0), (4, 7);"
                    + " INSERT INTO tb_review VALUES (1, 2, 5), (2, 2, 3), (3, 5, 4), (4, NULL, 1)");
            // every sku priced or stocked (or, three ways, reviewed): a row of either side keyed by the merged sku
            String both = "SELECT sku AS pk_sku, p.price, s.qty FROM tb_price p FULL JOIN tb_stock s USING (sku)";
            String three = "SELECT sku AS pk_item, p.price, s.qty, r.best FROM tb_price p FULL JOIN tb_stock s USING (sku)"
                    + " FULL JOIN (SELECT x.sku, max(x.stars) AS best FROM tb_review x WHERE x.sku IS NOT NULL GROUP BY x.sku) r USING (sku)";
            String counted = "SELECT j.sku AS pk_counted, (SELECT count(*) FROM tb_review r WHERE r.sku = j.sku) AS reviews"
                    + " FROM tb_price p FULL JOIN tb_stock s USING (sku) AS j";
            new Oracle(c).create("l15.tv_sku", both).create("l15.tv_item", three).create("l15.tv_counted", counted)
                    .run("INSERT INTO tb_price VALUES (4, 40)", "INSERT INTO tb_stock VALUES (1, 1)", "DELETE FROM tb_price WHERE sku = 3",
                            "UPDATE tb_stock SET sku = 9 WHERE sku = 4", "UPDATE tb_price SET sku = 9 WHERE sku = 4",
                            "UPDATE tb_price SET price = price * 2", "DELETE FROM tb_stock WHERE qty = 0",
                            "INSERT INTO tb_review VALUES (5, 7, 2)", "UPDATE tb_review SET sku = 9 WHERE pk_review = 1",
                            "UPDATE tb_review SET sku = NULL WHERE pk_review = 3", "DELETE FROM tb_review WHERE sku = 7",
                            "BEGIN", "DELETE FROM tb_price", "INSERT INTO tb_stock VALUES (12, 3)", "COMMIT", "TRUNCATE tb_stock");
            // the same key written out (0.3.18; 0.3.17 refused it): coalesce of the two sides a FULL JOIN's ON equates, in either
            // order, also with other conditions AND-ed to the equality and a subquery side
            exec(c, "INSERT INTO tb_price VALUES (1, 10), (2, 20); INSERT INTO tb_stock VALUES (2, 5), (4, 7)");
            String written = "SELECT coalesce(s.sku, p.sku) AS pk_written, p.price, s.qty, (SELECT count(*) FROM tb_review r WHERE r.sku = s.sku) AS reviews"
                    + " FROM tb_price p FULL JOIN tb_stock s ON p.sku = s.sku AND s.qty > 0";
            String grouped = "SELECT coalesce(p.sku, r.sku) AS pk_grouped, p.price, r.n FROM tb_price p"
                    + " FULL JOIN (SELECT x.sku, count(*) AS n FROM tb_review x GROUP BY x.sku) r ON r.sku = p.sku WHERE coalesce(p.sku, r.sku) IS NOT NULL";
            new Oracle(c).create("l15.tv_written", written).create("l15.tv_grouped", grouped)
                    .run("INSERT INTO tb_price VALUES (4, 40)", "UPDATE tb_stock SET sku = 9 WHERE sku = 4", "UPDATE tb_price SET sku = 9 WHERE sku = 4",
                            "INSERT INTO tb_review VALUES (6, 9, 1), (7, 1, 2)", "UPDATE tb_review SET sku = 2 WHERE pk_review = 6",
                            "DELETE FROM tb_price WHERE sku = 2", "UPDATE tb_price SET price = 0", "TRUNCATE tb_review");
            assertThat(dependencyKinds(c, "l15")).isEqualTo("keyed");
            // a coalesce of columns the ON does not equate is not a merged key (with another column it is followed through
            // that column since 0.3.33: CompositeKeyTest.nullExtendedColumnsAreFollowedWhenNoOtherServes)
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l15.tv_other', $q$SELECT coalesce(p.sku, s.sku) AS pk_other"
                    + " FROM tb_price p FULL JOIN tb_stock s ON p.sku = s.qty$q$)")).hasMessageContaining("cannot trace changes of l15.");
            // one of a LEFT JOIN's sides, refused by 0.3.18 – 0.3.30: since 0.3.31 a key that reads the nullable side (s.sku in the
            // matched rows, p.sku in the null-extended ones)
            new Oracle(c).create("l15.tv_left", "SELECT coalesce(s.sku, p.sku) AS pk_left, s.qty FROM tb_price p LEFT JOIN tb_stock s ON p.sku = s.sku")
                    .run("INSERT INTO tb_stock VALUES (1, 3)", "UPDATE tb_stock SET sku = 20 WHERE sku = 1", "UPDATE tb_price SET sku = 20 WHERE sku = 1",
                            "DELETE FROM tb_stock WHERE sku = 20", "INSERT INTO tb_price VALUES (30, 1)", "TRUNCATE tb_stock");
        }
    }

    /**
     * Keys that are expressions of one table's columns (the day of a timestamp, a lower-cased label, a CASE bucket, an
     * immutable function of the schema's owner) are keyed by that expression: a changed row maps to the keys the
     * expression gives its old and new values, and rows reached through a hop (the orders of a customer whose flag
     * flips, also through a CTE) likewise. The expression's printed text must parse back to the same tree; the stable built-ins it calls
     * read the TVIEW's pinned settings, so writers in other time zones give the same days. Expressions of two tables,
     * of an outer join's nullable side, of a subquery's column, or calling a stable function of the user stay refused.
     */
    @Test
    void aKeyThatIsAnExpressionOfOneTableFollowsThatExpression(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l16; SET search_path = l16, public; SET TimeZone = 'Europe/Paris'");
            exec(c, "CREATE TABLE tb_customer (pk_customer int PRIMARY KEY, active boolean NOT NULL)");
            exec(c, "CREATE TABLE \"tb or'|der\" (pk_order int PRIMARY KEY, created timestamptz NOT NULL, amount int NOT NULL, label text NOT NULL,"
                    + " fk_customer int REFERENCES tb_customer)");
            exec(c, "CREATE FUNCTION bucket(int) RETURNS text IMMUTABLE LANGUAGE sql AS $f$ SELECT CASE WHEN $1 < 20 THEN 'lo, (' ELSE 'hi' END $f$;"
                    + " CREATE FUNCTION tagged(int) RETURNS text STABLE LANGUAGE sql AS $f$ SELECT 't' || $1 $f$");
            exec(c, "INSERT INTO tb_customer SELECT g, g % 2 = 0 FROM generate_series(1, 4) g;"
                    + " INSERT INTO \"tb or'|der\" SELECT g, '2026-03-28 20:00+00'::timestamptz + g * interval '5 hours', g, (ARRAY['Ab', 'aB', 'c'])[1 + g % 3],"
                    + " CASE WHEN g % 5 > 0 THEN g % 5 END FROM generate_series(1, 30) g");
            String byDay = "SELECT o.created::date AS pk_day, count(*) AS n, sum(o.amount) AS total FROM l16.\"tb or'|der\" o GROUP BY 1";
            String activeByDay = "SELECT date_trunc('day', o.created) AS pk_active_day, count(*) AS n FROM l16.\"tb or'|der\" o"
                    + " JOIN l16.tb_customer c ON c.pk_customer = o.fk_customer WHERE c.active GROUP BY date_trunc('day', o.created)";
            String byLabel = "SELECT lower(\"o \"\"x\".label) AS pk_label, max(\"o \"\"x\".amount) AS top FROM l16.\"tb or'|der\" \"o \"\"x\""
                    + " WHERE \"o \"\"x\".amount > 3 GROUP BY 1";
            String byBucket = "SELECT CASE WHEN o.amount % 3 = 0 THEN 'fizz, (' || o.label || ']' ELSE l16.bucket(o.amount) END AS pk_bucket,"
                    + " count(*) AS n FROM l16.\"tb or'|der\" o GROUP BY 1";
            String cteByDay = "WITH act AS (SELECT c.pk_customer FROM l16.tb_customer c WHERE c.active), \"w(x\" AS MATERIALIZED (SELECT 1 AS one)"
                    + " SELECT o.created::date AS pk_cte_day, count(*) AS n FROM l16.\"tb or'|der\" o WHERE o.fk_customer IN (SELECT a.pk_customer FROM act a) GROUP BY 1";
            // a table and a column whose names hold quotes, a |, spaces and a newline, in the key's expression
            exec(c, "CREATE TABLE \"t'|\n z\" (pk int PRIMARY KEY, \"c'o\"\"l\n x\" text NOT NULL);"
                    + " INSERT INTO \"t'|\n z\" SELECT g, (ARRAY['a, (', 'A, (', 'b'])[1 + g % 3] FROM generate_series(1, 9) g");
            String hostile = "SELECT upper(z.\"c'o\"\"l\n x\") AS pk_hostile, count(*) AS n FROM l16.\"t'|\n z\" z GROUP BY 1";
            Oracle oracle = new Oracle(c).create("l16.tv_day", byDay).create("l16.tv_active_day", activeByDay)
                    .create("l16.tv_label", byLabel).create("l16.tv_bucket", byBucket).create("l16.tv_cte_day", cteByDay)
                    .create("l16.tv_hostile", hostile);
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d, jsonb_array_elements(d->'paths') p"
                    + " WHERE m.schema_name = 'l16' AND d->>'kind' = 'keyed' AND p ? 'key_expr'")).as("keyed by the expression, not refreshed fully").isEqualTo(8L);
            String t = "l16.\"tb or'|der\"";
            String[] writes = {"SET TimeZone = 'Asia/Tokyo'", "INSERT INTO " + t + " VALUES (100, '2026-03-29 01:30+01', 7, 'AB', 1)",
                "UPDATE " + t + " SET created = created + interval '20 hours' WHERE pk_order = 3", "UPDATE " + t + " SET label = 'C' WHERE pk_order % 4 = 1",
                "UPDATE " + t + " SET amount = amount + 20 WHERE pk_order = 5", "UPDATE l16.tb_customer SET active = NOT active WHERE pk_customer = 2",
                "UPDATE " + t + " SET fk_customer = 3 WHERE pk_order = 6", "SET TimeZone = 'America/New_York'",
                "DELETE FROM " + t + " WHERE pk_order = 7", "UPDATE " + t + " SET pk_order = pk_order + 1000 WHERE pk_order = 8",
                "BEGIN", "INSERT INTO " + t + " SELECT 200 + g, '2026-03-30 23:59+02', g, 'x', 4 FROM generate_series(1, 5) g",
                "UPDATE " + t + " SET created = created - interval '1 day' WHERE pk_order > 200", "COMMIT",
                "UPDATE l16.tb_customer SET active = true", "DELETE FROM " + t + " WHERE amount > 25",
                "UPDATE l16.\"t'|\n z\" SET \"c'o\"\"l\n x\" = 'c' WHERE pk % 2 = 0", "INSERT INTO l16.\"t'|\n z\" VALUES (10, 'B')",
                "DELETE FROM l16.\"t'|\n z\" WHERE pk = 3"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // a renamed column: the TVIEW is regenerated from its definition, with the new name in its key's expression
            exec(c, "ALTER TABLE " + t + " RENAME COLUMN created TO created_at");
            exec(w, "UPDATE " + t + " SET created_at = created_at + interval '2 days' WHERE pk_order = 2");
            assertThat(Rt.driftAgainst(c, "l16.tv_day", byDay.replace("o.created", "o.created_at"))).isZero();
            assertThat(Rt.driftAgainst(c, "l16.tv_active_day", activeByDay.replace("o.created", "o.created_at"))).isZero();
            assertThat(Rt.driftAgainst(c, "l16.tv_cte_day", cteByDay.replace("o.created", "o.created_at"))).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l16") + " WHERE status <> 'OK' AND component LIKE '%l16%'")).isEqualTo(0L);
            // a health check creates nothing (a standby's runs read-only): it checks the key's text against the catalog
            exec(c, "BEGIN READ ONLY");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l16") + " WHERE status = 'OK' AND component LIKE 'definition:l16.%'")).isEqualTo(6L);
            exec(c, "COMMIT");

            String[] refused = {
                "SELECT o.pk_order || '-' || c.active AS pk_two FROM " + t + " o JOIN l16.tb_customer c ON c.pk_customer = o.fk_customer",
                "SELECT lower(o.label) AS pk_nullable, count(*) AS n FROM l16.tb_customer c LEFT JOIN " + t + " o ON o.fk_customer = c.pk_customer GROUP BY 1",
                "SELECT l16.tagged(o.amount) AS pk_tag, count(*) AS n FROM " + t + " o GROUP BY 1"};
            for (String q : refused) {
                String name = q.replaceAll("(?s).* AS pk_(\\w+).*", "$1");
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l16.tv_" + name + "', " + Rt.literal(q) + ")")).as(q).isEqualTo("0A000");
            }
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l16.tv_two', " + Rt.literal(refused[0]) + ")"))
                    .hasMessageContaining("pk_two is an expression that cannot be traced").hasMessageContaining("one table of the main query");
            // a key selected as an expression in a subquery (0.3.20; refused before): followed as that expression
            String sub = "SELECT s.d AS pk_sub, count(*) AS n FROM (SELECT o.created_at::date AS d FROM " + t + " o) s GROUP BY 1";
            exec(c, "SELECT pg_tviews_create('l16.tv_sub', " + Rt.literal(sub) + ")");
            exec(w, "UPDATE " + t + " SET created_at = created_at + interval '3 days' WHERE pk_order % 3 = 0");
            exec(w, "DELETE FROM " + t + " WHERE pk_order = 4");
            assertThat(Rt.driftAgainst(c, "l16.tv_sub", sub)).isZero();
        }
    }

    /** A key that reads no column (a whole-table aggregate, pg_ivm's "aggregate without GROUP BY") is refreshed whole, without options. */
    @Test
    void aConstantKeyKeepsAWholeTableAggregateWithoutOptions(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l17; SET search_path = l17, public");
            exec(c, "CREATE TABLE \"tb 'a|\" (i int PRIMARY KEY, j int); CREATE TABLE tb_b (i int, k int)");
            exec(c, "INSERT INTO \"tb 'a|\" SELECT g, g * 10 FROM generate_series(1, 5) g; INSERT INTO tb_b VALUES (1, 3), (2, NULL)");
            String total = "SELECT 1 AS pk_total, count(*) AS n, sum(a.j) AS s, avg(a.j) AS m, min(a.j) AS lo, max(a.j) AS hi FROM l17.\"tb 'a|\" a";
            String joined = "SELECT 'all'::text AS pk_joined, count(*) AS n, (SELECT count(*) FROM l17.tb_b) AS nb"
                    + " FROM l17.\"tb 'a|\" a JOIN l17.tb_b b ON b.i = a.i HAVING count(*) > 0";
            Oracle oracle = new Oracle(c).create("l17.tv_total", total).create("l17.tv_joined", joined);
            assertThat(value(c, "SELECT string_agg(DISTINCT d->>'lineage', ',') FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d"
                    + " WHERE m.schema_name = 'l17'")).isEqualTo("constant_key");
            String[] writes = {"INSERT INTO l17.\"tb 'a|\" VALUES (6, NULL)", "UPDATE l17.\"tb 'a|\" SET j = j + 1 WHERE i = 2",
                "DELETE FROM l17.tb_b", "INSERT INTO l17.tb_b VALUES (3, 1), (3, 2)", "BEGIN", "DELETE FROM l17.\"tb 'a|\" WHERE i > 1",
                "SAVEPOINT s", "DELETE FROM l17.\"tb 'a|\"", "ROLLBACK TO SAVEPOINT s", "COMMIT", "TRUNCATE l17.\"tb 'a|\"",
                "INSERT INTO l17.\"tb 'a|\" VALUES (3, 7)", "UPDATE l17.tb_b SET i = 4"};
            oracle.replay(w, writes);
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l17") + " WHERE status <> 'OK' AND component LIKE '%l17%'")).isEqualTo(0L);
            // one row per key still: a constant key over groups is a duplicate key, named
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l17.tv_groups', $q$SELECT 1 AS pk_groups, count(*) AS n FROM l17.tb_b b GROUP BY b.k$q$)"))
                    .hasMessageContaining("duplicate key value 1 in key column \"pk_groups\"");
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l17.tv_rollup', $q$SELECT coalesce(b.k::text, 'all') AS pk_rollup, count(*) AS n FROM l17.tb_b b GROUP BY ROLLUP (b.k)$q$)"))
                    .hasMessageContaining("GROUPING SETS, ROLLUP and CUBE are not maintained by key")
                    .hasMessageContaining("uncascaded_policy");
        }
    }

    /**
     * GROUPING SETS, ROLLUP and CUBE, anywhere in the query (here also in a subquery), with
     * {@code uncascaded_policy = 'full_refresh'}: every source refreshed in full, through inserts, moves between groups,
     * deletes, a rolled-back savepoint and TRUNCATE; a NULL or duplicate key a grouping set makes fails the write (23502,
     * 23505) naming the TVIEW. 0.3.25 refused them whatever the policy; without it they stay refused, with the hint.
     */
    @Test
    void groupingSetsAreRefreshedInFullWithTheFullRefreshPolicy(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l33; SET search_path = l33, public");
            exec(c, "CREATE TABLE \"tb sa'le|\" (pk int PRIMARY KEY, \"re gion\" text NOT NULL, product text NOT NULL, amount int)");
            exec(c, "INSERT INTO \"tb sa'le|\" VALUES (1, 'eu', 'a', 1), (2, 'eu', 'b', 2), (3, 'us', 'a', 3)");
            String key = "coalesce(s.\"re gion\", '*') || '/' || coalesce(s.product, '*')";
            String rollup = "SELECT " + key + " AS pk_rollup, sum(s.amount) AS total, grouping(s.\"re gion\", s.product) AS lvl"
                    + " FROM l33.\"tb sa'le|\" s GROUP BY ROLLUP (s.\"re gion\", s.product)";
            String cube = "SELECT " + key + " AS pk_cube, count(*) AS n FROM l33.\"tb sa'le|\" s GROUP BY CUBE (s.\"re gion\", s.product)";
            String sets = "SELECT x.k AS pk_sets, x.n FROM (SELECT coalesce(s.product, 'any') AS k, max(s.amount) AS n FROM l33.\"tb sa'le|\" s"
                    + " GROUP BY GROUPING SETS ((s.product), ())) x";
            String policy = "{\"uncascaded_policy\": \"full_refresh\"}";
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l33.tv_rollup', " + Rt.literal(rollup) + ")"))
                    .hasMessageContaining("not maintained by key");
            Oracle oracle = new Oracle(c).create("l33.tv_rollup", rollup, policy).create("l33.tv_cube", cube, policy).create("l33.tv_sets", sets, policy);
            assertThat(dependencyKinds(c, "l33")).isEqualTo("full");
            String[] writes = {"INSERT INTO l33.\"tb sa'le|\" VALUES (4, 'us', 'b', 10)", "UPDATE l33.\"tb sa'le|\" SET \"re gion\" = 'us' WHERE pk = 1",
                "DELETE FROM l33.\"tb sa'le|\" WHERE pk = 2", "BEGIN", "INSERT INTO l33.\"tb sa'le|\" VALUES (5, 'apac', 'c', 7)", "SAVEPOINT s",
                "DELETE FROM l33.\"tb sa'le|\"", "ROLLBACK TO SAVEPOINT s", "UPDATE l33.\"tb sa'le|\" SET product = 'a'", "COMMIT",
                "TRUNCATE l33.\"tb sa'le|\"", "INSERT INTO l33.\"tb sa'le|\" VALUES (6, 'eu', 'c', 5)"};
            oracle.replay(w, writes);
            // a product named '*' gives eu/* twice (the product and the region's subtotal); a NULL key column, NULL
            assertThat(Rt.sqlState(w, "INSERT INTO l33.\"tb sa'le|\" VALUES (7, 'eu', '*', 1)")).isEqualTo("23505");
            exec(c, "CREATE TABLE tb_g (pk int PRIMARY KEY, g text); INSERT INTO tb_g VALUES (1, 'x')");
            oracle.create("l33.tv_g", "SELECT g.g AS pk_g, count(*) AS n FROM l33.tb_g g GROUP BY GROUPING SETS ((g.g))", policy);
            assertThat(Rt.sqlState(w, "INSERT INTO l33.tb_g VALUES (2, NULL)")).isEqualTo("23502");
            oracle.check("the failed writes");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l33") + " WHERE status <> 'OK' AND component LIKE '%l33%'")).isEqualTo(0L);
        }
    }

    /**
     * A sum, average or statistic of float4 / float8 values rounds at each addition, so its last digit depends on the order
     * the rows are added in: a keyed recompute that reads an account's rows through an index (0.3, 0.2, 0.1 sorted) gave
     * 0.6000000000000001 where the query, reading them in table order, gives 0.6, and a repair could not mend it (0.3.25
     * accepted them; hunt 16). Refused, in a GROUP BY, a window, a document and a correlated subquery; accepted added as
     * numeric or in a total order, and then kept equal to the query through renames, inserts and moves.
     */
    @Test
    void floatSumsAndAveragesAreRefusedUnlessAddedAsNumericOrInATotalOrder(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l34; SET search_path = l34, public");
            exec(c, "CREATE TABLE \"ac ct'\" (id int PRIMARY KEY, name text); CREATE TABLE tx (pk int PRIMARY KEY, fk_acct int, amount float8, rate real)");
            exec(c, "CREATE INDEX ON tx (fk_acct, amount)");
            exec(c, "INSERT INTO \"ac ct'\" SELECT g, 'a' || g FROM generate_series(1, 50) g");
            exec(c, "INSERT INTO tx VALUES (1, 1, 0.3, 0.3), (2, 1, 0.2, 0.2), (3, 1, 0.1, 0.1)");
            exec(c, "INSERT INTO tx SELECT g, 2 + g % 49, g / 7.0, g / 3.0 FROM generate_series(4, 5000) g; ANALYZE tx");
            String from = " FROM l34.\"ac ct'\" a LEFT JOIN l34.tx t ON t.fk_acct = a.id GROUP BY a.id, a.name";
            assertRefused(c, "l34.tv_acct", "{}", Map.of(
                    "SELECT a.id AS pk_acct, a.name, sum(t.amount) AS total" + from, "sum",
                    "SELECT a.id AS pk_acct, avg(t.rate) AS mean" + from, "avg",
                    "SELECT a.id AS pk_acct, jsonb_build_object('sd', stddev(t.amount)) AS doc" + from, "stddev",
                    "SELECT a.id AS pk_acct, (SELECT var_samp(x.amount) FROM l34.tx x WHERE x.fk_acct = a.id) AS v FROM l34.\"ac ct'\" a", "var_samp"),
                    "float");
            assertRefused(c, "l34.tv_acct", "{}", Map.of(
                    "SELECT t.pk AS pk_acct, sum(t.amount) OVER (PARTITION BY t.fk_acct) AS s FROM l34.tx t WHERE t.fk_acct IS NOT NULL", "sum reads the order"));
            Oracle o = new Oracle(c)
                    .create("l34.tv_acct", "SELECT a.id AS pk_acct, a.name, sum(t.amount::numeric) AS total, avg(t.rate::numeric) AS mean" + from)
                    .create("l34.tv_ordered", "SELECT a.id AS pk_ordered, a.name, sum(t.amount ORDER BY t.pk) AS total,"
                            + " stddev(t.amount ORDER BY t.pk) AS sd" + from);
            o.run("UPDATE \"ac ct'\" SET name = 'renamed' WHERE id = 1",
                    "INSERT INTO tx VALUES (5001, 1, 0.7, 0.7)",
                    "UPDATE tx SET fk_acct = 1 WHERE pk BETWEEN 10 AND 30",
                    "UPDATE \"ac ct'\" SET name = name || '!'");
            assertThat(value(c, "SELECT total::text FROM l34.tv_ordered WHERE pk_ordered = 1"))
                    .isEqualTo(value(c, "SELECT sum(amount ORDER BY pk)::text FROM l34.tx WHERE fk_acct = 1"));
        }
    }

    /**
     * A subquery inside the arguments of an aggregate without GROUP BY (user -> posts -> tags: {@code jsonb_agg(...
     * (SELECT jsonb_agg(t.name ...) FROM tb_post_tag pt JOIN tb_tag t ... WHERE pt.fk_post = p.pk_post) ...)} over the
     * user's posts) runs once per post the WHERE keeps, so its joins link the tag to the post and the post to the user.
     * 0.3.25 treated it like a subquery outside the aggregate (which runs once, also when no post matched) and refused
     * the document as untraceable (hunt 16). Keyed, through tag renames, links added and removed, posts moved, users
     * renamed, a rolled-back savepoint and TRUNCATE.
     */
    @Test
    void subqueriesInsideAnAggregateWithoutGroupByAreFollowedPerRow(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l35; SET search_path = l35, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text)");
            exec(c, "CREATE TABLE \"tb t'ag|\" (pk_tag int PRIMARY KEY, \"na me\" text); CREATE TABLE tb_post_tag (fk_post int, fk_tag int, PRIMARY KEY (fk_post, fk_tag))");
            exec(c, "INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 4) g; INSERT INTO tb_post SELECT g, 1 + g % 4, 'p' || g FROM generate_series(1, 12) g");
            exec(c, "INSERT INTO \"tb t'ag|\" SELECT g, 't' || g FROM generate_series(1, 5) g");
            exec(c, "INSERT INTO tb_post_tag SELECT p, 1 + (p * 7 + k) % 5 FROM generate_series(1, 12) p, generate_series(0, 1) k");
            String tags = "(SELECT jsonb_agg(t.\"na me\" ORDER BY t.pk_tag) FROM l35.tb_post_tag pt JOIN l35.\"tb t'ag|\" t ON t.pk_tag = pt.fk_tag WHERE pt.fk_post = p.pk_post)";
            Oracle o = new Oracle(c)
                    .create("l35.tv_user", "SELECT u.pk_user, u.name, (SELECT jsonb_agg(jsonb_build_object('title', p.title, 'tags', " + tags + ") ORDER BY p.pk_post)"
                            + " FROM l35.tb_post p WHERE p.fk_user = u.pk_user) AS posts FROM l35.tb_user u")
                    .create("l35.tv_count", "SELECT u.pk_user AS pk_count,"
                            + " (SELECT sum((SELECT count(*) FROM l35.tb_post_tag pt JOIN l35.\"tb t'ag|\" t ON t.pk_tag = pt.fk_tag"
                            + " WHERE pt.fk_post = p.pk_post AND t.\"na me\" <> 't3')) FROM l35.tb_post p WHERE p.fk_user = u.pk_user) AS n,"
                            + " (SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM l35.tb_post_tag pt JOIN l35.\"tb t'ag|\" t ON t.pk_tag = pt.fk_tag"
                            + " WHERE pt.fk_post = p.pk_post AND t.\"na me\" = 't1')) FROM l35.tb_post p WHERE p.fk_user = u.pk_user) AS with_t1"
                            + " FROM l35.tb_user u");
            assertThat(dependencyKinds(c, "l35")).isEqualTo("keyed");
            o.replay(w, "UPDATE l35.\"tb t'ag|\" SET \"na me\" = 'T3' WHERE pk_tag = 3", "UPDATE l35.\"tb t'ag|\" SET \"na me\" = 't1' WHERE pk_tag = 2",
                    "DELETE FROM l35.tb_post_tag WHERE fk_post = 5", "INSERT INTO l35.tb_post_tag VALUES (5, 1), (6, 5) ON CONFLICT DO NOTHING",
                    "UPDATE l35.tb_post SET fk_user = 2 WHERE pk_post = 1", "UPDATE l35.tb_user SET name = name || '!'",
                    "INSERT INTO l35.\"tb t'ag|\" VALUES (6, 't1')", "INSERT INTO l35.tb_post_tag VALUES (7, 6)",
                    "BEGIN", "DELETE FROM l35.\"tb t'ag|\" WHERE pk_tag = 4", "SAVEPOINT s", "DELETE FROM l35.tb_post_tag",
                    "ROLLBACK TO SAVEPOINT s", "UPDATE l35.tb_post_tag SET fk_tag = 1 WHERE fk_tag = 5 AND fk_post NOT IN"
                            + " (SELECT fk_post FROM l35.tb_post_tag WHERE fk_tag = 1)", "COMMIT",
                    "TRUNCATE l35.tb_post_tag", "INSERT INTO l35.tb_post_tag VALUES (2, 2), (3, 1) ON CONFLICT DO NOTHING");
        }
    }

    /**
     * {@code a IS NOT DISTINCT FROM b} (an ORM's join on a nullable foreign key) is true exactly when {@code a = b} is if
     * one side is a NOT NULL column no outer join below has null-extended: followed as that equality, keyed, in a
     * LEFT JOIN's ON, a correlated count and an EXISTS, either operand order (0.3.26 refused them as untraceable; hunt 16).
     * With NULL possible on both sides (NULL pairs with NULL, which no lookup by value finds), with the NOT NULL side
     * null-extended below the ON or in WHERE over an outer join, still refused; a DROP NOT NULL the lineage stands on fails,
     * since 0.3.28 also on an inheritance child. Since 0.3.28 the NOT NULL side may be a plain view's column that is one
     * (0.3.27 refused it); a view that null-extends it stays refused.
     */
    @Test
    void isNotDistinctFromWithANeverNullSideIsFollowedAsAnEquality(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l36; SET search_path = l36, public");
            exec(c, "CREATE TABLE \"tb us'er|\n\" (pk_user int PRIMARY KEY, \"có de\" text NOT NULL UNIQUE, name text, team text)");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, \"fk us'er\" text, team text, title text)");
            exec(c, "INSERT INTO \"tb us'er|\n\" SELECT g, 'c' || g, 'u' || g, CASE WHEN g % 2 = 0 THEN 't' END FROM generate_series(1, 5) g");
            exec(c, "INSERT INTO tb_post SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE 'c' || (1 + g % 5) END, NULL, 'p' || g FROM generate_series(1, 12) g");
            String u = "l36.\"tb us'er|\n\"";
            // (0.3.28) through a plain view that selects the NOT NULL column; one that null-extends it stays refused
            exec(c, "CREATE VIEW l36.\"v us'er\" AS SELECT x.pk_user, x.\"có de\", x.name FROM " + u + " x");
            exec(c, "CREATE VIEW l36.v_left AS SELECT x.\"có de\", x.name FROM l36.tb_post q LEFT JOIN " + u + " x ON x.pk_user = q.pk_post");
            Oracle o = new Oracle(c)
                    .create("l36.tv_viewed", "SELECT p.pk_post AS pk_viewed, v.name FROM l36.tb_post p LEFT JOIN l36.\"v us'er\" v"
                            + " ON p.\"fk us'er\" IS NOT DISTINCT FROM v.\"có de\"")
                    .create("l36.tv_post", "SELECT p.pk_post, p.title, u.name FROM l36.tb_post p LEFT JOIN " + u + " u ON u.\"có de\" IS NOT DISTINCT FROM p.\"fk us'er\"")
                    .create("l36.tv_user", "SELECT u.pk_user, (SELECT count(*) FROM l36.tb_post p WHERE p.\"fk us'er\" IS NOT DISTINCT FROM u.\"có de\") AS n,"
                            + " EXISTS (SELECT 1 FROM l36.tb_post p WHERE u.\"có de\" IS NOT DISTINCT FROM p.\"fk us'er\" AND p.title LIKE '%1%') AS has_1 FROM " + u + " u");
            assertThat(dependencyKinds(c, "l36")).isEqualTo("keyed");
            o.replay(w, "UPDATE " + u + " SET name = 'renamed' WHERE pk_user = 2", "UPDATE l36.tb_post SET \"fk us'er\" = NULL WHERE pk_post = 1",
                    "UPDATE l36.tb_post SET \"fk us'er\" = 'c3' WHERE \"fk us'er\" IS NULL", "INSERT INTO l36.tb_post VALUES (20, NULL, NULL, 'p1x'), (21, 'c9', NULL, 'p21')",
                    "INSERT INTO " + u + " VALUES (9, 'c9', 'u9', NULL)", "UPDATE " + u + " SET \"có de\" = 'c1b' WHERE pk_user = 1",
                    "BEGIN", "UPDATE l36.tb_post SET title = 'p11' WHERE pk_post = 2", "SAVEPOINT s", "DELETE FROM " + u, "ROLLBACK TO SAVEPOINT s",
                    "DELETE FROM " + u + " WHERE pk_user = 3", "COMMIT", "TRUNCATE l36.tb_post", "INSERT INTO l36.tb_post VALUES (1, 'c2', 't', 'p1')");
            assertRefused(c, "l36.tv_x", "{}", Map.of(
                    "SELECT u.pk_user AS pk_x, (SELECT count(*) FROM l36.tb_post p WHERE p.team IS NOT DISTINCT FROM u.team) AS n FROM " + u + " u", "tv_x",
                    "SELECT p.pk_post AS pk_x, x.name FROM l36.tb_post p LEFT JOIN (l36.tb_post q LEFT JOIN " + u + " v ON v.\"có de\" = q.\"fk us'er\") x(a, b, cc, d, e, f, name)"
                            + " ON x.f IS NOT DISTINCT FROM p.\"fk us'er\"", "tv_x",
                    "SELECT p.pk_post AS pk_x, v.name FROM l36.tb_post p LEFT JOIN (l36.tb_post q LEFT JOIN " + u + " v ON v.pk_user = q.pk_post)"
                            + " ON v.\"có de\" IS NOT DISTINCT FROM p.\"fk us'er\"", "tv_x",
                    "SELECT p.pk_post AS pk_x, u.name FROM l36.tb_post p LEFT JOIN " + u + " u ON true WHERE u.\"có de\" IS NOT DISTINCT FROM p.\"fk us'er\"", "tv_x",
                    "SELECT p.pk_post AS pk_x, v.name FROM l36.tb_post p LEFT JOIN l36.v_left v ON v.\"có de\" IS NOT DISTINCT FROM p.\"fk us'er\"", "tv_x"),
                    "cannot trace");
            assertThat(Rt.sqlState(c, "ALTER TABLE " + u + " ALTER COLUMN \"có de\" DROP NOT NULL")).isEqualTo("0A000");
            o.check("the refused DDL");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l36") + " WHERE status <> 'OK' AND component LIKE '%l36%'")).isEqualTo(0L);
            // an inheritance child may drop the NOT NULL it inherited (hunt 22: 0.3.27's first cut read the parent's alone):
            // the DDL is refused (0.3.27 let it through); without the DDL watch a new TVIEW is refused, and the health
            // check names the existing ones
            exec(c, "CREATE TABLE l36.\"tb k'id\" () INHERITS (" + u + ")");
            assertThat(Rt.sqlState(c, "ALTER TABLE l36.\"tb k'id\" ALTER COLUMN \"có de\" DROP NOT NULL")).isEqualTo("0A000");
            o.check("the child's refused DDL");
            SourcesAndCatalogTest.withoutDdlWatch(c, () -> exec(c, "ALTER TABLE l36.\"tb k'id\" ALTER COLUMN \"có de\" DROP NOT NULL"));
            assertRefused(c, "l36.tv_x", "{}", Map.of("SELECT p.pk_post AS pk_x, u.name FROM l36.tb_post p LEFT JOIN " + u + " u"
                    + " ON u.\"có de\" IS NOT DISTINCT FROM p.\"fk us'er\"", "tv_x"), "cannot trace");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l36") + " WHERE status = 'ERROR' AND component LIKE 'definition:l36.%'"
                    + " AND message LIKE '%can no longer be traced%'")).isEqualTo(3L);
            exec(c, "DROP TABLE l36.\"tb k'id\"");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l36") + " WHERE status <> 'OK' AND component LIKE '%l36%'")).isEqualTo(0L);
        }
    }

    /**
     * Two shapes hunt 20 found refused (0.3.26): a join on {@code coalesce(o.fk_user, 0)} (an argument that is not a
     * column: its OR of equalities has a branch without one) is now followed as the expression of one table it is, and
     * an {@code IN (SELECT ...)} inside an OR of a WHERE ({@code o.fk IN (SELECT u.pk ... WHERE u.active) OR o.status =
     * 'paid'}) links the subquery's table to the outer value (under AND and OR a NULL filters like false). Keyed, through
     * flips, renames of the coalesce's default row, moves to and from NULL and deletes; the same IN under a NOT or in
     * the SELECT list (where NULL and false differ) still refused. Since 0.3.28 a coalesce with a default on the nullable
     * side in its own LEFT JOIN's ON (which reads the table's rows, never a missing one) is followed too (0.3.27 refused
     * it); null-extended below that ON, or compared above it, it stays refused. Since 0.3.28 an IN whose outer side is such
     * an expression ({@code coalesce(o.fk_user, 0) IN (SELECT ...)}, {@code upper(o.status) IN (...)}) is followed (0.3.27
     * refused it), a NOT IN over one still refused.
     */
    @Test
    void coalesceWithADefaultAndInSubqueriesInsideAnOrAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l37; SET search_path = l37, public");
            exec(c, "CREATE TABLE \"tb us'er|\" (pk_user int PRIMARY KEY, \"na\nme\" text NOT NULL, active bool NOT NULL DEFAULT true, alt int UNIQUE)");
            exec(c, "CREATE TABLE tb_order (pk_order int PRIMARY KEY, fk_user int, status text NOT NULL DEFAULT 'new', fk_alt int)");
            exec(c, "INSERT INTO \"tb us'er|\" VALUES (0, 'nobody', true), (1, 'a', true), (2, 'b', false), (3, 'c', true)");
            exec(c, "INSERT INTO tb_order VALUES (1, 1, 'new', NULL), (2, 2, 'paid', 3), (3, NULL, 'new', NULL), (4, 3, 'new', 2), (5, NULL, 'x', 1)");
            exec(c, "UPDATE \"tb us'er|\" SET alt = pk_user + 1 WHERE pk_user IN (1, 2)");
            String u = "l37.\"tb us'er|\"";
            String in = "o.fk_user IN (SELECT u.pk_user FROM " + u + " u WHERE u.active)";
            Oracle o = new Oracle(c)
                    .create("l37.tv_owner", "SELECT o.pk_order AS pk_owner, u.\"na\nme\" FROM l37.tb_order o JOIN " + u + " u ON u.pk_user = coalesce(o.fk_user, 0)")
                    .create("l37.tv_either", "SELECT o.pk_order AS pk_either, u.\"na\nme\" FROM l37.tb_order o LEFT JOIN " + u + " u"
                            + " ON coalesce(o.fk_user, o.fk_alt, 0) = u.pk_user")
                    // (0.3.28) on the nullable side in its own ON, which reads the table's rows, never a missing one
                    .create("l37.tv_alt", "SELECT o.pk_order AS pk_alt, u.\"na\nme\" FROM l37.tb_order o LEFT JOIN " + u + " u ON coalesce(u.alt, 0) = o.fk_alt")
                    // (0.3.28) an IN whose outer side is an expression of the order's columns (0.3.27 refused it)
                    .create("l37.tv_default", "SELECT o.pk_order AS pk_default, o.status FROM l37.tb_order o"
                            + " WHERE coalesce(o.fk_user, 0) IN (SELECT u.pk_user FROM " + u + " u WHERE u.active) OR o.status = 'paid'")
                    .create("l37.tv_named", "SELECT o.pk_order AS pk_named FROM l37.tb_order o WHERE upper(o.status) IN (SELECT upper(u.\"na\nme\") FROM " + u + " u)")
                    .create("l37.tv_visible", "SELECT o.pk_order AS pk_visible, o.status FROM l37.tb_order o WHERE " + in + " OR o.status = 'paid'")
                    .create("l37.tv_mixed", "SELECT o.pk_order AS pk_mixed FROM l37.tb_order o WHERE (" + in + " AND o.status <> 'x')"
                            + " OR o.fk_alt IN (SELECT u.pk_user FROM " + u + " u WHERE u.\"na\nme\" > 'a')");
            assertThat(dependencyKinds(c, "l37")).isEqualTo("keyed");
            o.replay(w, "UPDATE " + u + " SET active = NOT active", "UPDATE " + u + " SET \"na\nme\" = 'none' WHERE pk_user = 0",
                    "UPDATE l37.tb_order SET fk_user = NULL WHERE pk_order = 4", "UPDATE l37.tb_order SET status = 'paid' WHERE pk_order = 1",
                    "INSERT INTO " + u + " VALUES (4, 'd', true)", "UPDATE l37.tb_order SET fk_user = 4, fk_alt = 4 WHERE pk_order = 5",
                    "BEGIN", "DELETE FROM l37.tb_order WHERE pk_order = 2", "SAVEPOINT s", "DELETE FROM " + u + " WHERE pk_user = 0",
                    "ROLLBACK TO SAVEPOINT s", "UPDATE " + u + " SET \"na\nme\" = 'aa' WHERE pk_user = 1", "COMMIT",
                    "UPDATE " + u + " SET active = false WHERE pk_user = 4", "DELETE FROM " + u + " WHERE pk_user = 0",
                    "UPDATE " + u + " SET \"na\nme\" = 'Paid' WHERE pk_user = 3", "UPDATE l37.tb_order SET status = 'x' WHERE pk_order = 2",
                    "UPDATE " + u + " SET alt = NULL WHERE pk_user = 2", "UPDATE " + u + " SET alt = 3 WHERE pk_user = 3", "UPDATE l37.tb_order SET fk_alt = 2 WHERE pk_order = 3",
                    "TRUNCATE l37.tb_order", "INSERT INTO l37.tb_order VALUES (9, NULL, 'new', 3)");
            assertRefused(c, "l37.tv_x", "{}", Map.of(
                    "SELECT o.pk_order AS pk_x, (" + in + " OR o.status = 'paid') AS vis FROM l37.tb_order o", "tv_x",
                    "SELECT o.pk_order AS pk_x FROM l37.tb_order o WHERE NOT (" + in + " OR o.status = 'paid')", "tv_x",
                    "SELECT o.pk_order AS pk_x FROM l37.tb_order o WHERE coalesce(o.fk_user, 0) NOT IN (SELECT u.pk_user FROM " + u + " u)", "tv_x",
                    // null-extended below that ON, or tested above it: a missing row's coalesce is 0
                    "SELECT o.pk_order AS pk_x, u.active FROM l37.tb_order o LEFT JOIN (l37.tb_order o2 LEFT JOIN " + u + " u ON u.pk_user = o2.fk_user)"
                            + " ON coalesce(u.alt, 0) = o.fk_alt", "tv_x",
                    "SELECT o.pk_order AS pk_x, o2.status FROM l37.tb_order o LEFT JOIN " + u + " u ON u.pk_user = o.fk_user LEFT JOIN l37.tb_order o2"
                            + " ON o2.fk_alt = coalesce(u.alt, 0)", "tv_x"), "cannot trace");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l37") + " WHERE status <> 'OK' AND component LIKE '%l37%'")).isEqualTo(0L);
        }
    }

    /**
     * A GROUP BY or DISTINCT column whose equal values print differently (numeric 2.5 and 2.50, float 0 and -0, jsonb
     * numbers, text under a case-insensitive collation) shows whichever value of its group is read first: 0.3.26 kept 2.5
     * where the query, after an update that changed neither, gave 2.50 (the recompute read the group through an index),
     * and 'Ann' for 'ann'; a repair could not mend it (hunt 21). Refused where the level shows it; accepted where equal
     * values print alike (a numeric(8,2) column, round(x, 2), x::text, lower(x) COLLATE "C", since 0.3.28 a char(n) column under
     * a deterministic collation, which prints padded to its length) or a group has one row of the
     * column's table (its primary key or a unique NOT NULL column in the GROUP BY), and kept equal to the query.
     */
    @Test
    void groupedValuesThatPrintDifferentlyWhenEqualAreRefusedUnlessOnePrintIsPossible(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l38; SET search_path = l38, public");
            exec(c, "CREATE COLLATION l38.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
            exec(c, "CREATE TABLE \"tb sc'ore|\" (id int PRIMARY KEY, name text COLLATE l38.ci, score numeric, price numeric(8,2), f float8, meta jsonb,"
                    + " code text NOT NULL UNIQUE, note text)");
            exec(c, "CREATE INDEX ON \"tb sc'ore|\" (score); CREATE TABLE tb_line (id int PRIMARY KEY, fk int, amount numeric)");
            exec(c, "INSERT INTO \"tb sc'ore|\" VALUES (1, 'ann', 2.5, 1, 0, '{\"n\": 1.0}', 'c1', 'a'), (2, 'Ann', 2.50, 1.5, '-0', '{\"n\": 1.00}', 'c2', 'b'),"
                    + " (3, 'ANN', 3, 2, 1, '{}', 'c3', 'c'); INSERT INTO tb_line VALUES (1, 1, 1.0), (2, 1, 1.00), (3, 2, 5)");
            String t = "l38.\"tb sc'ore|\"";
            exec(c, "CREATE TABLE tb_parent (id int PRIMARY KEY, amount numeric); CREATE TABLE tb_kid () INHERITS (tb_parent);"
                    + " INSERT INTO tb_parent VALUES (1, 2.5); INSERT INTO tb_kid VALUES (1, 2.50)");
            exec(c, "CREATE TABLE tb_invalid (g int NOT NULL, amount numeric); INSERT INTO tb_invalid VALUES (1, 2.5), (1, 2.50)");
            exec(c, "CREATE TABLE tb_code (id int PRIMARY KEY, c char(4) NOT NULL, ci char(4) COLLATE l38.ci);"
                    + " INSERT INTO tb_code VALUES (1, 'ab', 'ab'), (2, 'ab ', 'AB'), (3, 'cd', 'cd')");
            assertThat(Rt.sqlState(c, "CREATE UNIQUE INDEX CONCURRENTLY tb_invalid_g ON l38.tb_invalid (g)")).isEqualTo("23505");
            assertRefused(c, "l38.tv_x", "{}", Map.of(
                    "SELECT s.score AS pk_x, count(*) AS n FROM " + t + " s GROUP BY s.score", "GROUP BY column pk_x, of type numeric",
                    "SELECT DISTINCT s.score AS pk_x FROM " + t + " s", "DISTINCT column pk_x",
                    "SELECT s.name AS pk_x, count(*) AS n FROM " + t + " s GROUP BY s.name", "of type text",
                    "SELECT s.f AS pk_x, count(*) AS n FROM " + t + " s GROUP BY s.f", "double precision",
                    "SELECT s.meta AS pk_x, count(*) AS n FROM " + t + " s GROUP BY s.meta", "jsonb",
                    "SELECT s.score::text AS pk_x, count(*) AS n FROM " + t + " s GROUP BY s.score", "expression that a column of the SELECT list shows",
                    "SELECT k.ci AS pk_x, count(*) AS n FROM l38.tb_code k GROUP BY k.ci", "of type character COLLATE ci"),
                    "print differently");
            assertRefused(c, "l38.tv_x", "{}", Map.of(
                    // hunt 22: a set operation without ALL, a grouped column shown by a subquery, a key of an inheritance
                    // parent (unique in the parent alone), a unique index left invalid by a failed CREATE INDEX CONCURRENTLY
                    "SELECT s.code AS pk_x, s.score FROM " + t + " s UNION SELECT l.id::text, l.amount FROM l38.tb_line l", "UNION, INTERSECT or EXCEPT",
                    "SELECT s.code AS pk_x, s.score FROM " + t + " s INTERSECT SELECT l.id::text, l.amount FROM l38.tb_line l", "of type numeric",
                    "SELECT l.fk AS pk_x, (SELECT l.amount) AS a FROM l38.tb_line l GROUP BY l.fk, l.amount", "GROUP BY",
                    "SELECT h.id AS pk_x, h.amount FROM l38.tb_parent h GROUP BY h.id, h.amount", "GROUP BY column amount",
                    "SELECT v.g AS pk_x, v.amount FROM l38.tb_invalid v GROUP BY v.g, v.amount", "GROUP BY column amount"),
                    "print differently");
            Oracle o = new Oracle(c)
                    .create("l38.tv_price", "SELECT s.price AS pk_price, count(*) AS n FROM " + t + " s GROUP BY s.price")
                    .create("l38.tv_round", "SELECT round(s.score, 2) AS pk_round, count(*) AS n FROM " + t + " s GROUP BY round(s.score, 2)")
                    .create("l38.tv_text", "SELECT s.score::text AS pk_text, count(*) AS n FROM " + t + " s GROUP BY s.score::text")
                    .create("l38.tv_name", "SELECT lower(s.name) COLLATE \"C\" AS pk_name, count(*) AS n FROM " + t + " s GROUP BY 1")
                    .create("l38.tv_total", "SELECT s.id AS pk_total, s.score, s.name, sum(l.amount) AS total FROM " + t + " s"
                            + " JOIN l38.tb_line l ON l.fk = s.id GROUP BY s.id, s.score, s.name")
                    .create("l38.tv_code", "SELECT s.code AS pk_code, s.score, s.f, count(l.id) AS n FROM " + t + " s LEFT JOIN l38.tb_line l ON l.fk = s.id"
                            + " GROUP BY s.code, s.score, s.f")
                    .create("l38.tv_lines", "SELECT l.fk AS pk_lines, count(*) AS n FROM l38.tb_line l GROUP BY l.fk, l.amount")
                    // (0.3.28) a char(n) column prints padded to its length: 'ab' and 'ab ' alike (0.3.27 refused it)
                    .create("l38.tv_char", "SELECT k.c AS pk_char, count(*) AS n, max(k.id) AS last FROM l38.tb_code k GROUP BY k.c")
                    .create("l38.tv_distinct", "SELECT DISTINCT s.id AS pk_distinct, s.score FROM " + t + " s JOIN l38.tb_line l ON l.fk = s.id");
            o.replay(w, "UPDATE " + t + " SET note = note || 'x' WHERE id = 1", "INSERT INTO " + t + " VALUES (4, 'aNN', 2.500, 1.50, 0, '{}', 'c4', 'd')",
                    "UPDATE " + t + " SET score = 2.5000 WHERE id = 3", "DELETE FROM " + t + " WHERE id = 1", "UPDATE l38.tb_line SET amount = 1.000 WHERE id = 3",
                    "INSERT INTO l38.tb_line VALUES (4, 4, 2), (5, 3, 2.0)", "BEGIN", "UPDATE " + t + " SET name = 'ANN' WHERE id = 2", "SAVEPOINT s",
                    "DELETE FROM l38.tb_line", "ROLLBACK TO SAVEPOINT s", "UPDATE " + t + " SET score = score + 0.10", "COMMIT",
                    "UPDATE l38.tb_code SET c = 'cd  ' WHERE id = 1", "INSERT INTO l38.tb_code VALUES (4, 'ab  ', 'x')", "DELETE FROM l38.tb_code WHERE id = 2");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l38") + " WHERE status <> 'OK' AND component LIKE '%l38%'")).isEqualTo(0L);
        }
    }

    /**
     * A TVIEW refreshed in full because one use of a table cannot be traced, while another use of it is traced through a
     * hop (an IN (SELECT ...) of another UNION branch, an expression correlation beside a NOT IN over a nullable column):
     * 0.3.26 stored the near side of the traced use's hop, which the health check's re-analysis (which proves no
     * expression text) did not find, and reported the catalog as damaged right after the create, a false ERROR that
     * pg_tviews_reinstall_triggers did not clear (hunt 21). Healthy now, and kept equal to its query.
     */
    @Test
    void aTableRefreshedInFullForOneOfItsUsesLeavesTheHealthCheckOk(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l39; SET search_path = l39, public");
            exec(c, "CREATE TABLE \"u s'er\" (id int PRIMARY KEY, name text NOT NULL, parent_id int);"
                    + " CREATE TABLE c (id int PRIMARY KEY, u_id int, txt text)");
            exec(c, "INSERT INTO \"u s'er\" VALUES (1, 'A', NULL), (2, 'b', 1); INSERT INTO c VALUES (1, 1, 'a'), (2, NULL, 'B'), (3, 2, 'x')");
            String u = "l39.\"u s'er\"";
            String full = "{\"uncascaded_policy\": \"full_refresh\"}";
            Oracle o = new Oracle(c)
                    .create("l39.tv_feed", "SELECT 'a-' || b1.id AS pk_feed FROM " + u + " b1 LEFT JOIN " + u + " j2 ON coalesce(j2.id, 0) = b1.parent_id"
                            + " UNION ALL SELECT 'b-' || b4.id FROM l39.c b4 WHERE b4.u_id IN (SELECT s6.id FROM " + u + " s6)", full)
                    .create("l39.tv_named", "SELECT p.id AS pk_named, (SELECT count(*) FROM " + u + " x WHERE lower(x.name) = lower(p.txt)) AS n"
                            + " FROM l39.c p WHERE p.u_id NOT IN (SELECT u2.parent_id FROM " + u + " u2)",
                            "{\"uncascaded_policy\": \"full_refresh\", \"refresh\": \"statement\"}");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l39") + " WHERE status <> 'OK' AND component LIKE '%l39%'")).isEqualTo(0L);
            o.replay(w, "INSERT INTO " + u + " VALUES (3, 'c', 2)", "INSERT INTO l39.c VALUES (4, 3, 'C')", "DELETE FROM " + u + " WHERE id = 1",
                    "UPDATE l39.c SET u_id = 2 WHERE id = 2", "UPDATE " + u + " SET parent_id = NULL");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l39") + " WHERE status <> 'OK' AND component LIKE '%l39%'")).isEqualTo(0L);
        }
    }

    /** {@code x::bigint = y} holds exactly when {@code x = y}: a join or correlation through an integer widening is followed as the column. */
    @Test
    void equalitiesThroughIntegerWideningCastsAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l18; SET search_path = l18, public");
            exec(c, "CREATE TABLE \"ia'|\" (id bigint PRIMARY KEY, n int NOT NULL); CREATE TABLE ib (pk_ib int PRIMARY KEY, fk int, s smallint)");
            exec(c, "INSERT INTO \"ia'|\" SELECT g, g FROM generate_series(1, 10) g; INSERT INTO ib SELECT g, g % 12, g % 5 FROM generate_series(1, 30) g");
            String a = "l18.\"ia'|\"";
            Oracle oracle = new Oracle(c)
                    .create("l18.tv_joined", "SELECT ib.pk_ib AS pk_joined, a.n FROM l18.ib JOIN " + a + " a ON a.id = ib.fk::bigint")
                    .create("l18.tv_counted", "SELECT a.id AS pk_counted, (SELECT count(*) FROM l18.ib WHERE ib.fk::bigint = a.id) AS n,"
                            + " (SELECT count(*) FROM l18.ib WHERE ib.s::int8 = a.id) AS ns FROM " + a + " a")
                    .create("l18.tv_outer", "SELECT ib.pk_ib::bigint AS pk_outer, a.n FROM l18.ib LEFT JOIN " + a + " a ON a.id = ib.s::integer")
                    .create("l18.tv_in", "SELECT a.id AS pk_in, a.n FROM " + a + " a WHERE a.id IN (SELECT ib.fk::int8 FROM l18.ib WHERE ib.s > 2)");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l18' AND d->>'kind' <> 'keyed'"))
                    .as("keyed, not refreshed fully").isEqualTo(0L);
            String[] writes = {"UPDATE " + a + " SET n = n + 1 WHERE id = 3", "UPDATE " + a + " SET id = 2147483648 WHERE id = 5",
                "UPDATE l18.ib SET fk = 2147483647 WHERE pk_ib = 4", "INSERT INTO " + a + " VALUES (2147483647, 7)", "UPDATE l18.ib SET s = 4 WHERE pk_ib = 9",
                "DELETE FROM " + a + " WHERE id = 4", "UPDATE l18.ib SET fk = NULL, s = NULL WHERE pk_ib % 7 = 0", "INSERT INTO l18.ib VALUES (40, 1, 1)",
                "UPDATE l18.ib SET pk_ib = pk_ib + 100 WHERE pk_ib = 2", "DELETE FROM l18.ib WHERE fk = 3", "UPDATE " + a + " SET id = id + 20 WHERE id < 3"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // a cast that changes which values are equal (uuid as text: 'ABC…' is not 'abc…') is not followed as the column;
            // since 0.3.19 it is followed as the expression it is, which compares as the query does
            exec(c, "CREATE TABLE ua (id uuid PRIMARY KEY, n int); CREATE TABLE ub (pk_ub int PRIMARY KEY, ref text)");
            exec(c, "INSERT INTO ua SELECT md5(g::text)::uuid, g FROM generate_series(1, 4) g;"
                    + " INSERT INTO ub SELECT g, CASE WHEN g % 2 = 0 THEN upper(md5((g % 4)::text)::uuid::text) ELSE md5((g % 4)::text)::uuid::text END FROM generate_series(1, 8) g");
            oracle.create("l18.tv_uuid", "SELECT ub.pk_ub AS pk_uuid, ua.n FROM l18.ub JOIN l18.ua ON ua.id::text = ub.ref")
                    .run("UPDATE l18.ub SET ref = lower(ref) WHERE pk_ub = 2", "UPDATE l18.ua SET n = n * 10", "UPDATE l18.ub SET ref = upper(ref) WHERE pk_ub = 3",
                         "UPDATE l18.ua SET id = md5('9')::uuid WHERE n = 20");
        }
    }

    /** Every row an OR of conditions lets through satisfies one disjunct: each disjunct's equalities give a path, and all are followed. */
    @Test
    void orOfEqualitiesFollowsEveryDisjunct(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l19; SET search_path = l19, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL);"
                    + " CREATE TABLE \"tb mes'|sage\" (pk_message int PRIMARY KEY, fk_sender int REFERENCES tb_user, fk_recipient int REFERENCES tb_user,"
                    + " public boolean NOT NULL DEFAULT false); CREATE TABLE tb_friend (a int, b int, PRIMARY KEY (a, b))");
            exec(c, "INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 8) g;"
                    + " INSERT INTO \"tb mes'|sage\" SELECT g, 1 + g % 8, 1 + (g * 3) % 8 FROM generate_series(1, 30) g;"
                    + " INSERT INTO tb_friend SELECT DISTINCT 1 + g % 8, 1 + (g * 5) % 8 FROM generate_series(1, 20) g");
            String m = "l19.\"tb mes'|sage\"";
            Oracle oracle = new Oracle(c)
                    .create("l19.tv_inbox", "SELECT u.pk_user AS pk_inbox, (SELECT count(*) FROM " + m + " m WHERE m.fk_sender = u.pk_user OR m.fk_recipient = u.pk_user) AS n"
                            + " FROM l19.tb_user u")
                    .create("l19.tv_party", "SELECT m.pk_message AS pk_party, count(u.pk_user) AS n, min(u.name) AS first FROM " + m + " m"
                            + " LEFT JOIN l19.tb_user u ON u.pk_user = m.fk_sender OR (u.pk_user = m.fk_recipient AND u.name <> 'u3') GROUP BY m.pk_message")
                    .create("l19.tv_friends", "SELECT u.pk_user AS pk_friends, (SELECT jsonb_agg(f.name ORDER BY f.pk_user) FROM l19.tb_user f WHERE EXISTS"
                            + " (SELECT 1 FROM l19.tb_friend x WHERE (x.a = u.pk_user AND x.b = f.pk_user) OR (x.b = u.pk_user AND x.a = f.pk_user))) AS friends"
                            + " FROM l19.tb_user u");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l19' AND d->>'kind' <> 'keyed'"))
                    .as("keyed, not refreshed fully").isEqualTo(0L);
            String[] writes = {"UPDATE " + m + " SET fk_recipient = 5 WHERE pk_message = 3", "UPDATE " + m + " SET fk_sender = fk_recipient, fk_recipient = fk_sender",
                "UPDATE l19.tb_user SET name = 'u3' WHERE pk_user = 4", "INSERT INTO l19.tb_user VALUES (9, 'n')", "INSERT INTO " + m + " VALUES (31, NULL, 9)",
                "UPDATE " + m + " SET fk_sender = NULL WHERE pk_message % 4 = 0", "DELETE FROM " + m + " WHERE fk_recipient = 2",
                "INSERT INTO l19.tb_friend VALUES (9, 1), (2, 9)", "UPDATE l19.tb_friend SET b = 3 WHERE a = 9", "DELETE FROM l19.tb_friend WHERE b = 1",
                "UPDATE l19.tb_user SET name = name || '!' WHERE pk_user % 2 = 1"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // a disjunct without an equality reaches rows of every key
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l19.tv_public', $q$SELECT u.pk_user AS pk_public, (SELECT count(*) FROM " + m + " m"
                    + " WHERE m.fk_sender = u.pk_user OR m.public) AS n FROM l19.tb_user u$q$)")).hasMessageContaining("cannot trace changes of l19.");
        }
    }

    /**
     * {@code x = coalesce(a, b)} keeps rows where a = x (a not NULL) or b = x (a NULL): an OR of equalities, each argument
     * a path (a post shown with its editor, or its author when it has none). 0.3.17 refused it; a constant argument
     * (coalesce(a, 0)), refused until 0.3.26, is followed since 0.3.27 as an expression of the post's columns.
     */
    @Test
    void coalesceEqualitiesFollowEachArgument(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l23; SET search_path = l23, public");
            exec(c, "CREATE TABLE \"tb us'|er\" (pk_user int PRIMARY KEY, name text NOT NULL);"
                    + " CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_author int, \"fk\neditor\" int, fk_owner int, title text)");
            exec(c, "INSERT INTO \"tb us'|er\" SELECT g, 'u' || g FROM generate_series(1, 8) g;"
                    + " INSERT INTO tb_post SELECT g, CASE WHEN g % 5 <> 0 THEN 1 + g % 8 END, CASE WHEN g % 3 = 0 THEN 1 + (g * 7) % 8 END,"
                    + " 1 + (g * 3) % 8, 't' || g FROM generate_series(1, 30) g");
            String u = "l23.\"tb us'|er\"";
            String editor = "p.\"fk\neditor\"";
            Oracle oracle = new Oracle(c)
                    .create("l23.tv_post", "SELECT p.pk_post, p.title, u.name AS shown FROM l23.tb_post p JOIN " + u + " u ON u.pk_user = coalesce(" + editor + ", p.fk_author)"
                            + " LEFT JOIN " + u + " o ON coalesce(p.fk_author, p.fk_owner) = o.pk_user WHERE u.name <> 'hidden'")
                    .create("l23.tv_byline", "SELECT p.pk_post AS pk_byline, u.name FROM l23.tb_post p LEFT JOIN " + u + " u"
                            + " ON u.pk_user = coalesce(" + editor + ", p.fk_author, p.fk_owner)")
                    .create("l23.tv_user", "SELECT u.pk_user, (SELECT count(*) FROM l23.tb_post p WHERE coalesce(" + editor + ", p.fk_author) = u.pk_user) AS shown,"
                            + " EXISTS (SELECT 1 FROM l23.tb_post p WHERE u.pk_user = coalesce(p.fk_owner, " + editor + ") AND p.title LIKE 't1%') AS owns_t1 FROM " + u + " u");
            assertThat(dependencyKinds(c, "l23")).isEqualTo("keyed");
            String[] writes = {"UPDATE l23.tb_post SET \"fk\neditor\" = 2 WHERE pk_post = 1", "UPDATE l23.tb_post SET \"fk\neditor\" = NULL WHERE pk_post % 3 = 0",
                "UPDATE " + u + " SET name = 'hidden' WHERE pk_user = 3", "UPDATE l23.tb_post SET fk_author = NULL, fk_owner = 5 WHERE pk_post % 4 = 1",
                "INSERT INTO " + u + " VALUES (9, 'n9')", "INSERT INTO l23.tb_post VALUES (31, NULL, NULL, 9, 't1x')", "UPDATE " + u + " SET pk_user = 19 WHERE pk_user = 9",
                "DELETE FROM " + u + " WHERE pk_user = 4", "UPDATE l23.tb_post SET \"fk\neditor\" = fk_author, fk_author = \"fk\neditor\"",
                "DELETE FROM l23.tb_post WHERE fk_owner = 2", "UPDATE " + u + " SET name = name || '!' WHERE pk_user % 2 = 1"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // since 0.3.27 a constant argument makes the coalesce an expression node of the post (0.3.26 refused it)
            oracle.create("l23.tv_zero", "SELECT p.pk_post AS pk_zero, u.name FROM l23.tb_post p JOIN " + u + " u ON u.pk_user = coalesce(p.fk_author, 0)");
            oracle.run("INSERT INTO " + u + " VALUES (0, 'nobody')", "UPDATE l23.tb_post SET fk_author = NULL WHERE pk_post % 2 = 0",
                    "UPDATE " + u + " SET name = 'none' WHERE pk_user = 0", "UPDATE l23.tb_post SET fk_author = 0 WHERE pk_post = 1");
        }
    }

    /**
     * Joins and correlations on expressions of one table's columns (0.3.19; 0.3.18 refused them): a jsonb reference
     * ((p.meta->>'author')::int = u.pk_user), a polymorphic text reference (u.pk_user::text = e.ref), a case-insensitive
     * match with an expression on each side (lower(u.email) = lower(p.email)), in joins, LEFT JOINs, correlated
     * subqueries and EXISTS, a key reached through an expression, and a GROUP BY over a LEFT JOIN on one. Each side
     * becomes a node of its own; its SQL is the definition's, proven to parse back to the same expression over the
     * table, and over alias y for the lookups (so an index on the expression serves them). Followed through renames,
     * key changes, TRUNCATE and rolled-back savepoints. Refused: an expression of two tables, and a comparison of two
     * types (a date with a timestamp).
     */
    @Test
    void joinsOnExpressionsOfOneTableFollowBothSides(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l25; SET search_path = l25, public");
            exec(c, "CREATE TABLE \"tb us'|er\" (pk_user int PRIMARY KEY, email text, name text NOT NULL, born date);"
                    + " CREATE TABLE tb_post (pk_post int PRIMARY KEY, \"me\nta\" jsonb, title text, email text);"
                    + " CREATE TABLE tb_event (pk_event int PRIMARY KEY, kind text NOT NULL, ref text)");
            exec(c, "CREATE INDEX ON tb_post (((\"me\nta\"->>'au''thor')::int))");
            exec(c, "INSERT INTO \"tb us'|er\" SELECT g, CASE WHEN g % 2 = 0 THEN 'U' ELSE 'u' END || g || '@x', 'u' || g, date '2000-01-01' + g FROM generate_series(1, 8) g;"
                    + " INSERT INTO tb_post SELECT g, jsonb_build_object('au''thor', 1 + g % 9), 't' || g, 'u' || (g % 10) || '@X' FROM generate_series(1, 30) g;"
                    + " INSERT INTO tb_event SELECT g, CASE WHEN g % 4 = 0 THEN 'other' ELSE 'user' END, (1 + g % 9)::text FROM generate_series(1, 20) g");
            String u = "l25.\"tb us'|er\"";
            String author = "(\"p\"\"x\".\"me\nta\"->>'au''thor')::int";
            Oracle oracle = new Oracle(c)
                    .create("l25.tv_post", "SELECT \"p\"\"x\".pk_post, \"p\"\"x\".title, u.name FROM l25.tb_post \"p\"\"x\" JOIN " + u + " u ON u.pk_user = " + author)
                    .create("l25.tv_mail", "SELECT p.pk_post AS pk_mail, u.name FROM l25.tb_post p LEFT JOIN " + u + " u ON lower(u.email) = lower(p.email)")
                    .create("l25.tv_event", "SELECT e.pk_event, u.name FROM l25.tb_event e JOIN " + u + " u ON u.pk_user::text = e.ref WHERE e.kind = 'user'")
                    .create("l25.tv_user", "SELECT u.pk_user, (SELECT count(*) FROM l25.tb_post \"p\"\"x\" WHERE " + author + " = u.pk_user) AS posts,"
                            + " (SELECT string_agg(e.kind, ',' ORDER BY e.pk_event) FROM l25.tb_event e WHERE e.ref = u.pk_user::text) AS kinds,"
                            + " EXISTS (SELECT 1 FROM l25.tb_post p WHERE lower(p.email) = lower(u.email)) AS mailed FROM " + u + " u")
                    .create("l25.tv_count", "SELECT u.pk_user AS pk_count, count(\"p\"\"x\".pk_post) AS posts FROM " + u + " u"
                            + " LEFT JOIN l25.tb_post \"p\"\"x\" ON " + author + " = u.pk_user GROUP BY u.pk_user");
            assertThat(dependencyKinds(c, "l25")).isEqualTo("keyed");
            // the lookup into the posts by the author's id is the expression the index holds, over the walk's own alias
            assertThat(value(c, "SELECT h->'to_x'->>'y_sql' FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d,"
                    + " jsonb_array_elements(d->'paths') p, jsonb_array_elements(p->'hops') h WHERE m.entity = 'l25.post' AND d->>'table' = 'tb us''|er'"))
                    .isEqualTo("((y.\"me\nta\" ->> 'au''thor'::text))::integer");
            String[] writes = {"UPDATE l25.tb_post SET \"me\nta\" = '{\"au''thor\": 2}' WHERE pk_post = 1", "UPDATE l25.tb_post SET \"me\nta\" = '{}' WHERE pk_post % 5 = 0",
                "UPDATE " + u + " SET name = name || '!' WHERE pk_user % 2 = 1", "UPDATE " + u + " SET email = upper(email) WHERE pk_user = 3",
                "UPDATE " + u + " SET email = 'U0@x' WHERE pk_user = 4", "UPDATE l25.tb_post SET email = NULL WHERE pk_post = 2",
                "INSERT INTO " + u + " VALUES (9, 'U9@X', 'n9', NULL)", "UPDATE l25.tb_event SET ref = '9' WHERE pk_event % 3 = 0",
                "UPDATE l25.tb_event SET ref = '09' WHERE pk_event = 1", "UPDATE l25.tb_event SET kind = 'user' WHERE kind = 'other' AND pk_event < 10",
                "UPDATE " + u + " SET pk_user = 19 WHERE pk_user = 9", "INSERT INTO l25.tb_post VALUES (31, '{\"au''thor\": 19}', 't31', 'u19@x')",
                "BEGIN", "DELETE FROM " + u + " WHERE pk_user = 2", "SAVEPOINT s", "UPDATE l25.tb_post SET \"me\nta\" = '{\"au''thor\": 3}'",
                "ROLLBACK TO SAVEPOINT s", "UPDATE l25.tb_event SET ref = '2' WHERE pk_event = 2", "COMMIT",
                "UPDATE l25.tb_post SET pk_post = pk_post + 100 WHERE pk_post % 7 = 0", "TRUNCATE l25.tb_event", "INSERT INTO l25.tb_event VALUES (1, 'user', '3')"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l25") + " WHERE status <> 'OK' AND component LIKE '%l25%'")).isEqualTo(0L);
            // a health check creates nothing: it finds the stored text of each expression in the definition
            exec(c, "BEGIN READ ONLY");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l25") + " WHERE status = 'OK' AND component LIKE 'definition:l25.%'")).isEqualTo(5L);
            exec(c, "COMMIT");
            // a renamed column: the TVIEWs are regenerated with the new name in the expression
            exec(c, "ALTER TABLE l25.tb_post RENAME COLUMN \"me\nta\" TO \"da'ta\"");
            exec(w, "UPDATE l25.tb_post SET \"da'ta\" = '{\"au''thor\": 5}' WHERE pk_post = 3");
            exec(w, "UPDATE " + u + " SET name = 'renamed' WHERE pk_user = 5");
            String renamed = author.replace("\"me\nta\"", "\"da'ta\"");
            assertThat(Rt.driftAgainst(c, "l25.tv_post", "SELECT \"p\"\"x\".pk_post, \"p\"\"x\".title, u.name FROM l25.tb_post \"p\"\"x\" JOIN " + u
                    + " u ON u.pk_user = " + renamed)).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l25") + " WHERE status <> 'OK' AND component LIKE '%l25%'")).isEqualTo(0L);
            // an expression of two tables links neither; a date compared with a timestamp is not a value of one type
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l25.tv_two', $q$SELECT p.pk_post AS pk_two, u.name FROM l25.tb_post p, " + u + " u, l25.tb_event e"
                    + " WHERE u.pk_user = e.pk_event + p.pk_post$q$)")).hasMessageContaining("cannot trace changes of l25.");
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l25.tv_born', $q$SELECT p.pk_post AS pk_born, u.name FROM l25.tb_post p JOIN " + u + " u"
                    + " ON u.born = (p.\"da'ta\"->>'day')::timestamp$q$)")).hasMessageContaining("cannot trace changes of l25.");
        }
    }

    /**
     * An expression of one table's columns selected in a subquery, a CTE or a UNION branch and joined outside it
     * ((e.ref)::integer AS uid ... ON x.uid = u.pk_user, 0.3.20; 0.3.19 refused it): the output column is linked to the
     * expression's node as an equality side would be, its text found in the SELECT list the definition prints. And an
     * expression on the nullable side of an outer join that is not NULL when its row is missing ((u.name IS NULL)::text,
     * coalesce inside a function) is no longer linked: 0.3.19 accepted it and missed the rows matched by a missing row.
     */
    @Test
    void expressionsSelectedInASubqueryAndJoinedOutsideAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l26; SET search_path = l26, public");
            exec(c, "CREATE TABLE \"tb us'|er\" (pk_user int PRIMARY KEY, name text);"
                    + " CREATE TABLE tb_event (pk_event int PRIMARY KEY, ref text, kind text);"
                    + " CREATE TABLE tb_seat (pk_seat int PRIMARY KEY, fk_user int)");
            exec(c, "INSERT INTO \"tb us'|er\" SELECT g, CASE WHEN g % 3 = 0 THEN 'U' ELSE 'u' END || (g % 4) FROM generate_series(1, 8) g;"
                    + " INSERT INTO tb_event SELECT g, CASE WHEN g % 7 = 0 THEN 'x' ELSE (1 + g % 9)::text END, 'u' || (g % 5) FROM generate_series(1, 30) g;"
                    + " INSERT INTO tb_seat SELECT g, CASE WHEN g % 5 > 0 THEN 1 + g % 10 END FROM generate_series(1, 12) g");
            String u = "l26.\"tb us'|er\"";
            Oracle oracle = new Oracle(c)
                    .create("l26.tv_user", "SELECT \"u'x\".pk_user, \"u'x\".name, coalesce(x.n, 0) AS n FROM " + u + " \"u'x\" LEFT JOIN (SELECT CASE WHEN e.ref ~ '^[0-9]+$'"
                            + " THEN e.ref::int END AS uid, count(*) AS n FROM l26.tb_event e GROUP BY 1) x ON x.uid = \"u'x\".pk_user")
                    .create("l26.tv_kind", "SELECT u.pk_user AS pk_kind, x.n, x.ids FROM " + u + " u JOIN (SELECT lower(e.kind) AS k, count(*) AS n,"
                            + " string_agg(e.pk_event::text, ',' ORDER BY e.pk_event) AS ids FROM l26.tb_event e GROUP BY 1) x ON x.k = u.name")
                    .create("l26.tv_event", "WITH c AS (SELECT u.pk_user::text AS r, upper(u.name) AS nm FROM " + u + " u)"
                            + " SELECT e.pk_event, c.nm FROM l26.tb_event e LEFT JOIN c ON c.r = e.ref")
                    .create("l26.tv_feed", "SELECT e.pk_event AS pk_feed, x.nm FROM l26.tb_event e JOIN (SELECT u.pk_user::text AS r, u.name AS nm FROM " + u + " u"
                            + " UNION ALL SELECT 'x' || u.pk_user, 'alt' FROM " + u + " u) x ON x.r = e.ref");
            assertThat(dependencyKinds(c, "l26")).isEqualTo("keyed");
            String[] writes = {"UPDATE l26.tb_event SET ref = '3' WHERE pk_event = 7", "UPDATE l26.tb_event SET ref = 'x4' WHERE pk_event % 6 = 0",
                "UPDATE " + u + " SET name = 'u1' WHERE pk_user = 3", "UPDATE l26.tb_event SET kind = 'U1' WHERE pk_event % 4 = 1",
                "UPDATE " + u + " SET pk_user = 14 WHERE pk_user = 4", "INSERT INTO l26.tb_event VALUES (31, '14', 'U3'), (32, 'x14', NULL)",
                "BEGIN", "DELETE FROM " + u + " WHERE pk_user = 2", "SAVEPOINT s", "UPDATE l26.tb_event SET ref = '2'", "ROLLBACK TO SAVEPOINT s",
                "INSERT INTO " + u + " VALUES (2, 'u0')", "COMMIT", "DELETE FROM l26.tb_event WHERE pk_event % 5 = 2", "TRUNCATE l26.tb_event",
                "INSERT INTO l26.tb_event VALUES (1, '1', 'u1'), (2, 'x1', 'U1')"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            exec(c, "BEGIN READ ONLY");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l26") + " WHERE status = 'OK' AND component LIKE 'definition:l26.%'")).isEqualTo(4L);
            exec(c, "COMMIT");
            // not NULL when the seat has no user: a change of the users leads to none of the events it matches
            exec(c, "INSERT INTO l26.tb_event VALUES (3, 'true', 'u0')");
            for (String nonStrict : new String[] {"(u.name IS NULL)::text", "lower(coalesce(u.name, 'true'))"}) {
                assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l26.tv_seat', $q$SELECT s.pk_seat, (SELECT count(*) FROM l26.tb_event e WHERE e.ref = "
                        + nonStrict + ") AS n FROM l26.tb_seat s LEFT JOIN " + u + " u ON u.pk_user = s.fk_user$q$)")).hasMessageContaining("cannot trace changes of l26.");
            }
            // NULL when the user is missing (a strict expression): followed
            oracle.create("l26.tv_seat", "SELECT s.pk_seat, (SELECT count(*) FROM l26.tb_event e WHERE e.kind = lower(u.name)) AS n FROM l26.tb_seat s"
                    + " LEFT JOIN " + u + " u ON u.pk_user = s.fk_user");
            for (String sql : new String[] {"DELETE FROM " + u + " WHERE pk_user = 1", "UPDATE l26.tb_seat SET fk_user = NULL WHERE pk_seat = 2",
                "INSERT INTO l26.tb_event VALUES (4, '5', 'u3')", "UPDATE " + u + " SET name = 'U3' WHERE pk_user = 5"}) {
                exec(w, sql);
                oracle.check(sql);
            }
        }
    }

    /**
     * An expression that raises on rows the query filters out (a jsonb author cast to an integer, over posts of another
     * kind whose author is not a number): maintenance evaluates it over the changed rows and the lookup over the rows
     * it scans, and a data exception there refreshes the TVIEW fully instead of failing the write (0.3.20; 0.3.19 failed
     * it with 22P02). A row the query itself evaluates still fails, at COMMIT, with the query's own error, and changes
     * nothing.
     */
    @Test
    void expressionsThatFailOnRowsTheQueryFiltersOutDoNotFailTheWrite(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l27; SET search_path = l27, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);"
                    + " CREATE TABLE \"tb po'st\" (pk_post int PRIMARY KEY, kind text NOT NULL, meta jsonb)");
            exec(c, "INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 5) g;"
                    + " INSERT INTO \"tb po'st\" SELECT g, 'user', jsonb_build_object('author', 1 + g % 5) FROM generate_series(1, 20) g;"
                    + " INSERT INTO \"tb po'st\" VALUES (21, 'bot', '{\"author\": \"crawler\"}')");
            String posts = "l27.\"tb po'st\"";
            Oracle oracle = new Oracle(c)
                    .create("l27.tv_post", "SELECT p.pk_post, u.name FROM " + posts + " p JOIN l27.tb_user u ON u.pk_user = (p.meta->>'author')::int WHERE p.kind = 'user'")
                    .create("l27.tv_user", "SELECT u.pk_user, coalesce(x.n, 0) AS n FROM l27.tb_user u LEFT JOIN (SELECT (p.meta->>'author')::int AS uid, count(*) AS n"
                            + " FROM " + posts + " p WHERE p.kind = 'user' GROUP BY 1) x ON x.uid = u.pk_user");
            String[] writes = {"INSERT INTO " + posts + " VALUES (22, 'bot', '{\"author\": \"spider\"}')",
                "UPDATE " + posts + " SET kind = 'bot', meta = '{\"author\": \"x\"}' WHERE pk_post = 1", "UPDATE l27.tb_user SET name = 'renamed' WHERE pk_user = 2",
                "BEGIN", "UPDATE l27.tb_user SET name = 'n3' WHERE pk_user = 3", "SELECT pg_tviews_flush()", "UPDATE " + posts + " SET meta = '{\"author\": 3}' WHERE pk_post = 2",
                "UPDATE " + posts + " SET kind = 'user', meta = '{\"author\": 4}' WHERE pk_post = 22", "COMMIT", "DELETE FROM l27.tb_user WHERE pk_user = 5",
                "UPDATE " + posts + " SET meta = jsonb_build_object('author', pk_post % 4) WHERE kind = 'user'"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // a post the query reads whose author is not a number: the query cannot hold it, the write fails at COMMIT
            exec(w, "BEGIN");
            exec(w, "INSERT INTO " + posts + " VALUES (23, 'user', '{\"author\": \"nobody\"}')");
            assertThatThrownBy(() -> exec(w, "COMMIT")).isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22P02");
            assertThat(value(c, "SELECT count(*) FROM " + posts + " WHERE pk_post = 23")).isEqualTo(0L);
            oracle.check("a failed COMMIT");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l27") + " WHERE status <> 'OK' AND component LIKE '%l27%'")).isEqualTo(0L);
        }
    }

    /**
     * Keys and join values pass between maintenance steps as text, under the settings the TVIEW keeps (0.3.20; found by
     * a tester of 0.3.19): a TVIEW whose kept settings would not read such a value back as itself is refused (a session
     * of an old driver with extra_float_digits = 0 rounded double precision keys; DateStyle SQL with Asia/Kolkata printed
     * IST, read back as Israel's time), unless options.settings gives readable ones; a text cast to a timestamp keeps
     * its zone abbreviations; a join on a char(4) expression passes its values as char(4), not char(1); and the column
     * names the generated code uses for itself are refused.
     */
    @Test
    void valuesPassedAsTextReadBackAsTheSameValue(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l28; SET search_path = l28, public");
            exec(c, "CREATE TABLE tb_g (pk_g int PRIMARY KEY, y float8, at timestamptz, at_text text, code text);"
                    + " CREATE TABLE tb_u (pk_u int PRIMARY KEY, name text, c char(4)); CREATE TABLE tb_y (y float8 PRIMARY KEY, n int)");
            exec(c, "INSERT INTO tb_y VALUES (0.1::float8 + 0.2::float8, 1), (0.3, 2)");
            exec(c, "INSERT INTO tb_g VALUES (1, 0.1::float8 + 0.2::float8, '2026-01-01 10:00+05:30', '2026-01-01 10:00 IST', 'abcd'),"
                    + " (2, 0.3, '2026-01-01 10:00+02', '2026-01-02 10:00 IST', 'ab'); INSERT INTO tb_u VALUES (1, 'a', 'ab')");
            String byY = "SELECT y.y AS pk_y, y.n FROM l28.tb_y y";
            String byAt = "SELECT g.at AS pk_at, count(*) AS n FROM l28.tb_g g GROUP BY g.at";
            exec(c, "SET extra_float_digits = 0");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l28.tv_y', " + Rt.literal(byY) + ")")).isEqualTo("22023");
            // (a JDBC session cannot set DateStyle: the settings an application's psql session would have, as options)
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l28.tv_at', " + Rt.literal(byAt)
                    + ", '{\"settings\": {\"DateStyle\": \"SQL, DMY\", \"TimeZone\": \"Asia/Kolkata\"}}')")).isEqualTo("22023");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta WHERE schema_name = 'l28'")).isEqualTo(0L);
            Oracle oracle = new Oracle(c)
                    .create("l28.tv_y", byY, "{\"settings\": {\"extra_float_digits\": \"1\"}}")
                    .create("l28.tv_at", byAt, "{\"settings\": {\"DateStyle\": \"ISO, DMY\", \"TimeZone\": \"Asia/Kolkata\"}}")
                    .create("l28.tv_text", "SELECT g.pk_g AS pk_text, g.at_text::timestamptz AS at FROM l28.tb_g g")
                    .create("l28.tv_code", "SELECT g.pk_g AS pk_code, (SELECT string_agg(u.name, ',' ORDER BY u.pk_u) FROM l28.tb_u u"
                            + " WHERE u.c = g.code::char(4)) AS names FROM l28.tb_g g");
            exec(c, "RESET extra_float_digits");
            exec(w, "SET timezone_abbreviations = 'India'");
            String[] writes = {"INSERT INTO l28.tb_g VALUES (3, 0.1::float8 + 0.2::float8, '2026-01-01 06:30+01', '2026-01-03 10:00 IST', 'abcd')",
                "UPDATE l28.tb_g SET y = 0.3 WHERE pk_g = 1", "INSERT INTO l28.tb_y VALUES (0.1::float8 * 7, 3)", "UPDATE l28.tb_y SET n = 5 WHERE y = 0.3",
                "UPDATE l28.tb_y SET y = 0.7::float8 / 3 WHERE n = 1", "UPDATE l28.tb_g SET at_text = at_text WHERE pk_g = 2",
                "INSERT INTO l28.tb_u VALUES (5, 'new', 'abcd')", "UPDATE l28.tb_u SET c = 'ab' WHERE pk_u = 5"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // one kept from before 0.3.20 (its settings row as 0.3.19 wrote it): the health check names it
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l28") + " WHERE status <> 'OK' AND component LIKE '%l28%'")).isEqualTo(0L);
            exec(c, "UPDATE pg_tview_meta SET settings = settings || '{\"extra_float_digits\": \"0\"}' WHERE entity = 'l28.y'");
            assertThat(value(c, "SELECT message FROM " + Rt.healthOf("l28") + " WHERE status = 'ERROR' AND component = 'tview:l28.y'"))
                    .asString().contains("extra_float_digits = 0 rounds its double precision values");
            exec(c, "UPDATE pg_tview_meta SET settings = settings || '{\"extra_float_digits\": \"1\"}' WHERE entity = 'l28.y'");
            for (String col : new String[] {"pg_tviews_n", "pg_tviews_in"}) {
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l28.tv_r', $q$SELECT u.pk_u AS pk_r, u.name AS " + col + " FROM l28.tb_u u$q$)"))
                        .as(col).isEqualTo("42939");
            }
        }
    }

    /**
     * More values passed as text (0.3.20; found by a second tester, each failing on 0.3.19): settings are kept for types
     * made of date/time or float values (a domain over double precision, a daterange, a row type read from jsonb), and
     * refused where a date does not read back (German style under MDY); the rows of the initial fill are computed under
     * options.settings like every later one; join values pass as their column's base type, so a value the other side's
     * numeric(3,1) or domain cannot hold matches nothing instead of failing the write; an equality of two arrays is
     * refused (0.3.19 failed every write that passed two of them).
     */
    @Test
    void typesMadeOfSettingDependentValuesKeepTheirSettings(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l29; SET search_path = l29, public");
            exec(c, "CREATE DOMAIN f8 AS double precision; CREATE DOMAIN code3 AS text CHECK (length(VALUE) <= 3); CREATE TYPE stamp AS (at timestamptz);"
                    + " CREATE TABLE tb_g (pk_g int PRIMARY KEY, y f8, span daterange, meta jsonb, at timestamptz);"
                    + " CREATE TABLE tb_a (pk_a int PRIMARY KEY, x numeric(3,1), code code3, tags text[]);"
                    + " CREATE TABLE tb_b (pk_b int PRIMARY KEY, y numeric, code text, tags text[])");
            exec(c, "INSERT INTO tb_g VALUES (1, 0.1::float8 + 0.2::float8, '[2026-01-02,2026-01-05)', '{\"at\": \"2026-01-01 10:00 IST\"}', '2026-01-01 10:00+00'),"
                    + " (2, 0.3, '[2026-01-02,2026-01-06)', '{\"at\": \"2026-01-02 10:00\"}', '2026-01-01 11:00+00');"
                    + " INSERT INTO tb_a VALUES (1, 1.5, 'abc', '{a}'); INSERT INTO tb_b VALUES (1, 1.5, 'abc', '{a}')");
            Oracle oracle = new Oracle(c)
                    .create("l29.tv_y", "SELECT g.y::text AS pk_y, count(*) AS n FROM l29.tb_g g GROUP BY g.y::text")
                    .create("l29.tv_span", "SELECT g.span AS pk_span, count(*) AS n FROM l29.tb_g g GROUP BY g.span")
                    .create("l29.tv_stamp", "SELECT g.pk_g AS pk_stamp, (jsonb_populate_record(NULL::l29.stamp, g.meta)).at AS at FROM l29.tb_g g")
                    .create("l29.tv_a", "SELECT a.pk_a, (SELECT count(*) FROM l29.tb_b b WHERE b.y = a.x) AS n, (SELECT count(*) FROM l29.tb_b b WHERE b.code = a.code)"
                            + " AS m FROM l29.tb_a a");
            assertThat(value(c, "SELECT string_agg(entity || ':' || (settings ? 'extra_float_digits') || (settings ? 'DateStyle') || (settings ? 'timezone_abbreviations'),"
                    + " ',' ORDER BY entity) FROM pg_tview_meta WHERE entity IN ('l29.y', 'l29.span', 'l29.stamp')"))
                    .isEqualTo("l29.span:truetruetrue,l29.stamp:truetruetrue,l29.y:truetruetrue");
            exec(w, "SET extra_float_digits = 0; SET timezone_abbreviations = 'India'; SET TimeZone = 'Asia/Tokyo'");
            String[] writes = {"INSERT INTO l29.tb_g VALUES (3, 0.1::float8 + 0.2::float8, '[2026-01-02,2026-01-05)', '{\"at\": \"2026-01-03 10:00 IST\"}', now())",
                "UPDATE l29.tb_g SET y = 0.3, meta = '{\"at\": \"2026-01-04 10:00\"}' WHERE pk_g = 1", "INSERT INTO l29.tb_b VALUES (2, 12345.6, 'abcdef', '{b}')",
                "UPDATE l29.tb_b SET y = 1.5, code = 'abc' WHERE pk_b = 2", "UPDATE l29.tb_b SET y = 99999, code = 'toolong' WHERE pk_b = 1"};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // the initial fill under options.settings: the TVIEW equals its query under the settings it keeps from its first row
            exec(c, "SELECT pg_tviews_create('l29.tv_local', $q$SELECT g.pk_g AS pk_local, g.at::text AS t, to_char(g.at, 'HH24:MI') AS hm FROM l29.tb_g g$q$,"
                    + " '{\"settings\": {\"TimeZone\": \"Asia/Kolkata\"}}')");
            assertThat(value(c, "SELECT current_setting('TimeZone')")).isNotEqualTo("Asia/Kolkata");
            assertThat(value(c, "SELECT hm FROM l29.tv_local WHERE pk_local = 2")).isEqualTo("16:30");
            assertThat(value(c, "SELECT \"different\" + missing + extra FROM pg_tviews_check_consistency('l29.local')")).isEqualTo(0L);
            // German prints day first whatever the order: under MDY a date reads back as another
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l29.tv_day', $q$SELECT lower(g.span) AS pk_day, count(*) AS n FROM l29.tb_g g GROUP BY 1$q$,"
                    + " '{\"settings\": {\"DateStyle\": \"German, MDY\"}}')")).isEqualTo("22023");
            exec(c, "SELECT pg_tviews_create('l29.tv_day', $q$SELECT lower(g.span) AS pk_day, count(*) AS n FROM l29.tb_g g GROUP BY 1$q$,"
                    + " '{\"settings\": {\"DateStyle\": \"German, DMY\"}}')");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l29.tv_tags', $q$SELECT a.pk_a AS pk_tags, (SELECT count(*) FROM l29.tb_b b WHERE b.tags = a.tags) AS n"
                    + " FROM l29.tb_a a$q$)")).isEqualTo("0A000");
            // a view that prints the values itself; options changed by create_or_replace; a function of the user's that raises on
            // rows the query filters out; a bigint child of a key that is a domain over integer
            exec(c, "CREATE VIEW l29.v_g AS SELECT g.pk_g, g.at::text AS t FROM l29.tb_g g;"
                    + " CREATE FUNCTION l29.parse_uid(t text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN IF t !~ '^[0-9]+$' THEN"
                    + " RAISE EXCEPTION 'bad uid %', t; END IF; RETURN t::int; END $f$;"
                    + " CREATE DOMAIN l29.uid_t AS int; CREATE TABLE l29.tb_du (id l29.uid_t PRIMARY KEY, name text);"
                    + " CREATE TABLE l29.tb_dc (id int PRIMARY KEY, uid bigint, kind text, ref text); INSERT INTO l29.tb_du VALUES (1, 'u1'), (2, 'u2');"
                    + " INSERT INTO l29.tb_dc VALUES (1, 1, 'post', '2')");
            oracle.create("l29.tv_view", "SELECT v.pk_g AS pk_view, v.t FROM l29.v_g v")
                    .create("l29.tv_du", "SELECT u.id, u.name, (SELECT count(*) FROM l29.tb_dc c WHERE c.uid = u.id) AS n FROM l29.tb_du u", "{\"key\": \"id\"}")
                    .create("l29.tv_dc", "SELECT c.id, u.name FROM l29.tb_dc c JOIN l29.tb_du u ON u.id = l29.parse_uid(c.ref) WHERE c.kind = 'post'", "{\"key\": \"id\"}");
            assertThat(value(c, "SELECT settings ? 'TimeZone' FROM pg_tview_meta WHERE entity = 'l29.view'")).isEqualTo(Boolean.TRUE);
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create_or_replace('l29.tv_y', $q$SELECT g.y::text AS pk_y, count(*) AS n FROM l29.tb_g g"
                    + " JOIN l29.tb_g g2 ON g2.y = g.y GROUP BY g.y::text$q$,"
                    + " '{\"settings\": {\"extra_float_digits\": \"0\"}}')")).isEqualTo("22023");
            for (String sql : new String[] {"INSERT INTO l29.tb_g VALUES (4, 1, '[2026-03-01,2026-03-02)', NULL, '2026-03-01 00:00+00')", "INSERT INTO l29.tb_dc VALUES (2, 5000000000, 'note', 'see #1')",
                "UPDATE l29.tb_dc SET ref = '1' WHERE id = 1", "UPDATE l29.tb_du SET name = 'U2' WHERE id = 2", "UPDATE l29.tb_dc SET kind = 'post', ref = '2' WHERE id = 2"}) {
                exec(w, sql);
                oracle.check(sql);
            }
            // a function of the user's labelled IMMUTABLE that prints a timestamptz inside, and text @@ text (text search
            // under default_text_search_config): kept under the creator's settings, whatever the writer's
            exec(c, "CREATE FUNCTION l29.day_label(d int) RETURNS text IMMUTABLE LANGUAGE sql AS $f$ SELECT (timestamptz '2026-01-01 10:00+00'"
                    + " + d * interval '1 day')::text $f$; SET default_text_search_config = 'simple'");
            oracle.create("l29.tv_label", "SELECT g.pk_g AS pk_label, l29.day_label(g.pk_g) AS t FROM l29.tb_g g")
                    .create("l29.tv_match", "SELECT a.pk_a AS pk_match, (a.code @@ 'abcs') AS m FROM l29.tb_a a");
            for (String sql : new String[] {"INSERT INTO l29.tb_a VALUES (2, 1.0, 'abc', '{c}')", "UPDATE l29.tb_g SET pk_g = 5 WHERE pk_g = 4"}) {
                exec(w, sql);
                oracle.check(sql);
            }
            // (the oracle's session keeps the creator's configuration: it checks tv_match after every statement below too)
            // a partition and an inheritance child read directly: a statement naming the parent fires no statement trigger
            // on them (0.3.19 accepted them and missed those writes); functions of the user's that ASSERT, or raise another
            // error than RAISE's default, on rows the query filters out, on the changed rows and in the lookups
            exec(c, "CREATE TABLE l29.tb_ev (id int, kind text, ref text, PRIMARY KEY (id, kind)) PARTITION BY LIST (kind);"
                    + " CREATE TABLE l29.tb_ev_post PARTITION OF l29.tb_ev FOR VALUES IN ('post'); CREATE TABLE l29.tb_ev_other PARTITION OF l29.tb_ev DEFAULT;"
                    + " CREATE TABLE l29.tb_parent (id int PRIMARY KEY, v text); CREATE TABLE l29.tb_child (PRIMARY KEY (id)) INHERITS (l29.tb_parent);"
                    + " CREATE FUNCTION l29.checked_uid(t text) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN ASSERT t ~ '^[0-9]+$', 'not a uid';"
                    + " IF t = '0' THEN RAISE EXCEPTION 'zero' USING ERRCODE = 'check_violation'; END IF; RETURN t::int; END $f$;"
                    + " INSERT INTO l29.tb_ev VALUES (1, 'post', '1'), (2, 'post', '2'), (3, 'note', 'see #1')");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l29.tv_other', $q$SELECT e.id, e.ref FROM l29.tb_ev_other e$q$, '{\"key\": \"id\"}')")).isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('l29.tv_child', $q$SELECT ch.id, ch.v FROM l29.tb_child ch$q$, '{\"key\": \"id\"}')")).isEqualTo("0A000");
            // a partition that is itself partitioned, read directly: the same refusal (0.3.27 called it a child with another parent)
            exec(c, "CREATE TABLE l29.\"tb_ev s'ub\" PARTITION OF l29.tb_ev FOR VALUES IN ('sub') PARTITION BY RANGE (id);"
                    + " CREATE TABLE l29.tb_ev_sub_1 PARTITION OF l29.\"tb_ev s'ub\" FOR VALUES FROM (0) TO (1000)");
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l29.tv_sub', $q$SELECT e.id, e.ref FROM l29.\"tb_ev s'ub\" e$q$, '{\"key\": \"id\"}')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getMessage())
                            .contains("reads a partition or an inheritance child directly: l29.\"tb_ev s'ub\"").doesNotContain("another parent"));
            oracle.create("l29.tv_ev", "SELECT e.id, u.name FROM l29.tb_ev e JOIN l29.tb_du u ON u.id = l29.checked_uid(e.ref) WHERE e.kind = 'post'", "{\"key\": \"id\"}");
            for (String sql : new String[] {"INSERT INTO l29.tb_ev VALUES (4, 'note', 'x'), (5, 'note', '0')", "UPDATE l29.tb_du SET name = 'U1' WHERE id = 1",
                "UPDATE l29.tb_ev SET kind = 'post', ref = '2' WHERE id = 3", "DELETE FROM l29.tb_du WHERE id = 2"}) {
                exec(w, sql);
                oracle.check(sql);
            }
        }
    }

    /**
     * Keys pass between steps (queue, walks, the keyed recompute) as their type without a domain or a length (0.3.21): a
     * child's value that the key's domain CHECK, numeric(3,1) or varchar(3) cannot hold equals no key, and 0.3.20 failed
     * the write on it. Enum keys and join values are queued as their label: a label renamed in the transaction that
     * queued it (ALTER TYPE … RENAME VALUE) no longer reads, and 0.3.20 failed the COMMIT; the flush now refreshes such a
     * TVIEW fully, as its rows hold the enum's value, not its label.
     */
    @Test
    void keysPassAsTheirBaseTypeAndRenamedEnumLabelsStillCommit(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l30; SET search_path = l30, public");
            exec(c, "CREATE DOMAIN posint AS int CHECK (VALUE > 0); CREATE DOMAIN \"co'de\" AS varchar(3) CHECK (VALUE ~ '^[a-z]+$');"
                    + " CREATE TABLE \"tb pa'rent\" (id posint PRIMARY KEY, name text); CREATE TABLE tb_child (id int PRIMARY KEY, pid int, t text);"
                    + " CREATE TABLE tb_n (id numeric(3,1) PRIMARY KEY, name text); CREATE TABLE tb_nc (id int PRIMARY KEY, ref numeric);"
                    + " CREATE TABLE tb_c (code \"co'de\" PRIMARY KEY, name text); CREATE TABLE tb_cc (id int PRIMARY KEY, code text)");
            exec(c, "INSERT INTO \"tb pa'rent\" VALUES (1, 'p1'), (2, 'p2'); INSERT INTO tb_child VALUES (1, 1, 'c1');"
                    + " INSERT INTO tb_n VALUES (1.5, 'n'); INSERT INTO tb_nc VALUES (1, 1.5); INSERT INTO tb_c VALUES ('abc', 'c'); INSERT INTO tb_cc VALUES (1, 'abc')");
            String parent = "l30.\"tb pa'rent\"";
            String K = "{\"key\": \"id\"}";
            Oracle oracle = new Oracle(c)
                    .create("l30.tv_parent", "SELECT p.id, p.name, (SELECT count(*) FROM l30.tb_child c WHERE c.pid = p.id) AS n FROM " + parent + " p", K)
                    .create("l30.tv_child", "SELECT c.id, c.t, p.name FROM l30.tb_child c JOIN " + parent + " p ON p.id = c.pid", K)
                    .create("l30.tv_per_parent", "SELECT c.pid AS id, count(*) AS n FROM l30.tb_child c JOIN " + parent + " p ON p.id = c.pid GROUP BY c.pid", K)
                    .create("l30.tv_n", "SELECT n.id, n.name, (SELECT count(*) FROM l30.tb_nc c WHERE c.ref = n.id) AS refs FROM l30.tb_n n", K)
                    .create("l30.tv_c", "SELECT k.code, k.name, (SELECT count(*) FROM l30.tb_cc c WHERE c.code = k.code) AS refs FROM l30.tb_c k", "{\"key\": \"code\"}");
            oracle.run("INSERT INTO l30.tb_child VALUES (2, -5, 'neg')", "UPDATE l30.tb_child SET pid = 0 WHERE id = 1", "UPDATE l30.tb_child SET pid = 2",
                    "INSERT INTO l30.tb_nc VALUES (2, 12345.6), (3, 1.54), (4, 1.5)", "INSERT INTO l30.tb_cc VALUES (2, 'ABCDEF'), (3, 'abcdef'), (4, 'abc')",
                    "BEGIN", "UPDATE l30.tb_child SET pid = -pid", "UPDATE " + parent + " SET name = name || '!'", "UPDATE l30.tb_child SET pid = abs(pid)", "COMMIT");
            assertThat(value(c, "SELECT count(*) FROM l30.tb_child")).isEqualTo(2L);

            exec(c, "CREATE TYPE \"mo od\" AS ENUM ('sa''d', 'o k', 'hap|py'); CREATE TABLE tb_p (id int PRIMARY KEY, m \"mo od\", t text);"
                    + " CREATE TABLE tb_md (m \"mo od\" PRIMARY KEY, label text);"
                    + " INSERT INTO tb_md VALUES ('sa''d', 'S'), ('o k', 'O'), ('hap|py', 'H'); INSERT INTO tb_p VALUES (1, 'o k', 'x'), (2, 'sa''d', 'y')");
            oracle.create("l30.tv_mood", "SELECT p.m AS id, count(*) AS n FROM l30.tb_p p GROUP BY p.m", K)
                    .create("l30.tv_p", "SELECT p.id, p.t, d.label FROM l30.tb_p p JOIN l30.tb_md d ON d.m = p.m", K);
            exec(w, "SET search_path = l30, public");
            for (String sql : new String[] {"BEGIN", "INSERT INTO tb_p VALUES (3, 'o k', 'z')", "UPDATE tb_md SET label = 'OK' WHERE m = 'o k'",
                "ALTER TYPE \"mo od\" RENAME VALUE 'o k' TO 'fi''ne'", "INSERT INTO tb_p VALUES (4, 'fi''ne', 'w'), (5, 'sa''d', 'v')",
                "UPDATE tb_md SET label = 'SAD' WHERE m = 'sa''d'", "COMMIT",
                "BEGIN", "UPDATE tb_p SET m = 'hap|py' WHERE id = 1", "SAVEPOINT s", "ALTER TYPE \"mo od\" RENAME VALUE 'hap|py' TO 'glad'",
                "ROLLBACK TO SAVEPOINT s", "UPDATE tb_md SET label = 'HAPPY' WHERE m = 'hap|py'", "COMMIT"}) {
                exec(w, sql);
            }
            oracle.check("enum labels renamed while queued");
            assertThat(value(c, "SELECT string_agg(id::text || '=' || n, ',' ORDER BY id) FROM l30.tv_mood")).isEqualTo("sa'd=2,fi'ne=2,hap|py=1");
            assertThat(value(c, "SELECT count(*) FROM l30.tv_p WHERE label IN ('OK', 'SAD', 'HAPPY')")).isEqualTo(5L);
        }
    }

    /**
     * Window functions partitioned by a never-NULL column of the one table their level reads (0.3.18; 0.3.17 refused every
     * window): a row's values depend only on the rows of its partition, which a change leaves and enters by its old and
     * new partition value, so the table's paths get twins that first hop into it by that column. Top-N per group, a
     * row number, running sums, neighbours and tiles, through a subquery and a correlated document, through moves,
     * key changes, deletes, TRUNCATE and rolled-back savepoints. Refused: no PARTITION BY, a nullable or expression
     * partition, a subquery at the window's level, and functions that read the order among rows the ORDER BY leaves tied.
     * (Windows over joins: {@link #windowsOverJoinsFollowThePartitionsOfTheRowsAChangeReaches}.)
     */
    @Test
    void windowsPartitionedByAColumnOfTheirTableFollowThePartition(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l24; SET search_path = l24, public");
            exec(c, "CREATE TABLE tb_forum (pk_forum int PRIMARY KEY, name text NOT NULL);"
                    + " CREATE TABLE \"tb sc'|ore\" (pk_score int PRIMARY KEY, \"fk\nforum\" int NOT NULL, fk_maybe int, points int NOT NULL, live boolean NOT NULL)");
            exec(c, "INSERT INTO tb_forum SELECT g, 'f' || g FROM generate_series(1, 4) g;"
                    + " INSERT INTO \"tb sc'|ore\" SELECT g, 1 + g % 4, CASE WHEN g % 5 > 0 THEN g % 3 END, g % 6, g % 7 <> 0 FROM generate_series(1, 30) g");
            String t = "l24.\"tb sc'|ore\"";
            String f = "s.\"fk\nforum\"";
            Oracle oracle = new Oracle(c)
                    .create("l24.tv_top", "SELECT x.pk_score AS pk_top, x.r FROM (SELECT s.pk_score, rank() OVER (PARTITION BY " + f + " ORDER BY s.points DESC) AS r"
                            + " FROM " + t + " s WHERE s.live) x WHERE x.r <= 2")
                    .create("l24.tv_row", "SELECT s.pk_score AS pk_row, row_number() OVER win AS n, sum(s.points) OVER win AS running,"
                            + " lag(s.pk_score) OVER win AS prev, ntile(3) OVER win AS tile, count(*) OVER (PARTITION BY " + f + ") AS size"
                            + " FROM " + t + " s WINDOW win AS (PARTITION BY " + f + " ORDER BY s.points, s.pk_score)")
                    .create("l24.tv_maybe", "SELECT s.pk_score AS pk_maybe, dense_rank() OVER (PARTITION BY s.fk_maybe ORDER BY s.points) AS d FROM " + t + " s"
                            + " WHERE s.fk_maybe IS NOT NULL")
                    .create("l24.tv_forum", "SELECT fo.pk_forum, fo.name, (SELECT jsonb_agg(x.pk_score ORDER BY x.pk_score) FROM (SELECT s.pk_score, " + f + " AS forum,"
                            + " percent_rank() OVER (PARTITION BY " + f + " ORDER BY s.points) AS pr FROM " + t + " s) x WHERE x.forum = fo.pk_forum AND x.pr = 0) AS lowest"
                            + " FROM l24.tb_forum fo");
            assertThat(dependencyKinds(c, "l24")).isEqualTo("keyed");
            String[] writes = {"UPDATE " + t + " SET points = 9 WHERE pk_score = 3", "UPDATE " + t + " SET \"fk\nforum\" = 2 WHERE pk_score % 5 = 1",
                "UPDATE " + t + " SET live = NOT live WHERE pk_score % 4 = 0", "INSERT INTO " + t + " VALUES (31, 3, 1, 10, true), (32, 3, NULL, 10, true)",
                "UPDATE " + t + " SET fk_maybe = NULL WHERE pk_score = 6", "UPDATE " + t + " SET fk_maybe = 2 WHERE pk_score = 32",
                "UPDATE " + t + " SET pk_score = 40 WHERE pk_score = 2", "DELETE FROM " + t + " WHERE \"fk\nforum\" = 4",
                "BEGIN; UPDATE " + t + " SET points = 0 WHERE pk_score = 31; SAVEPOINT a; UPDATE " + t + " SET \"fk\nforum\" = 1; ROLLBACK TO a; COMMIT",
                "UPDATE l24.tb_forum SET name = 'renamed' WHERE pk_forum = 1", "TRUNCATE " + t};
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT s.pk_score AS pk_r, row_number() OVER (ORDER BY s.pk_score) AS n FROM " + t + " s", "not partitioned");
            refused.put("SELECT s.pk_score AS pk_r, rank() OVER (PARTITION BY s.fk_maybe ORDER BY s.points) AS n FROM " + t + " s", "never NULL");
            refused.put("SELECT s.pk_score AS pk_r, rank() OVER (PARTITION BY " + f + " % 2 ORDER BY s.points) AS n FROM " + t + " s", "not partitioned");
            refused.put("SELECT s.pk_score AS pk_r, rank() OVER (PARTITION BY " + f + " ORDER BY fo.name) AS n FROM " + t + " s JOIN (SELECT * FROM l24.tb_forum) fo"
                    + " ON fo.pk_forum = " + f, "a view, a subquery or a function");
            refused.put("SELECT s.pk_score AS pk_r, row_number() OVER (PARTITION BY " + f + " ORDER BY s.points) AS n FROM " + t + " s", "row_number reads the order");
            refused.put("SELECT s.pk_score AS pk_r, sum(s.points) OVER (PARTITION BY " + f + " ORDER BY s.points ROWS 1 PRECEDING) AS n FROM " + t + " s",
                    "sum reads the order");
            refused.put("SELECT s.pk_score AS pk_r, string_agg(s.pk_score::text, ',') OVER (PARTITION BY " + f + ") AS n FROM " + t + " s", "string_agg reads the order");
            for (Map.Entry<String, String> e : refused.entrySet()) {
                assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l24.tv_r', $q$" + e.getKey() + "$q$)")).as(e.getKey())
                        .isInstanceOfSatisfying(SQLException.class, x -> {
                            assertThat(x.getSQLState()).isEqualTo("0A000");
                            assertThat(x.getMessage()).contains("window functions").contains(e.getValue());
                        });
            }
        }
    }

    @Test
    void arraysOfKeysAreFollowedBothWays(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l20; SET search_path = l20, public");
            exec(c, "CREATE TABLE \"tb t'|ag\" (pk_tag int PRIMARY KEY, name text NOT NULL, fk_group int);"
                    + " CREATE TABLE tb_group (pk_group int PRIMARY KEY, label text, member_tags int[]);"
                    + " CREATE TABLE tb_post (pk_post int PRIMARY KEY, title text, \"tag\nids\" int[]) PARTITION BY RANGE (pk_post);"
                    + " CREATE TABLE tb_post_low PARTITION OF tb_post FOR VALUES FROM (1) TO (10); CREATE TABLE tb_post_rest PARTITION OF tb_post DEFAULT;"
                    + " CREATE INDEX ON tb_post USING gin (\"tag\nids\");"
                    + " CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text);"
                    + " CREATE TABLE tb_user (pk_user int PRIMARY KEY, roles text[] NOT NULL DEFAULT '{}'); CREATE TABLE tb_role (code text PRIMARY KEY, label text)");
            exec(c, "INSERT INTO l20.\"tb t'|ag\" SELECT g, 'tag' || g, 1 + g % 3 FROM generate_series(1, 8) g;"
                    + " INSERT INTO tb_group SELECT g, 'g' || g, ARRAY[g, g + 1] FROM generate_series(1, 3) g;"
                    + " INSERT INTO tb_post SELECT g, 'p' || g, ARRAY[1 + g % 8, 1 + (g * 3) % 8] FROM generate_series(1, 14) g;"
                    + " INSERT INTO tb_comment SELECT g, 1 + g % 14, 'c' || g FROM generate_series(1, 20) g;"
                    + " INSERT INTO tb_role VALUES ('admin', 'A'), ('ed', 'E'); INSERT INTO tb_user VALUES (1, '{admin}'), (2, '{ed,x}'), (3, '{}')");
            String tag = "l20.\"tb t'|ag\"";
            Oracle oracle = new Oracle(c)
                    // a post with its tags' names; a tag with the posts that carry it (an array on either side of the hop)
                    .create("l20.tv_post", "SELECT p.pk_post, p.title, (SELECT jsonb_agg(t.name ORDER BY t.pk_tag) FROM " + tag + " t"
                            + " WHERE t.pk_tag = ANY(p.\"tag\nids\")) AS tags FROM tb_post p")
                    .create("l20.tv_tag", "SELECT t.pk_tag, t.name, (SELECT count(*) FROM tb_post p WHERE t.pk_tag = ANY(p.\"tag\nids\")) AS n FROM " + tag + " t")
                    // a join that makes rows appear and disappear, two hops (comment -> post -> tags -> group), array to array
                    .create("l20.tv_tagged", "SELECT p.pk_post AS pk_tagged, jsonb_agg(t.name ORDER BY t.pk_tag) AS names FROM tb_post p"
                            + " JOIN " + tag + " t ON t.pk_tag = ANY(p.\"tag\nids\") GROUP BY p.pk_post")
                    .create("l20.tv_comment", "SELECT c.pk_comment, (SELECT jsonb_agg(jsonb_build_object('tag', t.name, 'group', g.label) ORDER BY t.pk_tag)"
                            + " FROM tb_post p JOIN " + tag + " t ON t.pk_tag = ANY(p.\"tag\nids\") LEFT JOIN tb_group g ON g.pk_group = t.fk_group"
                            + " WHERE p.pk_post = c.fk_post) AS tags FROM tb_comment c")
                    .create("l20.tv_group", "SELECT g.pk_group, (SELECT jsonb_agg(DISTINCT p.pk_post) FROM " + tag + " t JOIN tb_post p ON t.pk_tag = ANY(p.\"tag\nids\")"
                            + " WHERE t.pk_tag = ANY(g.member_tags)) AS posts FROM tb_group g")
                    .create("l20.tv_user", "SELECT u.pk_user, EXISTS (SELECT 1 FROM tb_role r WHERE r.code = ANY(u.roles) AND r.label = 'A') AS admin FROM tb_user u")
                    // the same membership written with the array operators: arr @> ARRAY[x, y], ARRAY[x] <@ arr, arr && ARRAY[x]
                    .create("l20.tv_contains", "SELECT t.pk_tag AS pk_contains, (SELECT count(*) FROM tb_post p WHERE p.\"tag\nids\" @> ARRAY[t.pk_tag, t.fk_group]) AS n"
                            + " FROM " + tag + " t")
                    .create("l20.tv_within", "SELECT p.pk_post AS pk_within, (SELECT jsonb_agg(t.name ORDER BY t.pk_tag) FROM " + tag + " t"
                            + " WHERE ARRAY[t.pk_tag] <@ p.\"tag\nids\" OR p.\"tag\nids\" && ARRAY[t.fk_group]) AS tags FROM tb_post p")
                    // and unnest(arr) in FROM: its column is an element of the array
                    .create("l20.tv_unnested", "SELECT t.pk_tag AS pk_unnested, count(p.pk_post) AS n FROM " + tag + " t"
                            + " LEFT JOIN (tb_post p CROSS JOIN LATERAL unnest(p.\"tag\nids\") WITH ORDINALITY x(id, o)) ON x.id = t.pk_tag GROUP BY t.pk_tag");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l20' AND d->>'kind' <> 'keyed'"))
                    .as("keyed, not refreshed fully").isEqualTo(0L);
            String[] writes = {"UPDATE " + tag + " SET name = 'TWO' WHERE pk_tag = 2", "UPDATE tb_post SET \"tag\nids\" = '{5,5,NULL,7}' WHERE pk_post = 3",
                "UPDATE tb_post SET \"tag\nids\" = array_append(\"tag\nids\", 9) WHERE pk_post % 3 = 0", "INSERT INTO " + tag + " VALUES (9, 'late', 2)",
                "UPDATE tb_post SET \"tag\nids\" = NULL WHERE pk_post = 4", "UPDATE tb_post SET pk_post = pk_post + 20 WHERE pk_post IN (5, 12)",
                "UPDATE " + tag + " SET pk_tag = 10 WHERE pk_tag = 1", "DELETE FROM " + tag + " WHERE pk_tag = 7", "UPDATE " + tag + " SET fk_group = 3 WHERE pk_tag = 3",
                "UPDATE tb_group SET member_tags = '{9,10,3}' WHERE pk_group = 1", "UPDATE tb_group SET label = 'G' WHERE pk_group = 3",
                "INSERT INTO tb_post VALUES (30, 'new', '{10,9}')", "DELETE FROM tb_post WHERE pk_post = 2", "UPDATE tb_comment SET fk_post = 30 WHERE pk_comment < 4",
                "UPDATE tb_user SET roles = '{ed,admin}' WHERE pk_user = 2", "UPDATE tb_role SET label = 'X' WHERE code = 'admin'",
                "INSERT INTO tb_role VALUES ('x', 'A')", "TRUNCATE " + tag};
            exec(w, "SET search_path = l20, public");
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // only x = ANY(arr) (or its array-operator forms) with an array of x's own type links: no cast, no <> ALL, no other
            // collation, no overlap with two values (an OR), no "arr within ARRAY[x]" (arr may be empty)
            exec(c, "CREATE TABLE tb_big (pk_big int PRIMARY KEY, ids bigint[], names text[] COLLATE \"C\")");
            for (String q : new String[] {"(SELECT count(*) FROM l20.tb_big b WHERE t.pk_tag = ANY(b.ids))",
                    "(SELECT count(*) FROM l20.tb_post p WHERE t.pk_tag <> ALL(p.\"tag\nids\"))",
                    "(SELECT count(*) FROM l20.tb_big b WHERE t.name = ANY(b.names))",
                    "(SELECT count(*) FROM l20.tb_post p WHERE p.\"tag\nids\" && ARRAY[t.pk_tag, 3])",
                    "(SELECT count(*) FROM l20.tb_post p WHERE p.\"tag\nids\" <@ ARRAY[t.pk_tag])"}) {
                assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l20.tv_refused', $q$SELECT t.pk_tag AS pk_refused, " + q + " AS n FROM " + tag + " t$q$)"))
                        .as(q).hasMessageContaining("cannot trace changes of l20.");
            }
        }
    }

    @Test
    void keysThatAreExpressionsOfEachUnionBranchAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l22; SET search_path = l22, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, handle text);"
                    + " CREATE TABLE \"tb po'st\" (pk_post int PRIMARY KEY, fk_user int, title text);"
                    + " CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, fk_user int, body text);"
                    + " INSERT INTO tb_user SELECT g, 'u' || g, 'h' || (g % 3) FROM generate_series(1, 6) g;"
                    + " INSERT INTO l22.\"tb po'st\" SELECT g, 1 + g % 6, 't' || g FROM generate_series(1, 10) g;"
                    + " INSERT INTO tb_comment SELECT g, 1 + g % 10, 1 + g % 6, 'c' || g FROM generate_series(1, 15) g");
            String post = "l22.\"tb po'st\"";
            Oracle oracle = new Oracle(c)
                    // an activity feed: each branch keys its rows by an expression of its own table
                    .create("l22.tv_feed", "SELECT 'post-' || p.pk_post AS pk_feed, u.name AS who, p.title AS what FROM " + post + " p"
                            + " JOIN l22.tb_user u ON u.pk_user = p.fk_user UNION ALL SELECT 'comment-' || c.pk_comment, u.name, c.body || ' on ' || p.title"
                            + " FROM l22.tb_comment c JOIN l22.tb_user u ON u.pk_user = c.fk_user JOIN " + post + " p ON p.pk_post = c.fk_post")
                    // three branches under UNION, one of them keyed by a column; EXCEPT; integer expressions
                    .create("l22.tv_mixed", "SELECT u.handle || '#' || u.pk_user AS pk_mixed, u.name FROM l22.tb_user u UNION SELECT 'p' || p.pk_post, p.title FROM "
                            + post + " p WHERE EXISTS (SELECT 1 FROM l22.tb_comment c WHERE c.fk_post = p.pk_post) UNION SELECT c.body, c.body FROM l22.tb_comment c")
                    .create("l22.tv_except", "SELECT p.pk_post * 10 + 1 AS pk_except, p.title FROM " + post + " p"
                            + " EXCEPT SELECT c.fk_post * 10 + 1, 't' || c.fk_post FROM l22.tb_comment c WHERE c.body LIKE '%x'");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'l22' AND d->>'kind' <> 'keyed'"))
                    .as("keyed, not refreshed fully").isEqualTo(0L);
            String[] writes = {"UPDATE l22.tb_user SET name = 'A' WHERE pk_user = 1", "UPDATE " + post + " SET title = 'T2' WHERE pk_post = 2",
                "INSERT INTO l22.tb_comment VALUES (30, 2, 2, 'new')", "UPDATE l22.tb_comment SET pk_comment = 31 WHERE pk_comment = 3",
                "UPDATE l22.tb_comment SET body = body || 'x' WHERE fk_post = 4", "UPDATE " + post + " SET pk_post = 40 WHERE pk_post = 5",
                "UPDATE l22.tb_user SET handle = 'hz' WHERE pk_user = 2", "DELETE FROM " + post + " WHERE pk_post = 1", "DELETE FROM l22.tb_user WHERE pk_user = 3",
                "UPDATE l22.tb_comment SET fk_post = 9 WHERE pk_comment < 6"};
            exec(w, "SET search_path = l22, public");
            for (String sql : writes) {
                exec(w, sql);
                oracle.check(sql);
            }
            // a branch in parentheses (a nested set operation) and a DISTINCT branch: followed since 0.3.20, each branch's expression
            // found in the SELECT list the definition prints (0.3.19 refused them)
            oracle.create("l22.tv_nested", "(SELECT 'u' || u.pk_user AS pk_nested FROM l22.tb_user u UNION ALL SELECT 'p' || p.pk_post FROM " + post + " p)"
                    + " EXCEPT SELECT 'p' || c.fk_post FROM l22.tb_comment c")
                    .create("l22.tv_distinct", "SELECT 'u' || u.pk_user AS pk_distinct, u.name FROM l22.tb_user u UNION ALL SELECT DISTINCT 'p' || p.pk_post, p.title"
                            + " FROM " + post + " p");
            oracle.run("UPDATE l22.tb_comment SET fk_post = 2 WHERE pk_comment = 31", "DELETE FROM l22.tb_comment WHERE fk_post = 9",
                    "UPDATE " + post + " SET pk_post = 41 WHERE pk_post = 40", "UPDATE l22.tb_user SET name = 'B' WHERE pk_user = 2");
            // per-group rows beside a grand total keyed by a constant (since 0.3.23; refused before, hunt 7): every table of the
            // constant branch, at any depth, maps to that one key; keyed, not refreshed in full. GROUP BY () over aggregates is the same one group
            // (0.3.24; refused before, with a message about GROUPING SETS)
            oracle.create("l22.tv_sales", "SELECT 'user-' || p.fk_user AS pk_sales, count(*) AS n, max(p.title) AS last FROM " + post + " p"
                    + " WHERE p.fk_user IS NOT NULL GROUP BY p.fk_user UNION ALL SELECT 'total', count(*), (SELECT max(u.name) FROM l22.tb_user u)"
                    + " FROM " + post + " p UNION ALL SELECT 'comments', count(*), NULL FROM l22.tb_comment c WHERE EXISTS"
                    + " (SELECT 1 FROM " + post + " p WHERE p.pk_post = c.fk_post) GROUP BY () HAVING count(*) > 0");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.entity = 'l22.sales' AND d->>'kind' <> 'keyed'"))
                    .as("keyed, not refreshed fully").isEqualTo(0L);
            oracle.run("INSERT INTO " + post + " VALUES (50, 2, 'zz'), (51, NULL, 'orphan')", "UPDATE " + post + " SET fk_user = 3 WHERE pk_post = 50",
                    "UPDATE l22.tb_user SET name = 'zed' WHERE pk_user = 4", "DELETE FROM " + post + " WHERE pk_post = 2",
                    "INSERT INTO l22.tb_comment VALUES (60, 50, 1, 'on 50'), (61, 999, 1, 'on nothing')", "TRUNCATE l22.tb_comment",
                    "BEGIN", "DELETE FROM " + post + " WHERE fk_user = 3", "SAVEPOINT s", "DELETE FROM l22.tb_user", "ROLLBACK TO SAVEPOINT s", "COMMIT");
            // a key of two tables: refused
            String two = "SELECT 'u' || u.pk_user AS pk_refused FROM l22.tb_user u UNION ALL SELECT c.pk_comment || '-' || p.fk_user FROM l22.tb_comment c JOIN "
                    + post + " p ON p.pk_post = c.fk_post";
            assertThatThrownBy(() -> exec(c, "SELECT pg_tviews_create('l22.tv_refused', $q$" + two + "$q$)")).as(two).hasMessageContaining("cannot trace changes of l22.");
        }
    }

    @Test
    void aColumnRenamedUnderAViewIsFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l21; SET search_path = l21, public");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, title text); CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int, body text);"
                    + " CREATE VIEW v_comment AS SELECT pk_comment, fk_post AS post, body FROM tb_comment;"
                    + " INSERT INTO tb_post VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_comment VALUES (1, 1, 'x')");
            Oracle oracle = new Oracle(c).create("l21.tv_post", "SELECT p.pk_post, (SELECT count(*) FROM l21.v_comment c WHERE c.post = p.pk_post) AS n FROM l21.tb_post p");
            // the view keeps its column names, so the definition reads as before; the generated code names the table's column
            oracle.run("ALTER TABLE tb_comment RENAME COLUMN fk_post TO \"fk post\"", "INSERT INTO tb_comment VALUES (2, 1, 'y'), (3, 2, 'z')",
                    "UPDATE tb_comment SET \"fk post\" = 2 WHERE pk_comment = 1");
            assertThat(value(c, "SELECT string_agg(component || ': ' || message, '; ') FROM pg_tviews_health_check() WHERE status <> 'OK'")).isNull();
        }
    }

    @Test
    void filtersOnParentsMakeRowsAppearAndDisappear(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l4; SET search_path = l4, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, active boolean NOT NULL)");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user DEFERRABLE INITIALLY DEFERRED, title text)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a', true), (2, 'b', false), (3, 'c', true)");
            exec(c, "INSERT INTO tb_post SELECT g, 1 + g % 3, 't' || g FROM generate_series(1, 12) g");
            Oracle o = new Oracle(c)
                    .create("l4.tv_post", "SELECT p.pk_post, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user WHERE u.active")
                    .create("l4.tv_active_author", "SELECT u.pk_user AS pk_active_author, u.name FROM tb_user u"
                            + " WHERE EXISTS (SELECT 1 FROM tb_post p WHERE p.fk_user = u.pk_user)");
            o.run("UPDATE tb_user SET active = true WHERE pk_user = 2",
                    "UPDATE tb_user SET active = false WHERE pk_user = 1",
                    "DELETE FROM tb_post WHERE fk_user = 3",
                    "INSERT INTO tb_post VALUES (50, 3, 'back')");
            // a child inserted before its parent (deferred foreign key): the row appears with the parent
            exec(c, "BEGIN");
            o.run("INSERT INTO tb_post VALUES (60, 4, 'early')", "INSERT INTO tb_user VALUES (4, 'late', true)");
            exec(c, "COMMIT");
            o.check("commit");
            assertThat(value(c, "SELECT name FROM tv_post WHERE pk_post = 60")).isEqualTo("late");
        }
    }

    @Test
    void manyToManyAndGrandchildren(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l5; SET search_path = l5, public");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, title text)");
            exec(c, "CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, name text)");
            exec(c, "CREATE TABLE tb_post_tag (fk_post int REFERENCES tb_post, fk_tag int REFERENCES tb_tag, PRIMARY KEY (fk_post, fk_tag))");
            exec(c, "CREATE TABLE tb_order (pk_order int PRIMARY KEY, customer text)");
            exec(c, "CREATE TABLE tb_product (pk_product int PRIMARY KEY, name text, price numeric)");
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_order int REFERENCES tb_order, fk_product int REFERENCES tb_product, qty int)");
            exec(c, "INSERT INTO tb_post SELECT g, 'p' || g FROM generate_series(1, 6) g; INSERT INTO tb_tag SELECT g, 'tag' || g FROM generate_series(1, 4) g");
            exec(c, "INSERT INTO tb_post_tag SELECT p, t FROM generate_series(1, 6) p, generate_series(1, 4) t WHERE (p + t) % 3 = 0");
            exec(c, "INSERT INTO tb_order SELECT g, 'c' || g FROM generate_series(1, 5) g; INSERT INTO tb_product SELECT g, 'prod' || g, g * 10 FROM generate_series(1, 4) g");
            exec(c, "INSERT INTO tb_item SELECT g, 1 + g % 5, 1 + g % 4, g FROM generate_series(1, 15) g");
            new Oracle(c)
                    .create("l5.tv_post", "SELECT p.pk_post, p.title, (SELECT jsonb_agg(t.name ORDER BY t.name) FROM tb_post_tag pt"
                            + " JOIN tb_tag t ON t.pk_tag = pt.fk_tag WHERE pt.fk_post = p.pk_post) AS tags FROM tb_post p")
                    .create("l5.tv_tag", "SELECT t.pk_tag, t.name, (SELECT count(*) FROM tb_post_tag pt JOIN tb_post p ON p.pk_post = pt.fk_post"
                            + " WHERE pt.fk_tag = t.pk_tag AND p.title LIKE 'p%') AS n FROM tb_tag t")
                    .create("l5.tv_order", "SELECT o.pk_order, o.customer, jsonb_agg(jsonb_build_object('product', pr.name, 'qty', i.qty)"
                            + " ORDER BY i.pk_item) AS items, sum(i.qty * pr.price) AS total FROM tb_order o JOIN tb_item i ON i.fk_order = o.pk_order"
                            + " JOIN tb_product pr ON pr.pk_product = i.fk_product GROUP BY o.pk_order, o.customer")
                    .run("UPDATE tb_tag SET name = 'renamed' WHERE pk_tag = 2",
                            "INSERT INTO tb_post_tag VALUES (1, 1)",
                            "DELETE FROM tb_post_tag WHERE fk_tag = 3",
                            "UPDATE tb_post SET title = 'new' WHERE pk_post = 2",
                            "UPDATE tb_product SET price = price + 1 WHERE pk_product = 3",
                            "UPDATE tb_item SET fk_order = 5 WHERE fk_order = 1",
                            "DELETE FROM tb_item WHERE fk_order = 2",
                            "INSERT INTO tb_item VALUES (99, 2, 1, 7)",
                            "UPDATE tb_product SET name = upper(name)");
        }
    }

    @Test
    void aRenamedKeyFromAChildTableAddsAndRemovesRows(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l6; SET search_path = l6, public");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, title text)");
            exec(c, "CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int REFERENCES tb_post, body text)");
            exec(c, "INSERT INTO tb_post SELECT g, 'p' || g FROM generate_series(1, 4) g; INSERT INTO tb_comment SELECT g, 1 + g % 4, 'b' || g FROM generate_series(1, 8) g");
            new Oracle(c).create("l6.tv_feed", "SELECT c.pk_comment AS pk_feed, c.body, p.title FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post")
                    .run("INSERT INTO tb_comment VALUES (20, 2, 'new')", "UPDATE tb_post SET title = 'T' WHERE pk_post = 2",
                            "UPDATE tb_comment SET fk_post = 3 WHERE pk_comment = 20", "DELETE FROM tb_comment WHERE pk_comment = 1");
        }
    }

    @Test
    void nonDeterministicQueriesAreRefusedWithAMessage(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l7; SET search_path = l7, public");
            exec(c, "CREATE TABLE tb_x (pk_x int PRIMARY KEY, grp int, v text)");
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT pk_x, v FROM tb_x ORDER BY pk_x LIMIT 10", "LIMIT");
            refused.put("SELECT pk_x, v FROM tb_x OFFSET 1", "LIMIT/OFFSET");
            refused.put("SELECT pk_x, row_number() OVER (ORDER BY v) AS r FROM tb_x", "window");
            refused.put("SELECT pk_x, random() AS r FROM tb_x", "random");
            refused.put("SELECT pk_x, clock_timestamp() AS t FROM tb_x", "clock_timestamp");
            refused.put("SELECT pk_x, now() AS t FROM tb_x", "now");
            refused.put("SELECT pk_x, CURRENT_USER AS u FROM tb_x", "CURRENT_USER");
            refused.put("SELECT pk_x, v FROM tb_x TABLESAMPLE BERNOULLI (50)", "TABLESAMPLE");
            refused.put("SELECT x.grp AS pk_x, jsonb_agg(x.v) AS vs FROM tb_x x GROUP BY x.grp", "jsonb_agg");
            // (a repeated key keeps the value read last; 0.3.9 accepted it)
            refused.put("SELECT x.grp AS pk_x, jsonb_object_agg('v', x.v) AS vs FROM tb_x x GROUP BY x.grp", "jsonb_object_agg");
            refused.put("SELECT pk_x FROM tb_x WHERE pk_x IN (SELECT pk_x FROM tb_x ORDER BY v LIMIT 3)", "LIMIT");
            // STABLE functions of pg_catalog that read the clock, the transaction, the session or the catalog (0.3.14 had a
            // list of ten and accepted these)
            refused.put("SELECT pk_x, age(v::timestamptz) AS a FROM tb_x", "age(timestamp with time zone)");
            refused.put("SELECT pk_x, txid_current() AS t FROM tb_x", "txid_current()");
            refused.put("SELECT pk_x, has_table_privilege(v, 'SELECT') AS p FROM tb_x", "has_table_privilege");
            refused.put("SELECT pk_x, pg_trigger_depth() AS d FROM tb_x", "pg_trigger_depth()");
            refused.put("SELECT pk_x, version() AS d FROM tb_x", "version()");
            refused.put("SELECT pk_x, \"current_user\"() AS u FROM tb_x", "current_user");
            refused.put("SELECT pk_x, v::time::timetz AS t FROM tb_x", "timetz(time without time zone)");
            refused.put("SELECT pk_x, v::regclass AS r FROM tb_x", "regclass(text)");
            refused.put("SELECT pk_x, to_jsonb(grp::regtype) AS r FROM tb_x", "object identifier type");
            assertRefused(c, "l7.tv_x", "{}", refused);
            // ordered aggregates and DISTINCT ON the key stay accepted
            exec(c, "INSERT INTO tb_x SELECT g, g % 3, 'v' || g FROM generate_series(1, 9) g");
            new Oracle(c).create("l7.tv_grp", "SELECT x.grp AS pk_grp, jsonb_agg(x.v ORDER BY x.pk_x) AS vs FROM tb_x x GROUP BY x.grp")
                    .create("l7.tv_first", "SELECT DISTINCT ON (x.grp) x.grp AS pk_first, x.v FROM tb_x x ORDER BY x.grp, x.pk_x")
                    // STABLE functions whose result depends on their arguments and the settings the TVIEW pins
                    .create("l7.tv_fmt", "SELECT x.pk_x AS pk_fmt, format('%s-%s', x.grp, x.v) AS f, concat_ws('/', x.v, x.grp) AS c,"
                            + " age(timestamptz '2026-01-01', timestamptz '2025-01-01' + x.grp * interval '1 day') AS a,"
                            + " to_char(timestamptz '2026-01-01' + x.pk_x * interval '1 hour', 'YYYY-MM-DD HH24') AS h FROM tb_x x")
                    .run("UPDATE tb_x SET grp = 5 WHERE pk_x = 3", "DELETE FROM tb_x WHERE pk_x = 1", "INSERT INTO tb_x VALUES (0, 1, 'first')");
        }
    }

    /**
     * WITH RECURSIVE (0.3.16; refused outright before). Each round joins the round before, so an equality of the recursive
     * term proves no lineage by itself. A chain walked through one table (breadcrumbs up, a subtree down) is followed by a
     * closure hop: a changed category reaches the categories whose chains hold it, and their items, by key; since 0.3.30
     * also a tree listed from its roots (treesListedFromTheirRootsAreFollowedDownTheirSubtrees), since 0.3.33 also one whose
     * recursive term joins another table to T's row. Other recursive queries (a table joined to the CTE's row) are refused, or with uncascaded_policy = full_refresh
     * refreshed in full. A chain walked one row per round and numbered is told apart by its round number, so an aggregate ordered by it
     * is accepted; a walk with several rows per round is not.
     */
    @Test
    void recursiveChainsAreFollowedByKeyAndOtherRecursionRefreshedInFull(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA lrec; SET search_path = lrec, public");
            exec(c, """
                    CREATE TABLE "tb cat'|" ("pk cat" int PRIMARY KEY, fk_parent int, "näme" text);
                    CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_cat int, title text);
                    INSERT INTO "tb cat'|" VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 3, 'c'), (5, 1, 'd'), (6, 5, 'e');
                    INSERT INTO tb_item SELECT g, 1 + g % 6, 'i' || g FROM generate_series(1, 12) g""");
            String up = "WITH RECURSIVE up(id, par, name, d) AS (SELECT c2.\"pk cat\", c2.fk_parent, c2.\"näme\", 0 FROM \"tb cat'|\" c2 WHERE c2.\"pk cat\" = %s"
                    + " UNION ALL SELECT p.\"pk cat\", p.fk_parent, p.\"näme\", up.d + 1 FROM up JOIN \"tb cat'|\" p ON p.\"pk cat\" = up.par WHERE up.d < 50)";
            String down = "WITH RECURSIVE dn(id, d) AS (SELECT c2.\"pk cat\", 0 FROM \"tb cat'|\" c2 WHERE c2.\"pk cat\" = c.\"pk cat\""
                    + " UNION ALL SELECT k.\"pk cat\", dn.d + 1 FROM dn JOIN \"tb cat'|\" k ON k.fk_parent = dn.id WHERE dn.d < 50)";
            String crumbs = "SELECT c.\"pk cat\" AS pk_cat, c.\"näme\", (" + up.formatted("c.\"pk cat\"")
                    + " SELECT string_agg(up.name, '/' ORDER BY up.d DESC) FROM up) AS path FROM \"tb cat'|\" c";
            String item = "SELECT i.pk_item, i.title, (" + up.formatted("i.fk_cat")
                    + " SELECT jsonb_agg(jsonb_build_object('id', up.id, 'name', up.name) ORDER BY up.d DESC) FROM up) AS crumbs FROM tb_item i";
            String subtree = "SELECT c.\"pk cat\" AS pk_sub, (" + down + " SELECT count(*) FROM dn) AS size, (" + down + " SELECT max(dn.d) FROM dn) AS height"
                    + " FROM \"tb cat'|\" c";
            String tree = "WITH RECURSIVE t(id, root, depth) AS (SELECT c.\"pk cat\", c.\"pk cat\", 0 FROM \"tb cat'|\" c WHERE c.fk_parent IS NULL"
                    + " UNION ALL SELECT c.\"pk cat\", t.root, t.depth + 1 FROM t JOIN \"tb cat'|\" c ON c.fk_parent = t.id) SELECT t.id AS pk_tree, t.root, t.depth FROM t";
            // a tree listed from its roots whose recursive term joins another table to T's row: since 0.3.33 followed (a
            // change there reaches that node's subtree); joined to the CTE's row instead, refused
            String decorated = tree.replace("FROM t JOIN \"tb cat'|\" c ON c.fk_parent = t.id", "FROM t JOIN \"tb cat'|\" c ON c.fk_parent = t.id JOIN tb_item i ON i.pk_item = c.\"pk cat\"")
                    .replace("t.depth + 1", "t.depth + length(i.title)");
            assertThat(decorated).isNotEqualTo(tree);
            assertRefused(c, "lrec.tv_x", "{\"key\": \"pk_tree\"}", Map.of(decorated.replace("i.pk_item = c.\"pk cat\"", "i.pk_item = t.id"), "WITH RECURSIVE"),
                    "uncascaded_policy");
            // an anchor that selects the outer row's own column (not a table of its own): 0.3.23 – 0.3.30 refused it (0.3.22
            // failed with an internal 22P02, hunt 9); since 0.3.31 the outer row is the anchor of its own chain (hunt 31)
            String outer = "SELECT c.\"pk cat\" AS pk_dep, (WITH RECURSIVE r(id, par, d) AS (SELECT c.\"pk cat\", c.fk_parent, 0 UNION ALL"
                    + " SELECT k.\"pk cat\", k.fk_parent, r.d + 1 FROM r JOIN \"tb cat'|\" k ON k.\"pk cat\" = r.par WHERE r.d < 50) SELECT count(*) FROM r) AS depth"
                    + " FROM \"tb cat'|\" c";
            String itemUp = "SELECT i.pk_item AS pk_up, (WITH RECURSIVE up(id, d) AS (SELECT i.fk_cat, 0 UNION ALL SELECT k.fk_parent, up.d + 1 FROM up"
                    + " JOIN \"tb cat'|\" k ON k.\"pk cat\" = up.id WHERE up.d < 50) SELECT array_agg(up.id ORDER BY up.d) FROM up) AS ids FROM tb_item i";
            // (the walk of an outer row reads no other outer row: a recursive term that does is refused)
            assertRefused(c, "lrec.tv_x", "{\"key\": \"pk_dep\"}", Map.of(outer.replace("WHERE r.d < 50", "WHERE r.d < 50 AND k.\"näme\" <> c.\"näme\""),
                    "WITH RECURSIVE"), "uncascaded_policy");
            // a walk down has several rows per round, a walk from every root several in its first: ties in the depth
            Map<String, String> ties = new LinkedHashMap<>();
            ties.put("SELECT c.\"pk cat\" AS pk_cat, (" + down + " SELECT string_agg(dn.id::text, ',' ORDER BY dn.d) FROM dn) AS sub FROM \"tb cat'|\" c", "ORDER BY");
            ties.put("SELECT 1 AS pk_cat, (WITH RECURSIVE t(id, d) AS (SELECT c.\"pk cat\", 0 FROM \"tb cat'|\" c WHERE c.fk_parent IS NULL"
                    + " UNION ALL SELECT k.\"pk cat\", t.d + 1 FROM t JOIN \"tb cat'|\" k ON k.\"pk cat\" = t.id + 1) SELECT array_agg(t.id ORDER BY t.d) FROM t) AS ids", "ORDER BY");
            ties.put(crumbs.replace("up.d + 1", "up.d + 0"), "ORDER BY");
            assertRefused(c, "lrec.tv_x", "{\"key\": \"pk_cat\", \"uncascaded_policy\": \"full_refresh\"}", ties);
            new Oracle(c).create("lrec.tv_cat", crumbs).create("lrec.tv_item", item).create("lrec.tv_sub", subtree)
                    .create("lrec.tv_dep", outer).create("lrec.tv_up", itemUp)
                    .create("lrec.tv_tree", tree, "{\"uncascaded_policy\": \"full_refresh\"}").create("lrec.tv_deco", decorated, "{\"key\": \"pk_tree\"}")
                    .run("UPDATE \"tb cat'|\" SET \"näme\" = 'A' WHERE \"pk cat\" = 2",
                            "UPDATE \"tb cat'|\" SET fk_parent = 5 WHERE \"pk cat\" = 3",         // a subtree moves
                            "INSERT INTO \"tb cat'|\" VALUES (7, 4, 'f'), (8, NULL, 'root2')",
                            "UPDATE tb_item SET fk_cat = 7, title = 'moved' WHERE pk_item = 1",
                            "INSERT INTO tb_item VALUES (13, 8, 'new')",
                            "BEGIN", "UPDATE \"tb cat'|\" SET fk_parent = 8 WHERE \"pk cat\" = 5", "DELETE FROM \"tb cat'|\" WHERE \"pk cat\" = 2", "COMMIT",
                            "UPDATE \"tb cat'|\" SET \"pk cat\" = 30 WHERE \"pk cat\" = 3",       // a key of the chain changes
                            "UPDATE \"tb cat'|\" SET fk_parent = 4 WHERE \"pk cat\" = 8",          // a cycle: the walks stop at depth 50
                            "UPDATE \"tb cat'|\" SET fk_parent = NULL WHERE \"pk cat\" = 8",
                            "DELETE FROM tb_item WHERE fk_cat = 4", "TRUNCATE tb_item", "INSERT INTO tb_item VALUES (1, 6, 'back')");
            // the chains are keyed (the categories by key, not in full), and since 0.3.30 the tree listed from its roots too
            assertThat(value(c, "SELECT string_agg(m.table_name || ' ' || (d->>'table') || ':' || (d->>'kind'), ',' ORDER BY m.table_name, d->>'table')"
                    + " FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'lrec'"))
                    .isEqualTo("tv_cat tb cat'|:keyed,tv_deco tb cat'|:keyed,tv_deco tb_item:keyed,tv_dep tb cat'|:keyed,tv_item tb cat'|:keyed,tv_item tb_item:keyed,tv_sub tb cat'|:keyed,"
                            + "tv_tree tb cat'|:keyed,tv_up tb cat'|:keyed,tv_up tb_item:keyed");
        }
    }

    /**
     * A table equated with the output of a walk down a hierarchy (a category with the items of its whole subtree:
     * {@code i.fk_cat IN (SELECT dn.id FROM dn)}, a join with the walk, an EXISTS) is followed by key since 0.3.17 (refused
     * before): an item's category is the walk's anchor, or a category reached in a later round, whose chains the closure
     * hop finds. So is every category's walk at once, grouped by the root column the recursive term carries unchanged:
     * that column equals the anchor row's.
     */
    @Test
    void tablesEquatedWithAWalksOutputAreFollowedThroughTheClosure(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA lsub; SET search_path = lsub, public");
            exec(c, """
                    CREATE TABLE "cat\n'|" ("pk ""c""\" int PRIMARY KEY, "fk pärent" int, name text);
                    CREATE TABLE tb_item (pk_item int PRIMARY KEY, "fk cat" int, price int);
                    INSERT INTO "cat\n'|" SELECT g, CASE WHEN g > 1 THEN g / 2 END, 'c' || g FROM generate_series(1, 15) g;
                    INSERT INTO tb_item SELECT g, 1 + g % 15, g FROM generate_series(1, 40) g""");
            String dn = "WITH RECURSIVE dn(id) AS (SELECT c2.\"pk \"\"c\"\"\" FROM \"cat\n'|\" c2 WHERE c2.\"pk \"\"c\"\"\" = c.\"pk \"\"c\"\"\""
                    + " UNION SELECT k.\"pk \"\"c\"\"\" FROM dn JOIN \"cat\n'|\" k ON k.\"fk pärent\" = dn.id)";
            String from = " FROM \"cat\n'|\" c";
            String key = "c.\"pk \"\"c\"\"\"";
            // the items outside a subtree, or in it or not: a change of an item reaches keys whose walk misses it
            Map<String, String> untraceable = new LinkedHashMap<>();
            untraceable.put("SELECT " + key + " AS pk_x, (" + dn + " SELECT count(*) FROM tb_item i WHERE NOT EXISTS (SELECT 1 FROM dn WHERE dn.id = i.\"fk cat\")) AS n" + from,
                    "cannot trace");
            untraceable.put("SELECT " + key + " AS pk_x, (" + dn + " SELECT count(*) FROM tb_item i WHERE i.\"fk cat\" NOT IN (SELECT dn.id FROM dn)) AS n" + from, "cannot trace");
            untraceable.put("SELECT " + key + " AS pk_x, (" + dn + " SELECT count(*) FROM tb_item i WHERE i.\"fk cat\" IN (SELECT dn.id FROM dn) OR i.price = 1) AS n" + from,
                    "cannot trace");
            assertRefused(c, "lsub.tv_x", "{}", untraceable);
            new Oracle(c).create("lsub.tv_count", "SELECT " + key + " AS pk_count, (" + dn + " SELECT count(*) FROM tb_item i WHERE i.\"fk cat\" IN (SELECT dn.id FROM dn)) AS n" + from)
                    .create("lsub.tv_total", "SELECT " + key + " AS pk_total, (" + dn + " SELECT sum(i.price) FROM dn JOIN tb_item i ON i.\"fk cat\" = dn.id) AS total" + from)
                    .create("lsub.tv_items", "SELECT " + key + " AS pk_items, (" + dn + " SELECT jsonb_agg(i.pk_item ORDER BY i.pk_item) FROM tb_item i"
                            + " WHERE EXISTS (SELECT 1 FROM dn WHERE dn.id = i.\"fk cat\")) AS items" + from)
                    // every category's walk at once, grouped by the root the recursive term carries (a closure table)
                    .create("lsub.tv_grouped", "WITH RECURSIVE t(root, id) AS (SELECT c.\"pk \"\"c\"\"\", c.\"pk \"\"c\"\"\"" + from + " UNION"
                            + " SELECT t.root, k.\"pk \"\"c\"\"\" FROM t JOIN \"cat\n'|\" k ON k.\"fk pärent\" = t.id)"
                            + " SELECT t.root AS pk_grouped, count(*) AS size, sum(i.price) AS total FROM t LEFT JOIN tb_item i ON i.\"fk cat\" = t.id GROUP BY t.root")
                    .run("UPDATE tb_item SET \"fk cat\" = 15 WHERE pk_item = 1",                 // the item's ancestors change, both sides
                            "INSERT INTO tb_item VALUES (41, 8, 100), (42, NULL, 1)", "DELETE FROM tb_item WHERE pk_item = 2",
                            "UPDATE \"cat\n'|\" SET \"fk pärent\" = 3 WHERE \"pk \"\"c\"\"\" = 4",      // a subtree moves
                            "INSERT INTO \"cat\n'|\" VALUES (16, 15, 'new')", "INSERT INTO tb_item VALUES (43, 16, 7)",
                            "BEGIN", "UPDATE \"cat\n'|\" SET \"fk pärent\" = 16 WHERE \"pk \"\"c\"\"\" = 2", "UPDATE tb_item SET \"fk cat\" = 2 WHERE pk_item = 43", "COMMIT",
                            "UPDATE \"cat\n'|\" SET \"pk \"\"c\"\"\" = 30 WHERE \"pk \"\"c\"\"\" = 5",
                            "DELETE FROM \"cat\n'|\" WHERE \"pk \"\"c\"\"\" = 3", "TRUNCATE tb_item", "INSERT INTO tb_item VALUES (1, 9, 1)");
            assertThat(dependencyKinds(c, "lsub")).isEqualTo("keyed");
        }
    }

    /**
     * A walk through an edge table whose rounds join another table by the walked row (a node's name, a flag that stops
     * the walk) is keyed since 0.3.17 (refused before): a change of that table reaches the edge rows joined to it, then
     * their chains. A table joined to such a table, not to the walked row, still leaves the walk unlinked (refused).
     */
    @Test
    void tablesJoinedToEachRoundOfAWalkAreFollowedThroughTheWalkedRow(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA ldec; SET search_path = ldec, public");
            exec(c, """
                    CREATE TABLE tag (pk int PRIMARY KEY, label text);
                    CREATE TABLE "nöde 'n'" (pk int PRIMARY KEY, name text, flag boolean NOT NULL DEFAULT true, fk_tag int);
                    CREATE TABLE edge (child int PRIMARY KEY, parent int);
                    CREATE TABLE item (pk_item int PRIMARY KEY, fk_node int);
                    INSERT INTO tag VALUES (1, 't');
                    INSERT INTO "nöde 'n'" SELECT g, 'n' || g, true, 1 FROM generate_series(1, 12) g;
                    INSERT INTO edge SELECT g, g / 2 FROM generate_series(2, 12) g;
                    INSERT INTO item SELECT g, 1 + g % 12 FROM generate_series(1, 20) g""");
            String up = "WITH RECURSIVE up(id, name, d) AS (SELECT n2.pk, n2.name, 0 FROM \"nöde 'n'\" n2 WHERE n2.pk = %s UNION ALL"
                    + " SELECT e.parent, p.name, up.d + 1 FROM up JOIN edge e ON e.child = up.id JOIN \"nöde 'n'\" p ON p.pk = e.parent%s WHERE up.d < 10)";
            assertRefused(c, "ldec.tv_x", "{\"key\": \"pk_x\"}", Map.of("SELECT n.pk AS pk_x, (" + up.formatted("n.pk", " JOIN tag t ON t.pk = p.fk_tag")
                    + " SELECT count(*) FROM up) AS depth FROM \"nöde 'n'\" n", "WITH RECURSIVE"));
            new Oracle(c).create("ldec.tv_crumb", "SELECT n.pk AS pk_crumb, (" + up.formatted("n.pk", "")
                            + " SELECT string_agg(up.name, '/' ORDER BY up.d DESC) FROM up) AS path FROM \"nöde 'n'\" n")
                    .create("ldec.tv_item", "SELECT i.pk_item, (" + up.formatted("i.fk_node", " AND p.flag") + " SELECT jsonb_agg(up.name ORDER BY up.d) FROM up) AS path FROM item i")
                    .run("UPDATE \"nöde 'n'\" SET name = 'renamed' WHERE pk = 2",             // a name in the middle of chains
                            "UPDATE \"nöde 'n'\" SET flag = false WHERE pk = 3",              // stops the items' walks there
                            "DELETE FROM \"nöde 'n'\" WHERE pk = 5", "INSERT INTO \"nöde 'n'\" VALUES (5, 'back', true, 1)",
                            "UPDATE edge SET parent = 3 WHERE child = 4", "INSERT INTO edge VALUES (13, 12)", "INSERT INTO \"nöde 'n'\" VALUES (13, 'n13', true, 1)",
                            "BEGIN", "UPDATE \"nöde 'n'\" SET pk = 30 WHERE pk = 6", "UPDATE edge SET parent = 30 WHERE parent = 6", "COMMIT",
                            "UPDATE \"nöde 'n'\" SET flag = true WHERE pk = 3", "UPDATE item SET fk_node = 13 WHERE pk_item = 1");
            assertThat(dependencyKinds(c, "ldec")).isEqualTo("keyed");
        }
    }

    /**
     * A hierarchy keyed by text (slugs) is walked by key like one keyed by integers (0.3.16 refreshed it in full), under
     * its columns' collation: under a nondeterministic one 'A' reaches the rows of 'a'. A chain whose equality compares
     * under another collation than its columns' is not proven one row per round, so its order by depth is refused.
     */
    @Test
    void hierarchiesKeyedByTextAreFollowedUnderTheirCollation(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA lrtx; SET search_path = lrtx, public");
            exec(c, """
                    CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
                    CREATE TABLE "tb cat\n'|" ("slug ""s""\" text PRIMARY KEY, "pärent" text, name text);
                    CREATE TABLE tb_ci (slug text COLLATE ci PRIMARY KEY, parent text COLLATE ci, name text);
                    CREATE TABLE tb_mixed (slug text COLLATE ci PRIMARY KEY, parent text, name text);
                    CREATE TABLE tb_item (pk_item int PRIMARY KEY, cat text, title text);
                    INSERT INTO "tb cat\n'|" VALUES ('root', NULL, 'Root'), ('a', 'root', 'A'), ('b', 'a', 'B'), ('c', 'b', 'C'), ('x y', 'root', 'D');
                    INSERT INTO tb_ci SELECT * FROM "tb cat\n'|";
                    INSERT INTO tb_mixed SELECT * FROM "tb cat\n'|";
                    INSERT INTO tb_item SELECT g, (ARRAY['root', 'a', 'b', 'c', 'x y'])[1 + g % 5], 'i' || g FROM generate_series(1, 15) g""");
            String up = "WITH RECURSIVE up(slug, par, name, d) AS (SELECT c2.%2$s, c2.%3$s, c2.name, 0 FROM %1$s c2 WHERE c2.%2$s = %4$s"
                    + " UNION ALL SELECT p.%2$s, p.%3$s, p.name, up.d + 1 FROM up JOIN %1$s p ON p.%2$s = up.par WHERE up.d < 20)"
                    + " SELECT string_agg(up.name, '/' ORDER BY up.d DESC) FROM up";
            String cat = "\"tb cat\n'|\"";
            String slug = "\"slug \"\"s\"\"\"";
            assertRefused(c, "lrtx.tv_x", "{\"key\": \"pk_x\"}", Map.of("SELECT c.slug AS pk_x, (" + up.formatted("tb_mixed", "slug", "parent", "c.slug")
                    + ") AS path FROM tb_mixed c", "ORDER BY"));
            // a unique index under "C" does not tell apart the rows of a nondeterministic column: 'a' and 'A' tie
            exec(c, "CREATE TABLE tb_n (pk_n int PRIMARY KEY, name text COLLATE ci NOT NULL, v int); CREATE UNIQUE INDEX ON tb_n (name COLLATE \"C\");"
                    + " INSERT INTO tb_n VALUES (1, 'a', 1), (2, 'A', 2), (3, 'b', 3)");
            assertRefused(c, "lrtx.tv_x", "{\"key\": \"pk_x\", \"uncascaded_policy\": \"full_refresh\"}", Map.of(
                    "SELECT c.slug AS pk_x, (SELECT string_agg(n.v::text, ',' ORDER BY n.name) FROM tb_n n) AS vs FROM tb_ci c", "ORDER BY",
                    "SELECT DISTINCT ON (c.slug) c.slug AS pk_x, n.v FROM tb_ci c JOIN tb_n n ON n.name = 'a' ORDER BY c.slug", "DISTINCT ON"));
            new Oracle(c).create("lrtx.tv_cat", "SELECT c." + slug + " AS pk_cat, (" + up.formatted(cat, slug, "\"pärent\"", "c." + slug) + ") AS path FROM " + cat + " c")
                    .create("lrtx.tv_item", "SELECT i.pk_item, (" + up.formatted(cat, slug, "\"pärent\"", "i.cat") + ") AS path FROM tb_item i")
                    .create("lrtx.tv_ci", "SELECT c.slug AS pk_ci, (" + up.formatted("tb_ci", "slug", "parent", "c.slug") + ") AS path FROM tb_ci c")
                    .run("UPDATE " + cat + " SET name = 'A2' WHERE " + slug + " = 'a'",
                            "UPDATE " + cat + " SET \"pärent\" = 'x y' WHERE " + slug + " = 'b'",
                            "INSERT INTO " + cat + " VALUES ('é', 'c', 'E')", "UPDATE tb_item SET cat = 'é' WHERE pk_item = 1",
                            "UPDATE " + cat + " SET " + slug + " = 'b2' WHERE " + slug + " = 'b'",
                            "UPDATE tb_ci SET name = 'A2' WHERE slug = 'a'",
                            "UPDATE tb_ci SET parent = 'A' WHERE slug = 'x y'",              // 'A' is 'a' under ci
                            "UPDATE tb_ci SET slug = 'ROOT' WHERE slug = 'root'",
                            "BEGIN", "DELETE FROM tb_ci WHERE slug = 'b'", "INSERT INTO tb_ci VALUES ('B', 'x y', 'B2')", "COMMIT");
            assertThat(value(c, "SELECT string_agg(m.table_name || ' ' || (d->>'table') || ':' || (d->>'kind'), ',' ORDER BY m.table_name, d->>'table')"
                    + " FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d WHERE m.schema_name = 'lrtx'"))
                    .isEqualTo("tv_cat tb cat\n'|:keyed,tv_ci tb_ci:keyed,tv_item tb cat\n'|:keyed,tv_item tb_item:keyed");
        }
    }

    /**
     * An order with ties picks among tied rows by the order they are read in, which a keyed recompute (one group's
     * rows) and a full one (all rows, sorted together) do not share: 0.3.14 accepted {@code DISTINCT ON (grp) ...
     * ORDER BY grp} and {@code string_agg(v ORDER BY s)} and, after two writes over 200 rows, all 5 rows of each
     * TVIEW differed from its query. Refused now, unless ties cannot show: the order tells the rows apart (a unique
     * key, or a row fixed by one: a comment's author), or tied rows give the same value (the aggregated value is the
     * ordered one, the other output columns are read from rows the order fixes, the GROUP BY fixes the rest).
     */
    @Test
    void ordersWithTiesAreRefusedUnlessTiesCannotShow(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l7t; SET search_path = l7t, public");
            exec(c, """
                    CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
                    CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text, created int);
                    CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL REFERENCES tb_post, fk_user int REFERENCES tb_user,
                                             body text, created int, score numeric);
                    CREATE TABLE tb_post_tag (pk_post_tag serial PRIMARY KEY, fk_post int REFERENCES tb_post, tag text);
                    CREATE VIEW v_comment AS SELECT c.pk_comment, c.fk_post, c.body, c.created FROM tb_comment c;
                    CREATE FUNCTION first_s(anyelement, anyelement) RETURNS anyelement LANGUAGE sql IMMUTABLE STRICT AS 'SELECT $1';
                    CREATE AGGREGATE first(anyelement) (sfunc = first_s, stype = anyelement);
                    INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 5) g;
                    INSERT INTO tb_post SELECT g, 1 + g % 5, 'p' || g, g % 3 FROM generate_series(1, 20) g;
                    INSERT INTO tb_comment SELECT g, 1 + g % 20, 1 + g % 5, 'c' || g, g % 4, g % 3 FROM generate_series(1, 200) g;
                    INSERT INTO tb_post_tag (fk_post, tag) SELECT 1 + g % 20, 't' || (g % 4) FROM generate_series(1, 60) g""");
            // a hostile table: quotes, a pipe, spaces, a newline and non-ASCII in its name and columns
            String hostile = "\"tb n'o|te\nx\"";
            exec(c, "CREATE TABLE " + hostile + " (\"pk n'\" int PRIMARY KEY, \"fk \"\"post\"\"\" int NOT NULL REFERENCES tb_post, \"bödy\" text,"
                    + " \"created at\" int); INSERT INTO " + hostile + " SELECT g, 1 + g % 20, 'n' || g, g % 3 FROM generate_series(1, 80) g");
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT DISTINCT ON (n.\"fk \"\"post\"\"\") n.\"fk \"\"post\"\"\" AS pk_x, n.\"bödy\" FROM " + hostile + " n"
                    + " ORDER BY n.\"fk \"\"post\"\"\", n.\"created at\"", "DISTINCT ON");
            refused.put("SELECT DISTINCT ON (c.fk_post) c.fk_post AS pk_x, c.body FROM tb_comment c ORDER BY c.fk_post", "DISTINCT ON");
            refused.put("SELECT DISTINCT ON (c.fk_post) c.fk_post AS pk_x, c.body FROM tb_comment c ORDER BY c.fk_post, c.created DESC", "DISTINCT ON");
            refused.put("SELECT DISTINCT ON (c.fk_post) c.fk_post AS pk_x, count(*) AS n FROM tb_comment c GROUP BY c.fk_post, c.created"
                    + " ORDER BY c.fk_post", "DISTINCT ON");
            refused.put("SELECT p.pk_post AS pk_x, (SELECT string_agg(c.body, ',' ORDER BY c.created) FROM tb_comment c WHERE c.fk_post = p.pk_post) AS b"
                    + " FROM tb_post p", "string_agg");
            refused.put("SELECT c.fk_post AS pk_x, jsonb_agg(c.body ORDER BY c.created DESC) AS b FROM tb_comment c GROUP BY c.fk_post", "jsonb_agg");
            // numeric 1.0 and 1.00 sort as ties and print differently
            refused.put("SELECT c.fk_post AS pk_x, array_agg(c.score ORDER BY c.score) AS s FROM tb_comment c GROUP BY c.fk_post", "array_agg");
            // a comment's post is fixed by the order, its author is not
            refused.put("SELECT c.fk_post AS pk_x, jsonb_agg(u.name ORDER BY c.fk_post) AS n FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user"
                    + " GROUP BY c.fk_post", "jsonb_agg");
            refused.put("SELECT p.pk_post AS pk_x, (SELECT jsonb_agg(v.body ORDER BY v.created) FROM v_comment v WHERE v.fk_post = p.pk_post) AS b"
                    + " FROM tb_post p", "jsonb_agg");
            // an aggregate of the user's may be order-dependent (first()); its ORDER BY must tell its rows apart
            refused.put("SELECT c.fk_post AS pk_x, l7t.first(c.body) AS b FROM tb_comment c GROUP BY c.fk_post", "first");
            refused.put("SELECT c.fk_post AS pk_x, l7t.first(c.body ORDER BY c.created) AS b FROM tb_comment c GROUP BY c.fk_post", "first");
            refused.put("WITH cm AS (SELECT c.fk_post, c.body, c.created FROM tb_comment c) SELECT x.fk_post AS pk_x, jsonb_agg(x.body ORDER BY x.created) AS b"
                    + " FROM cm x GROUP BY x.fk_post", "jsonb_agg");
            // ARRAY(SELECT ...) lists rows in the order they come
            refused.put("SELECT p.pk_post AS pk_x, ARRAY(SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post ORDER BY c.created) AS b FROM tb_post p",
                    "ARRAY(SELECT");
            refused.put("SELECT p.pk_post AS pk_x, ARRAY(SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post) AS b FROM tb_post p", "ARRAY(SELECT");
            refused.put("SELECT p.pk_post AS pk_x, ARRAY(SELECT count(*) FROM tb_comment c WHERE c.fk_post = p.pk_post GROUP BY c.created) AS b FROM tb_post p",
                    "ARRAY(SELECT");
            assertRefused(c, "l7t.tv_x", "{}", refused, "ORDER BY");
            new Oracle(c)
                    .create("l7t.tv_latest", "SELECT DISTINCT ON (c.fk_post) c.fk_post AS pk_latest, c.body, u.name AS author FROM tb_comment c"
                            + " JOIN tb_user u ON u.pk_user = c.fk_user ORDER BY c.fk_post, c.created DESC, c.pk_comment DESC")
                    // the post's title is read from the row the DISTINCT ON column fixes
                    .create("l7t.tv_title", "SELECT DISTINCT ON (c.fk_post) c.fk_post AS pk_title, p.title FROM tb_comment c"
                            + " JOIN tb_post p ON p.pk_post = c.fk_post ORDER BY c.fk_post")
                    .create("l7t.tv_bodies", "SELECT p.pk_post AS pk_bodies, (SELECT jsonb_agg(jsonb_build_object('body', c.body, 'by', u.name)"
                            + " ORDER BY c.created, c.pk_comment) FROM tb_comment c LEFT JOIN tb_user u ON u.pk_user = c.fk_user"
                            + " WHERE c.fk_post = p.pk_post) AS comments FROM tb_post p")
                    .create("l7t.tv_first", "SELECT c.fk_post AS pk_first, l7t.first(c.body ORDER BY c.created DESC, c.pk_comment) AS latest"
                            + " FROM tb_comment c GROUP BY c.fk_post")
                    // tied tags are the same text: they print the same in either order
                    .create("l7t.tv_tags", "SELECT p.pk_post AS pk_tags, (SELECT string_agg(t.tag, ',' ORDER BY t.tag) FROM tb_post_tag t"
                            + " WHERE t.fk_post = p.pk_post) AS tags, ARRAY(SELECT t.tag FROM tb_post_tag t WHERE t.fk_post = p.pk_post ORDER BY t.tag) AS tag_list,"
                            + " ARRAY(SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post ORDER BY c.created DESC, c.pk_comment) AS bodies FROM tb_post p")
                    // the user is fixed by the GROUP BY, the post by its key
                    .create("l7t.tv_user", "SELECT u.pk_user, u.name, jsonb_agg(p.title ORDER BY p.pk_post) FILTER (WHERE p.pk_post IS NOT NULL) AS titles"
                            + " FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user GROUP BY u.pk_user, u.name")
                    // through a subquery and a view whose output carries the comment's key
                    .create("l7t.tv_sub", "SELECT p.pk_post AS pk_sub, (SELECT jsonb_agg(s.body ORDER BY s.created, s.pk_comment) FROM"
                            + " (SELECT c.pk_comment, c.body, c.created, c.fk_post FROM tb_comment c) s WHERE s.fk_post = p.pk_post) AS b,"
                            + " (SELECT jsonb_agg(v.body ORDER BY v.pk_comment) FROM v_comment v WHERE v.fk_post = p.pk_post) AS vb FROM tb_post p")
                    // and a CTE, also one that reads another
                    .create("l7t.tv_cte", "WITH a AS (SELECT c.pk_comment, c.fk_post, c.body FROM tb_comment c), cm AS (SELECT a.pk_comment AS id, a.fk_post, a.body FROM a)"
                            + " SELECT p.pk_post AS pk_cte, ARRAY(SELECT x.body FROM cm x WHERE x.fk_post = p.pk_post ORDER BY x.id) AS b,"
                            + " (SELECT jsonb_agg(x.body ORDER BY x.id DESC) FROM cm x WHERE x.fk_post = p.pk_post) AS j FROM tb_post p")
                    .create("l7t.tv_note", "SELECT DISTINCT ON (n.\"fk \"\"post\"\"\") n.\"fk \"\"post\"\"\" AS pk_note, n.\"bödy\","
                            + " (SELECT jsonb_agg(m.\"bödy\" ORDER BY m.\"created at\", m.\"pk n'\") FROM " + hostile + " m"
                            + " WHERE m.\"fk \"\"post\"\"\" = n.\"fk \"\"post\"\"\") AS all_notes FROM " + hostile + " n"
                            + " ORDER BY n.\"fk \"\"post\"\"\", n.\"created at\" DESC, n.\"pk n'\"")
                    .run("UPDATE " + hostile + " SET \"created at\" = 0 WHERE \"pk n'\" % 4 = 0",
                            "UPDATE " + hostile + " SET \"fk \"\"post\"\"\" = 2 WHERE \"pk n'\" = 5")
                    .run("UPDATE tb_comment SET created = 0 WHERE pk_comment % 7 = 0", "UPDATE tb_comment SET body = body || '!' WHERE pk_comment = 3",
                            "UPDATE tb_user SET name = 'U' || pk_user WHERE pk_user = 2", "DELETE FROM tb_comment WHERE pk_comment % 11 = 0",
                            "INSERT INTO tb_comment SELECT 300 + g, 1 + g % 3, 1, 'n' || g, 0, 1 FROM generate_series(1, 9) g",
                            "UPDATE tb_post_tag SET tag = 't1' WHERE pk_post_tag % 5 = 0", "UPDATE tb_post SET title = title || '?', fk_user = 3 WHERE pk_post = 4");
        }
    }

    /**
     * LIMIT/OFFSET inside a subquery evaluated per outer row (the latest comment of each post, the two before it, a
     * user's busiest post) pick among rows that all map to that row's key through the correlation: maintained (0.3.8;
     * 0.3.7 refused every LIMIT). Refused: LIMIT over the whole result or an uncorrelated subquery (a write to one key's
     * rows changes which rows of other keys are kept), no ORDER BY, or one with ties (a keyed and a full recompute could
     * keep different rows), and a LIMIT that is not a constant.
     */
    @Test
    void limitInACorrelatedSubqueryIsMaintainedOverTheRowsItPicksFrom(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l13; SET search_path = l13, public");
            exec(c, """
                    CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text);
                    CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text);
                    CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL REFERENCES tb_post, fk_user int REFERENCES tb_user,
                                             body text, created int);
                    INSERT INTO tb_user SELECT g, 'u' || g FROM generate_series(1, 4) g;
                    INSERT INTO tb_post SELECT g, 1 + g % 4, 'p' || g FROM generate_series(1, 6) g;
                    INSERT INTO tb_comment SELECT g, 1 + g % 6, 1 + g % 4, 'c' || g, g % 3 FROM generate_series(1, 20) g""");
            Oracle o = new Oracle(c)
                    .create("l13.tv_latest", "SELECT p.pk_post, lc.body, lc.author FROM tb_post p LEFT JOIN LATERAL (SELECT c.body, u.name AS author"
                            + " FROM tb_comment c JOIN tb_user u ON u.pk_user = c.fk_user WHERE c.fk_post = p.pk_post"
                            + " ORDER BY c.created DESC, c.pk_comment DESC, u.pk_user LIMIT 1) lc ON true", "{\"key\": \"pk_post\"}")
                    .create("l13.tv_last", "SELECT p.pk_post, (SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post"
                            + " ORDER BY c.created DESC, c.pk_comment LIMIT 1) AS last FROM tb_post p", "{\"key\": \"pk_post\"}")
                    .create("l13.tv_recent", "SELECT p.pk_post, (SELECT jsonb_agg(x.body ORDER BY x.pk_comment) FROM (SELECT c.pk_comment, c.body"
                            + " FROM tb_comment c WHERE c.fk_post = p.pk_post ORDER BY c.pk_comment DESC LIMIT 2 OFFSET 1) x) AS recent FROM tb_post p",
                            "{\"key\": \"pk_post\"}")
                    .create("l13.tv_busiest", "SELECT u.pk_user, (SELECT c.fk_post FROM tb_comment c WHERE c.fk_user = u.pk_user GROUP BY c.fk_post"
                            + " ORDER BY count(*) DESC, c.fk_post LIMIT 1) AS topic,"
                            + " EXISTS (SELECT 1 FROM tb_post p WHERE p.fk_user = u.pk_user LIMIT 1) AS writes FROM tb_user u", "{\"key\": \"pk_user\"}");
            o.run("INSERT INTO tb_comment VALUES (21, 1, 2, 'newest', 9)",
                    "UPDATE tb_comment SET created = 10 WHERE pk_comment = 7",
                    "UPDATE tb_comment SET fk_post = 2 WHERE pk_comment = 21",
                    "UPDATE tb_user SET name = 'renamed' WHERE pk_user = 2",
                    "DELETE FROM tb_comment WHERE pk_comment IN (2, 8, 14)",
                    "UPDATE tb_comment SET pk_comment = pk_comment + 100 WHERE fk_post = 3",
                    "UPDATE tb_comment SET fk_user = 1 WHERE fk_user = 3",
                    "DELETE FROM tb_comment WHERE fk_user = 4",
                    "UPDATE tb_post SET fk_user = 1 WHERE pk_post = 4",
                    "BEGIN", "INSERT INTO tb_comment VALUES (30, 5, 2, 'tx', 0)", "UPDATE tb_comment SET created = 20 WHERE pk_comment = 30",
                    "DELETE FROM tb_comment WHERE fk_post = 6", "COMMIT");
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT p.pk_post, (SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post ORDER BY c.created LIMIT 1) AS b FROM tb_post p",
                    "tell its rows apart");
            refused.put("SELECT p.pk_post, (SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post LIMIT 1) AS b FROM tb_post p", "without ORDER BY");
            refused.put("SELECT p.pk_post, t.body FROM tb_post p LEFT JOIN (SELECT c.fk_post, c.body FROM tb_comment c ORDER BY c.pk_comment DESC LIMIT 3) t"
                    + " ON t.fk_post = p.pk_post", "cannot trace changes of l13.tb_comment");
            refused.put("SELECT p.pk_post, (SELECT c.body FROM tb_comment c WHERE c.fk_post = p.pk_post ORDER BY c.pk_comment LIMIT (SELECT 1)) AS b"
                    + " FROM tb_post p", "constants");
            refused.put("SELECT p.pk_post, (SELECT t.b FROM (SELECT c.body AS b, c.created FROM tb_comment c WHERE c.fk_post = p.pk_post) t"
                    + " ORDER BY t.created LIMIT 1) AS b FROM tb_post p", "tell its rows apart");
            refused.put("SELECT p.pk_post, p.title FROM tb_post p ORDER BY p.pk_post LIMIT 3", "over the whole result");
            assertRefused(c, "l13.tv_x", "{\"key\": \"pk_post\"}", refused);
            // a subquery whose output carries the comment's key tells its rows apart (0.3.14 refused every subquery)
            new Oracle(c).create("l13.tv_sub", "SELECT p.pk_post AS pk_sub, (SELECT t.b FROM (SELECT c.body AS b, c.pk_comment FROM tb_comment c"
                            + " WHERE c.fk_post = p.pk_post) t ORDER BY t.pk_comment DESC LIMIT 1) AS b FROM tb_post p")
                    .run("INSERT INTO tb_comment VALUES (40, 1, 1, 'later', 0)", "UPDATE tb_comment SET body = 'edited' WHERE pk_comment = 40",
                            "DELETE FROM tb_comment WHERE pk_comment = 40");
        }
    }

    @Test
    void aWriteTheTviewCannotHoldFailsInThatStatementNamingTheTviewAndKey(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l8; SET search_path = l8, public");
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, code int, label text)");
            exec(c, "INSERT INTO tb_item SELECT g, g * 10, 'l' || g FROM generate_series(1, 5) g");
            Oracle o = new Oracle(c).create("l8.tv_code", "SELECT i.code AS pk_code, i.label FROM tb_item i");
            assertThatThrownBy(() -> exec(c, "UPDATE tb_item SET code = NULL WHERE pk_item = 2"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23502");
                        assertThat(e.getMessage()).contains("pk_code").contains("l8.code");
                    });
            assertThatThrownBy(() -> exec(c, "UPDATE tb_item SET code = 30 WHERE pk_item = 2"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("23505");
                        assertThat(e.getMessage()).contains("30").contains("pk_code").contains("l8.code");
                    });
            assertThatThrownBy(() -> exec(c, "INSERT INTO tb_item VALUES (6, 40, 'dup'), (7, 41, 'ok')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
            o.check("refused writes change nothing");
            assertThat(value(c, "SELECT count(*) FROM tb_item")).isEqualTo(5L);
        }
    }

    @Test
    void cyclicAndUntraceableIsReportedAsACycle(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l9; SET search_path = l9, public");
            exec(c, "CREATE TABLE tb_a (pk_a int PRIMARY KEY, v int)");
            exec(c, "INSERT INTO tb_a VALUES (1, 1)");
            exec(c, "SELECT pg_tviews_create('l9.tv_a', 'SELECT a.pk_a, a.v FROM tb_a a')");
            exec(c, "SELECT pg_tviews_create('l9.tv_b', 'SELECT a.pk_a AS pk_b, a.v FROM tv_a a')");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create_or_replace('l9.tv_a', $q$SELECT a.pk_a, (SELECT max(b.v) FROM tv_b b) AS v FROM tb_a a$q$)"))
                    .isEqualTo("42P17");
        }
    }

    @Test
    void definitionsAreExactlyOneSelect(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l10; SET search_path = l10, public");
            String before = Rt.fingerprint(c);
            for (String q : new String[] {
                "SELECT 1::bigint AS pk_x; CREATE TABLE l10.injected(x int)",
                "SELECT 1::bigint AS pk_x) q; CREATE TABLE l10.injected(x int); SELECT * FROM (SELECT 1",
                "WITH d AS (DELETE FROM pg_tview_audit_log RETURNING 1) SELECT 1::bigint AS pk_x FROM d"}) {
                String state = Rt.sqlState(c, "SELECT pg_tviews_create('l10.tv_x', $q$" + q + "$q$)");
                assertThat(state).as(q).isIn("42601", "0A000", "42P17", "0A000");
            }
            assertThat(value(c, "SELECT to_regclass('l10.injected')")).isNull();
            assertThat(Rt.fingerprint(c)).isEqualTo(before);
            exec(c, "SELECT pg_tviews_create('l10.tv_ok', $q$SELECT 1 AS pk_ok, ';' AS semi, $$;$$ AS dollar -- ; comment\n ;$q$)");
            assertThat(value(c, "SELECT semi || dollar FROM tv_ok")).isEqualTo(";;");
        }
    }

    @Test
    void nullArgumentsAreRefused(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "l11", 3, 6, 6);
            for (String sql : new String[] {"SELECT pg_tviews_drop('l11.user', NULL, NULL)", "SELECT pg_tviews_drop('l11.post', false, NULL)",
                "SELECT pg_tviews_refresh(NULL)", "SELECT pg_tviews_create('l11.tv_z', NULL)", "SELECT pg_tviews_refresh('l11.post', NULL)"}) {
                assertThat(Rt.sqlState(c, sql)).as(sql).isEqualTo("22004");
            }
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta WHERE entity LIKE 'l11.%'")).isEqualTo(2L);
        }
    }

    /**
     * Casts that change what "=" means are not seen through (hunt 7, each failing on 0.3.21): text to char(n), under which
     * trailing spaces do not count ('ab' = 'ab  '), and integer to oid (unsigned: -1 is 4294967295). 0.3.21 followed the
     * column as if the cast were not there and looked changed values up with the column's own equality. And one refusal
     * lifted: an aggregate ordered by its own value under a deterministic COLLATE.
     */
    @Test
    void castsThatChangeEqualityAreNotSeenThrough(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l31; SET search_path = l31, public");
            exec(c, "CREATE TABLE \"tb co'de\" (code text PRIMARY KEY, label text); CREATE TABLE tb_row (pk_row int PRIMARY KEY, code char(4));"
                    + " CREATE TABLE tb_a (pk_a int PRIMARY KEY, ref int); CREATE TABLE tb_b (o oid PRIMARY KEY, v text)");
            exec(c, "INSERT INTO \"tb co'de\" VALUES ('ab', 'AB'), ('ab ', 'AB+space'), ('cd', 'CD'); INSERT INTO tb_row VALUES (1, 'ab'), (2, 'cd');"
                    + " INSERT INTO tb_b VALUES (4294967295, 'big'), (5, 'five'); INSERT INTO tb_a VALUES (1, -1), (2, 5)");
            new Oracle(c)
                    .create("l31.tv_code", "SELECT c.code || '|' AS pk_code, c.label, (SELECT count(*) FROM l31.tb_row r WHERE r.code = c.code::bpchar) AS n FROM l31.\"tb co'de\" c")
                    .create("l31.tv_a", "SELECT a.pk_a, b.v FROM l31.tb_a a JOIN l31.tb_b b ON b.o = a.ref::oid")
                    .run("UPDATE l31.tb_row SET code = 'cd' WHERE pk_row = 1", "INSERT INTO l31.tb_row VALUES (3, 'ab  ')",
                         "UPDATE l31.tb_b SET v = 'BIG' WHERE o = 4294967295", "DELETE FROM l31.tb_b WHERE o = 5", "UPDATE l31.tb_a SET ref = -1 WHERE pk_a = 2")
                    // an aggregate sorted by its own value under a deterministic COLLATE: tied values are the same bytes
                    // (accepted since 0.3.22; 0.3.21 refused it as leaving ties)
                    .create("l31.tv_lab", "SELECT c.label AS pk_lab, string_agg(c.code, '|' ORDER BY c.code COLLATE \"C\") AS codes FROM l31.\"tb co'de\" c GROUP BY c.label")
                    .run("INSERT INTO l31.\"tb co'de\" VALUES ('Ab', 'AB'), ('aB', 'AB')", "UPDATE l31.\"tb co'de\" SET label = 'AB' WHERE code = 'cd'");
        }
    }

    /**
     * A key read from a set-returning function in FROM over one table's columns, or from one in the SELECT list: a tag
     * cloud over an array of tags, a sum per SKU over jsonb line items, one row per line item. A changed row gives the
     * keys of its old and new elements; rows reached through a hop (a user renamed or activated) give those of the
     * posts reached. 0.3.23 refused the FROM forms and followed the SELECT-list form by a full refresh at every write of
     * a row with two elements (its scalar subquery failed on the second key). Since 0.3.27 a key that reads the function's
     * ORDINALITY column (line numbers, a count per position; 0.3.26 refused them). Refused: a key of two functions'
     * outputs (they would run in step, not as the FROM clause's product), a function on the nullable side, an ORDINALITY
     * key beside another table's column or over ROWS FROM of two functions.
     */
    @Test
    void keysReadFromASetReturningFunctionOverOneTableAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA l32; SET search_path = l32, public");
            String post = "l32.\"tb po'st|\"";
            String tags = "\"ta'gs\n\"";
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, active boolean NOT NULL);"
                    + " CREATE TABLE " + post + " (pk_post int PRIMARY KEY, fk_user int, " + tags + " text[], items jsonb);"
                    + " CREATE INDEX ON " + post + " USING gin (" + tags + ");"
                    + " INSERT INTO tb_user VALUES (1, 'a', true), (2, 'b', false);"
                    + " INSERT INTO " + post + " VALUES (1, 1, '{a,b}', '[{\"sku\": \"x\", \"q\": 1}, {\"sku\": \"y\", \"q\": 2}]'),"
                    + " (2, 2, '{b,c''q}', '[{\"sku\": \"x\", \"q\": 5}]'), (3, 1, NULL, NULL)");
            Oracle oracle = new Oracle(c)
                    .create("l32.tv_tag", "SELECT t.tag AS pk_tag, count(*) AS n, string_agg(p.pk_post::text, ',' ORDER BY p.pk_post) AS posts"
                            + " FROM " + post + " p, unnest(p." + tags + ") t(tag) GROUP BY t.tag")
                    .create("l32.tv_active_tag", "SELECT t.tag AS pk_active_tag, count(*) AS n, max(u.name) AS author FROM " + post + " p"
                            + " JOIN l32.tb_user u ON u.pk_user = p.fk_user CROSS JOIN LATERAL unnest(p." + tags + ") WITH ORDINALITY t(tag, o)"
                            + " WHERE u.active GROUP BY t.tag")
                    .create("l32.tv_sku", "SELECT i->>'sku' AS pk_sku, sum((i->>'q')::int) AS qty FROM " + post + " p, jsonb_array_elements(p.items) i"
                            + " WHERE i ? 'sku' GROUP BY 1")
                    .create("l32.tv_line", "SELECT p.pk_post || '-' || (i.e->>'sku') AS pk_line, i.e->>'q' AS qty, u.name FROM " + post + " p"
                            + " LEFT JOIN l32.tb_user u ON u.pk_user = p.fk_user, jsonb_array_elements(p.items) WITH ORDINALITY i(e, o) WHERE i.e ? 'sku'")
                    .create("l32.tv_post_tag", "SELECT unnest(p." + tags + ") || '-' || p.pk_post AS pk_post_tag, p.fk_user FROM " + post + " p")
                    // the ORDINALITY column (0.3.27): line numbers, under an inner join to the author, and a count per position
                    .create("l32.tv_line_no", "SELECT p.pk_post || '-' || i.\"n'o\" AS pk_line_no, i.e->>'sku' AS sku, u.name FROM " + post + " p"
                            + " JOIN l32.tb_user u ON u.pk_user = p.fk_user CROSS JOIN LATERAL jsonb_array_elements(p.items) WITH ORDINALITY i(e, \"n'o\")")
                    .create("l32.tv_position", "SELECT t.o AS pk_position, count(*) AS n, string_agg(t.tag, '|' ORDER BY t.tag, p.pk_post) AS tags"
                            + " FROM " + post + " p, unnest(p." + tags + ") WITH ORDINALITY t(tag, o) GROUP BY t.o")
                    .create("l32.tv_slot", "SELECT p.pk_post * 1000 + t.o AS pk_slot, t.tag FROM " + post + " p, unnest(p." + tags + ") WITH ORDINALITY t(tag, o)");
            assertThat(dependencyKinds(c, "l32")).as("keyed, not refreshed in full").isEqualTo("keyed");
            oracle.run("INSERT INTO " + post + " VALUES (4, 2, '{c''q,d e,é}', '[{\"sku\": \"z\", \"q\": 3}, {\"q\": 1}]')",
                    "UPDATE " + post + " SET " + tags + " = '{a,b}' WHERE pk_post = 2", "UPDATE " + post + " SET " + tags + " = '{}' WHERE pk_post = 1",
                    "UPDATE " + post + " SET " + tags + " = '{x}', items = '[]' WHERE pk_post = 3", "UPDATE " + post + " SET pk_post = 5 WHERE pk_post = 4",
                    "UPDATE l32.tb_user SET active = true, name = 'B' WHERE pk_user = 2", "UPDATE " + post + " SET fk_user = 1 WHERE pk_post = 5",
                    "DELETE FROM " + post + " WHERE pk_post = 2", "BEGIN", "UPDATE " + post + " SET " + tags + " = " + tags + " || '{new}'",
                    "SAVEPOINT s", "DELETE FROM " + post, "ROLLBACK TO SAVEPOINT s", "UPDATE l32.tb_user SET name = 'A2' WHERE pk_user = 1", "COMMIT",
                    "TRUNCATE " + post, "INSERT INTO " + post + " VALUES (7, 1, '{a}', '[{\"sku\": \"x\", \"q\": 9}]')");
            // a repeated element gives tv_post_tag one key twice: the write fails, naming it, and changes nothing
            assertThat(Rt.sqlState(c, "UPDATE " + post + " SET " + tags + " = '{k,k}' WHERE pk_post = 7")).isEqualTo("23505");
            oracle.check("a write that fails");
            // a write of a row with several elements queues their keys (no full refresh)
            exec(c, "BEGIN");
            exec(c, "UPDATE " + post + " SET " + tags + " = '{k1,k2,k3}' WHERE pk_post = 7");
            String queue = value(c, "SELECT format('%I.%I', schema_name, (pg_tviews__names(entity, table_name)).q) FROM pg_tview_meta WHERE entity = 'l32.tag'").toString();
            assertThat(value(c, "SELECT string_agg(scope || ':' || v, ' ' ORDER BY scope, v) FROM " + queue + ", unnest(vals) v")).isEqualTo("k:a k:k1 k:k2 k:k3");
            exec(c, "COMMIT");
            oracle.check("a row with three tags");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l32") + " WHERE status <> 'OK' AND component LIKE '%l32%'")).isEqualTo(0L);
            assertRefused(c, "l32.tv_refused", "{}", Map.of(
                    "SELECT x.a || y.b AS pk_refused FROM " + post + " p, unnest(p." + tags + ") x(a), unnest(p." + tags + ") y(b)", "cannot trace changes of l32.",
                    "SELECT u.pk_user || '-' || t.o AS pk_refused FROM " + post + " p JOIN l32.tb_user u ON u.pk_user = p.fk_user, unnest(p." + tags + ") WITH ORDINALITY t(tag, o)",
                    "cannot trace changes of l32.",
                    "SELECT p.pk_post || '-' || t.o AS pk_refused FROM " + post + " p LEFT JOIN LATERAL unnest(p." + tags + ") WITH ORDINALITY t(tag, o) ON true",
                    "cannot trace changes of l32.",
                    "SELECT p.pk_post || '-' || t.o AS pk_refused FROM " + post + " p, ROWS FROM (unnest(p." + tags + "), jsonb_array_elements(p.items)) WITH ORDINALITY t(tag, e, o)",
                    "cannot trace changes of l32.",
                    "SELECT t.tag AS pk_refused, count(*) AS n FROM " + post + " p LEFT JOIN LATERAL unnest(p." + tags + ") t(tag) ON true WHERE t.tag IS NOT NULL GROUP BY t.tag",
                    "cannot trace changes of l32."));
        }
    }

    /**
     * Shapes ports of pg_tviews' and pg_ivm's suites found refused by 0.3.27 (each create here failed on it): a key that
     * is an expression in a plain view (a UNION ALL of two tables with negated keys, one branch alone), a jsonb_agg
     * ordered by the item's key with FILTER (WHERE i.pk IS NOT NULL) over LEFT JOINs (the rows without an item, which
     * the order leaves tied, are not aggregated), and a grouped top-1 subquery ordered by the category's primary key but
     * not by its name, which the key fixes. Keyed, through moves, renames, deletes, a rolled-back savepoint and TRUNCATE;
     * the same without the FILTER, ordered by the name, or with a WITH query nobody reads (0.3.27: XX000) refused.
     */
    @Test
    void keysInViewsFilteredOrdersAndGroupsOrderedByTheirKeyAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l40; SET search_path = l40, public");
            exec(c, "CREATE TABLE \"tb pro'duct|\" (pk_product bigint PRIMARY KEY, name text NOT NULL); CREATE TABLE tb_line (pk_line bigint PRIMARY KEY, name text NOT NULL)");
            exec(c, "INSERT INTO \"tb pro'duct|\" VALUES (1, 'p1'), (2, 'p2'); INSERT INTO tb_line VALUES (1, 'l1'), (2, 'l2')");
            exec(c, "CREATE VIEW \"v att'|\" AS SELECT p.pk_product AS k, p.name FROM \"tb pro'duct|\" p UNION ALL SELECT -l.pk_line, l.name FROM tb_line l");
            exec(c, "CREATE VIEW v_line AS SELECT -l.pk_line AS k, upper(l.name) AS name FROM tb_line l");
            exec(c, "CREATE TABLE tb_order (pk_order int PRIMARY KEY, customer text NOT NULL)");
            exec(c, "CREATE TABLE tb_group (pk_group int PRIMARY KEY, fk_order int NOT NULL, label text NOT NULL)");
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_group int, product text NOT NULL, fk_category int NOT NULL)");
            exec(c, "CREATE TABLE tb_category (pk_category int PRIMARY KEY, name text NOT NULL)");
            exec(c, "INSERT INTO tb_order VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_group VALUES (10, 1, 'g10'), (20, 1, 'g20'), (30, 2, 'g30'), (40, 2, 'empty'), (50, 2, 'e2')");
            exec(c, "INSERT INTO tb_category VALUES (1, 'c1'), (2, 'c2'), (3, 'c3')");
            exec(c, "INSERT INTO tb_item VALUES (100, 10, 'w', 1), (101, 10, 'g', 2), (102, 20, 'b', 2), (103, 30, 'n', 3), (104, 30, 'x', 3)");
            String items = "jsonb_agg(jsonb_build_object('product', i.product, 'group', g.label) ORDER BY i.pk_item)";
            String joins = " FROM l40.tb_order o LEFT JOIN l40.tb_group g ON g.fk_order = o.pk_order LEFT JOIN l40.tb_item i ON i.fk_group = g.pk_group";
            String top = "(SELECT c.name FROM l40.tb_item i JOIN l40.tb_category c ON c.pk_category = i.fk_category JOIN l40.tb_group g ON g.pk_group = i.fk_group"
                    + " WHERE g.fk_order = o.pk_order GROUP BY c.pk_category, c.name ORDER BY count(*) DESC, c.pk_category";
            Oracle o = new Oracle(c)
                    .create("l40.tv_att", "SELECT v.k AS pk_att, v.name FROM l40.\"v att'|\" v")
                    .create("l40.tv_line", "SELECT v.k AS pk_line, v.name FROM l40.v_line v")
                    .create("l40.tv_order", "SELECT o.pk_order, coalesce(" + items + " FILTER (WHERE i.pk_item IS NOT NULL), '[]') AS items"
                            + joins + " GROUP BY o.pk_order")
                    .create("l40.tv_fav", "SELECT o.pk_order AS pk_fav, " + top + " LIMIT 1) AS fav FROM l40.tb_order o");
            assertThat(dependencyKinds(c, "l40")).isEqualTo("keyed");
            o.replay(w, "UPDATE l40.tb_line SET name = 'L1' WHERE pk_line = 1", "INSERT INTO l40.tb_line VALUES (3, 'l3')", "UPDATE l40.tb_line SET pk_line = 7 WHERE pk_line = 2",
                    "UPDATE l40.\"tb pro'duct|\" SET name = 'P2' WHERE pk_product = 2", "INSERT INTO l40.tb_item VALUES (105, 40, 'z', 1), (106, 20, 'y', 3)",
                    "UPDATE l40.tb_group SET label = 'G10' WHERE pk_group = 10", "UPDATE l40.tb_item SET fk_group = 50 WHERE pk_item = 101",
                    "UPDATE l40.tb_category SET name = 'C3' WHERE pk_category = 3", "UPDATE l40.tb_item SET fk_category = 1 WHERE pk_item = 103",
                    "BEGIN", "DELETE FROM l40.tb_item WHERE pk_item = 100", "SAVEPOINT s", "DELETE FROM l40.tb_group", "ROLLBACK TO SAVEPOINT s",
                    "UPDATE l40.tb_item SET fk_group = NULL WHERE pk_item = 104", "COMMIT", "DELETE FROM l40.tb_line WHERE pk_line = 1",
                    "TRUNCATE l40.tb_item", "INSERT INTO l40.tb_item VALUES (1, 30, 'q', 2)");
            assertRefused(c, "l40.tv_x", "{}", Map.of(
                    "SELECT o.pk_order AS pk_x, " + items + " AS items" + joins + " GROUP BY o.pk_order", "ORDER BY of jsonb_agg leaves ties",
                    "SELECT o.pk_order AS pk_x, " + top.replace("count(*) DESC, c.pk_category", "count(*) DESC, c.name") + " LIMIT 1) AS fav FROM l40.tb_order o",
                    "must include every GROUP BY column, or the primary key",
                    "WITH b AS (SELECT * FROM l40.tb_line) SELECT o.pk_order AS pk_x FROM l40.tb_order o", "WITH query b of the TVIEW query is never read"));
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l40") + " WHERE status <> 'OK' AND component LIKE '%l40%'")).isEqualTo(0L);
        }
    }

    /**
     * Window functions over the whole result (a rank of all scores, a running total, a rank partitioned by a nullable
     * forum) and LIMIT in the top level (a top 3, the most frequent forum), which no key follows, are refreshed in full
     * with uncascaded_policy = 'full_refresh' (0.3.27 refused them whatever the policy) and kept equal to the query
     * through inserts, moves, deletes, a rolled-back savepoint and TRUNCATE; refused without the policy (the hint names
     * it), and with it when the order leaves rows tied (even a full recompute would not give the query's rows).
     */
    @Test
    void windowsAndLimitsOverTheWholeResultAreRefreshedInFullWithThePolicy(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l41; SET search_path = l41, public");
            exec(c, "CREATE TABLE \"tb sc'ore|\" (pk_score int PRIMARY KEY, forum int, pts int NOT NULL)");
            exec(c, "INSERT INTO \"tb sc'ore|\" SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE g % 2 END, (g * 7) % 10 FROM generate_series(1, 20) g");
            String t = "l41.\"tb sc'ore|\"";
            String full = "{\"uncascaded_policy\": \"full_refresh\"}";
            String top = "SELECT s.pk_score AS pk_top, s.pts FROM " + t + " s ORDER BY s.pts DESC, s.pk_score LIMIT 3";
            String rank = "SELECT s.pk_score AS pk_rank, row_number() OVER (ORDER BY s.pts DESC, s.pk_score) AS n, sum(s.pts) OVER () AS total FROM " + t + " s";
            Oracle o = new Oracle(c)
                    .create("l41.tv_top", top, full)
                    .create("l41.tv_rank", rank, full)
                    .create("l41.tv_forum", "SELECT s.pk_score AS pk_forum, rank() OVER (PARTITION BY s.forum ORDER BY s.pts) AS r FROM " + t + " s", full)
                    .create("l41.tv_busy", "SELECT s.forum AS pk_busy, count(*) AS n FROM " + t + " s WHERE s.forum IS NOT NULL GROUP BY s.forum"
                            + " ORDER BY count(*) DESC, s.forum LIMIT 1", full);
            assertThat(dependencyKinds(c, "l41")).isEqualTo("full");
            o.replay(w, "UPDATE " + t + " SET pts = 100 WHERE pk_score = 7", "DELETE FROM " + t + " WHERE pk_score = 1", "INSERT INTO " + t + " VALUES (30, 1, 50), (31, NULL, 9)",
                    "BEGIN", "UPDATE " + t + " SET forum = 0 WHERE forum IS NULL", "SAVEPOINT s", "DELETE FROM " + t, "ROLLBACK TO SAVEPOINT s", "COMMIT",
                    "TRUNCATE " + t, "INSERT INTO " + t + " VALUES (1, 1, 1)");
            assertRefused(c, "l41.tv_x", "{}", Map.of(top.replace("pk_top", "pk_x"), "LIMIT/OFFSET over the whole result",
                    rank.replace("pk_rank", "pk_x"), "window functions make a row depend on other rows"), "uncascaded_policy");
            assertRefused(c, "l41.tv_x", full, Map.of(
                    "SELECT s.pk_score AS pk_x FROM " + t + " s ORDER BY s.pts DESC LIMIT 3", "LIMIT/OFFSET over the whole result",
                    "SELECT s.pk_score AS pk_x FROM " + t + " s LIMIT 3", "LIMIT/OFFSET over the whole result",
                    "SELECT s.pk_score AS pk_x, row_number() OVER (ORDER BY s.pts) AS n FROM " + t + " s", "window functions"), "tied");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l41") + " WHERE status = 'ERROR' AND component LIKE '%l41%'")).isEqualTo(0L);
        }
    }

    /**
     * A first-row join (a customer with the product of its first order: a DISTINCT ON subquery joined by its DISTINCT ON
     * column, and the product joined by another of its columns), directly and through a view, as pg_tviews' suite
     * writes it: keyed (0.3.27 refused the product as untraceable). A product's change looks up every order holding it,
     * the kept one among them, and reaches the customer through the DISTINCT ON column; an order's change reaches only
     * its group. Kept equal to the query through renames, orders moved in time, between customers and products,
     * deleted and soft-deleted, a rolled-back savepoint and TRUNCATE; a TVIEW keyed by the kept row's product (which
     * another order of the group decides) stays refused.
     */
    @Test
    void firstRowJoinsFollowTheKeptRowFromOutside(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l42; SET search_path = l42, public");
            exec(c, "CREATE TABLE \"tb pro'duct|\" (pk_product int PRIMARY KEY, name text); CREATE TABLE tb_customer (pk_customer int PRIMARY KEY, name text)");
            exec(c, "CREATE TABLE tb_order (pk_order int PRIMARY KEY, fk_customer int, fk_product int, placed date, deleted timestamptz)");
            exec(c, "INSERT INTO \"tb pro'duct|\" VALUES (1, 'p1'), (2, 'p2'), (3, 'p3'); INSERT INTO tb_customer VALUES (1, 'c1'), (2, 'c2'), (3, 'c3')");
            exec(c, "INSERT INTO tb_order VALUES (10, 1, 1, '2026-01-01', NULL), (11, 1, 2, '2026-02-01', NULL), (20, 2, 2, '2026-01-05', NULL), (30, 3, 3, '2026-03-01', NULL)");
            String first = "(SELECT DISTINCT ON (o.fk_customer) o.fk_customer, o.fk_product FROM l42.tb_order o WHERE o.deleted IS NULL"
                    + " ORDER BY o.fk_customer, o.placed, o.pk_order)";
            exec(c, "CREATE VIEW l42.v_first AS SELECT f.fk_customer, f.fk_product FROM " + first + " f");
            Oracle o = new Oracle(c)
                    .create("l42.tv_customer", "SELECT c.pk_customer, c.name, p.name AS first_product FROM l42.tb_customer c LEFT JOIN " + first
                            + " f ON f.fk_customer = c.pk_customer LEFT JOIN l42.\"tb pro'duct|\" p ON p.pk_product = f.fk_product")
                    .create("l42.tv_viewed", "SELECT c.pk_customer AS pk_viewed, p.name AS first_product FROM l42.tb_customer c LEFT JOIN l42.v_first f"
                            + " ON f.fk_customer = c.pk_customer LEFT JOIN l42.\"tb pro'duct|\" p ON p.pk_product = f.fk_product");
            assertThat(dependencyKinds(c, "l42")).isEqualTo("keyed");
            o.replay(w, "UPDATE l42.\"tb pro'duct|\" SET name = 'P1' WHERE pk_product = 1", "UPDATE l42.tb_order SET placed = '2026-03-01' WHERE pk_order = 10",
                    "UPDATE l42.\"tb pro'duct|\" SET name = 'P2' WHERE pk_product = 2", "UPDATE l42.tb_order SET fk_product = 3 WHERE pk_order = 11",
                    "UPDATE l42.tb_order SET deleted = now() WHERE pk_order = 11", "DELETE FROM l42.\"tb pro'duct|\" WHERE pk_product = 1",
                    "INSERT INTO l42.\"tb pro'duct|\" VALUES (1, 'p1')", "INSERT INTO l42.tb_order VALUES (12, 2, 1, '2025-01-01', NULL)",
                    "UPDATE l42.tb_order SET fk_customer = 3 WHERE pk_order = 12", "UPDATE l42.\"tb pro'duct|\" SET pk_product = 4 WHERE pk_product = 3",
                    "BEGIN", "UPDATE l42.tb_order SET deleted = NULL", "SAVEPOINT s", "DELETE FROM l42.tb_order", "ROLLBACK TO SAVEPOINT s",
                    "UPDATE l42.\"tb pro'duct|\" SET name = name || '!'", "COMMIT", "DELETE FROM l42.tb_order WHERE pk_order = 12",
                    "TRUNCATE l42.tb_order", "INSERT INTO l42.tb_order VALUES (1, 1, 2, '2026-01-01', NULL)");
            assertRefused(c, "l42.tv_x", "{}", Map.of("SELECT f.fk_product AS pk_x, count(*) AS n FROM " + first + " f GROUP BY f.fk_product",
                    "cannot trace changes of l42.tb_order"));
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l42") + " WHERE status <> 'OK' AND component LIKE '%l42%'")).isEqualTo(0L);
        }
    }

    /**
     * Window functions over a join (0.3.29; 0.3.28 refused every window whose level read two tables): partitioned by a
     * never-NULL column c of one table X of the level, a row's values depend on the level's rows whose X row has the same
     * c. Every other table's paths get a twin that reaches X's c, hops into X's rows holding its values and follows X's
     * path, so a parent that leaves a filter, a post that moves and a comment that moves renumber the partitions they
     * leave and enter. Random writes (seeded) after scripted ones; refused: a partition on the nullable side of an outer
     * join, a subquery at the window's level, and an order that leaves the join's rows tied.
     */
    @Test
    void windowsOverJoinsFollowThePartitionsOfTheRowsAChangeReaches(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l43; SET search_path = l43, public");
            exec(c, "CREATE TABLE \"tb us'er|\" (pk_user int PRIMARY KEY, name text, active boolean NOT NULL, fk_org int);"
                    + " CREATE TABLE tb_post (pk_post int PRIMARY KEY, \"fk\nuser\" int NOT NULL, score int);"
                    + " CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int NOT NULL, body text)");
            exec(c, "INSERT INTO \"tb us'er|\" VALUES (1, 'a', true, 1), (2, 'b', true, 1), (3, 'c', false, 2), (4, 'd', true, NULL);"
                    + " INSERT INTO tb_post SELECT g, 1 + g % 4, g % 3 FROM generate_series(1, 12) g;"
                    + " INSERT INTO tb_comment SELECT g, 1 + g % 12, 'b' || g FROM generate_series(1, 20) g");
            String u = "l43.\"tb us'er|\"";
            String fk = "p.\"fk\nuser\"";
            Oracle o = new Oracle(c)
                    .create("l43.tv_post", "SELECT p.pk_post, u.name, row_number() OVER (PARTITION BY " + fk + " ORDER BY p.pk_post) AS rn,"
                            + " sum(p.score) OVER (PARTITION BY u.pk_user ORDER BY p.pk_post) AS running FROM l43.tb_post p JOIN " + u + " u ON u.pk_user = " + fk
                            + " WHERE u.active")
                    .create("l43.tv_org", "SELECT p.pk_post, rank() OVER (PARTITION BY u.fk_org ORDER BY p.score) AS r FROM l43.tb_post p JOIN " + u
                            + " u ON u.pk_user = " + fk + " WHERE u.fk_org IS NOT NULL", "{\"key\": \"pk_post\"}")
                    .create("l43.tv_comment", "SELECT cm.pk_comment, count(*) OVER (PARTITION BY " + fk + ") AS user_comments,"
                            + " row_number() OVER (PARTITION BY cm.fk_post ORDER BY cm.pk_comment) AS nth FROM l43.tb_comment cm"
                            + " JOIN l43.tb_post p ON p.pk_post = cm.fk_post JOIN " + u + " u ON u.pk_user = " + fk + " AND u.active")
                    .create("l43.tv_scaled", "SELECT cm.pk_comment * 10 AS k, dense_rank() OVER (PARTITION BY " + fk + " ORDER BY p.score) AS dr"
                            + " FROM l43.tb_comment cm JOIN l43.tb_post p ON p.pk_post = cm.fk_post", "{\"key\": \"k\"}")
                    .create("l43.tv_user", "SELECT u.pk_user, (SELECT jsonb_agg(s.rn ORDER BY s.pk_post) FROM (SELECT p.pk_post, " + fk + " AS fk,"
                            + " row_number() OVER (PARTITION BY " + fk + " ORDER BY x.active, p.pk_post) AS rn FROM l43.tb_post p JOIN " + u + " x"
                            + " ON x.pk_user = " + fk + ") s WHERE s.fk = u.pk_user) AS posts FROM " + u + " u");
            assertThat(dependencyKinds(c, "l43")).isEqualTo("keyed");
            o.replay(w, "UPDATE " + u + " SET active = false WHERE pk_user = 1", "UPDATE l43.tb_post SET \"fk\nuser\" = 2 WHERE pk_post = 4",
                    "UPDATE l43.tb_comment SET fk_post = 5 WHERE pk_comment = 3", "UPDATE " + u + " SET fk_org = 2 WHERE pk_user = 2",
                    "BEGIN", "UPDATE " + u + " SET active = true WHERE pk_user = 1", "SAVEPOINT s", "UPDATE l43.tb_post SET \"fk\nuser\" = 3",
                    "ROLLBACK TO SAVEPOINT s", "UPDATE l43.tb_post SET score = 9 WHERE pk_post = 8", "COMMIT",
                    "UPDATE l43.tb_post SET pk_post = 40 WHERE pk_post = 12", "TRUNCATE l43.tb_comment");
            java.util.Random r = new java.util.Random(43);
            for (int i = 0; i < 80; i++) {
                int user = 1 + r.nextInt(5);
                int post = 1 + r.nextInt(14);
                String sql = switch (r.nextInt(8)) {
                    case 0 -> "UPDATE " + u + " SET active = NOT active WHERE pk_user = " + user;
                    case 1 -> "UPDATE " + u + " SET fk_org = " + (r.nextBoolean() ? "NULL" : String.valueOf(r.nextInt(3))) + " WHERE pk_user = " + user;
                    case 2 -> "INSERT INTO l43.tb_post VALUES (" + post + ", " + user + ", " + r.nextInt(4) + ") ON CONFLICT (pk_post) DO UPDATE SET score = EXCLUDED.score";
                    case 3 -> "UPDATE l43.tb_post SET \"fk\nuser\" = " + user + " WHERE pk_post = " + post;
                    case 4 -> "DELETE FROM l43.tb_post WHERE pk_post = " + post;
                    case 5 -> "INSERT INTO l43.tb_comment VALUES (" + (1 + r.nextInt(30)) + ", " + post + ", 'x') ON CONFLICT (pk_comment) DO UPDATE SET fk_post = EXCLUDED.fk_post";
                    case 6 -> "DELETE FROM l43.tb_comment WHERE pk_comment = " + (1 + r.nextInt(30));
                    default -> "INSERT INTO " + u + " VALUES (" + user + ", 'n', " + r.nextBoolean() + ", 1) ON CONFLICT (pk_user) DO UPDATE SET name = 'm' || EXCLUDED.pk_user";
                };
                o.replay(w, sql);
            }
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT p.pk_post, row_number() OVER (PARTITION BY u.fk_org ORDER BY p.pk_post) AS n FROM l43.tb_post p LEFT JOIN " + u
                    + " u ON u.pk_user = " + fk, "never NULL");
            refused.put("SELECT p.pk_post, row_number() OVER (PARTITION BY " + fk + " ORDER BY p.pk_post) AS n FROM l43.tb_post p JOIN (SELECT * FROM " + u
                    + ") u ON u.pk_user = " + fk, "a view, a subquery or a function");
            refused.put("SELECT p.pk_post, row_number() OVER (PARTITION BY " + fk + " ORDER BY p.pk_post) AS n FROM l43.tb_post p JOIN l43.tb_comment cm"
                    + " ON cm.fk_post = p.pk_post", "row_number reads the order");
            assertRefused(c, "l43.tv_x", "{\"key\": \"pk_post\"}", refused, "window functions");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l43") + " WHERE status <> 'OK' AND component LIKE '%l43%'")).isEqualTo(0L);
        }
    }

    /**
     * A view's (or subquery's) column from the nullable side of its outer join, required non-NULL by the level that reads
     * it (a correlation "v.order_id = o.id", an inner join's ON, a LEFT JOIN's ON with the view on its nullable side; also
     * through a view or subquery that passes the view's rows on):
     * every row the level keeps has that side present, so inside the view the outer join is an inner one for the lineage
     * of the view's other tables (0.3.29; 0.3.28 refused pg_tviews' regress_outer_join_links as untraceable). Lines move
     * between orders and to orders that do not exist, orders change their non-unique uuid; still refused: a condition
     * that keeps the NULL rows, and a view that aggregates or de-duplicates, where the dropped rows weigh on the kept ones.
     */
    @Test
    void nullableSidesOfAViewThatTheLevelAboveRequiresAreFollowedAsPresent(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l44; SET search_path = l44, public");
            exec(c, "CREATE TABLE \"tb or'der|\" (pk_order int PRIMARY KEY, id uuid NOT NULL, ref text);"
                    + " CREATE TABLE tb_line (pk_line int PRIMARY KEY, \"fk\norder\" int, sku text)");
            exec(c, "INSERT INTO \"tb or'der|\" VALUES (1, md5('1')::uuid, 'o1'), (2, md5('2')::uuid, 'o2'), (3, md5('3')::uuid, 'o3');"
                    + " INSERT INTO tb_line VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c'), (4, NULL, 'd'), (5, 9, 'e')");
            String ord = "l44.\"tb or'der|\"";
            String inner = "SELECT l.pk_line, l.sku, o2.id AS order_id FROM l44.tb_line l LEFT JOIN " + ord + " o2 ON l.\"fk\norder\" = o2.pk_order";
            exec(c, "CREATE VIEW l44.\"v li'ne\" AS " + inner);
            String view = "l44.\"v li'ne\"";
            exec(c, "CREATE VIEW l44.v_pass AS SELECT * FROM " + view);
            Oracle o = new Oracle(c)
                    .create("l44.tv_order", "SELECT o.pk_order, jsonb_build_object('skus', (SELECT jsonb_agg(v.sku ORDER BY v.pk_line) FROM " + view
                            + " v WHERE v.order_id = o.id)) AS data FROM " + ord + " o")
                    .create("l44.tv_inline", "SELECT o.pk_order AS pk_inline, (SELECT count(*) FROM (" + inner + ") v WHERE v.order_id = o.id) AS n FROM " + ord + " o")
                    .create("l44.tv_joined", "SELECT o.pk_order AS pk_joined, jsonb_agg(v.sku ORDER BY v.pk_line) FILTER (WHERE v.pk_line IS NOT NULL) AS skus"
                            + " FROM " + ord + " o LEFT JOIN " + view + " v ON v.order_id = o.id GROUP BY o.pk_order")
                    .create("l44.tv_line", "SELECT v.pk_line, v.sku, o.ref FROM " + view + " v JOIN " + ord + " o ON o.id = v.order_id AND o.ref <> 'hidden'"
                            + " WHERE o.pk_order < 100", "{\"key\": \"pk_line\"}")
                    // (through a view, or a subquery, that passes the view's rows on: the requirement passes on with them; hunt 26)
                    .create("l44.tv_pass", "SELECT o.pk_order AS pk_pass, (SELECT count(*) FROM l44.v_pass v WHERE v.order_id = o.id) AS n,"
                            + " (SELECT count(*) FROM (SELECT * FROM l44.v_pass) w WHERE w.order_id = o.id) AS m FROM " + ord + " o")
                    // (an IN conjunct: its subquery's rows with a NULL output never match; 0.3.30, refused before)
                    .create("l44.tv_in", "SELECT o.pk_order AS pk_in, o.ref FROM " + ord + " o WHERE o.id IN (SELECT v.order_id FROM " + view + " v WHERE v.sku <> 'b2')"
                            + " AND (o.id, o.ref) IN (SELECT w.order_id, o2.ref FROM l44.v_pass w JOIN " + ord + " o2 ON o2.id = w.order_id)");
            assertThat(dependencyKinds(c, "l44")).isEqualTo("keyed");
            o.replay(w, "UPDATE l44.tb_line SET sku = 'b2' WHERE pk_line = 2", "UPDATE l44.tb_line SET \"fk\norder\" = 2 WHERE pk_line = 1",
                    "UPDATE l44.tb_line SET \"fk\norder\" = 1 WHERE pk_line = 5", "UPDATE " + ord + " SET id = md5('5')::uuid WHERE pk_order = 3",
                    "UPDATE " + ord + " SET ref = 'hidden' WHERE pk_order = 1", "DELETE FROM l44.tb_line WHERE pk_line = 3",
                    "BEGIN", "INSERT INTO " + ord + " VALUES (4, md5('4')::uuid, 'o4')", "UPDATE l44.tb_line SET \"fk\norder\" = 4 WHERE \"fk\norder\" IS NULL",
                    "SAVEPOINT s", "DELETE FROM " + ord + " WHERE pk_order = 4", "ROLLBACK TO SAVEPOINT s", "COMMIT");
            java.util.Random r = new java.util.Random(44);
            for (int i = 0; i < 60; i++) {
                int order = 1 + r.nextInt(5);
                int line = 1 + r.nextInt(8);
                String uuid = "md5('" + (1 + r.nextInt(4)) + "')::uuid";
                String sql = switch (r.nextInt(7)) {
                    case 0 -> "INSERT INTO " + ord + " VALUES (" + order + ", " + uuid + ", 'r') ON CONFLICT (pk_order) DO UPDATE SET ref = 'r' || EXCLUDED.pk_order";
                    case 1 -> "UPDATE " + ord + " SET id = " + uuid + " WHERE pk_order = " + order;
                    case 2 -> "DELETE FROM " + ord + " WHERE pk_order = " + order;
                    case 3 -> "INSERT INTO l44.tb_line VALUES (" + line + ", " + (r.nextBoolean() ? "NULL" : String.valueOf(order)) + ", 's')"
                            + " ON CONFLICT (pk_line) DO UPDATE SET \"fk\norder\" = EXCLUDED.\"fk\norder\"";
                    case 4 -> "UPDATE l44.tb_line SET sku = 'x' || pk_line WHERE pk_line = " + line;
                    case 5 -> "UPDATE " + ord + " SET ref = CASE WHEN ref = 'hidden' THEN 'shown' ELSE 'hidden' END WHERE pk_order = " + order;
                    default -> "DELETE FROM l44.tb_line WHERE pk_line = " + line;
                };
                try {
                    o.replay(w, sql);
                } catch (SQLException e) {
                    // (two orders with one uuid give a line two rows of tv_line: its key twice, refused by contract)
                    assertThat(e.getSQLState()).as(sql + ": " + e.getMessage()).isEqualTo("23505");
                    assertThat(e.getMessage()).contains("TVIEW l44.line");
                    o.check("after the refused " + sql);
                }
            }
            // hunt 26: a view with EXISTS in its WHERE, read by an ordered aggregate (0.3.28: 54001, the analysis took the
            // EXISTS's range-table index for the view's own *OLD* entry and recursed into the view), and redefined so
            exec(c, "CREATE TABLE l44.tb_flag (pk_flag int PRIMARY KEY); INSERT INTO l44.tb_flag VALUES (1), (2);"
                    + " CREATE VIEW l44.v_flagged AS SELECT l.pk_line, l.sku, l.\"fk\norder\" AS fk FROM l44.tb_line l");
            o.create("l44.tv_flagged", "SELECT o.pk_order AS pk_flagged, (SELECT string_agg(v.sku, ',' ORDER BY v.pk_line) FROM l44.v_flagged v"
                    + " WHERE v.fk = o.pk_order) AS skus FROM " + ord + " o");
            o.run("CREATE OR REPLACE VIEW l44.v_flagged AS SELECT l.pk_line, l.sku, l.\"fk\norder\" AS fk FROM l44.tb_line l"
                    + " WHERE EXISTS (SELECT 1 FROM l44.tb_flag t WHERE t.pk_flag = l.pk_line)", "INSERT INTO l44.tb_flag VALUES (3), (4)", "DELETE FROM l44.tb_flag WHERE pk_flag = 1");
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT o.pk_order AS pk_x, (SELECT count(*) FROM " + view + " v WHERE v.order_id = o.id OR v.order_id IS NULL) AS n FROM " + ord + " o",
                    "l44.tb_line to keys of TVIEW l44.tv_x");
            refused.put("SELECT o.pk_order AS pk_x, (SELECT count(*) FROM (SELECT DISTINCT l.sku, o2.id AS order_id FROM l44.tb_line l LEFT JOIN " + ord
                    + " o2 ON l.\"fk\norder\" = o2.pk_order) v WHERE v.order_id = o.id) AS n FROM " + ord + " o", "l44.tb_line to keys of TVIEW l44.tv_x");
            // (NOT IN, or an IN under an OR, depends on the subquery's NULLs)
            refused.put("SELECT o.pk_order AS pk_x FROM " + ord + " o WHERE o.id NOT IN (SELECT v.order_id FROM " + view + " v)", "to keys of TVIEW l44.tv_x");
            refused.put("SELECT o.pk_order AS pk_x FROM " + ord + " o WHERE o.id IN (SELECT v.order_id FROM " + view + " v) OR o.ref = 'z'", "to keys of TVIEW l44.tv_x");
            assertRefused(c, "l44.tv_x", "{}", refused);
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l44") + " WHERE status <> 'OK' AND component LIKE '%l44%'")).isEqualTo(0L);
        }
    }

    /**
     * A key of two tables' columns joined by equality (pg_ivm's flat joins: a.i || '/' || b.k over a JOIN b USING (i); a
     * user x tag pair): every column of the other tables that the key reads equals one of b's in every row, so the key is
     * b's expression and a change of a maps to its keys through the join (0.3.30; 0.3.29 refused it without
     * full_refresh). Also through a chain of equalities, under an aggregate, with hostile aliases, after renames; refused
     * where equal values could differ (numeric, a nondeterministic collation, two types) or where the equality does not
     * hold in every row (an outer join's nullable side, an OR, a correlated subquery).
     */
    @Test
    void keysOfTwoTablesJoinedByEqualityAreFollowedAsOneTablesKey(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l45; SET search_path = l45, public");
            String b = "l45.\"tb b'|\"";
            exec(c, "CREATE TABLE l45.tb_a (i int PRIMARY KEY, j int NOT NULL);"
                    + " CREATE TABLE " + b + " (id int PRIMARY KEY, i int NOT NULL, k int NOT NULL, UNIQUE (i, k));"
                    + " CREATE TABLE l45.tb_x (i int PRIMARY KEY, note int); CREATE TABLE l45.tb_c (id int PRIMARY KEY, i int, m int)");
            exec(c, "INSERT INTO l45.tb_a SELECT g, g % 4 FROM generate_series(1, 6) g; INSERT INTO " + b + " SELECT g, 1 + g % 6, g / 6 FROM generate_series(1, 14) g;"
                    + " INSERT INTO l45.tb_x SELECT g, g FROM generate_series(1, 5) g; INSERT INTO l45.tb_c SELECT g, g % 7, g FROM generate_series(1, 10) g");
            Oracle o = new Oracle(c)
                    .create("l45.tv_using", "SELECT i || '/' || k AS pk_using, j, k FROM l45.tb_a JOIN " + b + " USING (i)")
                    .create("l45.tv_count", "SELECT a.i || '/' || bb.k AS pk_count, count(cc.id) AS n, sum(cc.m) AS total FROM l45.tb_a a JOIN " + b
                            + " bb ON bb.i = a.i LEFT JOIN l45.tb_c cc ON cc.i = a.i WHERE a.j > 0 GROUP BY a.i, bb.k")
                    .create("l45.tv_chain", "SELECT a.i || '-' || bb.k AS pk_chain, x.note, a.j FROM l45.tb_a a, " + b + " bb, l45.tb_x x"
                            + " WHERE a.i = x.i AND x.i = bb.i AND x.note IS NOT NULL")
                    .create("l45.tv_hostile", "SELECT \"A x\".i || '/' || \"B|y'\".k AS pk_hostile, \"B|y'\".id AS bid FROM l45.tb_a \"A x\" JOIN " + b
                            + " \"B|y'\" ON \"B|y'\".i = \"A x\".i WHERE \"A x\".j <> 3");
            assertThat(dependencyKinds(c, "l45")).isEqualTo("keyed");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d, jsonb_array_elements(d->'paths') p"
                    + " WHERE m.schema_name = 'l45' AND d->>'table' = 'tb_a' AND p->>'key_expr' LIKE '%.i || %' AND p->>'key_alias' <> 'a'")).isEqualTo(4L);
            o.replay(w, "UPDATE l45.tb_a SET j = 0 WHERE i = 2", "DELETE FROM l45.tb_a WHERE i = 3", "UPDATE " + b + " SET i = 5, k = 7 WHERE id = 5",
                    "BEGIN", "DELETE FROM l45.tb_a WHERE i = 4", "DELETE FROM " + b + " WHERE i = 4", "COMMIT",
                    "BEGIN", "INSERT INTO " + b + " VALUES (50, 9, 1)", "INSERT INTO l45.tb_a VALUES (9, 2)", "INSERT INTO l45.tb_x VALUES (9, NULL)", "COMMIT",
                    "UPDATE l45.tb_x SET note = 1 WHERE i = 9", "UPDATE l45.tb_a SET i = 10 WHERE i = 9", "UPDATE " + b + " SET i = 10, k = 2 WHERE id = 50",
                    "UPDATE l45.tb_c SET i = 1", "TRUNCATE " + b);
            java.util.Random r = new java.util.Random(45);
            for (int n = 0; n < 100; n++) {
                int i = r.nextInt(8);
                String sql = switch (r.nextInt(9)) {
                    case 0 -> "INSERT INTO l45.tb_a VALUES (" + i + ", " + r.nextInt(4) + ") ON CONFLICT (i) DO UPDATE SET j = EXCLUDED.j";
                    case 1 -> "UPDATE l45.tb_a SET i = " + (i + 1) % 8 + " WHERE i = " + i + " AND NOT EXISTS (SELECT 1 FROM l45.tb_a o WHERE o.i = " + (i + 1) % 8 + ")";
                    case 2 -> "DELETE FROM l45.tb_a WHERE i = " + i;
                    case 3 -> "INSERT INTO " + b + " VALUES (" + r.nextInt(30) + ", " + i + ", " + r.nextInt(3) + ") ON CONFLICT DO NOTHING";
                    case 4 -> "UPDATE " + b + " SET i = " + i + ", k = " + r.nextInt(3) + " WHERE id = " + r.nextInt(30)
                            + " AND NOT EXISTS (SELECT 1 FROM " + b + " o WHERE o.i = " + i + ")";
                    case 5 -> "DELETE FROM " + b + " WHERE id = " + r.nextInt(30);
                    case 6 -> "INSERT INTO l45.tb_x VALUES (" + i + ", " + (r.nextInt(3) == 0 ? "NULL" : String.valueOf(r.nextInt(5))) + ") ON CONFLICT (i) DO UPDATE SET note = EXCLUDED.note";
                    case 7 -> "DELETE FROM l45.tb_x WHERE i = " + i;
                    default -> "INSERT INTO l45.tb_c VALUES (" + r.nextInt(12) + ", " + i + ", " + r.nextInt(9) + ") ON CONFLICT (id) DO UPDATE SET i = EXCLUDED.i, m = EXCLUDED.m";
                };
                o.replay(w, sql);
            }
            // a writer's keys that another transaction's rows complete: the second flush waits for the first's join values
            exec(c, "INSERT INTO l45.tb_x VALUES (20, 1) ON CONFLICT DO NOTHING");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO l45.tb_a VALUES (20, 1)", "INSERT INTO " + b + " VALUES (99, 20, 1)");
            o.check("two writers completing one key");
            assertThat(value(c, "SELECT count(*) FROM l45.tv_chain WHERE pk_chain = '20-1'")).isEqualTo(1L);
            // renamed columns, also a USING column that the definition then prints under its old name (FROM tb_a tb_a(i, j))
            exec(c, "ALTER TABLE l45.tb_a RENAME COLUMN i TO \"I'i\"; ALTER TABLE " + b + " RENAME COLUMN k TO \"k|\n k\"");
            // written by a role that may only write the tables (the maintenance runs as the TVIEWs' owner)
            exec(c, "CREATE ROLE \"l45 wr'iter\"; GRANT USAGE ON SCHEMA l45 TO \"l45 wr'iter\";"
                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON l45.tb_a, " + b + ", l45.tb_x TO \"l45 wr'iter\"");
            exec(w, "SET ROLE \"l45 wr'iter\"");
            exec(w, "INSERT INTO l45.tb_a VALUES (30, 2); INSERT INTO " + b + " VALUES (300, 30, 2); INSERT INTO l45.tb_x VALUES (30, 4); UPDATE l45.tb_a SET j = 1");
            exec(w, "BEGIN; DELETE FROM l45.tb_a WHERE \"I'i\" = 30; UPDATE " + b + " SET i = 20 WHERE id = 300; COMMIT");
            exec(w, "RESET ROLE");
            for (String tview : new String[] {"using", "count", "chain", "hostile"}) {
                assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l45." + tview + "')")).as(tview).isEqualTo(0L);
            }
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l45") + " WHERE status <> 'OK' AND component LIKE '%l45%'")).isEqualTo(0L);

            exec(c, "CREATE COLLATION l45.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);"
                    + " CREATE TABLE l45.tb_p (i int PRIMARY KEY, n numeric, big bigint, name text COLLATE l45.ci, j int);"
                    + " CREATE TABLE l45.tb_q (id int PRIMARY KEY, i int, n numeric, big int, name text COLLATE l45.ci, k int)");
            Map<String, String> refused = new LinkedHashMap<>();
            refused.put("SELECT p.n || '/' || q.k AS pk FROM l45.tb_p p JOIN l45.tb_q q ON q.n = p.n", "not numeric or float");
            refused.put("SELECT p.big || '/' || q.k AS pk FROM l45.tb_p p JOIN l45.tb_q q ON q.big = p.big", "one type");
            refused.put("SELECT p.name || '/' || q.k AS pk FROM l45.tb_p p JOIN l45.tb_q q ON q.name = p.name", "deterministic collation");
            refused.put("SELECT p.j || '/' || coalesce(q.k, 0) AS pk FROM l45.tb_p p LEFT JOIN l45.tb_q q ON q.i = p.i", "nullable side");
            refused.put("SELECT p.i || '/' || q.k AS pk FROM l45.tb_p p FULL JOIN l45.tb_q q ON q.i = p.i", "nullable side");
            refused.put("SELECT p.i || '/' || q.k AS pk FROM l45.tb_p p, l45.tb_q q WHERE p.i = q.i OR p.j = q.k", "inner join");
            refused.put("SELECT p.i || '/' || q.k AS pk FROM l45.tb_p p, l45.tb_q q WHERE EXISTS (SELECT 1 FROM l45.tb_p p2 WHERE p2.i = p.i AND p2.i = q.i)", "inner join");
            refused.put("SELECT p.j || '/' || q.k AS pk FROM l45.tb_p p JOIN l45.tb_q q ON q.i = p.i", "equal one of that table");
            // a range whose class equates bounds that print apart ('[-1,2)' = '[1,2)'; hunt 27: 0.3.30's first cut took it)
            exec(c, "CREATE FUNCTION l45.acmp(int, int) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS 'SELECT sign(abs($1) - abs($2))::int';"
                    + " CREATE FUNCTION l45.alt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) < abs($2)';"
                    + " CREATE FUNCTION l45.ale(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) <= abs($2)';"
                    + " CREATE FUNCTION l45.aeq(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) = abs($2)';"
                    + " CREATE FUNCTION l45.age(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) >= abs($2)';"
                    + " CREATE FUNCTION l45.agt(int, int) RETURNS bool LANGUAGE sql IMMUTABLE STRICT AS 'SELECT abs($1) > abs($2)';"
                    + " CREATE OPERATOR l45.<<~ (leftarg = int, rightarg = int, function = l45.alt); CREATE OPERATOR l45.<=~ (leftarg = int, rightarg = int, function = l45.ale);"
                    + " CREATE OPERATOR l45.==~ (leftarg = int, rightarg = int, function = l45.aeq); CREATE OPERATOR l45.>=~ (leftarg = int, rightarg = int, function = l45.age);"
                    + " CREATE OPERATOR l45.>>~ (leftarg = int, rightarg = int, function = l45.agt);"
                    + " CREATE OPERATOR CLASS l45.abs_ops FOR TYPE int USING btree AS OPERATOR 1 l45.<<~, OPERATOR 2 l45.<=~, OPERATOR 3 l45.==~,"
                    + " OPERATOR 4 l45.>=~, OPERATOR 5 l45.>>~, FUNCTION 1 l45.acmp(int, int);"
                    + " CREATE TYPE l45.absr AS RANGE (subtype = int4, subtype_opclass = l45.abs_ops);"
                    + " CREATE TABLE l45.tb_r (i int PRIMARY KEY, j int, c l45.absr); CREATE TABLE l45.tb_s (i int PRIMARY KEY, c l45.absr)");
            refused.put("SELECT r.c::text || '/' || s.i AS pk FROM l45.tb_r r JOIN l45.tb_s s ON r.c = s.c", "equal values are identical");
            assertRefused(c, "l45.tv_x", "{\"key\": \"pk\"}", refused, "cannot be traced");
            // with another column that both tables reach (r.j) it would be followed through that column (0.3.32,
            // CompositeKeyTest), but no join on such a range is: a hash join misses equal ranges that a nested loop finds, so
            // the query's own result depends on its plan (a draft of 0.3.32 accepted it, and its recompute read the view by a
            // hash join; 0.3.31 accepted the join for a key of one table, s.i)
            assertRefused(c, "l45.tv_rj", "{}", Map.of("SELECT r.c::text || '/' || s.i AS pk_rj, r.j FROM l45.tb_r r JOIN l45.tb_s s ON r.c = s.c",
                    "joins on a range type", "SELECT s.i AS pk_rj, r.j FROM l45.tb_s s JOIN l45.tb_r r ON r.c = s.c", "joins on a range type"));
        }
    }

    /**
     * A tree listed from its roots (WITH RECURSIVE t AS (roots UNION ALL children JOIN t), keyed by the node): a node's row
     * derives from the chain from its root down to it, so a changed node reaches itself and every node below it, which
     * the walk follows down by the tree's own link (0.3.30; 0.3.29 refused such trees). Also keyed by a table joined to
     * the nodes (items of each category with the category's path), with a filter and a depth limit in the recursive term,
     * and (since 0.3.33) with a table joined to each round's node, inner or outer, a change of which reaches its subtree.
     */
    @Test
    void treesListedFromTheirRootsAreFollowedDownTheirSubtrees(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l46; SET search_path = l46, public");
            String cat = "l46.\"tb cat'|\n x\"";
            exec(c, "CREATE TABLE " + cat + " (pk_category int PRIMARY KEY, fk_parent int, name text NOT NULL, active boolean NOT NULL DEFAULT true);"
                    + " CREATE TABLE l46.tb_item (pk_item int PRIMARY KEY, fk_category int, title text);"
                    + " CREATE TABLE l46.tb_note (pk_note int PRIMARY KEY, fk_category int, body text)");
            exec(c, "INSERT INTO " + cat + " SELECT g, CASE WHEN g > 2 THEN g / 3 END, 'c' || g, g % 5 <> 0 FROM generate_series(1, 24) g;"
                    + " INSERT INTO l46.tb_item SELECT g, 1 + g % 24, 'i' || g FROM generate_series(1, 30) g;"
                    + " INSERT INTO l46.tb_note SELECT g, g, 'n' || g FROM generate_series(1, 30) g");
            Oracle o = new Oracle(c)
                    .create("l46.tv_tree", "WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path, 1 AS depth FROM " + cat + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk_category, t.path || '/' || c.name, t.depth + 1 FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category)"
                            + " SELECT t.pk_category, t.path, t.depth FROM t", "{\"key\": \"pk_category\"}")
                    .create("l46.tv_active", "WITH RECURSIVE t(id, root, lvl) AS (SELECT c.pk_category, c.pk_category, 0 FROM " + cat + " c"
                            + " WHERE c.fk_parent IS NULL AND c.active UNION ALL SELECT c.pk_category, t.root, t.lvl + 1 FROM " + cat + " c, t"
                            + " WHERE c.fk_parent = t.id AND c.active AND t.lvl < 3)"
                            + " SELECT t.id AS pk_active, t.root, t.lvl, (SELECT count(*) FROM l46.tb_item i WHERE i.fk_category = t.id) AS items FROM t")
                    .create("l46.tv_item", "WITH RECURSIVE t AS (SELECT c.pk_category, ARRAY[c.pk_category] AS ids FROM " + cat + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk_category, t.ids || c.pk_category FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category)"
                            + " SELECT i.pk_item, t.ids, i.title FROM t JOIN l46.tb_item i ON i.fk_category = t.pk_category")
                    // (keyed by the notes; the items on the nullable side reach the nodes without items nowhere, which this
                    // release's first cut walked through)
                    .create("l46.tv_note", "WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path FROM " + cat + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk_category, t.path || '/' || c.name FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category)"
                            + " SELECT n.pk_note, t.path, count(i.pk_item) AS items FROM t LEFT JOIN l46.tb_item i ON i.fk_category = t.pk_category"
                            + " JOIN l46.tb_note n ON n.fk_category = t.pk_category GROUP BY n.pk_note, t.path")
                    // (a table joined to each round's node, inner and outer: a change there reaches that node's subtree; since
                    // 0.3.33, refused before)
                    .create("l46.tv_titled", "WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path FROM " + cat + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk_category, t.path || '/' || i.title FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category"
                            + " JOIN l46.tb_item i ON i.pk_item = c.pk_category) SELECT t.pk_category AS pk_titled, t.path FROM t")
                    .create("l46.tv_noted", "WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path FROM " + cat + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk_category, t.path || '/' || coalesce(n.body, c.name) FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category"
                            + " LEFT JOIN l46.tb_note n ON n.pk_note = c.pk_category AND n.body <> 'n7') SELECT t.pk_category AS pk_noted, t.path FROM t");
            assertThat(dependencyKinds(c, "l46")).isEqualTo("keyed");
            o.replay(w, "UPDATE " + cat + " SET name = 'root' WHERE pk_category = 1", "UPDATE " + cat + " SET fk_parent = 2 WHERE pk_category = 3",
                    "DELETE FROM " + cat + " WHERE pk_category = 4", "INSERT INTO " + cat + " VALUES (4, 1, 'back')",
                    "UPDATE " + cat + " SET pk_category = 40 WHERE pk_category = 5", "UPDATE " + cat + " SET active = NOT active WHERE pk_category IN (2, 6)",
                    "BEGIN", "UPDATE " + cat + " SET fk_parent = NULL WHERE pk_category = 6", "UPDATE " + cat + " SET name = 'six' WHERE pk_category = 6",
                    "DELETE FROM " + cat + " WHERE pk_category = 18", "COMMIT", "UPDATE l46.tb_item SET fk_category = 7 WHERE pk_item < 5",
                    "BEGIN", "UPDATE " + cat + " SET fk_parent = 40 WHERE fk_parent = 1", "SAVEPOINT s", "DELETE FROM " + cat + " WHERE pk_category = 40",
                    "ROLLBACK TO SAVEPOINT s", "COMMIT", "UPDATE " + cat + " SET fk_parent = 1 WHERE pk_category = 40");
            java.util.Random r = new java.util.Random(46);
            for (int n = 0; n < 80; n++) {
                int node = 1 + r.nextInt(30);
                // (a parent below the node's own number: no cycle, on which the query itself would not end)
                String parent = node == 1 || r.nextInt(8) == 0 ? "NULL" : String.valueOf(1 + r.nextInt(node - 1));
                String sql = switch (r.nextInt(6)) {
                    case 0 -> "INSERT INTO " + cat + " VALUES (" + node + ", " + parent + ", 'n" + r.nextInt(9) + "') ON CONFLICT (pk_category) DO UPDATE SET fk_parent = EXCLUDED.fk_parent";
                    case 1 -> "UPDATE " + cat + " SET name = 'r" + r.nextInt(9) + "' WHERE pk_category = " + node;
                    case 2 -> "DELETE FROM " + cat + " WHERE pk_category = " + node;
                    case 3 -> "UPDATE " + cat + " SET active = NOT active WHERE pk_category = " + node;
                    case 4 -> r.nextBoolean() ? "INSERT INTO l46.tb_item VALUES (" + r.nextInt(40) + ", " + node + ", 'x" + r.nextInt(3)
                                    + "') ON CONFLICT (pk_item) DO UPDATE SET fk_category = EXCLUDED.fk_category, title = EXCLUDED.title"
                            : "UPDATE l46.tb_note SET fk_category = " + node + ", body = 'n" + r.nextInt(9) + "' WHERE pk_note = " + r.nextInt(40);
                    default -> "DELETE FROM l46.tb_item WHERE pk_item = " + r.nextInt(40);
                };
                o.replay(w, sql);
            }
            // a child added under a node that another transaction renames: the walks of the two wait for each other
            exec(c, "INSERT INTO " + cat + " VALUES (100, NULL, 'top') ON CONFLICT (pk_category) DO UPDATE SET fk_parent = NULL");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + cat + " VALUES (101, 100, 'kid')", "UPDATE " + cat + " SET name = 'renamed' WHERE pk_category = 100");
            o.check("a child and its parent's rename in two transactions");
            assertThat(value(c, "SELECT path FROM l46.tv_tree WHERE pk_category = 101")).isEqualTo("renamed/kid");
            // a child and the row of the joined table that makes it a node, in two transactions, either one flushed first
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + cat + " VALUES (102, 100, 'kid2')", "INSERT INTO l46.tb_item VALUES (102, 1, 'it102')");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO l46.tb_item VALUES (103, 1, 'it103')", "INSERT INTO " + cat + " VALUES (103, 102, 'kid3')");
            o.check("a child and the row that decorates it in two transactions");
            assertThat(value(c, "SELECT string_agg(path, ',' ORDER BY pk_titled) FROM l46.tv_titled WHERE pk_titled > 100")).isEqualTo("renamed/it102,renamed/it102/it103");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l46") + " WHERE status <> 'OK' AND component LIKE '%l46%'")).isEqualTo(0L);
            Map<String, String> refused = new LinkedHashMap<>();
            // (a table the recursive term joins to the CTE's row, or by an outer join that null-extends the hierarchy's own row)
            refused.put("WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path FROM " + cat + " c WHERE c.fk_parent IS NULL UNION ALL SELECT c.pk_category,"
                    + " t.path || i.title FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category JOIN l46.tb_item i ON i.pk_item = t.pk_category)"
                    + " SELECT t.pk_category AS pk, t.path FROM t", "WITH RECURSIVE");
            refused.put("WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path FROM " + cat + " c WHERE c.fk_parent IS NULL UNION ALL SELECT c.pk_category,"
                    + " t.path || coalesce(c.name, '?') FROM l46.tb_item i JOIN t ON i.fk_category = t.pk_category LEFT JOIN " + cat + " c ON c.fk_parent = t.pk_category)"
                    + " SELECT t.pk_category AS pk, t.path FROM t WHERE t.pk_category IS NOT NULL", "WITH RECURSIVE");
            refused.put("WITH RECURSIVE t AS (SELECT c.pk_category, c.name AS path FROM " + cat + " c WHERE c.fk_parent IS NULL UNION ALL SELECT c.pk_category,"
                    + " t.path || c.name FROM " + cat + " c JOIN t ON c.fk_parent = t.pk_category) SELECT t.path AS pk FROM t", "WITH RECURSIVE");
            assertRefused(c, "l46.tv_x", "{\"key\": \"pk\"}", refused);
        }
    }

    /**
     * A key that reads the nullable side of one outer join (a.i || '/' || coalesce(b.k, 0) over a LEFT JOIN b; since
     * 0.3.31, refused before): each row is matched or null-extended, and each kind's key is followed as any other (the
     * matched rows' over b, where the ON equates a.i with b.i; the null-extended rows' over a, b's columns read as NULL).
     * Also a RIGHT JOIN, a GROUP BY of that key, an ON with another condition, a WHERE that keeps both kinds, a USING
     * column, a column under the "C" collation and a varchar, and a key read from a side that WHERE requires (a FULL JOIN
     * with "b.k > 101", found refused by hunt 30), and a varchar key expression of one table. Random writes checked after every statement, two writers meeting in one
     * key, renamed columns and a role that may only write the tables; and the keys that stay refused.
     */
    @Test
    void keysThatReadAnOuterJoinsNullableSideFollowItsMatchedAndNullExtendedRows(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l47; SET search_path = l47, public");
            String b = "l47.\"tb b'|\"";
            exec(c, "CREATE TABLE l47.tb_a (i int PRIMARY KEY, j int NOT NULL);"
                    + " CREATE TABLE " + b + " (id int PRIMARY KEY, i int NOT NULL, k int NOT NULL, \"n|\n m\" text COLLATE \"C\", v varchar(8), UNIQUE (i, k))");
            exec(c, "INSERT INTO l47.tb_a SELECT g, 10 * g FROM generate_series(1, 6) g;"
                    + " INSERT INTO " + b + " SELECT g, 1 + g % 4, 100 + g, (ARRAY['x', NULL, 'y'])[1 + g % 3], (ARRAY['v', 'w', NULL])[1 + g % 3] FROM generate_series(1, 7) g");
            String from = " FROM l47.tb_a a LEFT JOIN " + b + " \"B|y'\" ON \"B|y'\".i = a.i";
            Oracle o = new Oracle(c)
                    .create("l47.tv_left", "SELECT a.i || '/' || coalesce(\"B|y'\".k, 0) AS pk_left, a.j, \"B|y'\".id" + from)
                    .create("l47.tv_right", "SELECT coalesce(bb.k, 0) || ':' || a.i AS pk_right, a.j FROM " + b + " bb RIGHT JOIN l47.tb_a a ON a.i = bb.i")
                    .create("l47.tv_grouped", "SELECT a.i || '/' || coalesce(\"B|y'\".v, '?') AS pk_grouped, count(*) AS n, max(a.j) AS top" + from + " GROUP BY 1")
                    .create("l47.tv_on", "SELECT a.i || '/' || coalesce(bb.k, 0) AS pk_on, a.j FROM l47.tb_a a LEFT JOIN " + b
                            + " bb ON bb.i = a.i AND bb.k > 102 WHERE a.j > 10")
                    .create("l47.tv_where", "SELECT a.i || '/' || coalesce(\"B|y'\".k, 0) AS pk_where" + from + " WHERE \"B|y'\".k IS NULL OR \"B|y'\".k <> 103")
                    .create("l47.tv_using", "SELECT i || '/' || coalesce(\"n|\n m\", '-') || '/' || coalesce(id, 0) AS pk_using, j FROM l47.tb_a LEFT JOIN " + b + " USING (i)")
                    .create("l47.tv_case", "SELECT CASE WHEN \"B|y'\".id IS NULL THEN 'a' || a.i ELSE 'b' || \"B|y'\".id END AS pk_case, \"B|y'\".k" + from)
                    .create("l47.tv_forced", "SELECT bb.id AS pk_forced, a.j, bb.k FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE bb.k > 101")
                    // (a varchar key expression, whose implicit cast to text the definition prints as an explicit one: 0.3.30 refused it)
                    .create("l47.tv_varchar", "SELECT coalesce(bb.v, '?') || '/' || bb.id AS pk_varchar FROM " + b + " bb")
                    // (hunt 32: an alias list, which the definition prints; strict conditions deeper than a column under an operator)
                    .create("l47.tv_alias", "SELECT x.ai || '/' || coalesce(bb.id, 0) AS pk_alias FROM l47.tb_a x(ai, aj) LEFT JOIN " + b + " bb ON bb.i = x.ai")
                    .create("l47.tv_strict", "SELECT bb.id AS pk_strict, a.j FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i"
                            + " WHERE NOT (bb.k < 102) AND (bb.v || 'x' <> 'wx') IS TRUE");
            assertThat(dependencyKinds(c, "l47")).isEqualTo("keyed");
            // (two paths per source: one for the matched rows' key, one for the null-extended rows')
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d, jsonb_array_elements(d->'paths') p"
                    + " WHERE m.entity = 'l47.left' AND p->>'key_expr' LIKE '%NULL::integer%'")).isEqualTo(2L);
            o.replay(w, "DELETE FROM " + b + " WHERE i = 2", "INSERT INTO " + b + " VALUES (50, 6, 150, 'z', 'v')", "UPDATE " + b + " SET i = 5 WHERE id = 50",
                    "UPDATE l47.tb_a SET i = 7 WHERE i = 6", "BEGIN", "INSERT INTO " + b + " VALUES (51, 8, 151, NULL, NULL)", "INSERT INTO l47.tb_a VALUES (8, 80)",
                    "UPDATE " + b + " SET k = 103 WHERE id = 51", "COMMIT", "BEGIN", "DELETE FROM l47.tb_a WHERE i = 8", "DELETE FROM " + b + " WHERE id = 51", "COMMIT",
                    "UPDATE " + b + " SET \"n|\n m\" = 'q', v = 'w' WHERE i = 1", "TRUNCATE " + b, "INSERT INTO " + b + " VALUES (1, 1, 103, 'x', 'v')");
            java.util.Random r = new java.util.Random(47);
            for (int n = 0; n < 100; n++) {
                int i = 1 + r.nextInt(8);
                String sql = switch (r.nextInt(8)) {
                    case 0 -> "INSERT INTO l47.tb_a VALUES (" + i + ", " + 10 * r.nextInt(5) + ") ON CONFLICT (i) DO UPDATE SET j = EXCLUDED.j";
                    case 1 -> "UPDATE l47.tb_a SET i = " + (i % 8 + 1) + " WHERE i = " + i + " AND NOT EXISTS (SELECT 1 FROM l47.tb_a o WHERE o.i = " + (i % 8 + 1) + ")";
                    case 2 -> "DELETE FROM l47.tb_a WHERE i = " + i;
                    case 3 -> "INSERT INTO " + b + " VALUES (" + r.nextInt(30) + ", " + i + ", " + (100 + r.nextInt(6)) + ", "
                            + (r.nextBoolean() ? "'x'" : "NULL") + ", " + (r.nextBoolean() ? "'w'" : "NULL") + ") ON CONFLICT DO NOTHING";
                    case 4 -> "UPDATE " + b + " SET i = " + i + " WHERE id = " + r.nextInt(30) + " AND NOT EXISTS (SELECT 1 FROM " + b + " o WHERE o.i = " + i + ")";
                    case 5 -> "DELETE FROM " + b + " WHERE id = " + r.nextInt(30);
                    case 6 -> "UPDATE " + b + " SET \"n|\n m\" = " + (r.nextBoolean() ? "'y'" : "NULL") + ", v = " + (r.nextBoolean() ? "'v'" : "NULL")
                            + " WHERE id = " + r.nextInt(30);
                    default -> {
                        int k = 100 + r.nextInt(6);
                        yield "UPDATE " + b + " SET k = " + k + " WHERE id = " + r.nextInt(30) + " AND NOT EXISTS (SELECT 1 FROM " + b + " o WHERE o.i = " + b + ".i AND o.k = " + k + ")";
                    }
                };
                o.replay(w, sql);
            }
            // a parent's first child committed against a writer that flushed the parent's null-extended row
            exec(c, "DELETE FROM " + b + " WHERE i = 3; INSERT INTO l47.tb_a VALUES (3, 30) ON CONFLICT (i) DO UPDATE SET j = 30");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + b + " VALUES (90, 3, 104, 'x', 'v')", "UPDATE l47.tb_a SET j = 31 WHERE i = 3");
            o.check("a first child against a flushed parent");
            assertThat(value(c, "SELECT count(*) FROM l47.tv_left WHERE pk_left LIKE '3/%'")).isEqualTo(1L);
            // (the preserved side's USING column too, which the definition then prints under its old name: hunt 32)
            exec(c, "ALTER TABLE l47.tb_a RENAME COLUMN j TO \"J'j\"; ALTER TABLE " + b + " RENAME COLUMN k TO \"k|\n k\"; ALTER TABLE l47.tb_a RENAME COLUMN i TO \"I'i\"");
            exec(c, "CREATE ROLE \"l47 wr'iter\"; GRANT USAGE ON SCHEMA l47 TO \"l47 wr'iter\"; GRANT SELECT, INSERT, UPDATE, DELETE ON l47.tb_a, " + b + " TO \"l47 wr'iter\"");
            exec(w, "SET ROLE \"l47 wr'iter\"");
            exec(w, "INSERT INTO l47.tb_a VALUES (20, 5); INSERT INTO " + b + " VALUES (200, 20, 998, NULL, 'w'); UPDATE " + b + " SET i = 1 WHERE id = 200");
            exec(w, "BEGIN; DELETE FROM l47.tb_a WHERE \"I'i\" = 1; UPDATE " + b + " SET \"k|\n k\" = 999 WHERE id = 200; COMMIT");
            exec(w, "RESET ROLE");
            for (String tview : new String[] {"left", "right", "grouped", "on", "where", "using", "case", "forced", "varchar", "alias", "strict"}) {
                assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('l47." + tview + "')")).as(tview).isEqualTo(0L);
            }
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("l47") + " WHERE status <> 'OK' AND component LIKE '%l47%'")).isEqualTo(0L);
            exec(c, "ALTER TABLE l47.tb_a RENAME COLUMN \"I'i\" TO i");

            exec(c, "CREATE TABLE l47.tb_c (id int PRIMARY KEY, i int, m int)");
            // (conditions that keep a row whose nullable side is missing: coalesce, IS NOT FALSE, nullif, NOT of an ANY, an ALL)
            assertRefused(c, "l47.tv_x", "{\"key\": \"pk\"}", Map.of(
                    "SELECT bb.id AS pk, bb.v FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE coalesce(bb.\"k|\n k\", 200) > 101", "nullable side",
                    "SELECT bb.id AS pk, bb.v FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE (bb.\"k|\n k\" > 101) IS NOT FALSE", "nullable side",
                    "SELECT bb.id AS pk, bb.v FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE nullif(bb.\"k|\n k\", 7) > 101", "nullable side",
                    // (an empty array: NULL = ANY is false, so NOT of it is true; NULL <> ALL is true)
                    "SELECT bb.id AS pk, bb.v FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE NOT (bb.\"k|\n k\" = ANY('{}'::int[]))", "nullable side",
                    "SELECT bb.id AS pk, bb.v FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE bb.\"k|\n k\" <> ALL('{}'::int[])", "nullable side",
                    "SELECT bb.id AS pk, bb.v FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i WHERE (bb.\"k|\n k\" <> ALL('{}'::int[])) = true", "nullable side"));
            Map<String, String> refused = new LinkedHashMap<>();
            // (the nullable side's key column not equated with the preserved side's; a key of two nullable sides; only the nullable side)
            refused.put("SELECT a.\"J'j\" || '/' || coalesce(bb.id, 0) AS pk FROM l47.tb_a a LEFT JOIN " + b + " bb ON bb.i = a.i", "nullable side");
            refused.put("SELECT a.i || '/' || coalesce(bb.id, 0) || '/' || coalesce(cc.id, 0) AS pk FROM l47.tb_a a LEFT JOIN " + b + " bb ON bb.i = a.i"
                    + " LEFT JOIN l47.tb_c cc ON cc.i = a.i", "nullable side");
            refused.put("SELECT coalesce(bb.id, 0) AS pk FROM l47.tb_a a LEFT JOIN " + b + " bb ON bb.i = a.i", "nullable side");
            refused.put("SELECT a.i || '/' || coalesce(bb.id, 0) AS pk FROM l47.tb_a a FULL JOIN " + b + " bb ON bb.i = a.i", "nullable side");
            // (an equality of expressions in the ON; the nullable side under another outer join)
            refused.put("SELECT a.i || '/' || coalesce(bb.id, 0) AS pk FROM l47.tb_a a LEFT JOIN " + b + " bb ON bb.i = a.i + 0", "nullable side");
            refused.put("SELECT a.i || '/' || coalesce(bb.id, 0) AS pk FROM l47.tb_c cc LEFT JOIN (l47.tb_a a LEFT JOIN " + b + " bb ON bb.i = a.i) ON a.i = cc.i",
                    "nullable side");
            assertRefused(c, "l47.tv_x", "{\"key\": \"pk\"}", refused, "cannot be traced");
        }
    }
}
