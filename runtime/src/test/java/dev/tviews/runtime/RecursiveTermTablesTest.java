package dev.tviews.runtime;

import static dev.tviews.runtime.LineageTest.assertRefused;
import static dev.tviews.runtime.LineageTest.commitAgainstAFlushedWriter;
import static dev.tviews.runtime.LineageTest.dependencyKinds;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.runtime.LineageTest.Oracle;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tables that the recursive term of a tree or a chain walk reads besides the hierarchy's own table T, tied to T's row of
 * the round: written as a RIGHT JOIN or a FULL JOIN (0.3.33 read PostgreSQL's jointype 2, FULL, as RIGHT, so a RIGHT
 * JOIN was refused), or read by a subquery correlated to T's row (a scalar subquery for a label, EXISTS and NOT EXISTS
 * for a filter, a count that also reads the round before; since 0.3.34, refused before). A change of such a table
 * reaches the rows of T it decorates and, below them, their subtrees (or, for a walk up, the chains through them). A
 * table equated with the anchor's row (joined in the anchor, or read through the root the recursive term carries; since
 * 0.3.34, refused before) reaches the anchor's rows and their trees.
 */
@ExtendWith(PostgresExtension.class)
class RecursiveTermTablesTest {

    private static final String CAT = "l52.\"tb cat'|\n x\"";
    private static final String LAB = "l52.\"tb lab|el\"";
    private static final String FK = "\"f k'\"";

    @BeforeAll
    static void install(PgDatabase db) {
        Rt.install(db);
    }

    private static String tree(String label, String where) {
        return "WITH RECURSIVE t AS (SELECT c.pk, c.name AS path FROM " + CAT + " c WHERE c.fk_parent IS NULL"
                + " UNION ALL SELECT c.pk, t.path || '/' || " + label + " FROM t JOIN " + CAT + " c ON c.fk_parent = t.pk" + where + ")";
    }

    @Test
    void tablesReadBesideTheHierarchyInItsRecursiveTermAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA l52; SET search_path = l52, public");
            exec(c, "CREATE TABLE " + CAT + " (pk int PRIMARY KEY, fk_parent int, name text NOT NULL);"
                    + " CREATE TABLE " + LAB + " (id int PRIMARY KEY, " + FK + " int, lang text, label text)");
            exec(c, "INSERT INTO " + CAT + " SELECT g, CASE WHEN g > 2 THEN g / 3 END, 'c' || g FROM generate_series(1, 20) g;"
                    + " INSERT INTO " + LAB + " SELECT g, g, CASE WHEN g % 3 = 0 THEN 'fr' ELSE 'en' END, 'L' || g FROM generate_series(1, 20) g");
            Oracle o = new Oracle(c)
                    .create("l52.tv_right", "WITH RECURSIVE t AS (SELECT c.pk, c.name AS path FROM " + CAT + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk, t.path || '/' || coalesce(l.label, c.name) FROM " + LAB + " l RIGHT JOIN (t JOIN " + CAT
                            + " c ON c.fk_parent = t.pk) ON l." + FK + " = c.pk AND l.lang = 'fr') SELECT t.pk AS pk_right, t.path FROM t", "{\"key\": \"pk_right\"}")
                    .create("l52.tv_full", "WITH RECURSIVE t AS (SELECT c.pk, c.name AS path FROM " + CAT + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk, t.path || '/' || coalesce(l.label, c.name) FROM " + LAB + " l FULL JOIN " + CAT + " c ON l." + FK
                            + " = c.pk AND l.lang = 'en' JOIN t ON c.fk_parent = t.pk) SELECT t.pk AS pk_full, t.path FROM t", "{\"key\": \"pk_full\"}")
                    .create("l52.tv_label", tree("coalesce((SELECT l.label FROM " + LAB + " l WHERE l." + FK + " = c.pk AND l.lang = 'en'), c.name)", "")
                            + " SELECT t.pk AS pk_label, t.path FROM t", "{\"key\": \"pk_label\"}")
                    .create("l52.tv_shown", tree("c.name", " WHERE EXISTS (SELECT 1 FROM " + LAB + " l WHERE l." + FK + " = c.pk AND l.lang = 'en')")
                            + " SELECT t.pk AS pk_shown, t.path FROM t", "{\"key\": \"pk_shown\"}")
                    .create("l52.tv_unhidden", tree("c.name", " WHERE NOT EXISTS (SELECT 1 FROM " + LAB + " l WHERE c.pk = l." + FK + " AND l.lang = 'fr')")
                            + " SELECT t.pk AS pk_unhidden, t.path FROM t", "{\"key\": \"pk_unhidden\"}")
                    .create("l52.tv_counted", "WITH RECURSIVE t AS (SELECT c.pk, 0::bigint AS n, c.name AS path FROM " + CAT + " c WHERE c.fk_parent IS NULL"
                            + " UNION ALL SELECT c.pk, t.n + (SELECT count(*) FROM " + LAB + " l WHERE l." + FK + " = c.pk AND l.label <> t.path), t.path || '/' || c.name"
                            + " FROM t JOIN " + CAT + " c ON c.fk_parent = t.pk) SELECT t.pk AS pk_counted, t.n, t.path FROM t", "{\"key\": \"pk_counted\"}")
                    .create("l52.tv_up", "SELECT c.pk AS pk_up, (WITH RECURSIVE up(id, par, lab, d) AS (SELECT c2.pk, c2.fk_parent, NULL::text, 0 FROM " + CAT
                            + " c2 WHERE c2.pk = c.pk UNION ALL SELECT p.pk, p.fk_parent, (SELECT max(l.label) FROM " + LAB + " l WHERE l." + FK + " = p.pk), up.d + 1"
                            + " FROM up JOIN " + CAT + " p ON p.pk = up.par WHERE up.d < 40) SELECT string_agg(lab, ',' ORDER BY d) FROM up) AS labels FROM " + CAT + " c")
                    // (a table equated with the anchor's row: joined in the anchor, inner or outer, or read through the root the
                    // recursive term carries)
                    .create("l52.tv_inherited", "WITH RECURSIVE t AS (SELECT c.pk, 1 AS depth, c.pk AS root, l.label FROM " + CAT + " c LEFT JOIN " + LAB
                            + " l ON l." + FK + " = c.pk AND l.lang = 'fr' WHERE c.fk_parent IS NULL UNION ALL SELECT c.pk, t.depth + 1, t.root, coalesce(l.label, t.label)"
                            + " FROM t JOIN " + CAT + " c ON c.fk_parent = t.pk LEFT JOIN " + LAB + " l ON l." + FK + " = c.pk AND l.lang = 'fr')"
                            + " SELECT t.pk AS pk_inherited, t.depth, t.root, t.label FROM t", "{\"key\": \"pk_inherited\"}")
                    .create("l52.tv_rooted", "WITH RECURSIVE t AS (SELECT c.pk, l.label AS path FROM " + CAT + " c JOIN " + LAB + " l ON l." + FK + " = c.pk AND l.lang = 'en'"
                            + " WHERE c.fk_parent IS NULL UNION ALL SELECT c.pk, t.path || '/' || c.name FROM t JOIN " + CAT + " c ON c.fk_parent = t.pk)"
                            + " SELECT t.pk AS pk_rooted, t.path FROM t", "{\"key\": \"pk_rooted\"}")
                    .create("l52.tv_root_label", "WITH RECURSIVE t AS (SELECT c.pk, c.pk AS root FROM " + CAT + " c WHERE c.fk_parent IS NULL UNION ALL SELECT c.pk, t.root"
                            + " FROM t JOIN " + CAT + " c ON c.fk_parent = t.pk) SELECT t.pk AS pk_root_label, r.name, (SELECT l.label FROM " + LAB + " l WHERE l." + FK
                            + " = t.root AND l.lang = 'en') AS root_label FROM t JOIN " + CAT + " r ON r.pk = t.root", "{\"key\": \"pk_root_label\"}");
            assertThat(dependencyKinds(c, "l52")).isEqualTo("keyed");
            o.replay(w, "UPDATE " + LAB + " SET label = 'root' WHERE " + FK + " = 1", "UPDATE " + LAB + " SET lang = 'en' WHERE id = 3",
                    "DELETE FROM " + LAB + " WHERE id = 4", "INSERT INTO " + LAB + " VALUES (40, 4, 'fr', 'quatre')",
                    "UPDATE " + LAB + " SET " + FK + " = 5 WHERE id = 6", "UPDATE " + CAT + " SET fk_parent = 2 WHERE pk = 3",
                    "BEGIN", "UPDATE " + CAT + " SET pk = 50 WHERE pk = 5", "UPDATE " + LAB + " SET " + FK + " = 50 WHERE " + FK + " = 5", "COMMIT",
                    "BEGIN", "DELETE FROM " + LAB + " WHERE lang = 'fr'", "SAVEPOINT s", "UPDATE " + LAB + " SET lang = 'fr' WHERE id < 10",
                    "ROLLBACK TO SAVEPOINT s", "COMMIT", "TRUNCATE " + LAB);
            Random r = new Random(52);
            for (int n = 0; n < 90; n++) {
                int node = 1 + r.nextInt(24);
                // (a parent below the node's own number: no cycle, on which the queries would not end)
                String parent = node == 1 || r.nextInt(8) == 0 ? "NULL" : String.valueOf(1 + r.nextInt(node - 1));
                int id = 1 + r.nextInt(30);
                String sql = switch (r.nextInt(7)) {
                    case 0 -> "INSERT INTO " + CAT + " VALUES (" + node + ", " + parent + ", 'n" + r.nextInt(5) + "') ON CONFLICT (pk) DO UPDATE SET fk_parent = EXCLUDED.fk_parent";
                    case 1 -> "DELETE FROM " + CAT + " WHERE pk = " + node;
                    case 2 -> "INSERT INTO " + LAB + " VALUES (" + id + ", " + node + ", '" + (r.nextInt(3) == 0 ? "fr" : "en") + "', 'L" + r.nextInt(9)
                            + "') ON CONFLICT (id) DO UPDATE SET " + FK + " = EXCLUDED." + FK + ", lang = EXCLUDED.lang";
                    case 3 -> "DELETE FROM " + LAB + " WHERE id = " + id;
                    case 4 -> "UPDATE " + LAB + " SET label = 'M" + r.nextInt(9) + "' WHERE " + FK + " = " + node;
                    case 5 -> "UPDATE " + LAB + " SET lang = CASE lang WHEN 'en' THEN 'fr' ELSE 'en' END WHERE id = " + id;
                    default -> "WITH a AS (UPDATE " + CAT + " SET name = 'r" + r.nextInt(5) + "' WHERE pk = " + node + " RETURNING 1), b AS (UPDATE " + LAB
                            + " SET " + FK + " = " + (1 + r.nextInt(24)) + " WHERE id = " + id + " RETURNING 1) SELECT 1";
                };
                o.replay(w, sql);
            }
            // a node and the label that shows it, in two transactions, either one flushed first: both commit, no row missed
            exec(c, "INSERT INTO " + CAT + " VALUES (100, NULL, 'top') ON CONFLICT (pk) DO UPDATE SET fk_parent = NULL");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + CAT + " VALUES (101, 100, 'kid')", "INSERT INTO " + LAB + " VALUES (101, 101, 'en', 'shown')");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + LAB + " VALUES (102, 102, 'en', 'shown2')", "INSERT INTO " + CAT + " VALUES (102, 101, 'kid2')");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + CAT + " VALUES (110, NULL, 'root')", "INSERT INTO " + LAB + " VALUES (110, 110, 'en', 'R')");
            commitAgainstAFlushedWriter(db, w, "INSERT INTO " + LAB + " VALUES (111, 111, 'en', 'S')", "INSERT INTO " + CAT + " VALUES (111, NULL, 'root2')");
            o.check("a node and its label in two transactions");
            assertThat(value(c, "SELECT string_agg(path, ',' ORDER BY pk_rooted) FROM l52.tv_rooted WHERE pk_rooted >= 110")).isEqualTo("R,S");
            assertThat(value(c, "SELECT string_agg(path, ',' ORDER BY pk_shown) FROM l52.tv_shown WHERE pk_shown BETWEEN 101 AND 109")).isEqualTo("top/kid,top/kid/kid2");
            assertThat(value(c, "SELECT path FROM l52.tv_label WHERE pk_label = 102")).isEqualTo("top/shown/shown2");
            // a role that may only write the tables: the walks run as the TVIEWs' owner
            exec(c, "CREATE ROLE \"l52 wr'iter\"; GRANT USAGE ON SCHEMA l52 TO \"l52 wr'iter\"; GRANT SELECT, INSERT, UPDATE, DELETE ON " + CAT + ", " + LAB
                    + " TO \"l52 wr'iter\"");
            exec(w, "SET ROLE \"l52 wr'iter\"");
            o.replay(w, "UPDATE " + LAB + " SET label = 'w' WHERE " + FK + " = 101", "INSERT INTO " + CAT + " VALUES (103, 102, 'kid3')",
                    "INSERT INTO " + LAB + " VALUES (103, 103, 'en', 'shown3')", "UPDATE " + CAT + " SET fk_parent = 110 WHERE pk = 102", "DELETE FROM " + LAB + " WHERE id = 110");
            exec(w, "RESET ROLE");
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK' AND component LIKE '%l52%'")).isEqualTo(0L);

            Map<String, String> refused = new LinkedHashMap<>();
            // (correlated to the round before, not to T's row: the label belongs to the parent, which the equality of the
            // join relates to other rows of T)
            refused.put(tree("coalesce((SELECT l.label FROM " + LAB + " l WHERE l." + FK + " = t.pk), c.name)", "") + " SELECT t.pk, t.path FROM t", "WITH RECURSIVE");
            // (a table read one subquery further down)
            refused.put(tree("c.name", " WHERE EXISTS (SELECT 1 FROM " + LAB + " l WHERE l." + FK + " = c.pk AND EXISTS (SELECT 1 FROM " + LAB
                    + " l2 WHERE l2.id = l.id + 1))") + " SELECT t.pk, t.path FROM t", "WITH RECURSIVE");
            assertRefused(c, "l52.tv_x", "{\"key\": \"pk\"}", refused);
        }
    }
}
