package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.assertNoDrift;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Creation, columns, indexes, lineage kinds, create_or_replace, drop and every bad-input error. */
@ExtendWith(PostgresExtension.class)
class CreateTest {

    @BeforeAll
    static void setUp(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            Rt.blog(c, "c1", 5, 20, 40);
        }
    }

    @Test
    void tableHasExactlyTheQueryColumnsKeyAndIndexes(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            assertThat(Rt.rows(c, "SELECT attname::text, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'c1.tv_user'::regclass AND attnum > 0 ORDER BY attnum"))
                    .containsExactly(List.of("pk_user", "integer"), List.of("id", "uuid"), List.of("name", "text"),
                            List.of("post_count", "bigint"), List.of("posts", "jsonb"));
            assertThat(value(c, "SELECT string_agg(a.attname, ',' ORDER BY a.attname) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = 'c1.tv_post'::regclass"))
                    .isEqualTo("fk_user,pk_post");
            assertThat(value(c, "SELECT bool_or(indisprimary) FROM pg_index WHERE indrelid = 'c1.tv_user'::regclass")).isEqualTo(true);
            assertThat(value(c, "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indrelid = 'c1.tv_user'::regclass AND a.attname = 'id'")).isEqualTo(1L);
            // lineage recorded per source
            assertThat(value(c, "SELECT string_agg((d->>'table') || ':' || (d->>'kind'), ',' ORDER BY d->>'table') FROM pg_tview_meta, jsonb_array_elements(dependencies) d WHERE entity = 'c1.post'"))
                    .isEqualTo("tb_comment:keyed,tb_post:keyed,tb_user:keyed");
            // each source's paths come from the query's own predicates: comments by their fk_post (= the key),
            // users through tb_post.fk_user (a hop into the source table, so posts of a user appear and disappear)
            assertThat(value(c, "SELECT d->'paths'->0->>'key' FROM pg_tview_meta, jsonb_array_elements(dependencies) d WHERE entity = 'c1.post' AND d->>'table' = 'tb_comment'"))
                    .isEqualTo("fk_post");
            assertThat(value(c, "SELECT (d->'paths'->0->'hops'->0->>'table') || '.' || (d->'paths'->0->'hops'->0->>'to') FROM pg_tview_meta, jsonb_array_elements(dependencies) d WHERE entity = 'c1.post' AND d->>'table' = 'tb_user'"))
                    .isEqualTo("tb_post.fk_user");
            assertThat(value(c, "SELECT dependent_on FROM pg_tviews_metadata WHERE entity = 'c1.user'")).isEqualTo("c1.post");
            // the refresh query uses the key index (predicate pushdown)
            String def = value(c, "SELECT qualified_definition FROM pg_tview_meta WHERE entity = 'c1.post'").toString();
            exec(c, "SET enable_seqscan = off");
            String plan = Rt.rows(c, "EXPLAIN SELECT * FROM (" + def + ") q WHERE q.pk_post = ANY('{1,2}'::int[])").toString();
            exec(c, "RESET enable_seqscan");
            assertThat(plan).contains("Index").contains("tb_post_pkey");
        }
    }

    @Test
    void nameFormsAndUnknownNames(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            for (String n : List.of("c1.post", "c1.tv_post", "tv_post")) {
                assertThat(value(c, "SELECT checked_rows FROM pg_tviews_check_consistency('" + n + "')")).isEqualTo(20L);
            }
            for (String sql : List.of("SELECT pg_tviews_refresh('nope')", "SELECT * FROM pg_tviews_check_consistency('tv_nope')",
                    "SELECT pg_tviews_drop('c1.tv_nope')", "SELECT pg_tviews_repair('x.y')")) {
                assertThat(Rt.sqlState(c, sql)).as(sql).isEqualTo("42704");
            }
            // if_exists: an unknown name is not an error, and nothing is dropped or audited
            String before = Rt.fingerprint(c);
            Object audits = value(c, "SELECT count(*) FROM pg_tview_audit_log");
            exec(c, "SELECT pg_tviews_drop('c1.tv_nope', if_exists => true)");
            assertThat(Rt.fingerprint(c)).isEqualTo(before);
            assertThat(value(c, "SELECT count(*) FROM pg_tview_audit_log")).isEqualTo(audits);
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_drop('c1.tv_nope', if_exists => false)")).isEqualTo("42704");
        }
    }

    @Test
    void badInputRaisesAClearErrorAndChangesNothing(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "SET search_path = c1, public");
            exec(c, "CREATE TABLE tb_dup (pk_dup int, v text); INSERT INTO tb_dup VALUES (1, 'a'), (1, 'b'), (2, 'c')");
            exec(c, "CREATE TABLE tv_plain (x int)");
            exec(c, "CREATE TABLE tb_loose (pk_loose int PRIMARY KEY, v text)");
            exec(c, "CREATE TABLE tb_other (code text, label text)");
            String before = Rt.fingerprint(c);
            assertError(c, "SELECT pg_tviews_create('c1.tv_bad', 'SELEC pk_bad FROM tb_dup')", "42601", "syntax error");
            assertError(c, "SELECT pg_tviews_create('c1.tv_bad', 'SELECT v FROM tb_dup')", "42703", "no key column \"pk_bad\"");
            assertError(c, "SELECT pg_tviews_create('c1.tv_dup', 'SELECT pk_dup, v FROM tb_dup')", "23505", "duplicate key value 1");
            assertError(c, "SELECT pg_tviews_create('c1.tv_dup', 'SELECT NULL::int AS pk_dup')", "23502", "NULL");
            assertError(c, "SELECT pg_tviews_create('c1.tv_plain', 'SELECT pk_dup AS pk_plain FROM tb_dup')", "42P07", "not a TVIEW");
            assertError(c, "SELECT pg_tviews_create('c1.tv_post', 'SELECT 1 AS pk_post')", "42710", "already exists");
            assertError(c, "SELECT pg_tviews_create('c1.tv_typo', 'SELECT pk_loose AS k FROM tb_loose', '{\"keyz\": \"k\"}')", "22023", "unknown option \"keyz\"");
            assertError(c, "SELECT pg_tviews_create_or_replace('c1.tv_post', 'SELECT 1 AS pk_post', '{\"refresh\": \"commit\", \"fill_factor\": 50}')",
                    "22023", "unknown option \"fill_factor\"");
            assertError(c, "SELECT pg_tviews_create('c1.tv_json', 'SELECT json_build_object(''k'', l.pk_loose) AS pk_json FROM tb_loose l')",
                    "0A000", "of type json, which has no equality operator");
            assertError(c, "SELECT pg_tviews_create('c1.tv_', 'SELECT l.pk_loose AS pk_ FROM tb_loose l')", "42602", "entity name is empty");
            assertError(c, "SELECT pg_tviews_create('c1.tv_loose', 'SELECT l.pk_loose, (SELECT max(label) FROM tb_other o WHERE o.code > l.v) AS x FROM tb_loose l')",
                    "0A000", "tb_other");
            assertError(c, "SELECT pg_tviews_create_or_replace('c1.tv_post', $q$SELECT p.pk_post, p.fk_user, u.name AS data FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user JOIN tv_user x ON x.pk_user = u.pk_user$q$)",
                    "42P17", "tv_post -> tv_user -> tv_post");
            assertThat(Rt.fingerprint(c)).isEqualTo(before);
            assertNoDrift(c, "c1.post", "c1.user");
            // two tables whose schema and name join into one entity (c1.x.y): the second is refused naming the first
            // (0.3.21 said "already exists" of a table that did not)
            exec(c, "CREATE SCHEMA \"c1.x\"; SELECT pg_tviews_create('c1.\"tv_x.y\"', 'SELECT l.pk_loose AS k FROM c1.tb_loose l', '{\"key\": \"k\"}')");
            assertError(c, "SELECT pg_tviews_create_or_replace('\"c1.x\".tv_y', 'SELECT l.pk_loose AS k FROM c1.tb_loose l', '{\"key\": \"k\"}')",
                    "42710", "would be entity 'c1.x.y', which TVIEW c1.\"tv_x.y\" already is");
            assertThat(value(c, "SELECT to_regclass('\"c1.x\".tv_y')")).isNull();
        }
    }

    /**
     * Names at PostgreSQL's 63-byte limit: two TVIEWs whose names differ only in their last character are kept apart, no
     * NOTICE about a cut identifier reaches the session, and one byte more is refused rather than cut onto the other.
     */
    @Test
    void namesOfSixtyThreeBytesAreKeptApartAndLongerOnesRefused(PgDatabase db) throws Exception {
        // 62 bytes, of which the first 40 (the part generated names keep) end at a character boundary
        String stem = "tv_x" + "é".repeat(18) + "é".repeat(9) + "z'|\"";
        String first = stem + "1", second = stem + "2", src = "c1." + Rt.quote("tb " + "ü".repeat(30));
        try (Connection c = db.connect(); java.sql.Statement st = c.createStatement()) {
            exec(c, "CREATE TABLE " + src + " (pk_row int PRIMARY KEY, fk_row int, name text)");
            exec(c, "INSERT INTO " + src + " SELECT g, g % 3, 'n' || g FROM generate_series(1, 6) g");
            for (String tv : List.of(first, second)) {
                st.execute("SELECT pg_tviews_create(" + Rt.literal("c1." + Rt.quote(tv)) + ", " + Rt.literal("SELECT s.pk_row AS k, s.name || "
                        + Rt.literal(tv.substring(tv.length() - 1)) + " AS name, (SELECT count(*) FROM " + src
                        + " x WHERE x.fk_row = s.pk_row) AS n FROM " + src + " s") + ", '{\"key\": \"k\"}')");
                assertThat((Object) st.getWarnings()).as("NOTICEs of " + tv).isNull();
            }
            String before = Rt.fingerprint(c);
            String tooLong = Rt.literal("c1." + Rt.quote(first + "x"));
            assertError(c, "SELECT pg_tviews_create(" + tooLong + ", 'SELECT 1 AS k', '{\"key\": \"k\"}')", "42622", "too long");
            assertError(c, "SELECT pg_tviews_drop(" + tooLong + ")", "42622", "too long");
            assertThat(Rt.fingerprint(c)).isEqualTo(before);
            exec(c, "UPDATE " + src + " SET fk_row = 1, name = 'moved' WHERE pk_row = 5");
            assertKeptApart(c, first, second);
            exec(c, "SELECT pg_tviews_drop(" + Rt.literal("c1." + Rt.quote(first)) + ")");
            exec(c, "INSERT INTO " + src + " VALUES (7, 1, 'new')");
            assertKeptApart(c, second);
            assertThat(value(c, "SELECT name FROM c1." + Rt.quote(second) + " WHERE k = 7")).isEqualTo("new2");
            exec(c, "SELECT pg_tviews_drop(" + Rt.literal("c1." + Rt.quote(second)) + ")");
        }
    }

    private static void assertKeptApart(Connection c, String... tables) throws SQLException {
        for (String tv : tables) {
            assertThat(Rt.drift(c, tv)).as(tv).isZero();
            assertThat(value(c, "SELECT missing + extra + different FROM pg_tviews_check_consistency("
                    + Rt.literal("c1." + Rt.quote(tv)) + ")")).as(tv).isEqualTo(0L);
        }
    }

    private static void assertError(Connection c, String sql, String state, String text) {
        assertThatThrownBy(() -> exec(c, sql)).isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo(state);
            assertThat(e.getMessage()).contains(text);
        });
    }

    @Test
    void lineageKindsIncludingForeignKeysAndFullRefresh(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA c2; SET search_path = c2, public");
            exec(c, "CREATE TABLE tb_author (author_no int PRIMARY KEY, name text)");
            exec(c, "CREATE TABLE tb_book (pk_book int PRIMARY KEY, writer int REFERENCES tb_author, title text)");
            exec(c, "CREATE TABLE tb_review (rid int PRIMARY KEY, book int REFERENCES tb_book, stars int)");
            exec(c, "CREATE TABLE tb_setting (k text PRIMARY KEY, v text)");
            exec(c, "INSERT INTO tb_author VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_book VALUES (1, 1, 'x'), (2, 2, 'y'), (3, 1, 'z');"
                    + " INSERT INTO tb_review VALUES (1, 1, 5), (2, 1, 3), (3, 2, 4); INSERT INTO tb_setting VALUES ('suffix', '!')");
            exec(c, "SELECT pg_tviews_create('c2.tv_book', $q$SELECT b.pk_book, b.writer, a.name || (SELECT v FROM tb_setting WHERE k = 'suffix') AS author,"
                    + " (SELECT avg(r.stars) FROM tb_review r WHERE r.book = b.pk_book) AS stars FROM tb_book b JOIN tb_author a ON a.author_no = b.writer$q$,"
                    + " '{\"uncascaded_policy\": \"full_refresh\"}')");
            assertThat(value(c, "SELECT string_agg((d->>'table') || ':' || (d->>'kind') || ':' || (d->>'lineage'), ',' ORDER BY d->>'table') FROM pg_tview_meta, jsonb_array_elements(dependencies) d WHERE entity = 'c2.book'"))
                    .isEqualTo("tb_author:keyed:query,tb_book:keyed:query,tb_review:keyed:query,tb_setting:full:uncorrelated");
            exec(c, "UPDATE tb_author SET name = 'A' WHERE author_no = 1");
            exec(c, "INSERT INTO tb_review VALUES (4, 3, 1)");
            exec(c, "UPDATE tb_review SET book = 3 WHERE rid = 1");
            exec(c, "UPDATE tb_setting SET v = '?'");
            assertNoDrift(c, "c2.book");
        }
    }

    @Test
    void createOrReplaceResultsAndDrop(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA c3; SET search_path = c3, public");
            exec(c, "CREATE TABLE tb_thing (pk_thing int PRIMARY KEY, name text, price numeric)");
            exec(c, "INSERT INTO tb_thing SELECT g, 'n' || g, g FROM generate_series(1, 10) g");
            String q1 = "SELECT pk_thing, name FROM tb_thing";
            String q2 = "SELECT pk_thing, name, price FROM tb_thing";
            assertThat(value(c, "SELECT pg_tviews_create_or_replace('c3.tv_thing', '" + q1 + "')")).isEqualTo("created");
            assertThat(value(c, "SELECT pg_tviews_create_or_replace('c3.tv_thing', '" + q1 + "')")).isEqualTo("unchanged");
            assertThat(value(c, "SELECT pg_tviews_create_or_replace('c3.tv_thing', '" + q1 + "', '{\"refresh\": \"statement\"}')")).isEqualTo("altered");
            exec(c, "SELECT pg_tviews_create('c3.tv_summary', 'SELECT 1 AS pk_summary, count(*) AS n FROM tv_thing', '{\"uncascaded_policy\": \"full_refresh\"}')");
            assertThat(value(c, "SELECT pg_tviews_create_or_replace('c3.tv_thing', '" + q2 + "')")).isEqualTo("rebuilt");
            assertThat(value(c, "SELECT count(*) FROM pg_attribute WHERE attrelid = 'c3.tv_thing'::regclass AND attname = 'price'")).isEqualTo(1L);
            exec(c, "INSERT INTO tb_thing VALUES (11, 'n11', 11)");
            assertNoDrift(c, "c3.thing", "c3.summary");
            assertThat(value(c, "SELECT string_agg(operation, ',' ORDER BY log_id) FROM pg_tview_audit_log WHERE entity = 'c3.thing'"))
                    .isEqualTo("CREATE,ALTER,REBUILD");
            assertThat(Rt.sqlState(c, "SELECT pg_tviews_drop('c3.thing')")).isEqualTo("2BP01");
            exec(c, "SELECT pg_tviews_drop('c3.thing', cascade => true)");
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta WHERE entity LIKE 'c3.%'")).isEqualTo(0L);
            assertThat(value(c, "SELECT count(*) FROM pg_tview_helpers WHERE entity LIKE 'c3.%'")).isEqualTo(0L);
            assertThat(value(c, "SELECT to_regclass('c3.tv_thing') IS NULL")).isEqualTo(true);
            assertThat(value(c, "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'c3.tb_thing'::regclass")).isEqualTo(0L);
            // (nor a function: the owner's statement runner too, which 0.3.29 left behind; hunt 28)
            assertThat(value(c, "SELECT string_agg(p.proname, ',') FROM pg_proc p WHERE p.pronamespace = 'c3'::regnamespace")).isNull();
            assertThat(value(c, "SELECT count(*) FROM tb_thing")).isEqualTo(11L);
            assertThat(value(c, "SELECT string_agg(operation, ',' ORDER BY log_id) FROM pg_tview_audit_log WHERE entity LIKE 'c3.%' AND operation = 'DROP'"))
                    .isEqualTo("DROP,DROP");
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
            // one left by an earlier version is reported
            exec(c, "CREATE FUNCTION c3.pg_tviews_tv_thing_00000000_ex(q text) RETURNS jsonb LANGUAGE sql SECURITY DEFINER AS 'SELECT NULL::jsonb'");
            assertThat(value(c, "SELECT message FROM pg_tviews_health_check() WHERE component = 'orphans'")).asString()
                    .contains("orphaned: function c3.pg_tviews_tv_thing_00000000_ex");
            exec(c, "DROP FUNCTION c3.pg_tviews_tv_thing_00000000_ex(text)");
        }
    }
}
