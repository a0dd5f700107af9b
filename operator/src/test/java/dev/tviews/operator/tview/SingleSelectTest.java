package dev.tviews.operator.tview;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Hostile and harmless query texts against the single-SELECT check (what PostgreSQL's lexer would split on). */
class SingleSelectTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 1::bigint AS pk_x",
            "select p.id AS pk_post, p.title FROM tb_post p",
            "  -- leading comment\n  SELECT 1 AS pk_x /* trailing; comment */",
            "WITH a AS (SELECT 1 AS id) SELECT id AS pk_x FROM a",
            "WITH a AS MATERIALIZED (SELECT 1 AS id) SELECT id AS pk_x FROM a",
            "(SELECT 1 AS pk_x) UNION ALL (SELECT 2)",
            "SELECT ';' AS pk_x",
            "SELECT 'it''s; DROP TABLE x' AS pk_x",
            "SELECT E'\\'; DROP TABLE x; --' AS pk_x",
            "SELECT e'a\\\\' || ';' AS pk_x",
            "SELECT $$; DROP TABLE x;$$ AS pk_x",
            "SELECT $body$ $$; DELETE FROM x; $$ $body$ AS pk_x",
            "SELECT $a$ $b$ ; $b$ $a$ AS pk_x",
            "SELECT \"weird;\"\"name\" AS pk_x FROM t",
            "SELECT 1 AS pk_x -- ; DROP TABLE x",
            "SELECT 1 AS pk_x /* /* nested ; */ still comment; */",
            "SELECT t.delete, t.update, t.insert AS pk_x FROM t",
            "SELECT \"delete\" AS pk_x, \"into\" FROM t",
            "SELECT substring(s FOR 3) AS pk_x FROM t",
            "SELECT a$b$ AS pk_x FROM t",
            "SELECT x'1F', b'0101' AS pk_x",
            "SELECT 'a\\d+' ~ 'x' AS pk_x",
            "SELECT 1 AS pk_x\nFROM t\nWHERE t.name = 'x;y'\n",
            "SELECT U&'d\\0061t\\+000061;' AS pk_x"})
    void oneSelectPasses(String query) {
        assertThat(SingleSelect.problem(query)).as(query).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "SELECT 1; DROP TABLE x",
            "SELECT 1::bigint AS pk_x; CREATE TABLE injected(x int)",
            "SELECT 1 AS pk_x;",
            "SELECT 1 AS pk_x ; -- trailing",
            "SELECT ';'; DROP TABLE x",
            "SELECT $$;$$; DROP TABLE x",
            "SELECT $a$ $b$ $a$; DROP TABLE x; SELECT $b$",
            "SELECT \"a\"; DROP TABLE x",
            "SELECT 1 /* a */; DROP TABLE x",
            "SELECT 1 /* /* */ ; */ ; DROP TABLE x",
            "SELECT x$a$;DROP TABLE x;SELECT $a$ AS pk_x",
            "SELECT 1a$b$;DROP TABLE x;SELECT $b$$b$",
            "SELECT 'a\\''; DROP TABLE x; --'",
            "SELECT 'x\\'' ; DROP TABLE t; --'",
            "SELECT E'\\''; DROP TABLE x; --'",
            "SELECT B'\\'; DROP TABLE t; --'",
            "SELECT x\u2003$a$;DROP TABLE x;$a$",
            "WITH x AS (DELETE FROM tb_post RETURNING id) SELECT id AS pk_x FROM x",
            "WITH x AS (INSERT INTO t VALUES (1) RETURNING id) SELECT id AS pk_x FROM x",
            "WITH x AS (update t SET a = 1 RETURNING id) SELECT id AS pk_x FROM x",
            "WITH x AS MATERIALIZED (/* c */ DELETE FROM t RETURNING id) SELECT id AS pk_x FROM x",
            "WITH x AS (MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE RETURNING t.id) SELECT id AS pk_x FROM x",
            "SELECT 1 AS pk_x INTO new_table",
            "SELECT * INTO TEMP t FROM s",
            "SELECT id AS pk_x FROM t FOR UPDATE",
            "SELECT id AS pk_x FROM t FOR NO KEY UPDATE",
            "SELECT id AS pk_x FROM t FOR SHARE",
            "SELECT id AS pk_x FROM t FOR KEY SHARE",
            "DELETE FROM t",
            "INSERT INTO t SELECT 1",
            "TABLE t",
            "VALUES (1)",
            "CREATE TABLE t AS SELECT 1",
            "",
            "   ",
            "-- only a comment",
            "SELECT 'unterminated",
            "SELECT $$unterminated",
            "SELECT 1 /* unterminated",
            "SELECT \"unterminated"})
    void anythingElseFails(String query) {
        assertThat(SingleSelect.problem(query)).as(query).isPresent();
    }

    @Test
    void theMessageSaysWhatAndWhere() {
        assertThat(SingleSelect.problem("SELECT 1 AS pk_x; DROP TABLE x")).hasValueSatisfying(m -> assertThat(m)
                .contains("not exactly one SELECT").contains("';' at position 17"));
        assertThat(SingleSelect.problem("WITH d AS (DELETE FROM t RETURNING 1) SELECT 1")).hasValueSatisfying(m ->
                assertThat(m).contains("'DELETE' at position 12").contains("data-modifying"));
        assertThat(SingleSelect.problem("SELECT 1 INTO t")).hasValueSatisfying(m -> assertThat(m).contains("INTO"));
        assertThat(SingleSelect.problem("SELECT 'x\\'' ; DROP TABLE t; --'")).hasValueSatisfying(m ->
                assertThat(m).contains("standard_conforming_strings off"));
    }
}
