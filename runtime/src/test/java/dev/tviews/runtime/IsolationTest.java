package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Interleavings written out step by step (no timing): REPEATABLE READ / SERIALIZABLE writers get 40001 on
 * every path instead of a stale row, READ COMMITTED writers never leave one, and a TVIEW created while a
 * writer has an uncommitted insert contains that row.
 */
@ExtendWith(PostgresExtension.class)
class IsolationTest {

    @BeforeAll
    static void install(PgDatabase db) {
        Rt.install(db);
    }

    /** Runs the two transactions' statements in the given interleaving; returns the SQLSTATE each ended with (null = committed). */
    static List<String> interleave(Connection a, Connection b, String isolation, String[] first, String[] second) throws Exception {
        for (Connection c : List.of(a, b)) {
            exec(c, "BEGIN ISOLATION LEVEL " + isolation);
            exec(c, "SELECT 1");                            // take the snapshot now
        }
        // the outcome does not depend on whether b's statements run before or after a commits: b's snapshot
        // was taken before a's commit either way
        String aState = runAll(a, first);
        CompletableFuture<String> bDone = CompletableFuture.supplyAsync(() -> runAll(b, second));
        String aEnd = commit(a, aState);
        String bEnd = commit(b, bDone.get(60, TimeUnit.SECONDS));
        return Arrays.asList(aEnd, bEnd);
    }

    private static String runAll(Connection c, String[] statements) {
        for (String sql : statements) {
            String s = Rt.sqlState(c, sql);
            if (s != null) {
                return s;
            }
        }
        return null;
    }

    private static String commit(Connection c, String state) throws SQLException {
        if (state != null) {
            exec(c, "ROLLBACK");
            return state;
        }
        return Rt.sqlState(c, "COMMIT");
    }

    @Test
    void repeatableReadWritersThroughTheFullRefreshPathGetASerializationFailure(PgDatabase db) throws Exception {
        String q = "SELECT a.pk_a, a.v FROM tb_a a WHERE a.flag AND (SELECT s.enabled FROM tb_setting s WHERE s.k = 'on')";
        for (String isolation : List.of("REPEATABLE READ", "SERIALIZABLE")) {
            try (Connection setup = db.connect(); Connection a = db.connect(); Connection b = db.connect()) {
                String schema = "i1_" + isolation.charAt(0);
                exec(setup, "CREATE SCHEMA " + schema + "; SET search_path = " + schema + ", public");
                exec(setup, "CREATE TABLE tb_a (pk_a int PRIMARY KEY, v int, flag boolean); CREATE TABLE tb_setting (k text PRIMARY KEY, enabled boolean)");
                exec(setup, "INSERT INTO tb_a VALUES (1, 1, false), (2, 2, true); INSERT INTO tb_setting VALUES ('on', false)");
                exec(setup, "SELECT pg_tviews_create('" + schema + ".tv_a', $q$" + q + "$q$, '{\"uncascaded_policy\": \"full_refresh\"}')");
                for (Connection c : List.of(a, b)) {
                    exec(c, "SET search_path = " + schema + ", public");
                }
                // each change alone keeps row 1 out; both together make it appear. Whichever commits first, the
                // other must not commit a TVIEW computed without it.
                List<String> outcome = interleave(a, b, isolation,
                        new String[] {"UPDATE tb_setting SET enabled = true"}, new String[] {"UPDATE tb_a SET flag = true WHERE pk_a = 1"});
                assertThat(outcome).as(isolation).containsExactly(null, "40001");
                assertThat(Rt.driftAgainst(setup, "tv_a", q)).as(isolation).isZero();
                outcome = interleave(a, b, isolation,
                        new String[] {"UPDATE tb_a SET flag = false WHERE pk_a = 2"}, new String[] {"UPDATE tb_setting SET enabled = false"});
                assertThat(outcome).as(isolation).containsExactly(null, "40001");
                assertThat(Rt.driftAgainst(setup, "tv_a", q)).as(isolation).isZero();
            }
        }
    }

    @Test
    void repeatableReadParentAndChildWritersGetASerializationFailure(PgDatabase db) throws Exception {
        String q = "SELECT p.pk_post, p.title, u.name FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user";
        try (Connection setup = db.connect(); Connection a = db.connect(); Connection b = db.connect()) {
            exec(setup, "CREATE SCHEMA i2; SET search_path = i2, public");
            exec(setup, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE tb_post (pk_post int PRIMARY KEY, fk_user int, title text)");
            exec(setup, "INSERT INTO tb_user VALUES (1, 'a'), (2, 'b'); INSERT INTO tb_post VALUES (1, 1, 't')");
            exec(setup, "SELECT pg_tviews_create('i2.tv_post', $q$" + q + "$q$)");
            for (Connection c : List.of(a, b)) {
                exec(c, "SET search_path = i2, public");
            }
            List<String> outcome = interleave(a, b, "REPEATABLE READ",
                    new String[] {"UPDATE tb_user SET name = 'renamed' WHERE pk_user = 2"}, new String[] {"UPDATE tb_post SET fk_user = 2 WHERE pk_post = 1"});
            assertThat(outcome).containsExactly(null, "40001");
            assertThat(Rt.driftAgainst(setup, "tv_post", q)).isZero();
            // READ COMMITTED: both commit and the row is fresh (the later writer waits, then reads again)
            outcome = interleave(a, b, "READ COMMITTED",
                    new String[] {"UPDATE tb_user SET name = 'again' WHERE pk_user = 1"}, new String[] {"UPDATE tb_post SET fk_user = 1 WHERE pk_post = 1"});
            assertThat(outcome).containsExactly(null, null);
            assertThat(Rt.driftAgainst(setup, "tv_post", q)).isZero();
            assertThat(value(setup, "SELECT name FROM tv_post WHERE pk_post = 1")).isEqualTo("again");
        }
    }

    @Test
    void creatingATviewWhileAWriterHasAnUncommittedInsertKeepsTheRow(PgDatabase db) throws Exception {
        try (Connection setup = db.connect(); Connection writer = db.connect(); Connection creator = db.connect()) {
            exec(setup, "CREATE SCHEMA i3; CREATE TABLE i3.tb_x (pk_x int PRIMARY KEY, v text); INSERT INTO i3.tb_x VALUES (1, 'a')");
            exec(writer, "BEGIN");
            exec(writer, "INSERT INTO i3.tb_x VALUES (2, 'uncommitted')");
            CompletableFuture<String> create = CompletableFuture.supplyAsync(
                    () -> Rt.sqlState(creator, "SELECT pg_tviews_create('i3.tv_x', 'SELECT x.pk_x, x.v FROM i3.tb_x x')"));
            // the create waits for the writer (it locks the sources before the initial fill)
            long waiting = 0;
            for (int i = 0; i < 600 && waiting == 0; i++) {
                waiting = (Long) value(setup, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'i3.tb_x'::regclass");
                if (waiting == 0) {
                    Thread.onSpinWait();
                    Thread.sleep(50);                       // polling for the lock wait, not an assertion
                }
            }
            assertThat(waiting).isEqualTo(1L);
            exec(writer, "COMMIT");
            assertThat(create.get(60, TimeUnit.SECONDS)).isNull();
            assertThat(Rt.driftAgainst(setup, "i3.tv_x", "SELECT x.pk_x, x.v FROM i3.tb_x x")).isZero();
            assertThat(value(setup, "SELECT v FROM i3.tv_x WHERE pk_x = 2")).isEqualTo("uncommitted");
        }
    }
}
