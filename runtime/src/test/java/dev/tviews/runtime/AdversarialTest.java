package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.rows;
import static dev.tviews.runtime.Rt.sqlState;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.runtime.LineageTest.Oracle;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cases an adversarial review of runtime 0.3.3 found (wrong rows, lost writes, a second statement run at create,
 * over-refusals), each checked against its query after every statement. Each fails on 0.3.3.
 */
@ExtendWith(PostgresExtension.class)
class AdversarialTest {

    @BeforeAll
    static void install(PgDatabase db) {
        Rt.install(db);
    }

    /** Paths of one source that look alike (a direct path and a hop path; one and two hops of a self-join) are all kept. */
    @Test
    void pathsThatLookContainedInAnotherAreKept(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a1; SET search_path = a1, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text NOT NULL, fk_manager int REFERENCES tb_user)");
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text)");
            exec(c, "CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int REFERENCES tb_post, fk_user int REFERENCES tb_user)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'boss', NULL), (2, 'mid', 1), (3, 'low', 2); INSERT INTO tb_post VALUES (10, 1, 'x');"
                    + " INSERT INTO tb_comment VALUES (100, 10, 2)");
            new Oracle(c)
                    .create("a1.tv_user", "SELECT u.pk_user,"
                            + " (SELECT count(*) FROM tb_post p2 JOIN tb_comment cm ON cm.fk_post = p2.pk_post WHERE cm.fk_user = u.pk_user) AS commented,"
                            + " (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS posts FROM tb_user u")
                    .create("a1.tv_chain", "SELECT u.pk_user AS pk_chain, m.name AS manager, mm.name AS grand_manager"
                            + " FROM tb_user u LEFT JOIN tb_user m ON m.pk_user = u.fk_manager LEFT JOIN tb_user mm ON mm.pk_user = m.fk_manager")
                    .run("INSERT INTO tb_post VALUES (11, 2, 'y')",
                            "UPDATE tb_user SET name = 'BOSS' WHERE pk_user = 1",
                            "INSERT INTO tb_comment VALUES (101, 11, 3)",
                            "UPDATE tb_user SET fk_manager = 1 WHERE pk_user = 3",
                            "UPDATE tb_user SET name = 'MID' WHERE pk_user = 2");
        }
    }

    /** A CTE referenced at its own level, joined back after an aggregate, or two levels down (the docs list CTEs as maintained). */
    @Test
    void commonTableExpressionsAtAnyLevel(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a2; SET search_path = a2, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, score int)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_post VALUES (1, 1, 5), (2, 1, 7)");
            new Oracle(c)
                    .create("a2.tv_c1", "WITH s AS (SELECT u.pk_user, u.name FROM tb_user u) SELECT s.pk_user AS pk_c1, s.name FROM s")
                    .create("a2.tv_c2", "WITH t AS (SELECT p.fk_user, sum(p.score) AS total FROM tb_post p GROUP BY p.fk_user)"
                            + " SELECT u.pk_user AS pk_c2, t.total FROM tb_user u LEFT JOIN t ON t.fk_user = u.pk_user")
                    .create("a2.tv_c3", "WITH t AS (SELECT p.fk_user, p.score FROM tb_post p)"
                            + " SELECT u.pk_user AS pk_c3, (SELECT sum(x.score) FROM (SELECT * FROM t) x WHERE x.fk_user = u.pk_user) AS total FROM tb_user u")
                    .run("INSERT INTO tb_post VALUES (3, 2, 1)", "UPDATE tb_post SET fk_user = 2 WHERE pk_post = 1",
                            "UPDATE tb_user SET name = 'A' WHERE pk_user = 1", "INSERT INTO tb_user VALUES (3, 'c')", "DELETE FROM tb_post WHERE pk_post = 2");
        }
    }

    /** A key from the nullable side of an outer join could become NULL unnoticed: refused, unless WHERE says it is not. */
    @Test
    void aKeyFromTheNullableSideOfAnOuterJoinIsRefused(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a3; SET search_path = a3, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_post VALUES (10, 1, 'x'), (11, 2, 'y')");
            String from = " FROM tb_user u LEFT JOIN tb_post p ON p.fk_user = u.pk_user";
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a3.tv_feed', $q$SELECT p.pk_post AS pk_feed, u.name" + from + "$q$)")).isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a3.tv_feed', $q$SELECT p.pk_post AS pk_feed, u.name FROM tb_post p FULL JOIN tb_user u"
                    + " ON u.pk_user = p.fk_user$q$)")).isEqualTo("0A000");
            new Oracle(c)
                    .create("a3.tv_feed", "SELECT p.pk_post AS pk_feed, u.name" + from + " WHERE p.pk_post IS NOT NULL")
                    .create("a3.tv_user", "SELECT u.pk_user, count(p.pk_post) AS posts" + from + " GROUP BY u.pk_user")   // the preserved side
                    .run("DELETE FROM tb_post WHERE pk_post = 11", "INSERT INTO tb_user VALUES (3, 'c')", "UPDATE tb_user SET name = 'A' WHERE pk_user = 1");
        }
    }

    /** A second statement hidden behind "$$" in an identifier is refused before anything runs. */
    @Test
    void aSecondStatementBehindDollarsInAnIdentifierNeverRuns(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a4; SET search_path = a4, public");
            exec(c, "CREATE TABLE victim (x int); INSERT INTO victim VALUES (1); CREATE TABLE tb_a (pk_a int PRIMARY KEY)");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a4.tv_a', $q$SELECT a.pk_a, 1 AS k$$$ FROM tb_a a; DELETE FROM victim; SELECT 1 AS y$$$q$)"))
                    .isEqualTo("42601");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a4.tv_a', $q$SELECT a.pk_a, 1 AS \"k$$\" FROM tb_a a; DELETE FROM victim$q$)"))
                    .isEqualTo("42601");
            assertThat(value(c, "SELECT count(*) FROM victim")).isEqualTo(1L);
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta WHERE schema_name = 'a4'")).isEqualTo(0L);
            new Oracle(c).create("a4.tv_a", "SELECT a.pk_a, 1 AS k$$$ FROM tb_a a").run("INSERT INTO tb_a VALUES (1)");
        }
    }

    /** Generated names stay within 63 bytes for non-ASCII TVIEW names; long join values are locked by digest. */
    @Test
    void longNonAsciiNamesAndLongJoinValues(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a5; SET search_path = a5, public");
            exec(c, "CREATE TABLE \"tb_заказ\" (\"pk_заказ\" int PRIMARY KEY, v int); INSERT INTO \"tb_заказ\" VALUES (1, 1)");
            exec(c, "CREATE TABLE tb_link (pk_link int PRIMARY KEY, url text); CREATE TABLE tb_click (pk_click int PRIMARY KEY, url text)");
            exec(c, "INSERT INTO tb_link VALUES (1, 'http://a')");
            new Oracle(c)
                    .create("a5.tv_статистика_заказов_клиентов", "SELECT z.\"pk_заказ\" AS \"pk_статистика_заказов_клиентов\", z.v FROM \"tb_заказ\" z")
                    .create("a5.tv_link", "SELECT l.pk_link, l.url, (SELECT count(*) FROM tb_click k WHERE k.url = l.url) AS clicks FROM tb_link l")
                    .run("UPDATE \"tb_заказ\" SET v = 2", "INSERT INTO \"tb_заказ\" VALUES (2, 5)",
                            "INSERT INTO tb_click VALUES (1, 'http://x/' || (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 100) g))",
                            "INSERT INTO tb_link SELECT 2, url FROM tb_click WHERE pk_click = 1",
                            "INSERT INTO tb_click SELECT 2, url FROM tb_click WHERE pk_click = 1");
            assertThat(value(c, "SELECT clicks FROM tv_link WHERE pk_link = 2")).isEqualTo(2L);
        }
    }

    /** A bigint parent joined by an integer foreign key: parents beyond the integer range are written and maintained. */
    @Test
    void aBigintParentWithAnIntegerForeignKey(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a6; SET search_path = a6, public");
            exec(c, "CREATE TABLE tb_user (pk_user bigint PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tb_user, title text)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a'); INSERT INTO tb_post VALUES (10, 1, 'x')");
            new Oracle(c).create("a6.tv_post", "SELECT p.pk_post, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user")
                    .run("INSERT INTO tb_user VALUES (5000000000, 'big')", "UPDATE tb_user SET name = name || '!'", "DELETE FROM tb_user WHERE pk_user > 1");
        }
    }

    /**
     * Types whose "=" is not built in: keys and joins on them are refused (maintenance, pinned to pg_catalog, would
     * compare citext case-sensitively and cannot use ltree's); plain columns of such types are maintained.
     */
    @Test
    void typesWithAnEqualityOutsidePgCatalog(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE EXTENSION IF NOT EXISTS citext; CREATE EXTENSION IF NOT EXISTS hstore");
            exec(c, "CREATE SCHEMA a7; SET search_path = a7, public");
            exec(c, "CREATE TABLE tb_user (login citext PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, author citext, attrs hstore)");
            exec(c, "INSERT INTO tb_user VALUES ('bob', 'Bob'); INSERT INTO tb_post VALUES (1, 'BOB', 'x=>1')");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a7.tv_post', $q$SELECT p.pk_post, u.name FROM tb_post p JOIN tb_user u ON u.login = p.author$q$)"))
                    .isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a7.tv_user', $q$SELECT u.login AS pk_user, u.name FROM tb_user u$q$)")).isEqualTo("0A000");
            new Oracle(c).create("a7.tv_post", "SELECT p.pk_post, p.author, p.attrs FROM tb_post p")
                    .run("UPDATE tb_post SET attrs = 'x=>2'", "UPDATE tb_post SET author = 'Bob'", "INSERT INTO tb_post VALUES (2, 'ann', 'y=>2')");
            assertThat(value(c, "SELECT author::text FROM tv_post WHERE pk_post = 1")).isEqualTo("Bob");
        }
    }

    /** Rows that leave a source through DDL (DETACH PARTITION, DROP TABLE of a partition, NO INHERIT, DROP of a child) leave the TVIEW. */
    @Test
    void rowsThatLeaveASourceThroughDdlLeaveTheTview(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a9; SET search_path = a9, public");
            exec(c, "CREATE TABLE tb_ev (pk_ev int, region text, v int, PRIMARY KEY (pk_ev, region)) PARTITION BY LIST (region)");
            for (String r : new String[] {"eu", "us", "asia", "af", "oc"}) {
                exec(c, "CREATE TABLE tb_ev_" + r + " PARTITION OF tb_ev FOR VALUES IN ('" + r + "')");
            }
            exec(c, "INSERT INTO tb_ev VALUES (1, 'eu', 1), (2, 'us', 2), (3, 'asia', 3), (4, 'af', 4), (8, 'oc', 8)");
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, v int); CREATE TABLE tb_item_old () INHERITS (tb_item);"
                    + " CREATE TABLE tb_item_older () INHERITS (tb_item)");
            exec(c, "INSERT INTO tb_item VALUES (1, 1); INSERT INTO tb_item_old VALUES (2, 2); INSERT INTO tb_item_older VALUES (3, 3)");
            new Oracle(c).create("a9.tv_ev", "SELECT e.pk_ev, e.region, e.v FROM tb_ev e").create("a9.tv_item", "SELECT i.pk_item, i.v FROM tb_item i")
                    .run("ALTER TABLE tb_ev DETACH PARTITION tb_ev_us", "DROP TABLE tb_ev_asia", "ALTER TABLE tb_item_old NO INHERIT tb_item",
                            "DROP TABLE tb_item_older", "INSERT INTO tb_ev_af VALUES (5, 'af', 5)", "INSERT INTO tb_ev_us VALUES (6, 'us', 6)",
                            "INSERT INTO tb_item_old VALUES (7, 7)", "BEGIN", "DROP TABLE tb_ev_af", "ROLLBACK");
            assertThat(value(c, "SELECT count(*) FROM tv_ev")).as("eu 1, af 4 and 5, oc 8").isEqualTo(4L);
            // without the event triggers (a non-superuser install, or DDL by a role that cannot act as the TVIEW's
            // owner) the health check names the table that left and the one that was dropped, and its hints repair both
            exec(c, "ALTER EVENT TRIGGER pg_tviews_ddl DISABLE; ALTER EVENT TRIGGER pg_tviews_drop DISABLE");
            try {
                exec(c, "ALTER TABLE tb_ev DETACH PARTITION tb_ev_eu");
                exec(c, "DROP TABLE tb_ev_oc");
                assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a9") + " WHERE component = 'left:a9.ev'")).asString()
                        .contains("tb_ev_eu").contains("pg_tviews_reinstall_triggers");
                assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a9") + " WHERE component = 'dropped:a9.ev'")).asString()
                        .contains("tb_ev_oc").contains("pg_tviews_refresh");
                exec(c, "SELECT pg_tviews_refresh('a9.ev')");
                assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a9") + " WHERE component = 'dropped:a9.ev'")).isEqualTo(0L);
                exec(c, "SELECT pg_tviews_reinstall_triggers('a9.ev')");
            } finally {
                exec(c, "ALTER EVENT TRIGGER pg_tviews_ddl ENABLE; ALTER EVENT TRIGGER pg_tviews_drop ENABLE");
            }
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a9") + " WHERE component LIKE '%a9.ev' AND status <> 'OK'")).isEqualTo(0L);
            assertThat(Rt.driftAgainst(c, "tv_ev", "SELECT e.pk_ev, e.region, e.v FROM tb_ev e")).isZero();
            // names with quotes, spaces, a newline, '%' and a backslash: the dropped and the detached partition are found too
            exec(c, "CREATE SCHEMA \"a9 we\"\"ird\"; SET search_path = \"a9 we\"\"ird\", public");
            exec(c, "CREATE TABLE \"tb_e v\" (pk int, region text, v int, PRIMARY KEY (pk, region)) PARTITION BY LIST (region)");
            exec(c, "CREATE TABLE \"tb_e v_us\" PARTITION OF \"tb_e v\" FOR VALUES IN ('us'); CREATE TABLE \"tb_e v_\nx\" PARTITION OF \"tb_e v\" FOR VALUES IN ('x')");
            exec(c, "CREATE TABLE \"tb_e v_eu\" PARTITION OF \"tb_e v\" FOR VALUES IN ('eu'); INSERT INTO \"tb_e v\" VALUES (1, 'eu', 1), (2, 'us', 2), (3, 'x', 3)");
            new Oracle(c).create("\"a9 we\"\"ird\".\"tv_a%b\"\"\\ c\"", "SELECT e.pk AS \"pk_a%b\"\"\\ c\", e.v FROM \"tb_e v\" e")
                    .run("DROP TABLE \"tb_e v_us\"", "ALTER TABLE \"tb_e v\" DETACH PARTITION \"tb_e v_\nx\"");
        }
    }

    /**
     * Date/time values print by the session's TimeZone (and IntervalStyle ...): a writer in another time zone must not
     * store text no other session's query yields. The TVIEW keeps the creating session's settings.
     */
    @Test
    void valuesDoNotDependOnTheWritersSessionSettings(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a10; SET search_path = a10, public; SET TimeZone = 'UTC'");
            exec(c, "CREATE TABLE tb_ev (pk_ev int PRIMARY KEY, at timestamptz, d interval, title text); INSERT INTO tb_ev VALUES (1, '2024-01-01 00:00+00', '2 days', 'a')");
            Oracle o = new Oracle(c).create("a10.tv_ev", "SELECT e.pk_ev, e.title, jsonb_build_object('at', e.at, 'd', e.d) AS doc, e.at::text AS at_text,"
                    + " e.d::text AS d_text FROM tb_ev e");
            exec(c, "SET TimeZone = 'Asia/Tokyo'; SET IntervalStyle = 'postgres_verbose'");
            exec(c, "UPDATE tb_ev SET title = 'b' WHERE pk_ev = 1; INSERT INTO tb_ev VALUES (2, '2024-06-01 12:00+00', '3 hours', 'c')");
            exec(c, "RESET IntervalStyle; SET TimeZone = 'UTC'");
            o.check("writes from a session in Asia/Tokyo with IntervalStyle postgres_verbose");
            assertThat(value(c, "SELECT at_text FROM tv_ev WHERE pk_ev = 2")).isEqualTo("2024-06-01 12:00:00+00");
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency('a10.tv_ev')")).isEqualTo(0L);
            // bytea's output format, to_char()'s locale and to_tsvector()'s configuration are session settings too (0.3.5
            // stored whatever the writer's session had)
            exec(c, "CREATE TABLE tb_doc (pk_doc int PRIMARY KEY, blob bytea, body text, n numeric);"
                    + " INSERT INTO tb_doc VALUES (1, '\\x0102', 'the running dogs', 1.5)");
            Oracle docs = new Oracle(c).create("a10.tv_doc", "SELECT d.pk_doc, jsonb_build_object('blob', d.blob) AS doc, d.blob::text AS blob_text,"
                    + " to_char(d.n, '9D99') AS n_text, to_tsvector(d.body)::text AS words FROM tb_doc d");
            exec(c, "SET bytea_output = 'escape'; SET default_text_search_config = 'simple'");
            exec(c, "UPDATE tb_doc SET n = 2; INSERT INTO tb_doc VALUES (2, '\\x41', 'cats are jumping', 3)");
            exec(c, "RESET bytea_output; RESET default_text_search_config");
            docs.check("writes from a session with bytea_output escape and the simple text search configuration");
            assertThat(value(c, "SELECT blob_text || ' ' || words FROM tv_doc WHERE pk_doc = 2")).isEqualTo("\\x41 'cat':1 'jump':3");
        }
    }

    /**
     * CREATE OR REPLACE VIEW of a plain view the TVIEW reads (directly or through another view): rows and lineage follow it.
     * A redefinition the analysis would refuse at creation (an untraceable shape, a cycle through a TVIEW) fails and changes
     * nothing (0.3.28 let it through with a WARNING, regenerated a TVIEW reading itself, and left rows stale).
     */
    @Test
    void aRedefinedViewSourceIsFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a11; SET search_path = a11, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text, active boolean); CREATE TABLE tb_org (pk_org int PRIMARY KEY, fk_user int, label text)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a', true), (2, 'b', false); INSERT INTO tb_org VALUES (1, 1, 'x'), (2, 2, 'y')");
            exec(c, "CREATE VIEW v_user AS SELECT u.pk_user, u.name FROM tb_user u WHERE u.active; CREATE VIEW v_named AS SELECT v.pk_user, v.name FROM v_user v");
            Oracle o = new Oracle(c).create("a11.tv_org", "SELECT g.pk_org, g.label, n.name FROM tb_org g JOIN v_named n ON n.pk_user = g.fk_user");
            o.run("CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, u.name FROM tb_user u",
                    "UPDATE tb_user SET name = 'B' WHERE pk_user = 2",
                    "CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, upper(u.name) AS name FROM tb_user u WHERE NOT u.active",
                    "UPDATE tb_user SET active = NOT active");

            String viewBefore = (String) value(c, "SELECT pg_get_viewdef('v_user')");
            SourcesAndCatalogTest.assertRefused(c,
                    "CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, (SELECT x.name FROM tb_user x ORDER BY x.name LIMIT 1) AS name FROM tb_user u",
                    "this DDL would leave TVIEW a11.org unmaintained: the ORDER BY of a LIMIT/OFFSET subquery must tell its rows apart");
            // (an uncorrelated one is refreshed in full since 0.3.33: a running maximum over the other users is not)
            String untraceable = "CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, (SELECT max(x.name) FROM tb_user x WHERE x.pk_user < u.pk_user) AS name FROM tb_user u";
            SourcesAndCatalogTest.assertRefused(c, untraceable,
                    "this DDL would leave TVIEW a11.org unmaintained: cannot trace changes of a11.tb_user to keys of TVIEW a11.tv_org");
            exec(c, "CREATE TABLE tb_badge (pk_badge int PRIMARY KEY, fk_user int, label text); INSERT INTO tb_badge VALUES (1, 1, 'gold')");
            exec(c, "SELECT pg_tviews_create('a11.tv_badge', $q$SELECT b.pk_badge, b.label, o.label AS org FROM tb_badge b JOIN a11.tv_org o ON o.pk_org = b.fk_user$q$)");
            for (String cyclic : List.of(
                    "CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, (SELECT o.label FROM tv_org o WHERE o.pk_org = u.pk_user) AS name FROM tb_user u",
                    "CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, (SELECT b.label FROM tv_badge b WHERE b.pk_badge = u.pk_user) AS name FROM tb_user u")) {
                assertThatThrownBy(() -> exec(c, cyclic)).isInstanceOfSatisfying(java.sql.SQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("42P17");
                    assertThat(e.getMessage()).contains("this DDL would leave TVIEW a11.org unmaintained: circular dependency between TVIEWs: tv_org -> ");
                });
            }
            assertThat(value(c, "SELECT pg_get_viewdef('v_user')")).isEqualTo(viewBefore);
            o.run("UPDATE tb_user SET name = 'c' WHERE pk_user = 1");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a11") + " WHERE component LIKE '%a11.%' AND status <> 'OK'")).isEqualTo(0L);
            // the way the hint gives: the TVIEW first, refreshed in full, then the view
            exec(c, "SELECT pg_tviews_create_or_replace('a11.org', $q$SELECT g.pk_org, g.label, n.name FROM tb_org g JOIN v_named n ON n.pk_user = g.fk_user$q$,"
                    + " '{\"uncascaded_policy\": \"full_refresh\"}')");
            o.run(untraceable, "UPDATE tb_user SET name = 'zed' WHERE pk_user = 2", "INSERT INTO tb_user VALUES (3, 'Q', true)");
            o.run("CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, upper(u.name) AS name FROM tb_user u WHERE NOT u.active");
            exec(c, "SELECT pg_tviews_create_or_replace('a11.org', $q$SELECT g.pk_org, g.label, n.name FROM tb_org g JOIN v_named n ON n.pk_user = g.fk_user$q$)");
            o.run("UPDATE tb_user SET active = NOT active");
            // without the event trigger a redefinition with the same tables and joins leaves the lineage as it was: the health
            // check compares the views' stored query trees (0.3.5 reported nothing); a renamed column does not count
            String q = "SELECT g.pk_org, g.label, n.name FROM a11.tb_org g JOIN a11.v_named n ON n.pk_user = g.fk_user";
            SourcesAndCatalogTest.withoutDdlWatch(c, () -> {
                exec(c, "ALTER TABLE tb_org RENAME COLUMN label TO label2; SELECT pg_tviews_reinstall_triggers('a11.org')");
                assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a11") + " WHERE component LIKE '%a11.org' AND status <> 'OK'")).isEqualTo(0L);
                exec(c, "CREATE OR REPLACE VIEW v_user AS SELECT u.pk_user, lower(u.name) AS name FROM tb_user u WHERE NOT u.active");
                assertThat(Rt.driftAgainst(c, "a11.tv_org", q.replace("g.label", "g.label2"))).isPositive();
                assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a11") + " WHERE component = 'tview:a11.org' AND status = 'ERROR'"))
                        .asString().contains("pg_tviews_refresh");
            });
            exec(c, "SELECT pg_tviews_refresh('a11.org')");
            assertThat(Rt.driftAgainst(c, "a11.tv_org", q.replace("g.label", "g.label2"))).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a11") + " WHERE component LIKE '%a11.org' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * READ COMMITTED: a writer changes a child's key (not its parent column) and holds its flush; a parent's writer
     * walking to the children must wait for it and read the new key (0.3.3 read the old one and left the new stale).
     */
    @Test
    void aParentsWalkWaitsForAChildWhoseKeyChanged(PgDatabase db) throws Exception {
        try (Connection setup = db.connect(); Connection child = db.connect(); Connection parent = db.connect()) {
            exec(setup, "CREATE SCHEMA a8; SET search_path = a8, public");
            exec(setup, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, slug text UNIQUE NOT NULL, fk_user int)");
            exec(setup, "INSERT INTO tb_user VALUES (1, 'old'); INSERT INTO tb_post VALUES (10, 'hello', 1)");
            String q = "SELECT p.slug AS pk_page, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user";
            exec(setup, "SELECT pg_tviews_create('a8.tv_page', $q$" + q + "$q$)");
            exec(child, "SET search_path = a8, public; BEGIN; UPDATE tb_post SET slug = 'hello-world' WHERE pk_post = 10; SELECT pg_tviews_flush()");
            exec(parent, "SET search_path = a8, public");
            CompletableFuture<String> rename = CompletableFuture.supplyAsync(() -> Rt.sqlState(parent, "UPDATE tb_user SET name = 'new' WHERE pk_user = 1"));
            assertThat(Rt.awaitLockWait(setup, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE tb_user%'", rename))
                    .as("the parent's writer waits for the child's").isEqualTo(1L);
            exec(child, "COMMIT");
            assertThat(rename.get(60, TimeUnit.SECONDS)).isNull();
            assertThat(Rt.driftAgainst(setup, "a8.tv_page", q.replace("tb_", "a8.tb_"))).isZero();
            assertThat(value(setup, "SELECT name FROM a8.tv_page WHERE pk_page = 'hello-world'")).isEqualTo("new");
        }
    }

    /**
     * A value that stays equal by its type's "=" but prints differently (numeric 1.0 -> 1.00, also inside jsonb,
     * float -0) is rewritten, and the consistency check reports a row that differs only in print. 0.3.4 compared
     * with IS DISTINCT FROM and kept "1.0".
     */
    @Test
    void valuesThatStayEqualButPrintDifferentlyAreRewritten(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a12; SET search_path = a12, public");
            exec(c, "CREATE TABLE tb_cur (pk_cur int PRIMARY KEY, rate numeric NOT NULL);"
                    + " CREATE TABLE tb_item (pk_item int PRIMARY KEY, fk_cur int REFERENCES tb_cur, price numeric, f float8, pos point)");
            exec(c, "INSERT INTO tb_cur VALUES (1, 1.0); INSERT INTO tb_item VALUES (1, 1, 2.0, 0, '(1,2)')");
            String q = "SELECT i.pk_item, i.price, i.f, i.pos, jsonb_build_object('price', i.price, 'rate', c.rate) AS data"
                    + " FROM tb_item i JOIN tb_cur c ON c.pk_cur = i.fk_cur";
            new Oracle(c).create("a12.tv_item", q)
                    .run("UPDATE tb_item SET price = 2.00", "UPDATE tb_cur SET rate = 1.000", "UPDATE tb_item SET f = '-0'",
                            "UPDATE tb_item SET pos = '(1.0,2.0)'");
            assertThat(value(c, "SELECT data::text FROM tv_item")).isEqualTo("{\"rate\": 1.000, \"price\": 2.00}");
            exec(c, "UPDATE tv_item SET data = '{\"rate\": 1, \"price\": 2}'");
            assertThat(value(c, "SELECT different FROM pg_tviews_check_consistency('a12.tv_item')")).isEqualTo(1L);
            exec(c, "SELECT pg_tviews_repair('a12.tv_item')");
            assertThat(Rt.driftAgainst(c, "a12.tv_item", q)).isZero();
        }
    }

    /**
     * Source DDL inside a transaction that already wrote a source (its maintenance pending until COMMIT), a view
     * redefined through its rule, a renamed partition, and a trigger that does not fire in ordinary sessions. 0.3.4 could not regenerate in such a
     * transaction (the queue cannot be indexed with events pending), only warned, and committed the DDL with the TVIEW
     * behind its sources; a renamed partition made every later regeneration fail; ENABLE REPLICA counted as enabled.
     */
    @Test
    void ddlInAWritingTransactionRenamedPartitionsAndTriggersThatDoNotFire(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a13; SET search_path = a13, public");
            exec(c, "CREATE TABLE tb_ev (pk_ev int PRIMARY KEY, region text, v int, active boolean)");
            exec(c, "INSERT INTO tb_ev VALUES (1, 'eu', 10, true), (2, 'us', 20, false), (3, 'eu', 30, true)");
            exec(c, "CREATE VIEW v_ev AS SELECT pk_ev, region, v FROM tb_ev WHERE active");
            new Oracle(c).create("a13.tv_ev", "SELECT e.pk_ev, e.region, e.v FROM v_ev e")
                    .run("BEGIN", "UPDATE tb_ev SET v = v + 1 WHERE pk_ev = 1",
                            "CREATE OR REPLACE VIEW v_ev AS SELECT pk_ev, region, v FROM tb_ev WHERE NOT active", "COMMIT",
                            "CREATE OR REPLACE RULE \"_RETURN\" AS ON SELECT TO v_ev DO INSTEAD SELECT pk_ev, region, v FROM tb_ev WHERE v > 15");
            exec(c, "CREATE TABLE tb_p (pk_p int, region text, v int, PRIMARY KEY (pk_p, region)) PARTITION BY LIST (region)");
            exec(c, "CREATE TABLE tb_p_eu PARTITION OF tb_p FOR VALUES IN ('eu'); CREATE TABLE tb_p_us PARTITION OF tb_p FOR VALUES IN ('us')");
            exec(c, "INSERT INTO tb_p VALUES (1, 'eu', 1), (2, 'us', 2)");
            new Oracle(c).create("a13.tv_p", "SELECT p.pk_p, p.region, p.v FROM tb_p p")
                    .run("ALTER TABLE tb_p_eu RENAME TO tb_p_europe", "INSERT INTO tb_p VALUES (3, 'eu', 3)",
                            "SELECT pg_tviews_reinstall_triggers('a13.p')", "INSERT INTO tb_p_europe VALUES (4, 'eu', 4)",
                            "BEGIN", "INSERT INTO tb_p VALUES (5, 'us', 5)", "CREATE TABLE tb_p_af PARTITION OF tb_p FOR VALUES IN ('af')",
                            "INSERT INTO tb_p VALUES (6, 'af', 6)", "COMMIT");
            String upd = (String) value(c, "SELECT tgname FROM pg_trigger WHERE tgrelid = 'a13.tb_ev'::regclass AND tgname LIKE '%\\_upd'");
            exec(c, "ALTER TABLE tb_ev ENABLE REPLICA TRIGGER " + Rt.quote(upd));
            assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a13") + " WHERE component = 'source:a13.ev:a13.tb_ev' AND status = 'ERROR'"))
                    .asString().contains("ENABLE REPLICA");
            exec(c, "ALTER TABLE tb_ev ENABLE TRIGGER " + Rt.quote(upd));
        }
    }

    /**
     * A whole-row reference (to_jsonb(e), a common way to build a document) takes every column of its table: column DDL
     * on that table changes the TVIEW's rows although the query's text does not change. 0.3.4 left them as they were.
     */
    @Test
    void wholeRowReferencesFollowColumnDdl(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a14; SET search_path = a14, public");
            exec(c, "CREATE TABLE tb_doc (pk_doc int PRIMARY KEY, title text, n int); INSERT INTO tb_doc VALUES (1, 'a', 1), (2, 'b', 2)");
            exec(c, "CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, fk_doc int, label text); INSERT INTO tb_tag VALUES (1, 1, 'x')");
            new Oracle(c).create("a14.tv_doc", "SELECT d.pk_doc, to_jsonb(d) AS doc,"
                            + " (SELECT jsonb_agg(t ORDER BY t.pk_tag) FROM tb_tag t WHERE t.fk_doc = d.pk_doc) AS tags FROM tb_doc d")
                    .run("ALTER TABLE tb_doc ADD COLUMN lang text DEFAULT 'en'", "ALTER TABLE tb_doc RENAME COLUMN title TO headline",
                            "ALTER TABLE tb_doc ALTER COLUMN n TYPE bigint", "ALTER TABLE tb_doc DROP COLUMN lang",
                            "ALTER TABLE tb_tag ADD COLUMN color text DEFAULT 'red'", "UPDATE tb_doc SET n = n + 1 WHERE pk_doc = 2");
        }
    }

    /**
     * DETACH PARTITION ... CONCURRENTLY that times out after its first phase leaves the partition "detach pending": out of
     * every query, its rows still in the TVIEW, and no completed DDL for the event trigger to follow. The health check
     * names it; FINALIZE completes the detach, which is followed.
     */
    @Test
    void anInterruptedConcurrentDetachIsReported(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection reader = db.connect()) {
            exec(c, "CREATE SCHEMA a15; SET search_path = a15, public");
            exec(c, "CREATE TABLE tb_ev (pk_ev int, region text, v int, PRIMARY KEY (pk_ev, region)) PARTITION BY LIST (region)");
            exec(c, "CREATE TABLE tb_ev_eu PARTITION OF tb_ev FOR VALUES IN ('eu'); CREATE TABLE tb_ev_us PARTITION OF tb_ev FOR VALUES IN ('us')");
            exec(c, "INSERT INTO tb_ev VALUES (1, 'eu', 1), (2, 'us', 2)");
            String q = "SELECT e.pk_ev, e.region, e.v FROM a15.tb_ev e";
            exec(c, "SELECT pg_tviews_create('a15.tv_ev', " + Rt.literal(q) + ")");
            reader.setAutoCommit(false);
            exec(reader, "SELECT count(*) FROM a15.tb_ev");          // an open transaction that has seen the partition
            exec(c, "SET lock_timeout = '500ms'");
            assertThat(Rt.sqlState(c, "ALTER TABLE tb_ev DETACH PARTITION tb_ev_eu CONCURRENTLY")).isEqualTo("55P03");
            reader.commit();
            exec(c, "RESET lock_timeout");
            assertThat(value(c, "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = 'a15.tb_ev_eu'::regclass")).isEqualTo(true);
            assertThat(Rt.driftAgainst(c, "a15.tv_ev", q)).as("the pending partition's row").isEqualTo(1L);
            assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a15") + " WHERE component = 'detaching:a15.ev' AND status = 'ERROR'"))
                    .asString().contains("tb_ev_eu").contains("FINALIZE");
            exec(c, "ALTER TABLE tb_ev DETACH PARTITION tb_ev_eu FINALIZE");
            assertThat(Rt.driftAgainst(c, "a15.tv_ev", q)).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a15") + " WHERE component LIKE '%a15.ev' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * Functions and types the query uses change its rows without any write to a source: a function replaced (called
     * directly, through an operator, or from another function's PL/pgSQL body), an enum value renamed (its label is in
     * the text and the jsonb). 0.3.5 kept the rows computed with the old ones. A STABLE function of the user's may read
     * any table, whose writes no trigger of the TVIEW sees: refused (0.3.5 accepted it and went stale).
     */
    @Test
    void functionsAndTypesTheQueryUsesAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a16; SET search_path = a16, public");
            exec(c, "CREATE TYPE state AS ENUM ('new', 'done'); CREATE TABLE tb_task (pk_task int PRIMARY KEY, title text, s state, tags state[])");
            exec(c, "INSERT INTO tb_task VALUES (1, 'a', 'new', '{new}'), (2, 'b', 'done', '{done,new}')");
            exec(c, "CREATE FUNCTION a16.shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT upper(t) $f$");
            // a name with a quote, a space, a bar, a newline and a non-ASCII letter, called from a PL/pgSQL body
            String hostile = "a16.\"dé\"\"co |\nr\"";
            exec(c, "CREATE FUNCTION " + hostile + "(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT '<' || t || '>' $f$");
            exec(c, "CREATE FUNCTION a16.badge(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN '[' || " + hostile
                    + "(a16.shout(t)) || ']'; END $f$");
            exec(c, "CREATE FUNCTION a16.glue(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT a || '+' || b $f$");
            exec(c, "CREATE OPERATOR a16.<+> (FUNCTION = a16.glue, LEFTARG = text, RIGHTARG = text)");
            exec(c, "CREATE TABLE tb_note (pk_note int PRIMARY KEY, fk_task int, body text); INSERT INTO tb_note VALUES (1, 1, 'n')");
            exec(c, "CREATE FUNCTION a16.body_of(k int) RETURNS text LANGUAGE sql STABLE AS $f$ SELECT body FROM a16.tb_note WHERE fk_task = k $f$");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a16.tv_note', 'SELECT t.pk_task AS pk_note, a16.body_of(t.pk_task) AS b FROM a16.tb_task t')"))
                    .isEqualTo("0A000");
            String q = "SELECT t.pk_task, a16.badge(t.title) AS badge, t.title OPERATOR(a16.<+>) t.s::text AS glued,"
                    + " jsonb_build_object('s', t.s, 'tags', t.tags) AS doc FROM a16.tb_task t";
            new Oracle(c).create("a16.tv_task", q)
                    .run("CREATE OR REPLACE FUNCTION a16.shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT lower(t) || '!' $f$",
                            "CREATE OR REPLACE FUNCTION " + hostile + "(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT '{' || t || '}' $f$",
                            "CREATE OR REPLACE FUNCTION a16.glue(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT b || '-' || a $f$",
                            "ALTER TYPE state RENAME VALUE 'done' TO 'finished'",
                            "UPDATE tb_task SET title = 'c' WHERE pk_task = 1",
                            "CREATE FUNCTION a16.unrelated() RETURNS int LANGUAGE sql AS 'SELECT 1'");
            // replaced by a role that cannot recompute the TVIEW: marked, so that its owner's health check reports it
            exec(c, "CREATE ROLE a16_fn_owner; GRANT USAGE, CREATE ON SCHEMA a16 TO a16_fn_owner; ALTER FUNCTION a16.shout(text) OWNER TO a16_fn_owner");
            exec(c, "SET ROLE a16_fn_owner; CREATE OR REPLACE FUNCTION a16.shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT t || '#' $f$; RESET ROLE");
            assertThat(Rt.driftAgainst(c, "a16.tv_task", q)).as("both rows, each way").isEqualTo(4L);
            assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a16") + " WHERE component = 'tview:a16.task' AND status = 'ERROR'"))
                    .asString().contains("function or type").contains("pg_tviews_refresh");
            // the mark is made only for the DDL being reported to the event trigger: no one can call it to mark a TVIEW
            assertThat(Rt.sqlState(c, "SELECT pg_tviews__mark_unfollowed('a16.task')")).isEqualTo("39P03");
            exec(c, "SELECT pg_tviews_refresh('a16.task')");
            assertThat(Rt.driftAgainst(c, "a16.tv_task", q)).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a16") + " WHERE component LIKE '%a16.task' AND status <> 'OK'")).isEqualTo(0L);
            // without the event trigger (a non-superuser install) the health check compares a digest of the functions and
            // types as they were when the rows were computed; regenerating the triggers alone does not clear it
            SourcesAndCatalogTest.withoutDdlWatch(c, () -> {
                exec(c, "ALTER TYPE state RENAME VALUE 'finished' TO 'closed'");
                assertThat(Rt.driftAgainst(c, "a16.tv_task", q)).isPositive();
                assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a16") + " WHERE component = 'tview:a16.task' AND status = 'ERROR'"))
                        .asString().contains("changed since its rows were computed");
                exec(c, "SELECT pg_tviews_refresh('a16.task')");
                exec(c, "CREATE OR REPLACE FUNCTION a16.badge(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $f$ BEGIN RETURN " + hostile
                        + "(a16.shout(t)); END $f$");
                assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a16") + " WHERE component = 'tview:a16.task' AND status = 'ERROR'")).isEqualTo(1L);
            });
            exec(c, "SELECT pg_tviews_refresh('a16.task')");
            assertThat(Rt.driftAgainst(c, "a16.tv_task", q)).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a16") + " WHERE component LIKE '%a16.task' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * A table that is a source on its own and a partition or child of another source of the same TVIEW holds rows of
     * both. Refused at creation (0.3.5 failed with "trigger ... already exists"); DDL that would make it so fails (0.3.5
     * let ATTACH PARTITION through and left the attached rows out of the TVIEW, unreported); without the event trigger
     * the health check reports it.
     */
    @Test
    void aSourceCannotBecomeAPartitionOfAnotherSource(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a17; SET search_path = a17, public");
            exec(c, "CREATE TABLE tb_ev (pk_ev int PRIMARY KEY, v text) PARTITION BY RANGE (pk_ev)");
            exec(c, "CREATE TABLE tb_ev_low PARTITION OF tb_ev FOR VALUES FROM (0) TO (100); CREATE TABLE tb_late (pk_ev int PRIMARY KEY, v text)");
            exec(c, "INSERT INTO tb_ev VALUES (1, 'a'); INSERT INTO tb_late VALUES (150, 'late')");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a17.tv_low', 'SELECT e.pk_ev AS pk_low, e.v,"
                    + " (SELECT max(l.v) FROM a17.tb_ev_low l WHERE l.pk_ev = e.pk_ev) AS low FROM a17.tb_ev e')")).isEqualTo("0A000");
            String q = "SELECT e.pk_ev, e.v, (SELECT max(l.v) FROM a17.tb_late l WHERE l.pk_ev = e.pk_ev) AS late FROM a17.tb_ev e";
            exec(c, "SELECT pg_tviews_create('a17.tv_ev', " + Rt.literal(q) + ")");
            assertThat(Rt.sqlState(c, "ALTER TABLE tb_ev ATTACH PARTITION tb_late FOR VALUES FROM (100) TO (200)")).isEqualTo("0A000");
            assertThat(value(c, "SELECT relispartition FROM pg_class WHERE oid = 'a17.tb_late'::regclass")).isEqualTo(false);
            assertThat(Rt.driftAgainst(c, "a17.tv_ev", q)).isZero();
            SourcesAndCatalogTest.withoutDdlWatch(c, () -> {
                exec(c, "ALTER TABLE tb_ev ATTACH PARTITION tb_late FOR VALUES FROM (100) TO (200)");
                assertThat(Rt.driftAgainst(c, "a17.tv_ev", q)).as("the attached row").isEqualTo(1L);
                assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a17") + " WHERE component = 'definition:a17.ev' AND status = 'ERROR'"))
                        .asString().contains("tb_late").contains("partition or child");
                exec(c, "ALTER TABLE tb_ev DETACH PARTITION tb_late");
            });
            assertThat(Rt.driftAgainst(c, "a17.tv_ev", q)).isZero();
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a17") + " WHERE component LIKE '%a17.ev' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * FORCE ROW LEVEL SECURITY makes a source's policies apply to the TVIEW's owner, so a policy on the session (here
     * current_setting('app.tenant')) makes what maintenance reads depend on the writer: 0.3.5 stored the rows one tenant's
     * writer could see (a post count of 2 instead of 3). Refused at creation; the DDL that would force such a policy on the
     * owner (FORCE, CREATE POLICY, ALTER POLICY) fails; without the event trigger the health check reports it. Policies
     * on the rows alone stay allowed.
     */
    @Test
    void rowLevelSecurityThatAppliesToTheOwnerIsRefused(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE ROLE a18_owner; CREATE SCHEMA a18 AUTHORIZATION a18_owner; SET SESSION AUTHORIZATION a18_owner; SET search_path = a18, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, tenant int)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a'); INSERT INTO tb_post VALUES (10, 1, 1), (11, 1, 2)");
            exec(c, "ALTER TABLE tb_post ENABLE ROW LEVEL SECURITY;"
                    + " CREATE POLICY by_tenant ON tb_post USING (tenant = coalesce(nullif(current_setting('app.tenant', true), ''), tenant::text)::int)");
            String q = "SELECT u.pk_user, (SELECT count(*) FROM a18.tb_post p WHERE p.fk_user = u.pk_user) AS posts FROM a18.tb_user u";
            exec(c, "ALTER TABLE tb_post FORCE ROW LEVEL SECURITY");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a18.tv_user', " + Rt.literal(q) + ")")).isEqualTo("0A000");
            exec(c, "ALTER TABLE tb_post NO FORCE ROW LEVEL SECURITY");
            exec(c, "SELECT pg_tviews_create('a18.tv_user', " + Rt.literal(q) + ")");
            assertThat(Rt.sqlState(c, "ALTER TABLE tb_post FORCE ROW LEVEL SECURITY")).isEqualTo("0A000");
            // the owner reads every row, whatever the writer's session says
            exec(c, "SET app.tenant = '1'; INSERT INTO tb_post VALUES (12, 1, 1); RESET app.tenant");
            assertThat(Rt.driftAgainst(c, "a18.tv_user", q)).isZero();
            assertThat(value(c, "SELECT posts FROM tv_user WHERE pk_user = 1")).isEqualTo(3L);
            // a policy on the rows alone may apply to the owner; one on the session may not be added later
            exec(c, "DROP POLICY by_tenant ON tb_post; CREATE POLICY positive ON tb_post USING (tenant > 0); ALTER TABLE tb_post FORCE ROW LEVEL SECURITY");
            assertThat(Rt.sqlState(c, "CREATE POLICY by_tenant ON tb_post USING (tenant = current_setting('app.tenant')::int)")).isEqualTo("0A000");
            assertThat(Rt.sqlState(c, "ALTER POLICY positive ON tb_post USING (tenant > 0 AND session_user = 'app')")).isEqualTo("0A000");
            // (the catalog is not a source either: a GRANT would change what the owner reads, since 0.3.15)
            assertThat(Rt.sqlState(c, "ALTER POLICY positive ON tb_post USING (tenant > 0 AND pg_has_role(current_user, 'pg_monitor', 'MEMBER'))"))
                    .isEqualTo("0A000");
            exec(c, "INSERT INTO tb_post VALUES (13, 1, 2)");
            assertThat(Rt.driftAgainst(c, "a18.tv_user", q)).isZero();
            exec(c, "ALTER TABLE tb_post NO FORCE ROW LEVEL SECURITY; CREATE POLICY by_tenant ON tb_post USING (tenant = current_setting('app.tenant')::int)");
            exec(c, "RESET SESSION AUTHORIZATION");
        }
        try (Connection su = db.connect()) {
            SourcesAndCatalogTest.withoutDdlWatch(su, () -> {
                exec(su, "ALTER TABLE a18.tb_post FORCE ROW LEVEL SECURITY");
                assertThat(value(su, "SELECT message FROM " + Rt.healthOf("a18") + " WHERE component = 'definition:a18.user' AND status = 'ERROR'"))
                        .asString().contains("row-level security policy by_tenant on a18.tb_post");
                exec(su, "ALTER TABLE a18.tb_post NO FORCE ROW LEVEL SECURITY");
            });
        }
    }

    /**
     * A foreign key wider than the key it references (bigint against an integer key, no FOREIGN KEY constraint) may hold
     * values no key equals; a write of such a value failed with "integer out of range" inside the TVIEW's trigger (0.3.6),
     * on a direct path and on the last hop of a path alike.
     */
    @Test
    void aWiderColumnMayHoldValuesNoKeyEquals(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a19; SET search_path = a19, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user bigint, title text)");
            exec(c, "CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post bigint, fk_user numeric); CREATE TABLE tb_tag (pk_tag smallint PRIMARY KEY, fk_user bigint)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_post VALUES (1, 1, 'x'); INSERT INTO tb_tag VALUES (1, 1)");
            new Oracle(c)
                    .create("a19.tv_user", "SELECT u.pk_user, u.name, (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user) AS posts,"
                            + " (SELECT count(*) FROM tb_comment cm JOIN tb_post p ON p.pk_post = cm.fk_post WHERE p.fk_user = u.pk_user) AS comments"
                            + " FROM tb_user u")
                    .create("a19.tv_tag", "SELECT t.pk_tag, u.name FROM tb_tag t JOIN tb_user u ON u.pk_user = t.fk_user")
                    .run("INSERT INTO tb_post VALUES (2, 3000000000, 'beyond integer'), (3, -3000000000, 'below'), (4, 2, 'y')",
                            "INSERT INTO tb_comment VALUES (1, 1, 1), (2, 9000000000, 1e30), (3, 4, 'NaN')",
                            "INSERT INTO tb_tag VALUES (2, 3000000000), (3, 2)",
                            "UPDATE tb_post SET fk_user = fk_user * 2", "UPDATE tb_comment SET fk_post = 2 WHERE pk_comment = 1",
                            "UPDATE tb_user SET name = upper(name)", "DELETE FROM tb_post WHERE pk_post IN (2, 3)", "DELETE FROM tb_tag");
        }
    }

    /**
     * A source's maintenance triggers disabled (ALTER TABLE ... DISABLE TRIGGER USER or ALL, as a bulk fix that bypasses
     * the application's own triggers does) and enabled again, also within one transaction: 0.3.6 left the rows written
     * meanwhile stale and the health check said OK. Now the TVIEW is marked while disabled (an ERROR in the health check)
     * and recomputed when its triggers are enabled again; a table owner who cannot act as the TVIEW's owner leaves the
     * mark for the owner's pg_tviews_refresh.
     */
    @Test
    void triggersDisabledAndEnabledAgainRecomputeTheTview(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a20; SET search_path = a20, public");
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, name text); INSERT INTO tb_item VALUES (1, 'a'), (2, 'b')");
            Oracle o = new Oracle(c).create("a20.tv_item", "SELECT i.pk_item, i.name FROM tb_item i");
            exec(c, "BEGIN; ALTER TABLE tb_item DISABLE TRIGGER USER; UPDATE tb_item SET name = 'changed' WHERE pk_item = 1;"
                    + " ALTER TABLE tb_item ENABLE TRIGGER USER; COMMIT");
            o.check("disable, write, enable in one transaction");
            exec(c, "ALTER TABLE tb_item DISABLE TRIGGER ALL");
            exec(c, "INSERT INTO tb_item VALUES (3, 'unmaintained')");
            assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a20") + " WHERE component = 'tview:a20.item' AND status = 'ERROR'"))
                    .asString().contains("maintenance triggers disabled").contains("pg_tviews_refresh");
            exec(c, "ALTER TABLE tb_item ENABLE TRIGGER ALL");
            o.check("enabled again");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a20") + " WHERE component LIKE '%a20.item%' AND status <> 'OK'")).isEqualTo(0L);

            exec(c, "CREATE ROLE a20_table_owner; ALTER TABLE tb_item OWNER TO a20_table_owner; GRANT USAGE ON SCHEMA a20 TO a20_table_owner");
            exec(c, "SET ROLE a20_table_owner");
            exec(c, "BEGIN; ALTER TABLE tb_item DISABLE TRIGGER USER; DELETE FROM tb_item WHERE pk_item = 2; ALTER TABLE tb_item ENABLE TRIGGER USER; COMMIT");
            exec(c, "RESET ROLE");
            assertThat(value(c, "SELECT message FROM " + Rt.healthOf("a20") + " WHERE component = 'tview:a20.item' AND status = 'ERROR'"))
                    .asString().contains("maintenance triggers disabled");
            exec(c, "SELECT pg_tviews_refresh('a20.item')");
            o.check("refreshed by its owner");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a20") + " WHERE component LIKE '%a20.item%' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * Source DDL the runtime follows (a renamed column, a new partition, a replaced function, a reinstall), run in a
     * transaction that wrote a source before and after it: 0.3.6 lost that transaction's maintenance at COMMIT (the
     * regeneration replaced the queue's trigger, and PostgreSQL never fires a dropped trigger's pending event). Checked
     * only after COMMIT: a pg_tviews_flush() in between hid it.
     */
    @Test
    void followedDdlInAWritingTransactionKeepsItsMaintenance(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a21; SET search_path = a21, public");
            exec(c, "CREATE FUNCTION a21.fmt(t text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT t'");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text)");
            exec(c, "CREATE TABLE tb_ev (pk_ev int, region text, v int, PRIMARY KEY (pk_ev, region)) PARTITION BY LIST (region)");
            exec(c, "CREATE TABLE tb_ev_eu PARTITION OF tb_ev FOR VALUES IN ('eu')");
            exec(c, "INSERT INTO tb_user VALUES (1, 'ann'), (2, 'bob'); INSERT INTO tb_post VALUES (10, 1, 'hello'), (11, 2, 'x');"
                    + " INSERT INTO tb_ev VALUES (1, 'eu', 1)");
            String post = "SELECT p.pk_post, jsonb_build_object('title', a21.fmt(p.%s), 'author', u.name) AS data"
                    + " FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user";
            exec(c, "SELECT pg_tviews_create('a21.tv_post', $q$" + post.formatted("title") + "$q$)");
            Oracle o = new Oracle(c).create("a21.tv_ev", "SELECT e.pk_ev, e.region, e.v FROM tb_ev e");
            String[][] transactions = {
                {"UPDATE tb_user SET name = 'ANN' WHERE pk_user = 1", "ALTER TABLE tb_post RENAME COLUMN title TO headline",
                 "UPDATE tb_post SET headline = 'world' WHERE pk_post = 10"},
                {"UPDATE tb_post SET headline = 'y' WHERE pk_post = 11",
                 "CREATE OR REPLACE FUNCTION a21.fmt(t text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT upper(t)'",
                 "UPDATE tb_user SET name = 'BOB' WHERE pk_user = 2"},
                {"INSERT INTO tb_ev VALUES (2, 'eu', 2)", "CREATE TABLE tb_ev_us PARTITION OF tb_ev FOR VALUES IN ('us')",
                 "INSERT INTO tb_ev VALUES (3, 'us', 3)", "UPDATE tb_ev SET v = v * 10"},
                {"UPDATE tb_ev SET v = v + 1", "SELECT pg_tviews_reinstall_triggers()", "DELETE FROM tb_ev WHERE pk_ev = 1",
                 "UPDATE tb_user SET name = 'again'"},
            };
            for (String[] tx : transactions) {
                exec(c, "BEGIN");
                for (String sql : tx) {
                    exec(c, sql);
                }
                exec(c, "COMMIT");
                o.check("COMMIT of " + String.join("; ", tx));
                assertThat(Rt.driftAgainst(c, "a21.tv_post", post.formatted("headline"))).as("tv_post after " + String.join("; ", tx)).isZero();
            }
        }
    }

    /** pg_tviews_drop and a rebuilding pg_tviews_create_or_replace after a write to a source in the same transaction. */
    @Test
    void dropAndRebuildAfterAWriteInTheSameTransaction(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a22; SET search_path = a22, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); INSERT INTO tb_user VALUES (1, 'ann')");
            String v2 = "SELECT u.pk_user, jsonb_build_object('name', u.name, 'v', 2) AS data FROM tb_user u";
            new Oracle(c).create("a22.tv_user", "SELECT u.pk_user, jsonb_build_object('name', u.name) AS data FROM tb_user u");
            exec(c, "BEGIN; UPDATE tb_user SET name = 'ANN' WHERE pk_user = 1");
            assertThat(value(c, "SELECT pg_tviews_create_or_replace('a22.tv_user', $q$" + v2 + "$q$)")).isEqualTo("rebuilt");
            exec(c, "INSERT INTO tb_user VALUES (2, 'bob'); COMMIT");
            assertThat(Rt.driftAgainst(c, "a22.tv_user", v2)).isZero();
            exec(c, "BEGIN; UPDATE tb_user SET name = 'x'; SELECT pg_tviews_drop('a22.tv_user'); COMMIT");
            assertThat(value(c, "SELECT to_regclass('a22.tv_user') IS NULL")).isEqualTo(true);
        }
    }

    /**
     * Creating a TVIEW under REPEATABLE READ: its snapshot predates the lock on the sources, so rows another session
     * committed in between were missing for good (0.3.6 caught only writers still in flight). It fails with 40001 when
     * a transaction committed since the snapshot (0.3.24: 0A000 in every case), and runs when none did.
     */
    @Test
    void creatingUnderRepeatableReadRunsOnlyOnAFreshSnapshot(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA a23; CREATE TABLE a23.tb_a (pk_a int PRIMARY KEY, i int); INSERT INTO a23.tb_a VALUES (1, 1)");
            for (String level : new String[] {"REPEATABLE READ", "SERIALIZABLE"}) {
                exec(c, "BEGIN ISOLATION LEVEL " + level);
                value(c, "SELECT count(*) FROM a23.tb_a");
                exec(w, "INSERT INTO a23.tb_a SELECT max(pk_a) + 1, 2 FROM a23.tb_a");
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a23.tv_a', 'SELECT a.pk_a, a.i FROM a23.tb_a a')")).isEqualTo("40001");
                exec(c, "ROLLBACK");
                assertThat(value(c, "SELECT count(*) FROM pg_tview_meta WHERE entity = 'a23.a'")).isEqualTo(0L);
                assertThat(Rt.sqlStateOnAFreshSnapshot(c, "BEGIN ISOLATION LEVEL " + level,
                        "SELECT pg_tviews_create('a23.tv_a', 'SELECT a.pk_a, a.i FROM a23.tb_a a')")).isNull();
                assertThat(Rt.sqlState(c, "COMMIT")).isNull();
                exec(w, "INSERT INTO a23.tb_a SELECT max(pk_a) + 1, 3 FROM a23.tb_a");
                assertThat(Rt.driftAgainst(c, "a23.tv_a", "SELECT a.pk_a, a.i FROM a23.tb_a a")).isZero();
                exec(c, "SELECT pg_tviews_drop('a23.a')");
            }
        }
    }

    /**
     * Shapes a port of pg_ivm's suite found mishandled: system columns (ctid moves under VACUUM FULL without a trigger)
     * refused; WHERE key IS NOT NULL AND another condition accepted (refused before: the conjunction was misread);
     * row-valued IN (SELECT ...) accepted with keyed lineage; column names the generated code uses refused at create
     * (every later write failed with 42702).
     */
    @Test
    void systemColumnsNullableKeysRowInAndReservedNames(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a24; SET search_path = a24, public");
            exec(c, "CREATE TABLE r (id int PRIMARY KEY, i int); CREATE TABLE s (id int PRIMARY KEY, i int)");
            exec(c, "CREATE TABLE tb_follow (fk_user int, fk_target int, PRIMARY KEY (fk_user, fk_target))");
            exec(c, "INSERT INTO r VALUES (1, 1), (2, 2); INSERT INTO s VALUES (10, 1), (11, 3); INSERT INTO tb_follow VALUES (1, 2), (2, 1), (1, 3)");
            for (String col : new String[] {"ctid", "xmin", "xmax", "tableoid"}) {
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a24.tv_sys', 'SELECT r.id AS pk_sys, r." + col + "::text AS c FROM r')"))
                        .as(col).isEqualTo("0A000");
            }
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a24.tv_g', $q$SELECT s.i AS pk_g, max(s.id) AS _tv_keys FROM s GROUP BY s.i$q$)"))
                    .isEqualTo("42939");
            new Oracle(c)
                    .create("a24.tv_nn", "SELECT s.id AS pk_nn, r.id AS rid FROM r FULL JOIN s ON r.i = s.i WHERE s.id IS NOT NULL AND s.i > 0")
                    .create("a24.tv_nn2", "SELECT s.id AS pk_nn2, r.id AS rid FROM r LEFT JOIN s ON r.i = s.i WHERE s.i > 0 AND s.id IS NOT NULL")
                    .create("a24.tv_mutual", "SELECT f.fk_user AS pk_mutual, count(*) AS n FROM tb_follow f"
                            + " WHERE (f.fk_user, f.fk_target) IN (SELECT g.fk_target, g.fk_user FROM tb_follow g) GROUP BY f.fk_user")
                    .run("INSERT INTO s VALUES (12, 2), (13, -1)", "UPDATE r SET i = 3 WHERE id = 1", "UPDATE s SET i = 1 WHERE id = 13",
                            "DELETE FROM r WHERE id = 2", "INSERT INTO tb_follow VALUES (3, 1), (2, 3)", "DELETE FROM tb_follow WHERE fk_user = 2 AND fk_target = 1",
                            "UPDATE tb_follow SET fk_target = 1 WHERE fk_user = 2", "BEGIN", "INSERT INTO tb_follow VALUES (4, 1), (1, 4)", "COMMIT");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta WHERE entity IN ('a24.nn', 'a24.nn2', 'a24.mutual')"
                    + " AND dependencies::text LIKE '%\"kind\": \"full\"%'")).isEqualTo(0L);
        }
    }

    /**
     * A prepared transaction holding maintenance locks is reported by the health check also before a restart (0.3.6
     * looked for the virtual transaction '-1/<xid>', which prepared transactions carry only after a restart).
     */
    @Test
    void aPreparedTransactionHoldingLocksIsReportedBeforeARestart(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a25; SET search_path = a25, public");
            exec(c, "CREATE TABLE tb_parent (pk_parent int PRIMARY KEY, name text); CREATE TABLE tb_child (pk_child int PRIMARY KEY, fk_parent int, title text)");
            exec(c, "INSERT INTO tb_parent VALUES (1, 'p1'); INSERT INTO tb_child VALUES (1, 1, 'c1')");
            exec(c, "SELECT pg_tviews_create('a25.tv_child', 'SELECT c.pk_child, c.title, p.name FROM a25.tb_child c JOIN a25.tb_parent p ON p.pk_parent = c.fk_parent')");
            exec(c, "BEGIN; UPDATE tb_parent SET name = 'prepared' WHERE pk_parent = 1; PREPARE TRANSACTION 'a25_prepared'");
            try {
                assertThat(value(c, "SELECT status || ' ' || message FROM pg_tviews_health_check() WHERE component = 'prepared_transactions'"))
                        .asString().startsWith("WARNING").contains("a25_prepared");
            } finally {
                exec(c, "ROLLBACK PREPARED 'a25_prepared'");
            }
            assertThat(value(c, "SELECT status FROM pg_tviews_health_check() WHERE component = 'prepared_transactions'")).isEqualTo("OK");
        }
    }

    /**
     * The shapes 0.3.14 added (arrays of keys, an activity feed keyed per UNION branch) keep the runtime's guarantees
     * for a writer who owns nothing (maintenance runs as the TVIEWs' owner) across PREPARE TRANSACTION, COMMIT PREPARED
     * and ROLLBACK PREPARED: other sessions never see the prepared work half applied, the queue shows the prepared
     * holder and nothing afterwards, and a role with nothing but USAGE can neither read nor write their queues and locks.
     */
    @Test
    void arrayHopsAndFeedsForAnotherWriterAcrossPreparedTransactions(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a40; SET search_path = a40, public");
            exec(c, """
                    CREATE TABLE "tb t'ag" (pk_tag int PRIMARY KEY, name text);
                    CREATE TABLE tb_post (pk_post int PRIMARY KEY, tag_ids int[], title text);
                    CREATE INDEX ON tb_post USING gin (tag_ids);
                    CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int REFERENCES tb_post, body text);
                    INSERT INTO "tb t'ag" SELECT g, 'tag' || g FROM generate_series(1, 6) g;
                    INSERT INTO tb_post SELECT g, ARRAY[1 + g % 6, 1 + (g + 2) % 6], 'p' || g FROM generate_series(1, 8) g;
                    INSERT INTO tb_comment SELECT g, 1 + g % 8, 'c' || g FROM generate_series(1, 12) g;
                    DROP ROLE IF EXISTS a40_writer; DROP ROLE IF EXISTS a40_intruder""");
            exec(c, "CREATE ROLE a40_writer LOGIN PASSWORD '" + SecurityTest.PASSWORD + "'; CREATE ROLE a40_intruder LOGIN PASSWORD '"
                    + SecurityTest.PASSWORD + "'");
            exec(c, "GRANT USAGE ON SCHEMA a40 TO a40_writer, a40_intruder;"
                    + " GRANT SELECT, INSERT, UPDATE, DELETE ON \"tb t'ag\", tb_post, tb_comment TO a40_writer");
            LineageTest.Oracle o = new LineageTest.Oracle(c)
                    .create("a40.tv_post", "SELECT p.pk_post, p.title, (SELECT jsonb_agg(t.name ORDER BY t.pk_tag) FROM \"tb t'ag\" t"
                            + " WHERE t.pk_tag = ANY(p.tag_ids)) AS tags FROM tb_post p")
                    .create("a40.tv_tag", "SELECT t.pk_tag, t.name, (SELECT count(*) FROM tb_post p WHERE p.tag_ids @> ARRAY[t.pk_tag]) AS posts"
                            + " FROM \"tb t'ag\" t")
                    .create("a40.tv_feed", "SELECT 'post-' || p.pk_post AS pk_feed, p.title AS text FROM tb_post p UNION ALL"
                            + " SELECT 'comment-' || c.pk_comment, c.body || ' on ' || p.title FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post");
            try (Connection w = SecurityTest.as(db, "a40_writer"); Connection intruder = SecurityTest.as(db, "a40_intruder")) {
                exec(w, "SET search_path = a40, public");
                exec(w, "BEGIN");
                exec(w, "UPDATE \"tb t'ag\" SET name = 'renamed' WHERE pk_tag = 4");
                exec(w, "UPDATE tb_post SET tag_ids = array_append(tag_ids, 5), title = 'moved' WHERE pk_post = 3");
                exec(w, "INSERT INTO tb_comment VALUES (50, 3, 'prepared')");
                exec(w, "PREPARE TRANSACTION 'a40_commit'");
                o.check("PREPARE TRANSACTION");
                assertThat(value(c, "SELECT sum(prepared_holders) FROM pg_tviews_get_queue() WHERE schema_name = 'a40'")).isNotNull()
                        .isNotEqualTo(java.math.BigDecimal.ZERO);
                List<List<Object>> internals = rows(c, "SELECT format('%I.%I', n.nspname, k.relname) FROM pg_class k JOIN pg_namespace n ON n.oid = k.relnamespace"
                        + " WHERE n.nspname = 'a40' AND k.relkind = 'r' AND k.relname LIKE 'pg\\_tviews\\_%'");
                assertThat(internals).hasSizeGreaterThanOrEqualTo(6);     // a queue and a lock table per TVIEW
                for (List<Object> table : internals) {
                    assertThat(sqlState(intruder, "SELECT count(*) FROM " + table.get(0))).as(table.get(0) + " read").isEqualTo("42501");
                    assertThat(sqlState(intruder, "DELETE FROM " + table.get(0))).as(table.get(0) + " emptied").isEqualTo("42501");
                    assertThat(sqlState(w, "DELETE FROM " + table.get(0))).as(table.get(0) + " emptied by the writer").isEqualTo("42501");
                }
                exec(c, "COMMIT PREPARED 'a40_commit'");
                o.check("COMMIT PREPARED");
                assertThat(value(c, "SELECT tags::text FROM a40.tv_post WHERE pk_post = 3")).asString().contains("renamed").contains("tag5");
                assertThat(value(c, "SELECT text FROM a40.tv_feed WHERE pk_feed = 'comment-50'")).isEqualTo("prepared on moved");

                exec(w, "BEGIN");
                exec(w, "UPDATE tb_post SET tag_ids = NULL WHERE pk_post = 1");
                exec(w, "DELETE FROM tb_comment WHERE pk_comment = 50");
                exec(w, "UPDATE \"tb t'ag\" SET name = 'gone' WHERE pk_tag = 5");
                exec(w, "PREPARE TRANSACTION 'a40_rollback'");
                o.check("second PREPARE TRANSACTION");
                exec(c, "ROLLBACK PREPARED 'a40_rollback'");
                o.check("ROLLBACK PREPARED");
                assertThat(value(c, "SELECT count(*) FROM pg_tviews_get_queue() WHERE schema_name = 'a40'")).isEqualTo(0L);
                o.run("UPDATE tb_post SET tag_ids = tag_ids || 6 WHERE pk_post = 1", "UPDATE \"tb t'ag\" SET name = 'six' WHERE pk_tag = 6");
            } finally {
                for (List<Object> gid : rows(c, "SELECT gid FROM pg_prepared_xacts WHERE gid LIKE 'a40%'")) {
                    exec(c, "ROLLBACK PREPARED '" + gid.get(0) + "'");
                }
            }
        }
    }

    /**
     * An equality between two outer columns inside a correlated subquery, or one that an outer join's ON makes through a
     * nullable-side column, holds only where the subquery's tuples or the match exist: 0.3.6 used it for every row and
     * linked the team to the key through its captain, so renaming a team updated only the captain's row.
     */
    @Test
    void equalitiesOfASubqueryOrAnOuterJoinHoldOnlyWhereTheyApply(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a26; SET search_path = a26, public");
            exec(c, "CREATE TABLE tb_team (pk_team int PRIMARY KEY, name text, fk_captain int);"
                    + " CREATE TABLE tb_user (pk_user int PRIMARY KEY, fk_team int, name text);"
                    + " CREATE TABLE tb_badge (pk_badge int PRIMARY KEY, fk_user int); CREATE TABLE tb_profile (pk_profile int PRIMARY KEY, fk_user int, bio text)");
            exec(c, "INSERT INTO tb_team VALUES (1, 'red', 10), (2, 'green', 12); INSERT INTO tb_user VALUES (10, 1, 'ann'), (11, 1, 'bob'), (12, 2, 'cid');"
                    + " INSERT INTO tb_badge VALUES (1, 10), (2, 11); INSERT INTO tb_profile VALUES (1, 10, 'captain ann'), (2, 11, 'bob')");
            new Oracle(c)
                    .create("a26.tv_user", "SELECT u.pk_user, u.name, t.name AS team,"
                            + " (SELECT count(*) FROM tb_badge b WHERE b.fk_user = u.pk_user AND u.pk_user = t.fk_captain) AS captain_badges"
                            + " FROM tb_user u JOIN tb_team t ON t.pk_team = u.fk_team")
                    .create("a26.tv_member", "SELECT u.pk_user AS pk_member, t.name AS team, pr.bio AS captain_bio"
                            + " FROM tb_user u JOIN tb_team t ON t.pk_team = u.fk_team"
                            + " LEFT JOIN tb_profile pr ON pr.fk_user = u.pk_user AND pr.fk_user = t.fk_captain")
                    .create("a26.tv_team", "SELECT t.pk_team, t.name, (SELECT count(*) FROM tb_user u WHERE u.fk_team = t.pk_team) AS members,"
                            + " EXISTS (SELECT 1 FROM tb_badge b WHERE b.fk_user = t.fk_captain) AS captain_has_badge FROM tb_team t")
                    .run("UPDATE tb_team SET name = 'blue' WHERE pk_team = 1", "INSERT INTO tb_user VALUES (13, 1, 'dan')",
                            "UPDATE tb_team SET fk_captain = 11 WHERE pk_team = 1", "INSERT INTO tb_badge VALUES (3, 11), (4, 12)",
                            "UPDATE tb_user SET fk_team = 2 WHERE pk_user = 11", "UPDATE tb_profile SET fk_user = 12 WHERE pk_profile = 2",
                            "UPDATE tb_team SET fk_captain = 12, name = 'lime' WHERE pk_team = 2", "DELETE FROM tb_badge WHERE fk_user = 12");
            assertThat(value(c, "SELECT d::text FROM pg_tview_meta, jsonb_array_elements(dependencies) d WHERE entity = 'a26.user' AND d->>'table' = 'tb_team'"))
                    .asString().contains("fk_team");
        }
    }

    /**
     * A key that stays equal but reads differently (numeric 1.0 to 1.000, float 0 to -0, 'Ann' to 'ann' under a
     * case-insensitive collation): 0.3.6 kept the old text (the upsert rewrote only the other columns), and neither the
     * consistency check nor a refresh saw it.
     */
    @Test
    void aKeyThatStaysEqualButReadsDifferentlyIsRewritten(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a27; SET search_path = a27, public");
            exec(c, "CREATE COLLATION a27.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
            exec(c, "CREATE TABLE tb_account (username text COLLATE a27.ci PRIMARY KEY, display text); INSERT INTO tb_account VALUES ('Ann', 'A'), ('bob', 'B')");
            exec(c, "CREATE TABLE tb_price (k numeric PRIMARY KEY, label text); INSERT INTO tb_price VALUES (1.0, 'one'), (2, 'two')");
            exec(c, "CREATE TABLE tb_point (k float8 PRIMARY KEY); INSERT INTO tb_point VALUES (0), (1)");
            new Oracle(c)
                    .create("a27.tv_account", "SELECT a.username AS pk_account, a.display FROM tb_account a")
                    .create("a27.tv_price", "SELECT p.k AS pk_price, p.label FROM tb_price p")
                    .create("a27.tv_point", "SELECT p.k AS pk_point FROM tb_point p")
                    .run("UPDATE tb_account SET username = 'ann' WHERE username = 'Ann'", "UPDATE tb_price SET k = 1.000 WHERE k = 1",
                            "UPDATE tb_point SET k = '-0' WHERE k = 0", "BEGIN", "UPDATE tb_price SET k = 2.00 WHERE k = 2", "COMMIT");
            exec(c, "UPDATE a27.tv_price SET pk_price = 1.0 WHERE pk_price = 1");
            assertThat(value(c, "SELECT different FROM pg_tviews_check_consistency('a27.price')")).isEqualTo(1L);
            assertThat(value(c, "SELECT pg_tviews_repair('a27.price')")).isEqualTo(1L);
            assertThat(Rt.driftAgainst(c, "a27.tv_price", "SELECT p.k AS pk_price, p.label FROM a27.tb_price p")).isZero();
        }
    }

    /**
     * An equality compares under one collation, and a lineage walk looks values up under the column's: "b.t = a.name"
     * with b.t case-insensitive matches 'A' with 'a', but 0.3.8 looked 'A' up in a.name (default collation), found
     * nothing and left the count at 0 (found by fuzzing). Such an equality links nothing: refused; one between columns
     * that share the collation is maintained.
     */
    @Test
    void anEqualityUnderAnotherCollationThanItsColumnsLinksNothing(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a32; SET search_path = a32, public");
            exec(c, "CREATE COLLATION a32.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
            exec(c, "CREATE TABLE tb_a (pk_a int PRIMARY KEY, name text, tag text COLLATE a32.ci)");
            exec(c, "CREATE TABLE tb_b (pk_b int PRIMARY KEY, t text COLLATE a32.ci)");
            exec(c, "INSERT INTO tb_a VALUES (1, 'a', 'a'), (2, 'b', 'b'); INSERT INTO tb_b VALUES (1, 'x')");
            for (String q : List.of("SELECT a.pk_a, (SELECT count(*) FROM tb_b b WHERE b.t = a.name) AS n FROM tb_a a",
                    "SELECT a.pk_a, b.pk_b AS kb FROM tb_a a JOIN tb_b b ON b.t = a.name",
                    "SELECT a.pk_a FROM tb_a a WHERE a.name IN (SELECT b.t FROM tb_b b)")) {
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a32.tv_a', $q$" + q + "$q$)")).as(q).isEqualTo("0A000");
            }
            new Oracle(c)
                    .create("a32.tv_a", "SELECT a.pk_a, (SELECT count(*) FROM tb_b b WHERE b.t = a.tag) AS n FROM tb_a a")
                    .create("a32.tv_pair", "SELECT a.pk_a AS pk_pair, b.pk_b AS kb FROM tb_a a JOIN tb_b b ON b.t = a.tag")
                    .run("UPDATE tb_b SET t = 'A' WHERE pk_b = 1", "INSERT INTO tb_b VALUES (2, 'B')", "UPDATE tb_a SET tag = 'X' WHERE pk_a = 2",
                            "UPDATE tb_b SET t = 'x' WHERE pk_b = 2");
        }
    }

    /**
     * The TVIEW's id and fk_* columns get an index; 0.3.8 made it a btree whatever the type, so a value longer than a
     * btree entry (2,704 bytes) failed the source's write at the flush (54000) and a json or point column failed the
     * create (42704). Found by fuzzing. Now a variable-size type gets a hash index and a type without either none.
     * Also the keys around them: a type without a hash function (money), and arrays (refused).
     */
    @Test
    void idAndFkColumnsOfAnySizeOrTypeAreIndexedWithoutFailingWrites(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a33; SET search_path = a33, public");
            exec(c, "CREATE TABLE tb_doc (pk_doc int PRIMARY KEY, id text, fk_note text, fk_meta json, fk_user int, at point, price money, tags int[],"
                    + " words tsvector)");
            String big = "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 200) g)";   // 6,400 bytes, incompressible
            Oracle o = new Oracle(c)
                    .create("a33.tv_doc", "SELECT d.pk_doc, d.id, d.fk_note, d.fk_meta, d.fk_user, d.words AS fk_words FROM tb_doc d")
                    // a btree-only variable-size type, and an array whose elements have no hash function: no index
                    .create("a33.tv_place", "SELECT d.pk_doc AS pk_place, d.at AS id, ARRAY[d.at] AS fk_points FROM tb_doc d")
                    // a key type without a hash function is locked by its text (one key, and more than eight)
                    .create("a33.tv_price", "SELECT d.price AS pk_price, d.pk_doc FROM tb_doc d WHERE d.price IS NOT NULL");
            o.run("INSERT INTO tb_doc VALUES (1, " + big + ", 'n', '{\"a\": 1}', 1, point(1, 2), 1)",
                    "INSERT INTO tb_doc VALUES (2, 'x', " + big + ", NULL, 2, NULL, 2)",
                    "BEGIN", "UPDATE tb_doc SET id = " + big + " || 'y' WHERE pk_doc = 2", "COMMIT",
                    "INSERT INTO tb_doc (pk_doc, price) SELECT g, g FROM generate_series(10, 30) g", "UPDATE tb_doc SET price = price * 2",
                    "UPDATE tb_doc SET words = to_tsvector('simple', " + big + ") WHERE pk_doc = 1", "UPDATE tb_doc SET at = point(3, 4) WHERE pk_doc < 12");
            // a set of array keys would be an array of arrays: refused (0.3.8 accepted it and every write failed)
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a33.tv_tags', 'SELECT d.tags AS pk_tags FROM a33.tb_doc d')")).isEqualTo("0A000");
            assertThat(value(c, "SELECT string_agg(a.attname || ':' || am.amname, ',' ORDER BY a.attname) FROM pg_index i"
                    + " JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam"
                    + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
                    + " WHERE i.indrelid IN ('a33.tv_doc'::regclass, 'a33.tv_place'::regclass) AND NOT i.indisprimary"))
                    .isEqualTo("fk_note:hash,fk_user:btree,id:hash");
        }
    }

    /**
     * Equalities that hold only where a join matched or a subquery has rows, in the forms a second review found after
     * the first fix: a subquery correlated to an outer join's preserved side, LATERAL subqueries (an aggregate, and LEFT
     * JOIN LATERAL ... ON true), a subquery in the SELECT list of an aggregate without GROUP BY, a FULL JOIN whose key side
     * WHERE requires, a non-strict user operator on the nullable side, an outer join inside a subquery in FROM. Each left
     * a parent's change unapplied to some rows.
     */
    @Test
    void equalitiesThatHoldOnlyWhereAJoinMatchedOrASubqueryHasRows(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a28; SET search_path = a28, public");
            exec(c, "CREATE TABLE p (pk int PRIMARY KEY, y int, v text); CREATE TABLE a (pk int PRIMARY KEY, x int, fk_p int);"
                    + " CREATE TABLE b (pk int PRIMARY KEY, fk int, x int, v text); CREATE TABLE c (pk int PRIMARY KEY, fk int, x int, v text);"
                    + " CREATE TABLE d (pk int PRIMARY KEY, x int)");
            exec(c, "CREATE FUNCTION a28.nn_ge(int, int) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT coalesce($1 >= $2, true)';"
                    + " CREATE OPERATOR a28.>=? (LEFTARG = int, RIGHTARG = int, FUNCTION = a28.nn_ge)");
            exec(c, "INSERT INTO p VALUES (1, 10, 'p1'), (5, 5, 'p5'); INSERT INTO a VALUES (1, 1, 1), (2, 1, 1), (3, 5, 5);"
                    + " INSERT INTO b VALUES (1, 1, 10, 'b1'); INSERT INTO c VALUES (1, 1, 10, 'c1'); INSERT INTO d VALUES (1, 1)");
            new Oracle(c)
                    .create("a28.tv_s1", "SELECT a.pk AS pk_s1, b.pk AS b_pk, (SELECT count(*) FROM c WHERE c.x = p.y) AS n"
                            + " FROM a JOIN p ON p.pk = a.fk_p LEFT JOIN b ON b.fk = a.pk AND b.x = p.y")
                    .create("a28.tv_l1", "SELECT a.pk AS pk_l1, b.v, s.n FROM a JOIN b ON b.pk = a.x"
                            + " CROSS JOIN LATERAL (SELECT count(*) AS n FROM c WHERE c.fk = a.pk AND a.pk = b.fk) s")
                    .create("a28.tv_l2", "SELECT a.pk AS pk_l2, b.v, s.cv FROM a JOIN b ON b.pk = a.x"
                            + " LEFT JOIN LATERAL (SELECT c.v AS cv FROM c WHERE c.fk = a.pk AND a.pk = b.fk) s ON true")
                    .create("a28.tv_n1", "SELECT a.pk AS pk_n1,"
                            + " (SELECT count(*) + (SELECT count(*) FROM d WHERE d.x = b.fk) FROM c WHERE c.fk = a.pk AND a.pk = b.fk) AS n"
                            + " FROM a JOIN b ON b.pk = a.x")
                    .create("a28.tv_f1", "SELECT a.pk AS pk_f1, p.v, b.pk AS b_pk FROM (a JOIN p ON p.pk = a.x) FULL JOIN b ON b.fk = a.pk AND b.fk = p.y"
                            + " WHERE a.pk IS NOT NULL")
                    .create("a28.tv_o1", "SELECT a.pk AS pk_o1, c.v, b.pk AS b_pk FROM a JOIN c ON c.pk = a.x"
                            + " LEFT JOIN b ON b.pk = a.pk AND b.pk = c.x WHERE b.x OPERATOR(a28.>=?) 0")
                    .create("a28.tv_q7", "SELECT s.apk AS pk_q7, p.v FROM (SELECT a.pk AS apk, a.x AS ax, b.pk AS bpk"
                            + " FROM a LEFT JOIN b ON b.pk = a.x AND b.pk = a.pk) s JOIN p ON p.pk = s.ax")
                    .run("INSERT INTO c VALUES (2, 2, 10, 'c2')", "UPDATE b SET v = 'b1 new' WHERE pk = 1", "UPDATE p SET v = upper(v)",
                            "INSERT INTO d VALUES (2, 1)", "UPDATE c SET v = 'c1 new', x = 5 WHERE pk = 1", "INSERT INTO b VALUES (2, 2, 5, 'b2')",
                            "UPDATE a SET x = 5 WHERE pk = 2", "DELETE FROM b WHERE pk = 1", "UPDATE p SET y = 1 WHERE pk = 1",
                            "INSERT INTO b VALUES (5, 3, 1, 'b5')", "UPDATE d SET x = 2");
        }
    }

    /**
     * Shapes the first fix refused or broke, kept by the second (a re-run of the review's suites): a positive IN or EXISTS
     * nested in a correlated count (a semi-join: its conditions hold for every counted row), an outer join whose nullable
     * side a later inner join (or the WHERE clause through a later outer join) requires, and SET CONSTRAINTS ALL
     * IMMEDIATE after pg_tviews_flush() firing a user's deferred trigger that writes a source of a TVIEW on a TVIEW.
     */
    @Test
    void semiJoinsRequiredNullableSidesAndDeferredTriggersAfterAFlush(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a29; SET search_path = a29, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, n int DEFAULT 0); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int);"
                    + " CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_post int);"
                    + " CREATE TABLE r (id int PRIMARY KEY, i int); CREATE TABLE s (id int PRIMARY KEY, i int, j int); CREATE TABLE t (id int PRIMARY KEY, j int)");
            exec(c, "INSERT INTO tb_user VALUES (1), (2); INSERT INTO tb_post VALUES (10, 1), (11, 2); INSERT INTO tb_comment VALUES (100, 10);"
                    + " INSERT INTO r VALUES (1, 1), (2, 2); INSERT INTO s VALUES (1, 1, 5), (2, 3, 6); INSERT INTO t VALUES (1, 5), (2, 7)");
            new Oracle(c)
                    .create("a29.tv_user", "SELECT u.pk_user, (SELECT count(*) FROM tb_comment cm WHERE cm.fk_post IN"
                            + " (SELECT p.pk_post FROM tb_post p WHERE p.fk_user = u.pk_user)) AS comments,"
                            + " (SELECT count(*) FROM tb_comment cm WHERE EXISTS (SELECT 1 FROM tb_post p WHERE p.pk_post = cm.fk_post AND p.fk_user = u.pk_user)) AS c2"
                            + " FROM tb_user u")
                    .create("a29.tv_inner", "SELECT t.id AS pk_inner, r.id AS rid FROM r LEFT JOIN s ON r.i = s.i JOIN t ON s.j = t.j WHERE t.id IS NOT NULL")
                    .create("a29.tv_left", "SELECT t.id AS pk_left, r.id AS rid FROM r LEFT JOIN s ON r.i = s.i LEFT JOIN t ON s.j = t.j WHERE t.id IS NOT NULL")
                    .run("INSERT INTO tb_comment VALUES (101, 11), (102, 10)", "UPDATE tb_post SET fk_user = 2 WHERE pk_post = 10",
                            "UPDATE tb_comment SET fk_post = 11 WHERE pk_comment = 100", "UPDATE r SET i = 3 WHERE id = 1", "UPDATE s SET j = 7 WHERE id = 2",
                            "UPDATE r SET i = 1 WHERE id = 2", "DELETE FROM s WHERE id = 1", "INSERT INTO s VALUES (3, 1, 5)");
            exec(c, "CREATE FUNCTION a29.bump() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN UPDATE a29.tb_user SET n = n + 1 WHERE pk_user = NEW.fk_user; RETURN NULL; END $f$;"
                    + " CREATE CONSTRAINT TRIGGER zz_bump AFTER INSERT ON a29.tb_post DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION a29.bump()");
            Oracle o = new Oracle(c).create("a29.tv_n", "SELECT u.pk_user AS pk_n, u.n FROM tb_user u")
                    .create("a29.tv_pn", "SELECT p.pk_post AS pk_pn, n.n FROM tb_post p JOIN a29.tv_n n ON n.pk_n = p.fk_user");
            exec(c, "BEGIN; INSERT INTO tb_post VALUES (12, 1); SELECT pg_tviews_flush(); SET CONSTRAINTS ALL IMMEDIATE; COMMIT");
            o.check("SET CONSTRAINTS ALL IMMEDIATE after a flush");
        }
    }

    /**
     * Round 3 (each failing on 0.3.7): a positive EXISTS/IN over an aggregate without GROUP BY (one row whatever its
     * WHERE matched) or over a UNION (a row of one branch satisfies none of the other's conditions) was taken for a
     * semi-join, and its correlation linked a team to users it did not filter: renaming a team left rows stale. Now
     * refused. And an outer join whose nullable side is present matched, so its strict ON requires the tables it reads:
     * "(p LEFT JOIN u ON ...) RIGHT JOIN t ON t.pk = u.fk" (every team with its post count), which 0.3.7 refused.
     */
    @Test
    void semiJoinsThatDoNotFilterAndOuterJoinsThatMatched(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a30; SET search_path = a30, public");
            exec(c, """
                    CREATE TABLE tb_team (pk_team int PRIMARY KEY, name text);
                    CREATE TABLE tb_user (pk_user int PRIMARY KEY, fk_team int);
                    CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int);
                    CREATE TABLE tb_profile (pk_profile int PRIMARY KEY, fk_user int);
                    INSERT INTO tb_team VALUES (1, 'a'), (2, 'b');
                    INSERT INTO tb_user VALUES (1, 1), (2, 2), (3, NULL);
                    INSERT INTO tb_post VALUES (1, 1), (2, 1), (3, 2), (4, 3), (5, NULL);
                    INSERT INTO tb_profile VALUES (1, 2)""");
            for (String q : java.util.List.of(
                    "SELECT u.pk_user, string_agg(t.name, ',' ORDER BY t.name) AS teams FROM tb_user u, tb_team t"
                            + " WHERE EXISTS (SELECT count(*) FROM tb_post p WHERE p.fk_user = u.pk_user AND u.fk_team = t.pk_team) GROUP BY u.pk_user",
                    "SELECT u.pk_user, string_agg(t.name, ',' ORDER BY t.name) AS teams FROM tb_user u, tb_team t"
                            + " WHERE EXISTS (SELECT 1 FROM (SELECT max(p.pk_post) FROM tb_post p WHERE p.fk_user = u.pk_user AND u.fk_team = t.pk_team) x)"
                            + " GROUP BY u.pk_user",
                    "SELECT u.pk_user, string_agg(t.name, ',' ORDER BY t.name) AS teams FROM tb_user u, tb_team t"
                            + " WHERE EXISTS (SELECT 1 FROM tb_post p WHERE p.fk_user = u.pk_user AND u.fk_team = t.pk_team"
                            + " UNION ALL SELECT 1 FROM tb_profile pr WHERE pr.fk_user = u.pk_user) GROUP BY u.pk_user")) {
                assertThat(Rt.sqlState(c, "SELECT pg_tviews_create('a30.tv_user', $q$" + q + "$q$)")).as(q).isEqualTo("0A000");
            }
            new Oracle(c)
                    .create("a30.tv_team", "SELECT t.pk_team, count(p.pk_post) AS n_posts FROM tb_post p LEFT JOIN tb_user u ON u.pk_user = p.fk_user"
                            + " RIGHT JOIN tb_team t ON t.pk_team = u.fk_team GROUP BY t.pk_team")
                    .create("a30.tv_team2", "SELECT t.pk_team AS pk_team2, count(p.pk_post) AS n FROM tb_post p LEFT JOIN tb_user u ON u.pk_user = p.fk_user"
                            + " FULL JOIN tb_team t ON t.pk_team = u.fk_team WHERE t.pk_team IS NOT NULL GROUP BY t.pk_team")
                    .run("UPDATE tb_post SET fk_user = 2 WHERE pk_post = 1", "UPDATE tb_user SET fk_team = 1 WHERE pk_user = 3",
                            "DELETE FROM tb_post WHERE pk_post = 3", "INSERT INTO tb_team VALUES (3, 'c')", "UPDATE tb_user SET fk_team = 3 WHERE pk_user = 2",
                            "INSERT INTO tb_post VALUES (6, 2), (7, NULL)", "UPDATE tb_post SET fk_user = 3 WHERE fk_user IS NULL",
                            "DELETE FROM tb_user WHERE pk_user = 1", "UPDATE tb_team SET pk_team = 4 WHERE pk_team = 3");
            // a LEFT JOIN chain of three to-one hops (0.3.7 refused it)
            exec(c, """
                    CREATE TABLE region (pk_region int PRIMARY KEY, name text);
                    CREATE TABLE customer (pk_customer int PRIMARY KEY, fk_region int, name text);
                    CREATE TABLE ord (pk_ord int PRIMARY KEY, fk_customer int);
                    CREATE TABLE item (pk_item int PRIMARY KEY, fk_ord int);
                    INSERT INTO region VALUES (1, 'north'), (2, 'south'); INSERT INTO customer VALUES (1, 1, 'ann'), (2, NULL, 'bob');
                    INSERT INTO ord VALUES (1, 1), (2, 2); INSERT INTO item VALUES (1, 1), (2, NULL), (3, 2)""");
            new Oracle(c)
                    .create("a30.tv_item", "SELECT i.pk_item, c.name AS customer, r.name AS region FROM item i LEFT JOIN ord o ON o.pk_ord = i.fk_ord"
                            + " LEFT JOIN customer c ON c.pk_customer = o.fk_customer LEFT JOIN region r ON r.pk_region = c.fk_region")
                    .run("UPDATE region SET name = 'NORTH' WHERE pk_region = 1", "UPDATE customer SET fk_region = 2 WHERE pk_customer = 2",
                            "UPDATE ord SET fk_customer = 2 WHERE pk_ord = 1", "UPDATE item SET fk_ord = 1 WHERE pk_item = 2",
                            "DELETE FROM customer WHERE pk_customer = 1", "UPDATE region SET pk_region = 3 WHERE pk_region = 2");
        }
    }

    /**
     * Fuzzing round 3 (failing on 0.3.7): under SET CONSTRAINTS ALL IMMEDIATE, a full refresh (TRUNCATE of a source, a
     * write to a full_refresh source) of a TVIEW that another TVIEW reads ran that TVIEW's flush inside its own, which
     * reset the runtime's flushing state: the outer flush's guard took it for owner code and failed the write (42501).
     */
    @Test
    void aFlushInsideAnotherUnderImmediateConstraintsLeavesItsStateAsItWas(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a31; SET search_path = a31, public");
            exec(c, "CREATE TABLE t (pk_t int PRIMARY KEY, s text); CREATE TABLE cfg (k int, x int);"
                    + " INSERT INTO t VALUES (1, 'a'), (2, 'b'); INSERT INTO cfg VALUES (1, 10)");
            new Oracle(c)
                    .create("a31.tv_a", "SELECT t.pk_t AS pk_a, t.s FROM t")
                    .create("a31.tv_b", "SELECT a.pk_a AS pk_b, a.s FROM tv_a a")
                    .create("a31.tv_c", "SELECT t.pk_t AS pk_c, (SELECT max(x) FROM cfg) AS mx FROM t", "{\"uncascaded_policy\": \"full_refresh\"}")
                    .create("a31.tv_d", "SELECT c.pk_c AS pk_d, c.mx FROM tv_c c")
                    .run("BEGIN", "SET CONSTRAINTS ALL IMMEDIATE", "UPDATE cfg SET x = 11", "COMMIT",
                            "BEGIN", "SET CONSTRAINTS ALL IMMEDIATE", "TRUNCATE t", "COMMIT", "INSERT INTO t VALUES (3, 'c')");
            assertThat(value(c, "SELECT max(mx) FROM tv_d")).isEqualTo(11);
        }
    }

    /**
     * What a TVIEW's values are made of changes without a write, through DDL 0.3.20 did not follow (a fourth adversarial
     * round): attributes of a composite type added or renamed (to_jsonb and the row's text print them), a view's column
     * renamed under a whole-row reference, a table read as a whole row inside a view the query reads gaining a column, a
     * text search configuration remapped or a dictionary's options changed. Each is followed; without the event trigger the
     * health check reports it.
     */
    @Test
    void typesViewsAndTextSearchConfigurationsTheQueryReadsAreFollowed(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a41; SET search_path = a41, public");
            exec(c, "CREATE TYPE \"ad'dr\" AS (street text, city text); CREATE TEXT SEARCH CONFIGURATION \"my cfg\" (COPY = simple);"
                    + " CREATE TEXT SEARCH DICTIONARY a41.syn (TEMPLATE = simple, STOPWORDS = english);"
                    + " CREATE TEXT SEARCH CONFIGURATION a41.stop (COPY = simple); ALTER TEXT SEARCH CONFIGURATION a41.stop ALTER MAPPING FOR asciiword WITH a41.syn");
            exec(c, "CREATE TABLE tb_customer (pk_customer int PRIMARY KEY, name text, \"add ress\" \"ad'dr\", body text);"
                    + " INSERT INTO tb_customer VALUES (1, 'ann', ROW('main st', 'nyc'), 'the running dogs'), (2, 'bob', NULL, 'a cat')");
            exec(c, "CREATE VIEW \"v|cust\" AS SELECT pk_customer, name, body FROM tb_customer;"
                    + " CREATE VIEW v_whole AS SELECT c.pk_customer, c AS r FROM tb_customer c");
            Oracle oracle = new Oracle(c)
                    .create("a41.tv_customer", "SELECT c.pk_customer, to_jsonb(c.\"add ress\") AS address, c.\"add ress\"::text AS a_text,"
                            + " to_tsvector('a41.\"my cfg\"', c.body) AS tsv, to_tsvector('a41.stop', c.body) AS stop FROM a41.tb_customer c")
                    .create("a41.tv_doc", "SELECT v.pk_customer, to_jsonb(v) AS doc FROM a41.\"v|cust\" v", "{\"key\": \"pk_customer\"}")
                    .create("a41.tv_whole", "SELECT w.pk_customer, to_jsonb(w.r) AS doc FROM a41.v_whole w", "{\"key\": \"pk_customer\"}");
            oracle.run("ALTER TYPE \"ad'dr\" RENAME ATTRIBUTE street TO road", "ALTER TYPE \"ad'dr\" ADD ATTRIBUTE zip text",
                    "ALTER VIEW \"v|cust\" RENAME COLUMN name TO \"full\nname\"", "ALTER TABLE \"v|cust\" RENAME COLUMN body TO text",
                    "ALTER TABLE tb_customer ADD COLUMN email text DEFAULT 'x@y'",
                    "ALTER TEXT SEARCH CONFIGURATION \"my cfg\" ALTER MAPPING FOR asciiword WITH english_stem",
                    "ALTER TEXT SEARCH DICTIONARY a41.syn (STOPWORDS = russian)", "UPDATE tb_customer SET body = 'the dogs' WHERE pk_customer = 2");
            SourcesAndCatalogTest.withoutDdlWatch(c, () -> {
                // (the whole row of tb_customer holds the composite too; tv_doc reads the table that has a column of it, which
                // counts, as for an enum: an over-approximation)
                for (String[] ddl : new String[][] {{"ALTER TYPE \"ad'dr\" RENAME ATTRIBUTE city TO town", "a41.customer,a41.doc,a41.whole"},
                    {"ALTER VIEW \"v|cust\" RENAME COLUMN text TO body", "a41.doc"},
                    {"ALTER TEXT SEARCH CONFIGURATION \"my cfg\" ALTER MAPPING FOR asciiword WITH simple", "a41.customer"}}) {
                    exec(c, ddl[0]);
                    assertThat(value(c, "SELECT string_agg(substr(component, 7), ',' ORDER BY component) FROM pg_tviews_health_check()"
                            + " WHERE component LIKE 'tview:a41.%' AND status = 'ERROR' AND message LIKE '%changed since its rows were computed%'"))
                            .as(ddl[0]).isEqualTo(ddl[1]);
                    for (String e : ddl[1].split(",")) {
                        exec(c, "SELECT pg_tviews_refresh('" + e + "')");
                    }
                }
            });
            oracle.check("refreshed");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a41") + " WHERE component LIKE 'tview:a41.%' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * Row-level security applies to more readers than the owner of a FORCE'd table (0.3.20 checked FORCE only): to a
     * TVIEW owner that is a NOINHERIT member of the table's owner, and to the owner of another role's view the query
     * reads; a policy on the session is refused there too. And what the owner reads changes with DDL 0.3.20 did not
     * follow (DROP POLICY, NO FORCE, DISABLE and ENABLE ROW LEVEL SECURITY): each recomputes the TVIEW; without the event
     * trigger the health check reports it.
     */
    @Test
    void rowLevelSecurityOfEveryReaderAndItsDdlAreFollowed(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE a42_app; CREATE ROLE a42_tv NOINHERIT IN ROLE a42_app; CREATE ROLE \"a42 v'x\"; CREATE SCHEMA a42 AUTHORIZATION a42_app;"
                    + " GRANT USAGE, CREATE ON SCHEMA a42 TO a42_tv, \"a42 v'x\"");
            exec(su, "SET SESSION AUTHORIZATION a42_app; SET search_path = a42, public");
            exec(su, "CREATE TABLE tb_customer (pk_customer int PRIMARY KEY, name text); CREATE TABLE tb_order (pk_order int PRIMARY KEY, tenant text, fk_customer int, amount int);"
                    + " INSERT INTO tb_customer VALUES (1, 'acme'), (2, 'init'); INSERT INTO tb_order VALUES (1, 'a', 1, 10), (2, 'b', 1, 20), (3, 'b', 2, 30);"
                    + " ALTER TABLE tb_order ENABLE ROW LEVEL SECURITY; CREATE POLICY tenant_iso ON tb_order USING (tenant = current_setting('app.tenant', true));"
                    + " GRANT SELECT ON tb_order, tb_customer TO \"a42 v'x\", a42_tv");
            String total = "SELECT c.pk_customer AS pk_%s, c.name, (SELECT sum(o.amount) FROM a42.%s o WHERE o.fk_customer = c.pk_customer) AS total FROM a42.tb_customer c";
            exec(su, "SET SESSION AUTHORIZATION a42_tv; SET app.tenant = 'a'");
            assertThat(sqlState(su, "SELECT pg_tviews_create('a42.tv_noinherit', " + Rt.literal(String.format(total, "noinherit", "tb_order")) + ")"))
                    .as("a NOINHERIT member of the table's owner").isEqualTo("0A000");
            exec(su, "RESET SESSION AUTHORIZATION; SET SESSION AUTHORIZATION \"a42 v'x\"");
            exec(su, "CREATE VIEW a42.v_order AS SELECT pk_order, fk_customer, amount FROM a42.tb_order; GRANT SELECT ON a42.v_order TO a42_app");
            exec(su, "RESET SESSION AUTHORIZATION; SET SESSION AUTHORIZATION a42_app; SET app.tenant = 'a'");
            assertThat(sqlState(su, "SELECT pg_tviews_create('a42.tv_view', " + Rt.literal(String.format(total, "view", "v_order")) + ")"))
                    .as("another role's view").isEqualTo("0A000");
            assertThat(value(su, "SELECT count(*) FROM pg_tview_meta WHERE entity LIKE 'a42.%'")).isEqualTo(0L);
            // the table's owner reads it: policies on the rows only, forced, then changed by DDL
            exec(su, "DROP POLICY tenant_iso ON tb_order; CREATE POLICY small ON tb_order USING (amount < 25); CREATE POLICY \"b'only\" ON tb_order USING (tenant = 'b');"
                    + " ALTER TABLE tb_order FORCE ROW LEVEL SECURITY");
            String q = String.format(total, "customer", "tb_order");
            Oracle oracle = new Oracle(su).create("a42.tv_customer", q);
            oracle.run("DROP POLICY small ON tb_order", "ALTER TABLE tb_order NO FORCE ROW LEVEL SECURITY", "ALTER TABLE tb_order FORCE ROW LEVEL SECURITY",
                    "ALTER TABLE tb_order DISABLE ROW LEVEL SECURITY", "ALTER TABLE tb_order ENABLE ROW LEVEL SECURITY", "ALTER POLICY \"b'only\" ON tb_order USING (tenant = 'a')",
                    "INSERT INTO tb_order VALUES (4, 'a', 2, 5)");
            exec(su, "RESET SESSION AUTHORIZATION");
            SourcesAndCatalogTest.withoutDdlWatch(su, () -> {
                exec(su, "ALTER TABLE a42.tb_order NO FORCE ROW LEVEL SECURITY");
                assertThat(Rt.driftAgainst(su, "a42.tv_customer", q)).isPositive();
                assertThat(value(su, "SELECT message FROM " + Rt.healthOf("a42") + " WHERE component = 'tview:a42.customer' AND status = 'ERROR'"))
                        .asString().contains("changed since its rows were computed");
                exec(su, "SET SESSION AUTHORIZATION a42_app; SELECT pg_tviews_refresh('a42.customer'); RESET SESSION AUTHORIZATION");
            });
            assertThat(Rt.driftAgainst(su, "a42.tv_customer", q)).isZero();
            exec(su, "ALTER TABLE a42.tb_order FORCE ROW LEVEL SECURITY");
            exec(su, "SET SESSION AUTHORIZATION a42_app");
            oracle.run("CREATE POLICY big ON a42.tb_order USING (amount > 100)", "DROP POLICY \"b'only\" ON a42.tb_order");
            exec(su, "RESET SESSION AUTHORIZATION");
        }
    }

    /**
     * A fifth adversarial round (each failing on 0.3.21's first cut): a row-level security policy that reads another
     * table (refused: no trigger sees that table); a new overload of a function a key expression calls (followed: the
     * TVIEW is rebuilt, and where its expressions' text now calls the overload the DDL fails since 0.3.29; without the
     * DDL watch it is reported);
     * DROP NOT NULL under a NOT IN anti-join (the DDL fails); ALTER SCHEMA … RENAME of a TVIEW's or a source's schema
     * (the DDL fails: every write would); a report under row-level security on the TVIEW's table (only the caller's rows).
     */
    @Test
    void policiesOverloadsConstraintsAndSchemasThatWouldBreakATview(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE a43_owner; CREATE ROLE \"a43 ca'rol\" LOGIN PASSWORD 'p'; CREATE SCHEMA a43 AUTHORIZATION a43_owner; CREATE SCHEMA \"a43 src\" AUTHORIZATION a43_owner;"
                    + " GRANT USAGE ON SCHEMA a43, \"a43 src\" TO \"a43 ca'rol\"");
            exec(su, "SET SESSION AUTHORIZATION a43_owner; SET search_path = a43, public");
            exec(su, "CREATE TABLE tb_doc (pk_doc text PRIMARY KEY, tenant name, fk_cat int, amt int NOT NULL); CREATE TABLE \"a43 src\".tb_cat (pk_cat int PRIMARY KEY, name text);"
                    + " CREATE TABLE acl (doc text, who name); CREATE TABLE tb_ban (pk_ban int PRIMARY KEY, fk_doc text NOT NULL);"
                    + " INSERT INTO \"a43 src\".tb_cat VALUES (1, 'shared'); INSERT INTO acl VALUES ('carol-1', 'a43_owner');"
                    + " INSERT INTO tb_doc VALUES ('carol-1', 'a43 ca''rol', 1, 7), ('alice-secret', 'alice', 1, 14), ('bob-2', 'bob', 1, 100)");
            // a policy that reads another table
            exec(su, "ALTER TABLE tb_doc ENABLE ROW LEVEL SECURITY; ALTER TABLE tb_doc FORCE ROW LEVEL SECURITY;"
                    + " CREATE POLICY via_acl ON tb_doc USING (EXISTS (SELECT 1 FROM a43.acl a WHERE a.doc = tb_doc.pk_doc))");
            String docs = "SELECT d.pk_doc, d.tenant, c.name FROM a43.tb_doc d JOIN \"a43 src\".tb_cat c ON c.pk_cat = d.fk_cat WHERE d.pk_doc NOT IN (SELECT b.fk_doc FROM a43.tb_ban b)";
            assertThat(sqlState(su, "SELECT pg_tviews_create('a43.tv_doc', " + Rt.literal(docs) + ")")).isEqualTo("0A000");
            exec(su, "DROP POLICY via_acl ON tb_doc; CREATE POLICY mine ON tb_doc USING (amt > 0)");
            Oracle oracle = new Oracle(su).create("a43.tv_doc", docs);
            assertThat(sqlState(su, "CREATE POLICY via_acl ON tb_doc USING (EXISTS (SELECT 1 FROM a43.acl a WHERE a.doc = tb_doc.pk_doc))")).isEqualTo("0A000");
            // DROP NOT NULL under the anti-join, and renames of both schemas, fail; an unrelated schema renames
            assertThat(sqlState(su, "ALTER TABLE tb_ban ALTER COLUMN fk_doc DROP NOT NULL")).isEqualTo("0A000");
            exec(su, "RESET SESSION AUTHORIZATION");
            assertThat(sqlState(su, "ALTER SCHEMA \"a43 src\" RENAME TO a43_src2")).isEqualTo("0A000");
            assertThat(sqlState(su, "ALTER SCHEMA a43 RENAME TO a43b")).isEqualTo("0A000");
            exec(su, "CREATE SCHEMA a43_other; ALTER SCHEMA a43_other RENAME TO a43_other2");
            exec(su, "SET SESSION AUTHORIZATION a43_owner; SET search_path = a43, public");
            oracle.run("INSERT INTO tb_ban VALUES (1, 'bob-2')", "UPDATE \"a43 src\".tb_cat SET name = 'renamed'");
            // a report under row-level security on the TVIEW's table
            exec(su, "ALTER TABLE tv_doc ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON tv_doc FOR SELECT USING (tenant = current_user);"
                    + " GRANT SELECT ON tv_doc TO \"a43 ca'rol\"; GRANT SELECT, UPDATE ON \"a43 src\".tb_cat TO \"a43 ca'rol\"");
            exec(su, "RESET SESSION AUTHORIZATION");
            try (Connection carol = DriverManager.getConnection(db.jdbcUrl(), "a43 ca'rol", "p")) {
                exec(carol, "BEGIN; UPDATE \"a43 src\".tb_cat SET name = 'again' WHERE pk_cat = 1");
                String report = value(carol, "SELECT pg_tviews_flush_and_report()::text").toString();
                assertThat(report).contains("carol-1").contains("\"count\": 1").doesNotContain("alice").doesNotContain("delete");
                exec(carol, "COMMIT");
            }
            oracle.check("a report under row-level security");
            // a new overload of a function a key expression calls
            exec(su, "SET SESSION AUTHORIZATION a43_owner; SET search_path = a43, public");
            exec(su, "CREATE FUNCTION a43.bucket(anyelement) RETURNS int LANGUAGE sql IMMUTABLE AS $f$ SELECT length($1::text) $f$");
            String buckets = "SELECT a43.bucket(d.amt) AS pk_bucket, count(*) AS n FROM a43.tb_doc d GROUP BY 1";
            oracle.create("a43.tv_bucket", buckets);
            // (since 0.3.29 the overload that captures the key expression's text fails and changes nothing: the rebuild's
            // analysis refuses the key, whose text no longer parses to the query's call; 0.3.28 let it through and reported)
            String overload = "CREATE FUNCTION a43.bucket(integer) RETURNS int LANGUAGE sql IMMUTABLE AS $f$ SELECT -1 $f$";
            assertThatThrownBy(() -> exec(su, overload)).isInstanceOfSatisfying(java.sql.SQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("0A000");
                assertThat(e.getMessage()).contains("this DDL would leave TVIEW a43.bucket unmaintained");
            });
            assertThat(value(su, "SELECT count(*) FROM pg_proc WHERE proname = 'bucket' AND pronamespace = 'a43'::regnamespace")).isEqualTo(1L);
            assertThat(value(su, "SELECT count(*) FROM " + Rt.healthOf("a43") + " WHERE component LIKE '%a43.bucket%' AND status <> 'OK'")).isEqualTo(0L);
            // without the DDL watch it goes through, and the health check reports it
            exec(su, "RESET SESSION AUTHORIZATION");
            SourcesAndCatalogTest.withoutDdlWatch(su, () -> {
                exec(su, "SET SESSION AUTHORIZATION a43_owner");
                exec(su, overload);
                assertThat(value(su, "SELECT message FROM " + Rt.healthOf("a43") + " WHERE component = 'tview:a43.bucket' AND status = 'ERROR'"))
                        .asString().contains("pg_tviews_refresh");
                exec(su, "RESET SESSION AUTHORIZATION");
            });
            exec(su, "SET SESSION AUTHORIZATION a43_owner; SET search_path = a43, public");
            exec(su, "DROP FUNCTION a43.bucket(integer); SELECT pg_tviews_refresh('a43.bucket')");
            oracle.run("UPDATE tb_doc SET amt = 1000 WHERE pk_doc = 'carol-1'");
            assertThat(value(su, "SELECT count(*) FROM " + Rt.healthOf("a43") + " WHERE component LIKE '%a43.%' AND status <> 'OK'")).isEqualTo(0L);
            exec(su, "RESET SESSION AUTHORIZATION");
        }
    }

    /**
     * Writers whose own settings change what generated code or an index scan computes (hunt 7, each failing on 0.3.21):
     * standard_conforming_strings = off (the generated code holds the definition's '\s+' and '\' as PostgreSQL prints
     * them: compiled under the writer's setting they read as 's+' or did not parse), gin_fuzzy_search_limit (a GIN scan
     * of the generated lookup returned a few of the rows), xmloption (xml_is_well_formed(), text::xml) and
     * quote_all_identifiers (quote_ident(), format('%I'); also a create in such a session failed with 42501).
     */
    @Test
    void writersWithSettingsThatChangeWhatCodeOrAnIndexReturns(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA a44; SET search_path = a44, public");
            exec(c, "CREATE TABLE \"tb o'|\" (pk int PRIMARY KEY, code text NOT NULL, v int); CREATE TABLE tb_c (name text PRIMARY KEY, label text);"
                    + " INSERT INTO \"tb o'|\" VALUES (1, 'a b', 1), (2, 'ab', 2), (3, 'x\\y', 3); INSERT INTO tb_c VALUES ('x/y', 'slash')");
            exec(c, "CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, name text NOT NULL); CREATE TABLE tb_post (pk_post int PRIMARY KEY, tag_ids int[] NOT NULL, body text);"
                    + " INSERT INTO tb_tag SELECT g, 'tag' || g FROM generate_series(1, 60) g;"
                    + " INSERT INTO tb_post SELECT g, ARRAY[1, (g % 50) + 2], CASE WHEN g % 2 = 0 THEN '<a/>' ELSE '<a/><b/>' END FROM generate_series(1, 5000) g;"
                    + " CREATE INDEX ON tb_post USING gin (tag_ids); ANALYZE tb_post");
            String k = "SELECT regexp_replace(o.code, '\\s+', '', 'g') AS pk_k, sum(o.v) AS s, count(*) AS n FROM a44.\"tb o'|\" o GROUP BY 1";
            String j = "SELECT o.pk AS pk_j, c.label FROM a44.\"tb o'|\" o LEFT JOIN a44.tb_c c ON c.name = replace(o.code, '\\', '/')";
            String post = "SELECT p.pk_post, (SELECT string_agg(t.name, ',' ORDER BY t.pk_tag) FROM a44.tb_tag t WHERE t.pk_tag = ANY(p.tag_ids)) AS tags,"
                    + " xml_is_well_formed(p.body) AS wf, quote_ident(p.body) AS qi FROM a44.tb_post p";
            String tag = "SELECT t.pk_tag, format('%I.%I', 'a44', t.name) AS fq FROM a44.tb_tag t";
            exec(c, "SELECT pg_tviews_create('a44.tv_k', $q$" + k + "$q$)");
            exec(c, "SELECT pg_tviews_create('a44.tv_j', $q$" + j + "$q$)");
            exec(c, "SELECT pg_tviews_create('a44.tv_post', $q$" + post + "$q$)");
            exec(c, "SELECT pg_tviews_create('a44.tv_tag', $q$" + tag + "$q$)");
            String made = "SELECT t.pk_tag AS pk_made, t.name FROM a44.tb_tag t";
            exec(w, "SET quote_all_identifiers = on");      // a create in such a session (0.3.21: 42501)
            exec(w, "SELECT pg_tviews_create('a44.tv_made', $q$" + made + "$q$)");
            exec(w, "RESET quote_all_identifiers");
            exec(w, "SET standard_conforming_strings = off; SET gin_fuzzy_search_limit = 3; SET xmloption = document; SET quote_all_identifiers = on");
            exec(w, "UPDATE a44.\"tb o'|\" SET v = v + 10 WHERE pk = 1; INSERT INTO a44.\"tb o'|\" VALUES (4, 'a  b', 4)");
            exec(w, "UPDATE a44.\"tb o'|\" SET v = v + 1 WHERE pk = 3");    // 0.3.21: 42601 from the generated code
            exec(w, "UPDATE a44.tb_tag SET name = 'renamed' WHERE pk_tag = 7");    // 100 posts carry tag 7
            exec(w, "UPDATE a44.tb_post SET body = 'plain' WHERE pk_post = 4");
            assertThat(Rt.driftAgainst(c, "a44.tv_k", k)).isZero();
            assertThat(Rt.driftAgainst(c, "a44.tv_j", j)).isZero();
            assertThat(Rt.driftAgainst(c, "a44.tv_post", post)).isZero();
            assertThat(Rt.driftAgainst(c, "a44.tv_tag", tag)).isZero();
            assertThat(Rt.driftAgainst(c, "a44.tv_made", made)).isZero();
            assertThat(value(c, "SELECT count(*) FROM a44.tv_post WHERE tags LIKE '%renamed%'")).isEqualTo(100L);
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a44") + " WHERE status = 'ERROR' AND component LIKE '%a44.%'")).isEqualTo(0L);
        }
    }

    /**
     * Hunt 8, findings 1, 4 and 5. A GIN index created after the TVIEW: the DDL event trigger regenerates its code with
     * gin_fuzzy_search_limit pinned (0.3.22 pinned it only for indexes there at creation: a writer's limit of 5 left
     * 2,995 of 3,000 rows stale), and where no event trigger watched, the health check says so. A session with
     * standard_conforming_strings = off: source DDL is followed and the health check, reinstall and create work (0.3.22's
     * own functions read their '\s' literals as 's': DDL not followed, create failed); a query holding a backslash is
     * refused there rather than read otherwise than the session would. A session with quote_all_identifiers = on: no
     * false "definition changed" ERROR.
     */
    @Test
    void theRuntimeReadsTheSameUnderAWritersSettingsAndFollowsGinIndexesCreatedLater(PgDatabase db) throws Exception {
        try (Connection c = db.connect(); Connection w = db.connect()) {
            exec(c, "CREATE SCHEMA a45; SET search_path = a45, public");
            exec(c, "CREATE TABLE \"tb d'|\" (id int PRIMARY KEY, tags text[]); CREATE TABLE tb_e (id int PRIMARY KEY, name text);"
                    + " INSERT INTO tb_e SELECT g, 't' || g FROM generate_series(1, 300) g;"
                    + " INSERT INTO \"tb d'|\" SELECT g, ARRAY['t' || (g % 300 + 1), 'common'] FROM generate_series(1, 3000) g");
            String dd = "SELECT d.id AS pk_dd, (SELECT string_agg(e.name, ',' ORDER BY e.id) FROM a45.tb_e e WHERE e.name = ANY(d.tags)) AS names FROM a45.\"tb d'|\" d";
            String ee = "SELECT d.id AS pk_ee, cardinality(d.tags) AS n FROM a45.\"tb d'|\" d";
            exec(c, "SELECT pg_tviews_create('a45.tv_dd', $q$" + dd + "$q$)");
            exec(c, "SELECT pg_tviews_create('a45.tv_ee', $q$" + ee + "$q$)");
            assertThat(value(c, "SELECT settings ? 'gin_fuzzy_search_limit' FROM pg_tview_meta WHERE entity = 'a45.dd'")).isEqualTo(false);
            exec(c, "CREATE INDEX \"tb d gin\" ON \"tb d'|\" USING gin (tags); ANALYZE \"tb d'|\"");
            assertThat(value(c, "SELECT settings->>'gin_fuzzy_search_limit' FROM pg_tview_meta WHERE entity = 'a45.dd'")).isEqualTo("0");
            exec(w, "SET gin_fuzzy_search_limit = 5; SET enable_seqscan = off; INSERT INTO a45.tb_e VALUES (1000, 'common'); RESET ALL");
            assertThat(Rt.driftAgainst(c, "a45.tv_dd", dd)).isZero();

            exec(c, "ALTER EVENT TRIGGER pg_tviews_ddl DISABLE");
            try {
                exec(c, "CREATE TABLE tb_f (id int PRIMARY KEY, tags int[]); INSERT INTO tb_f VALUES (1, '{1}')");
                String ff = "SELECT f.id AS pk_ff, (SELECT count(*) FROM a45.tb_e e WHERE e.id = ANY(f.tags)) AS n FROM a45.tb_f f";
                exec(c, "SELECT pg_tviews_create('a45.tv_ff', $q$" + ff + "$q$)");
                exec(c, "CREATE INDEX ON tb_f USING gin (tags)");
                assertThat(value(c, "SELECT message FROM pg_tviews_health_check('a45.ff') WHERE component = 'definition:a45.ff'"))
                        .asString().contains("gin_fuzzy_search_limit").contains("pg_tviews_reinstall_triggers");
            } finally {
                exec(c, "ALTER EVENT TRIGGER pg_tviews_ddl ENABLE");
            }
            exec(c, "SELECT pg_tviews_reinstall_triggers('a45.ff')");
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check('a45.ff') WHERE status = 'ERROR'")).isEqualTo(0L);

            exec(w, "SET standard_conforming_strings = off; SET quote_all_identifiers = on; SET escape_string_warning = off");
            exec(w, "ALTER TABLE a45.tb_e ADD COLUMN extra int");
            assertThat(value(w, "SELECT count(*) FROM " + Rt.healthOf("a45") + " WHERE status = 'ERROR' AND component LIKE '%a45.%'")).isEqualTo(0L);
            assertThat(value(w, "SELECT pg_tviews_reinstall_triggers('a45.dd')")).isEqualTo(1);
            exec(w, "SELECT pg_tviews_create('a45.tv_bs', 'SELECT e.id AS pk_bs, e.name ~ ''\\\\d'' AS d, e.name ~ ''\\\\\\\\d'' AS bd FROM a45.tb_e e')");
            exec(w, "UPDATE a45.tb_e SET name = 'x' || name WHERE id <= 3; INSERT INTO a45.\"tb d'|\" VALUES (5000, '{x1}')");
            // re-adopted from its table's comment (hunt 10: 0.3.23's first cut stored the typed text and read '\\d' as '\d')
            exec(w, "DELETE FROM pg_tviews_metadata WHERE entity_name = 'a45.bs'; RESET standard_conforming_strings");
            exec(w, "SELECT pg_tviews_convert_existing_table('a45.tv_bs')");
            exec(w, "RESET ALL");
            // the literals as that session reads them: '\d' matches a 'd', '\\d' a digit
            assertThat(value(c, "SELECT count(*) FILTER (WHERE d) || '/' || count(*) FILTER (WHERE bd) || '/' || count(*) FROM a45.tv_bs")).isEqualTo("0/300/301");
            assertThat(value(c, "SELECT count(*) FROM " + Rt.healthOf("a45") + " WHERE status = 'ERROR' AND component LIKE '%a45.%'")).isEqualTo(0L);
            assertThat(Rt.driftAgainst(c, "a45.tv_dd", dd)).isZero();
            assertThat(Rt.driftAgainst(c, "a45.tv_ee", ee)).isZero();
        }
    }

    /**
     * The twelfth round (each failing on 0.3.23): key expressions were stored as PostgreSQL printed them under the
     * session's DateStyle and IntervalStyle, then run under the TVIEW's pinned settings. A regeneration from a session with
     * DateStyle 'SQL, DMY' (source DDL the event trigger follows, a reinstall) stored '01/02/2000'::date, read as January 2,
     * and an IntervalStyle sql_standard session stored '-1 2:00:00', read as -1 day +2 hours: rows moved between buckets
     * were left stale, and the health check flipped with the session that ran it. And pg_tviews_create filled the TVIEW
     * under the session's gin_fuzzy_search_limit (a count of 5 instead of 600 over a GIN-indexed array).
     */
    @Test
    void definitionsArePrintedInFormsThatReadTheSameUnderAnySessionsSettings(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA a46; SET search_path = a46, public");
            exec(c, "CREATE TABLE \"tb e'v|\" (pk_ev int PRIMARY KEY, d date, t timestamptz, span interval);"
                    + " INSERT INTO \"tb e'v|\" SELECT g, date '2000-01-01' + g, timestamptz '2000-01-01 00:00+00' + g * interval '1 day', g * interval '-1 hour'"
                    + " FROM generate_series(1, 60) g");
            String byDay = "SELECT CASE WHEN e.d >= '2000-02-01' THEN 'new' ELSE 'old' END AS pk_day, count(*) AS n FROM a46.\"tb e'v|\" e GROUP BY 1";
            String bySpan = "SELECT CASE WHEN e.span <= '-1 day -02:00:00'::interval THEN 'long' ELSE 'short' END AS pk_span, count(*) AS n"
                    + " FROM a46.\"tb e'v|\" e GROUP BY 1";
            String byTime = "SELECT (e.t >= '2000-02-01 05:30:00+05:30') AS pk_time, count(*) AS n FROM a46.\"tb e'v|\" e GROUP BY 1";
            Oracle oracle = new Oracle(c).create("a46.tv_day", byDay).create("a46.tv_span", bySpan).create("a46.tv_time", byTime);
            // (a session JDBC cannot hold: the driver requires DateStyle ISO; psql as a user runs it)
            psqlAsDmySession(db, "ALTER TABLE a46.\"tb e'v|\" ADD COLUMN note text; SELECT pg_tviews_reinstall_triggers('a46.day')");
            String health = "SELECT string_agg(component, ', ') FROM " + Rt.healthOf("a46") + " WHERE status <> 'OK' AND component LIKE '%a46%'";
            assertThat(psqlAsDmySession(db, health)).isEmpty();
            assertThat(value(c, health)).isNull();
            assertThat(value(c, "SELECT string_agg(p->>'key_expr', ' ') FROM pg_tview_meta m, jsonb_array_elements(m.dependencies) d,"
                    + " jsonb_array_elements(d->'paths') p WHERE m.schema_name = 'a46'")).asString()
                    .contains("'2000-02-01'::date", "'-1 days -02:00:00'::interval", "'2000-02-01 00:00:00+00'::timestamp with time zone");
            oracle.run("UPDATE a46.\"tb e'v|\" SET d = '2000-01-05' WHERE pk_ev = 40", "UPDATE a46.\"tb e'v|\" SET span = interval '-1 hour' WHERE pk_ev = 50",
                    "UPDATE a46.\"tb e'v|\" SET t = timestamptz '2000-01-02 00:00+00' WHERE pk_ev = 45");
            psqlAsDmySession(db, "UPDATE a46.\"tb e'v|\" SET d = '01/01/2000', span = '-2 3:00:00', t = '31/01/2000 23:59:00' WHERE pk_ev = 1");
            oracle.check("a write from the DMY session");
            // the initial fill under the session's gin_fuzzy_search_limit
            exec(c, "CREATE TABLE tb_post (pk_post int PRIMARY KEY, tag_ids int[]); CREATE TABLE tb_tag (pk_tag int PRIMARY KEY);"
                    + " INSERT INTO tb_tag SELECT g FROM generate_series(1, 5) g;"
                    + " INSERT INTO tb_post SELECT g, ARRAY[1 + g % 5, 1 + (g + 1) % 5] FROM generate_series(1, 1500) g;"
                    + " CREATE INDEX ON tb_post USING gin (tag_ids); ANALYZE tb_post");
            String tags = "SELECT t.pk_tag, (SELECT count(*) FROM a46.tb_post p WHERE p.tag_ids @> ARRAY[t.pk_tag]) AS n FROM a46.tb_tag t";
            exec(c, "SET gin_fuzzy_search_limit = 5");
            exec(c, "SELECT pg_tviews_create('a46.tv_tag', " + Rt.literal(tags) + ")");
            exec(c, "RESET gin_fuzzy_search_limit");
            assertThat(value(c, "SELECT min(n) FROM a46.tv_tag")).isEqualTo(600L);
            assertThat(Rt.driftAgainst(c, "a46.tv_tag", tags)).isZero();
        }
    }

    /** Runs sql with psql in a session with DateStyle 'SQL, DMY', IntervalStyle sql_standard, India's time zone and
     * extra_float_digits 0; returns what the last statement printed (unaligned, tuples only). */
    private static String psqlAsDmySession(PgDatabase db, String sql) {
        dev.tviews.testkit.OsCommand.Result r = db.psql(List.of("-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c",
                "SET DateStyle = 'SQL, DMY'; SET IntervalStyle = sql_standard; SET TimeZone = 'Asia/Kolkata'; SET extra_float_digits = 0; " + sql));
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output().strip();
    }
}
