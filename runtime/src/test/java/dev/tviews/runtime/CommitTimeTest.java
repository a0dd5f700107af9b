package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.assertNoDrift;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.sqlState;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Commit-time, coalesced maintenance: what the writer's statements queue is applied once per (TVIEW, key) at COMMIT
 * (or pg_tviews_flush()), TVIEWs in dependency order, keys locked in one global order.
 */
@ExtendWith(PostgresExtension.class)
class CommitTimeTest {

    @BeforeAll
    static void install(PgDatabase db) {
        Rt.install(db);
    }

    @Test
    void writersTouchingParentsInOppositeOrderBothCommit(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct1", 2, 10, 0);
        }
        CyclicBarrier barrier = new CyclicBarrier(2);
        CompletableFuture<Void> ab = CompletableFuture.runAsync(() -> twoParents(db, barrier, 1, 2, 101));
        CompletableFuture<Void> ba = CompletableFuture.runAsync(() -> twoParents(db, barrier, 2, 1, 201));
        ab.get(60, TimeUnit.SECONDS);   // a deadlock (40P01) fails one of them
        ba.get(60, TimeUnit.SECONDS);
        try (Connection c = db.connect()) {
            exec(c, "SET search_path = ct1, public");
            assertNoDrift(c, "ct1.post", "ct1.user");
            assertThat(value(c, "SELECT count(*) FROM tv_post WHERE pk_post IN (101, 102, 201, 202)")).isEqualTo(4L);
        }
    }

    /**
     * A breadcrumb (category, parent's name, grandparent's name) walks the hop tb_category.fk_parent at two distances
     * from the key. 0.3.7 locked the values a walk reached at the nearer distance in a second statement, after the
     * first statement had locked the start values: writers renaming categories 1 and 3, and category 2 (different
     * rows), each held one and waited for the other's (a deadlock at COMMIT in 3 runs out of 3 with the padding
     * below, which only widens the window). Each distance is now its own lock scope, locked once in one order.
     */
    @Test
    void aHopAtTwoDistancesFromTheKeyIsLockedInOneOrder(PgDatabase db) throws Exception {
        String query = "SELECT c.pk_category AS pk_bc, c.name, pc.name AS parent_name, gc.name AS grandparent_name FROM tb_category c"
                + " LEFT JOIN tb_category pc ON pc.pk_category = c.fk_parent LEFT JOIN tb_category gc ON gc.pk_category = pc.fk_parent";
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA ct20; SET search_path = ct20, public");
            exec(c, """
                    CREATE TABLE tb_category (pk_category int PRIMARY KEY, fk_parent int, name text);
                    CREATE INDEX ON tb_category (fk_parent);
                    INSERT INTO tb_category VALUES (1, NULL, 'a'), (2, 1, 'b'), (3, 2, 'c'), (4, 3, 'd');
                    INSERT INTO tb_category SELECT g, 1, 'pad' FROM generate_series(1000, 20999) g""");
            exec(c, "SELECT pg_tviews_create('ct20.tv_bc', $q$" + query + "$q$)");
        }
        for (int round = 0; round < 3; round++) {
            CyclicBarrier barrier = new CyclicBarrier(2);
            CompletableFuture<Void> a = CompletableFuture.runAsync(() -> rename(db, barrier, "1, 3", 0));
            CompletableFuture<Void> b = CompletableFuture.runAsync(() -> rename(db, barrier, "2", 30));
            a.get(120, TimeUnit.SECONDS);   // a deadlock (40P01) fails one of them
            b.get(120, TimeUnit.SECONDS);
        }
        try (Connection c = db.connect()) {
            exec(c, "SET search_path = ct20, public");
            assertThat(Rt.driftAgainst(c, "ct20.tv_bc", query)).isZero();
        }
    }

    private static void rename(PgDatabase db, CyclicBarrier barrier, String categories, long commitAfterMs) {
        try (Connection c = db.connect()) {
            exec(c, "SET search_path = ct20, public; SET deadlock_timeout = '100ms'");
            c.setAutoCommit(false);
            exec(c, "UPDATE tb_category SET name = name || '.' WHERE pk_category IN (" + categories + ")");
            barrier.await(60, TimeUnit.SECONDS);
            Thread.sleep(commitAfterMs);    // (orders the two COMMITs; correctness does not depend on it)
            c.commit();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Two statements: a post of parent {@code first}, then one of {@code second}; both sessions interleave statement by statement. */
    private static void twoParents(PgDatabase db, CyclicBarrier barrier, int first, int second, int post) {
        try (Connection c = db.connect()) {
            exec(c, "SET search_path = ct1, public; SET deadlock_timeout = '100ms'");
            c.setAutoCommit(false);
            exec(c, "INSERT INTO tb_post VALUES (" + post + ", " + first + ", 'a')");
            barrier.await(30, TimeUnit.SECONDS);
            exec(c, "INSERT INTO tb_post VALUES (" + (post + 1) + ", " + second + ", 'b')");
            barrier.await(30, TimeUnit.SECONDS);
            c.commit();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The runtime's session settings belong to the writer, who may set them to anything: forged before the first
     * statement, reset after the last one, the COMMIT still applies every queued change (the queue decides).
     */
    @Test
    void forgedOrResetSessionSettingsCannotSkipTheFlush(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct10", 3, 9, 3);
            String junk = "0000:00000000:" + java.util.HexFormat.of().formatHex("public.nope".getBytes()) + ";";
            c.setAutoCommit(false);
            exec(c, "SELECT set_config('pg_tviews.pending', '" + junk + "', true), set_config('pg_tviews.flushing', 'on', true),"
                    + " set_config('pg_tviews.suspended', '7', true), set_config('pg_tviews.reported', '" + junk + "', true)");
            exec(c, "UPDATE tb_user SET name = 'forged' WHERE pk_user = 1");
            exec(c, "UPDATE tb_comment SET body = 'forged' WHERE pk_comment = 2");
            exec(c, "INSERT INTO tb_post VALUES (50, 2, 'new', 1)");
            // every runtime setting, including the tokens of both TVIEWs it enlisted, reset before COMMIT
            exec(c, "SELECT set_config('pg_tviews.pending', '', true), set_config('pg_tviews.reported', '', true)");
            c.commit();
            c.setAutoCommit(true);
            assertNoDrift(c, "ct10.post", "ct10.user");
            assertThat(value(c, "SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 3")).isEqualTo("forged");
            assertThat(value(c, "SELECT post_count FROM tv_user WHERE pk_user = 2")).isEqualTo(4L);
            // and nothing stays queued
            List<List<Object>> queues = Rt.rows(c, "SELECT format('%I.%I', schema_name, on_table) FROM pg_tview_helpers"
                    + " WHERE entity LIKE 'ct10.%' AND kind = 'trigger' AND object_name LIKE '%\\_flush'");
            assertThat(queues).hasSize(2);
            for (List<Object> q : queues) {
                assertThat(value(c, "SELECT count(*) FROM " + q.get(0))).as(q.get(0).toString()).isEqualTo(0L);
            }
        }
    }

    /**
     * A statement that finds its TVIEW enlisted queues without a COMMIT-time event only when the queue proves one is
     * pending. The writer forges the registry with the real tokens of both TVIEWs before the first statement, and
     * again after rolling back the savepoint that held the only queued rows: both COMMITs still apply everything.
     */
    @Test
    void forgedTokensOfTheRealTviewsCannotSuppressTheCommitEvent(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct12", 3, 9, 3);
            c.setAutoCommit(false);
            exec(c, "UPDATE tb_user SET name = 'probe' WHERE pk_user = 1");
            String tokens = (String) value(c, "SELECT current_setting('pg_tviews.pending')");
            c.rollback();
            assertThat(tokens.split(";")).hasSize(2);
            String forge = "SELECT set_config('pg_tviews.pending', " + Rt.literal(tokens) + ", true)";

            exec(c, forge);
            exec(c, "UPDATE tb_user SET name = 'forged first' WHERE pk_user = 1");
            exec(c, "UPDATE tb_post SET title = 'forged first' WHERE pk_post = 3");
            c.commit();
            assertNoDrift(c, "ct12.post", "ct12.user");
            assertThat(value(c, "SELECT data->'author'->>'name' FROM tv_post WHERE pk_post = 3")).isEqualTo("forged first");

            exec(c, "SAVEPOINT s");
            exec(c, "UPDATE tb_user SET name = 'rolled back' WHERE pk_user = 2");
            exec(c, "ROLLBACK TO SAVEPOINT s");
            exec(c, forge);
            exec(c, "UPDATE tb_user SET name = 'after the savepoint' WHERE pk_user = 2");
            c.commit();
            c.setAutoCommit(true);
            assertNoDrift(c, "ct12.post", "ct12.user");
            assertThat(value(c, "SELECT name FROM tv_user WHERE pk_user = 2")).isEqualTo("after the savepoint");
        }
    }

    /** Many statements, and a many-row statement on a partitioned source (row triggers): one COMMIT event per TVIEW. */
    @Test
    void oneCommitEventPerTviewAndTransaction(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct13", 3, 9, 3);
            exec(c, "CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, fk_post int, label text) PARTITION BY HASH (pk_tag)");
            exec(c, "CREATE TABLE tb_tag_0 PARTITION OF tb_tag FOR VALUES WITH (MODULUS 2, REMAINDER 0)");
            exec(c, "CREATE TABLE tb_tag_1 PARTITION OF tb_tag FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
            exec(c, "SELECT pg_tviews_create('ct13.tv_tag', $q$SELECT t.pk_tag, t.fk_post, t.label FROM tb_tag t$q$, '{\"key\": \"pk_tag\"}')");
            c.setAutoCommit(false);
            for (int i = 0; i < 4; i++) {
                exec(c, "UPDATE tb_post SET title = 'edit " + i + "' WHERE pk_post = " + (3 + i));
                exec(c, "UPDATE tb_user SET name = 'renamed " + i + "' WHERE pk_user = " + (1 + i % 3));
            }
            exec(c, "INSERT INTO tb_tag SELECT g, 1, 'tag ' || g FROM generate_series(1, 50) g");
            exec(c, "SET CONSTRAINTS ALL IMMEDIATE");   // the COMMIT-time events fire now, inside the transaction
            // (one event per TVIEW, plus the first one's again, queued behind the transaction's other deferred events, which
            // flushes all three; the other two then find nothing left)
            assertThat(value(c, "SELECT sum(calls)::bigint FROM pg_stat_xact_user_functions WHERE schemaname = 'ct13' AND funcname LIKE '%\\_oc'"))
                    .isEqualTo(4L);
            c.commit();
            c.setAutoCommit(true);
            assertNoDrift(c, "ct13.post", "ct13.user", "ct13.tag");
        }
    }

    /**
     * The same under hostile conditions: a schema named with quotes, a space, a newline and a pipe; a partitioned
     * source (row triggers); a writer role with no privilege on the queue that forges the real token before its
     * first row, rolls back a savepoint and prepares the transaction, which another session commits.
     */
    @Test
    void forgedTokenInAHostileSchemaThroughTwoPhaseCommitStillFlushes(PgDatabase db) throws Exception {
        String name = "ct14 \"q\" 'x'\n|";
        String schema = Rt.quote(name);
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA " + schema + "; CREATE TABLE " + schema + ".tb_tag (pk_tag int PRIMARY KEY, label text) PARTITION BY HASH (pk_tag)");
            exec(c, "CREATE TABLE " + schema + ".tb_tag_0 PARTITION OF " + schema + ".tb_tag FOR VALUES WITH (MODULUS 2, REMAINDER 0)");
            exec(c, "CREATE TABLE " + schema + ".tb_tag_1 PARTITION OF " + schema + ".tb_tag FOR VALUES WITH (MODULUS 2, REMAINDER 1)");
            exec(c, "INSERT INTO " + schema + ".tb_tag SELECT g, 'tag ' || g FROM generate_series(1, 10) g");
            exec(c, "SELECT pg_tviews_create(" + Rt.literal(schema + ".tv_tag") + ", " + Rt.literal("SELECT t.pk_tag, t.label FROM " + schema + ".tb_tag t") + ")");
            exec(c, "DROP ROLE IF EXISTS ct14_writer; CREATE ROLE ct14_writer LOGIN PASSWORD 'pw'");
            exec(c, "GRANT USAGE ON SCHEMA " + schema + " TO ct14_writer; GRANT SELECT, INSERT, UPDATE ON " + schema + ".tb_tag TO ct14_writer");
        }
        java.util.Properties login = new java.util.Properties();
        login.setProperty("user", "ct14_writer");
        login.setProperty("password", "pw");
        try (Connection writer = java.sql.DriverManager.getConnection(db.jdbcUrl(), login); Connection c = db.connect()) {
            writer.setAutoCommit(false);
            exec(writer, "UPDATE " + schema + ".tb_tag SET label = 'probe' WHERE pk_tag = 1");
            String token = (String) value(writer, "SELECT current_setting('pg_tviews.pending')");
            writer.rollback();
            String queue = (String) value(c, "SELECT format('%I.%I', schema_name, on_table) FROM pg_tview_helpers"
                    + " WHERE schema_name = " + Rt.literal(name) + " AND kind = 'trigger' AND object_name LIKE '%\\_flush'");
            assertThat(sqlState(writer, "SELECT count(*) FROM " + queue)).isEqualTo("42501");
            writer.rollback();

            exec(writer, "SELECT set_config('pg_tviews.pending', " + Rt.literal(token) + ", true)");
            exec(writer, "SAVEPOINT s");
            exec(writer, "INSERT INTO " + schema + ".tb_tag SELECT g, 'rolled back' FROM generate_series(11, 20) g");
            exec(writer, "ROLLBACK TO SAVEPOINT s");
            exec(writer, "INSERT INTO " + schema + ".tb_tag SELECT g, 'kept ' || g FROM generate_series(21, 40) g");
            exec(writer, "UPDATE " + schema + ".tb_tag SET label = 'forged' WHERE pk_tag <= 5");
            exec(writer, "PREPARE TRANSACTION 'ct14_forged'");
            writer.setAutoCommit(true);
            exec(c, "COMMIT PREPARED 'ct14_forged'");
            assertNoDrift(c, value(c, "SELECT entity FROM pg_tview_meta WHERE schema_name = " + Rt.literal(name)).toString());
            assertThat(value(c, "SELECT count(*) FROM " + schema + ".tv_tag WHERE label = 'forged' OR label LIKE 'kept %'")).isEqualTo(25L);
            assertThat(value(c, "SELECT count(*) FROM " + queue)).isEqualTo(0L);
        }
    }

    @Test
    void aKeyTouchedByManyStatementsIsRecomputedOnce(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct2", 3, 9, 0);
            c.setAutoCommit(false);
            for (int i = 0; i < 5; i++) {
                exec(c, "UPDATE tb_post SET title = 'edit " + i + "' WHERE pk_post = 3");   // post 3 belongs to user 1
                exec(c, "UPDATE tb_user SET name = 'renamed " + i + "' WHERE pk_user = 1");
            }
            assertThat(value(c, "SELECT name FROM tv_user WHERE pk_user = 1")).isEqualTo("user 1");   // nothing applied yet
            exec(c, "SELECT pg_tviews_flush()");
            // one new version of each affected row, whatever the number of statements that touched it
            assertThat(value(c, "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = 'ct2.tv_user'::regclass")).isEqualTo(1L);
            assertThat(value(c, "SELECT name FROM tv_user WHERE pk_user = 1")).isEqualTo("renamed 4");
            c.commit();
            assertNoDrift(c, "ct2.post", "ct2.user");
        }
    }

    @Test
    void diamondLaddersCostLinearTime(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            long four = diamondCalls(c, "ct3a", 4);
            long six = diamondCalls(c, "ct3b", 6);
            long eight = diamondCalls(c, "ct3c", 8);
            // linear: every two levels add the same work (per-statement maintenance multiplied it by ~4 each time)
            assertThat(eight - six).isBetween(six - four - 2, six - four + 2);
        }
    }

    /** Levels of two TVIEWs that each read both TVIEWs below; returns the maintenance function calls of one base update. */
    private static long diamondCalls(Connection c, String schema, int levels) throws SQLException {
        exec(c, "CREATE SCHEMA " + schema + "; SET search_path = " + schema + ", public");
        exec(c, "CREATE TABLE tb_base (pk int PRIMARY KEY, v int); INSERT INTO tb_base SELECT g, g FROM generate_series(1, 10) g");
        String below = "tb_base";
        String belowB = "tb_base";
        for (int l = 1; l <= levels; l++) {
            for (String side : List.of("a", "b")) {
                exec(c, "SELECT pg_tviews_create('" + schema + ".tv_l" + l + side + "', $q$SELECT x.pk, x.v + y.v AS v FROM "
                        + below + " x JOIN " + belowB + " y ON y.pk = x.pk$q$, '{\"key\": \"pk\"}')");
            }
            below = "tv_l" + l + "a";
            belowB = "tv_l" + l + "b";
        }
        c.setAutoCommit(false);
        exec(c, "UPDATE tb_base SET v = v + 1 WHERE pk = 1");
        exec(c, "SELECT pg_tviews_flush()");
        // maintenance functions only: the owner-exec functions (_ex) run at create, and a backend reports its function
        // statistics late, so calls of earlier transactions can still show in this one's
        long calls = ((Number) value(c, "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions WHERE schemaname = '"
                + schema + "' AND funcname NOT LIKE '%\\_ex'")).longValue();
        c.commit();
        c.setAutoCommit(true);
        assertThat(Rt.driftAgainst(c, schema + ".tv_l" + levels + "a",
                "SELECT x.pk, x.v + y.v AS v FROM " + schema + ".tv_l" + (levels - 1) + "a x JOIN " + schema + ".tv_l" + (levels - 1)
                        + "b y ON y.pk = x.pk")).isZero();
        return calls;
    }

    @Test
    void rolesWithoutWriteAccessCannotBlockMaintenance(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct4", 3, 9, 9);
            exec(c, "DROP ROLE IF EXISTS ct4_outsider; CREATE ROLE ct4_outsider LOGIN PASSWORD 'pw'");
            exec(c, "GRANT USAGE ON SCHEMA ct4 TO ct4_outsider");
        }
        java.util.Properties login = new java.util.Properties();
        login.setProperty("user", "ct4_outsider");
        login.setProperty("password", "pw");
        try (Connection outsider = java.sql.DriverManager.getConnection(db.jdbcUrl(), login); Connection writer = db.connect()) {
            outsider.setAutoCommit(false);
            // every advisory key the 0.2 runtime used, and the whole key space of a few ids
            exec(outsider, "SELECT pg_advisory_xact_lock(hashtext(e || '#all'), 0), pg_advisory_xact_lock(hashtext(e), hashtext(k))"
                    + " FROM unnest(ARRAY['ct4.post', 'ct4.user']) e, generate_series(1, 9) g, LATERAL (SELECT g::text AS k) x");
            String lockTable = (String) value(writer, "SELECT format('%I.%I', 'ct4', (pg_tviews__names('ct4.post', 'tv_post')).lk)");
            assertThat(sqlState(outsider, "SELECT 1 FROM " + lockTable + " FOR UPDATE")).isEqualTo("42501");
            outsider.rollback();
            outsider.setAutoCommit(false);
            exec(outsider, "SELECT pg_advisory_xact_lock(hashtext('ct4.post#all'), 0)");
            exec(writer, "SET search_path = ct4, public; SET lock_timeout = '5s'");
            exec(writer, "UPDATE tb_user SET name = 'not blocked' WHERE pk_user = 1");
            exec(writer, "INSERT INTO tb_comment VALUES (500, 1, 'not blocked')");
            assertNoDrift(writer, "ct4.post", "ct4.user");
            outsider.rollback();
        }
    }

    @Test
    void aCascadeOverManyKeysDoesNotBlockWritersOfOtherKeys(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA ct5; SET search_path = ct5, public");
            exec(c, "CREATE TABLE tb_user (pk_user int PRIMARY KEY, name text)");
            exec(c, "CREATE TABLE tb_comment (pk_comment int PRIMARY KEY, fk_user int REFERENCES tb_user, body text)");
            exec(c, "INSERT INTO tb_user VALUES (1, 'busy'), (2, 'quiet')");
            exec(c, "INSERT INTO tb_comment SELECT g, 1, 'c' FROM generate_series(1, 3000) g");
            exec(c, "SELECT pg_tviews_create('ct5.tv_comment', $q$SELECT c.pk_comment, c.body, u.name FROM tb_comment c"
                    + " JOIN tb_user u ON u.pk_user = c.fk_user$q$)");
        }
        try (Connection bulk = db.connect(); Connection other = db.connect()) {
            bulk.setAutoCommit(false);
            exec(bulk, "SET search_path = ct5, public; UPDATE tb_user SET name = 'renamed' WHERE pk_user = 1");
            exec(bulk, "SELECT pg_tviews_flush()");   // 3,000 keys recomputed and locked until bulk ends
            exec(other, "SET search_path = ct5, public; SET lock_timeout = '3s'");
            exec(other, "INSERT INTO tb_comment VALUES (9001, 2, 'unrelated')");
            assertThat(value(other, "SELECT name FROM tv_comment WHERE pk_comment = 9001")).isEqualTo("quiet");
            // a writer of a key the bulk holds waits for it
            assertThat(sqlState(other, "SET lock_timeout = '200ms'; UPDATE tb_comment SET body = 'x' WHERE pk_comment = 7")).isEqualTo("55P03");
            bulk.commit();
            assertThat(Rt.driftAgainst(other, "ct5.tv_comment", "SELECT c.pk_comment, c.body, u.name FROM ct5.tb_comment c"
                    + " JOIN ct5.tb_user u ON u.pk_user = c.fk_user")).isZero();
        }
    }

    /**
     * What pg_tviews_flush_and_report() returns is the TVIEW's rows as the caller reads them (fuzz round 6 found five ways
     * 0.3.9 got it wrong): rows a full refresh changed (0.3.9 reported none), nulls inside a jsonb column kept, a column
     * named t, and keys printed under settings other than the caller's (a date read back as another date, or an error).
     */
    @Test
    void theReportShowsEveryChangedRowAsTheCallerReadsIt(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA ct8; SET search_path = ct8, public");
            exec(c, "CREATE TABLE tb_a (pk_a int PRIMARY KEY, v int)");
            exec(c, "INSERT INTO tb_a VALUES (1, 1), (2, 5)");
            exec(c, "SELECT pg_tviews_create('ct8.tv_a', $q$SELECT a.pk_a, a.v, (SELECT min(x.v) FROM tb_a x) AS mn FROM tb_a a$q$,"
                    + " '{\"uncascaded_policy\": \"full_refresh\"}')");
            exec(c, "CREATE TABLE tb_p (pk_p int PRIMARY KEY, t text, doc jsonb)");
            exec(c, "INSERT INTO tb_p VALUES (1, 'old', '{}')");
            exec(c, "SELECT pg_tviews_create('ct8.tv_p', 'SELECT p.pk_p, p.t, p.doc FROM tb_p p')");
            // (maintenance runs under DateStyle 'SQL, DMY' and prints 2 January as 02/01/2024; the caller reads month first)
            exec(c, "CREATE TABLE tb_e (pk_e date PRIMARY KEY, v int)");
            exec(c, "INSERT INTO tb_e VALUES ('2024-01-02', 1), ('2024-02-01', 5), ('2024-01-13', 1)");
            exec(c, "SELECT pg_tviews_create('ct8.tv_e', 'SELECT e.pk_e, e.v FROM tb_e e', '{\"settings\": {\"DateStyle\": \"SQL, DMY\"}}')");
            assertThat(value(c, "SELECT settings->>'DateStyle' FROM pg_tview_meta WHERE entity = 'ct8.e'")).isEqualTo("SQL, DMY");
            c.setAutoCommit(false);
            exec(c, "UPDATE tb_a SET v = 0 WHERE pk_a = 2");                 // a full refresh: both rows' mn change
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->'changes'")).hasToString(
                    "[{\"id\": \"1\", \"op\": \"upsert\", \"data\": {\"v\": 1, \"mn\": 0, \"pk_a\": 1}, \"table\": \"ct8.tv_a\", \"entity\": \"ct8.a\"},"
                    + " {\"id\": \"2\", \"op\": \"upsert\", \"data\": {\"v\": 0, \"mn\": 0, \"pk_a\": 2}, \"table\": \"ct8.tv_a\", \"entity\": \"ct8.a\"}]");
            exec(c, "TRUNCATE tb_a");
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->'changes'->0->>'op'")).isEqualTo("delete");
            exec(c, "UPDATE tb_p SET t = 'new', doc = '{\"x\": null, \"n\": 1}' WHERE pk_p = 1");
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->'changes'->0->'data'")).hasToString(
                    "{\"t\": \"new\", \"doc\": {\"n\": 1, \"x\": null}, \"pk_p\": 1}");
            exec(c, "UPDATE tb_p SET t = NULL WHERE pk_p = 1");
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->'changes'->0->>'op'")).isEqualTo("upsert");
            exec(c, "UPDATE tb_e SET v = 2 WHERE pk_e = '2024-01-02'");
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->'changes'->0")).hasToString(
                    "{\"id\": \"2024-01-02\", \"op\": \"upsert\", \"data\": {\"v\": 2, \"pk_e\": \"2024-01-02\"}, \"table\": \"ct8.tv_e\", \"entity\": \"ct8.e\"}");
            exec(c, "UPDATE tb_e SET v = 3 WHERE pk_e = '2024-01-13'");
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->'changes'->0->>'id'")).isEqualTo("2024-01-13");
            c.commit();
            c.setAutoCommit(true);
        }
    }

    @Test
    void statementRefreshSuspensionAndReport(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA ct6; SET search_path = ct6, public");
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, name text)");
            exec(c, "INSERT INTO tb_item SELECT g, 'i' || g FROM generate_series(1, 5) g");
            exec(c, "SELECT pg_tviews_create('ct6.tv_now', 'SELECT pk_item AS pk_now, name FROM tb_item', '{\"refresh\": \"statement\"}')");
            exec(c, "SELECT pg_tviews_create('ct6.tv_later', 'SELECT pk_item AS pk_later, name FROM tb_item')");
            assertThat(sqlState(c, "SELECT pg_tviews_create('ct6.tv_bad', 'SELECT pk_item AS pk_bad FROM tb_item', '{\"refresh\": \"sometimes\"}')"))
                    .isEqualTo("22023");
            c.setAutoCommit(false);
            exec(c, "UPDATE tb_item SET name = 'x' WHERE pk_item = 1");
            assertThat(value(c, "SELECT name FROM tv_now WHERE pk_now = 1")).isEqualTo("x");       // after the statement
            assertThat(value(c, "SELECT name FROM tv_later WHERE pk_later = 1")).isEqualTo("i1");  // at commit
            // suspended (nested): the statement-mode TVIEW waits too; the outermost resume flushes both
            assertThat(value(c, "SELECT pg_tviews_suspend_triggers()")).isEqualTo(1);
            assertThat(value(c, "SELECT pg_tviews_suspend_triggers()")).isEqualTo(2);
            exec(c, "DELETE FROM tb_item WHERE pk_item = 2");
            exec(c, "INSERT INTO tb_item VALUES (6, 'six')");
            assertThat(value(c, "SELECT count(*) FROM tv_now WHERE pk_now IN (2, 6)")).isEqualTo(1L);
            assertThat(value(c, "SELECT string_agg(entity, ',' ORDER BY entity) FROM pg_tviews_suspended_entities()")).isEqualTo("ct6.later,ct6.now");
            exec(c, "SAVEPOINT s");
            exec(c, "SELECT pg_tviews_resume_triggers()");
            exec(c, "ROLLBACK TO SAVEPOINT s");                      // the depth is 2 again
            assertThat(value(c, "SELECT pg_tviews_resume_triggers()")).isEqualTo(0L);
            assertThat(value(c, "SELECT count(*) FROM tv_now WHERE pk_now IN (2, 6)")).isEqualTo(1L);
            assertThat(((Number) value(c, "SELECT pg_tviews_resume_triggers()")).longValue()).isPositive();
            assertThat(value(c, "SELECT count(*) FROM tv_now WHERE pk_now IN (2, 6)")).isEqualTo(1L);   // 2 gone, 6 there
            assertThat(value(c, "SELECT pk_now FROM tv_now WHERE pk_now IN (2, 6)")).isEqualTo(6);
            assertThat(value(c, "WITH r AS (SELECT pg_tviews_flush_and_report(3) AS j) SELECT (j->>'truncated') || '|' || jsonb_array_length(j->'changes') FROM r"))
                    .isEqualTo("true|3");
            assertThat(value(c, "WITH r AS (SELECT pg_tviews_flush_and_report() AS j) SELECT (j->>'truncated') || '|' || (j->'changes')::text FROM r")
                    .toString()).startsWith("false|").contains("\"op\": \"delete\"").contains("\"six\"");
            assertThat(value(c, "SELECT (pg_tviews_flush_and_report()->>'count')::int")).isEqualTo(0);
            c.commit();
            c.setAutoCommit(true);
            assertThat(sqlState(c, "SELECT pg_tviews_resume_triggers()")).isEqualTo("55000");
            assertThat(Rt.driftAgainst(c, "ct6.tv_now", "SELECT pk_item AS pk_now, name FROM ct6.tb_item")).isZero();
            assertThat(Rt.driftAgainst(c, "ct6.tv_later", "SELECT pk_item AS pk_later, name FROM ct6.tb_item")).isZero();
        }
    }

    @Test
    void hostileIdentifiersQueueFlushAndReport(PgDatabase db) throws Exception {
        String schema = "\"ct 9'\"\"s|é\nx\"";          // "ct 9'""s|é<newline>x"
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA " + schema + "; SET search_path = " + schema + ", public");
            exec(c, "CREATE TABLE \"tb 'a|\"\"\" (\"pk a\" int PRIMARY KEY, \"n'm\" text)");
            exec(c, "CREATE TABLE \"tb\nb\" (pk_b int PRIMARY KEY, \"fk a\" int REFERENCES \"tb 'a|\"\"\", t text)");
            exec(c, "INSERT INTO \"tb 'a|\"\"\" VALUES (1, 'x'), (2, 'y'); INSERT INTO \"tb\nb\" VALUES (1, 1, 'p'), (2, 2, 'q')");
            String query = "SELECT b.pk_b AS \"pk_v\", b.t, a.\"n'm\" FROM \"tb\nb\" b JOIN \"tb 'a|\"\"\" a ON a.\"pk a\" = b.\"fk a\"";
            exec(c, "SELECT pg_tviews_create(format('%I.%I', current_schema(), 'tv_v'), $q$" + query + "$q$, '{\"key\": \"pk_v\"}')");
            c.setAutoCommit(false);
            exec(c, "UPDATE \"tb 'a|\"\"\" SET \"n'm\" = 'renamed' WHERE \"pk a\" = 1");
            exec(c, "UPDATE \"tb\nb\" SET \"fk a\" = 1 WHERE pk_b = 2");
            assertThat(value(c, "SELECT pg_tviews_flush_and_report()->>'count'")).isEqualTo("2");
            assertThat(value(c, "SELECT \"n'm\" FROM tv_v WHERE pk_v = 2")).isEqualTo("renamed");
            c.commit();
            c.setAutoCommit(true);
            assertThat(Rt.driftAgainst(c, (String) value(c, "SELECT format('%I.tv_v', current_schema())"), query)).isZero();
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR'")).isEqualTo(0L);
        }
    }

    @Test
    void aDisabledFlushTriggerIsAnErrorUntilReinstalled(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            Rt.blog(c, "ct8", 2, 4, 0);
            String trigger = (String) value(c, "SELECT (pg_tviews__names('ct8.post', 'tv_post')).trg_prefix || '_flush'");
            String queue = (String) value(c, "SELECT format('ct8.%I', (pg_tviews__names('ct8.post', 'tv_post')).q)");
            exec(c, "ALTER TABLE " + queue + " DISABLE TRIGGER " + trigger);
            assertThat(value(c, "SELECT status || ': ' || message FROM pg_tviews_health_check() WHERE component = 'queue:ct8.post'").toString())
                    .startsWith("ERROR").contains("flush trigger").contains("pg_tviews_reinstall_triggers('ct8.post')");
            exec(c, "SELECT pg_tviews_reinstall_triggers('ct8.post')");
            assertThat(value(c, "SELECT status FROM pg_tviews_health_check() WHERE component = 'queue:ct8.post'")).isEqualTo("OK");
            exec(c, "UPDATE tb_post SET title = 'after reinstall' WHERE pk_post = 1");
            assertNoDrift(c, "ct8.post", "ct8.user");
        }
    }

    @Test
    void aWriteTheTviewCannotHoldFailsAtCommitAndChangesNothing(PgDatabase db) throws Exception {
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA ct7; SET search_path = ct7, public");
            exec(c, "CREATE TABLE tb_a (pk int PRIMARY KEY, code int)");
            exec(c, "INSERT INTO tb_a VALUES (1, 10), (2, 20)");
            exec(c, "SELECT pg_tviews_create('ct7.tv_code', 'SELECT code AS pk_code, pk FROM tb_a')");
            c.setAutoCommit(false);
            exec(c, "UPDATE tb_a SET code = 10 WHERE pk = 2");     // two rows with key 10: accepted now, refused at COMMIT
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"))
                    .hasMessageContaining("ct7.code").hasMessageContaining("10");
            c.setAutoCommit(true);
            assertThat(value(c, "SELECT code FROM tb_a WHERE pk = 2")).isEqualTo(20);
            assertThat(Rt.driftAgainst(c, "ct7.tv_code", "SELECT code AS pk_code, pk FROM ct7.tb_a")).isZero();
            // the same at PREPARE TRANSACTION
            c.setAutoCommit(false);
            exec(c, "UPDATE tb_a SET code = NULL WHERE pk = 1");
            assertThat(sqlState(c, "PREPARE TRANSACTION 'ct7'")).isEqualTo("23502");
            c.rollback();
            c.setAutoCommit(true);
            assertThat(value(c, "SELECT count(*) FROM pg_prepared_xacts")).isEqualTo(0L);
        }
    }
}
