package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Attacks from issue 12 against the runtime, with real roles: a superuser, two tenants that each own a
 * schema, a writer and a reader. Each test asserts that the attack fails and that nothing changed.
 */
@ExtendWith(PostgresExtension.class)
class SecurityTest {

    static final String PASSWORD = "pw-not-secret";

    @BeforeAll
    static void setUp(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            for (String role : List.of("tenant_a", "tenant_b", "writer", "reader")) {
                exec(c, "CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
                exec(c, "GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO " + role);
            }
            for (String t : List.of("tenant_a", "tenant_b")) {
                exec(c, "CREATE SCHEMA " + t + " AUTHORIZATION " + t);
            }
        }
        try (Connection a = as(db, "tenant_a")) {
            exec(a, "CREATE TABLE tenant_a.tb_user (pk_user int PRIMARY KEY, name text)");
            exec(a, "CREATE TABLE tenant_a.tb_post (pk_post int PRIMARY KEY, fk_user int REFERENCES tenant_a.tb_user, title text)");
            exec(a, "INSERT INTO tenant_a.tb_user VALUES (1, 'a'), (2, 'b'); INSERT INTO tenant_a.tb_post VALUES (1, 1, 't1'), (2, 2, 't2')");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_post', 'SELECT p.pk_post, p.title, u.name FROM tenant_a.tb_post p JOIN tenant_a.tb_user u ON u.pk_user = p.fk_user')");
            exec(a, "GRANT USAGE ON SCHEMA tenant_a TO writer, reader");
            exec(a, "GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_a.tb_user, tenant_a.tb_post TO writer");
            exec(a, "GRANT SELECT ON tenant_a.tv_post TO reader");
        }
    }

    static Connection as(PgDatabase db, String role) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", role);
        p.setProperty("password", PASSWORD);
        return DriverManager.getConnection(db.jdbcUrl(), p);
    }

    /** A role that logs in with the test password; quotedRole as SQL writes it, options after it ("IN ROLE ..."). */
    static void createLoginRole(PgDatabase db, String quotedRole, String options) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE " + quotedRole + " LOGIN PASSWORD '" + PASSWORD + "'" + options);
        }
    }

    static boolean isSuperuser(Connection c, String role) throws Exception {
        return (Boolean) value(c, "SELECT rolsuper FROM pg_roles WHERE rolname = '" + role + "'");
    }

    /**
     * Makes whoever runs it grant superuser to tenant_b: harmless unless a superuser runs it. Hidden in a domain's
     * CHECK, which runs when a value is cast to the domain (the query itself calls no volatile function).
     */
    static final String ESCALATE = """
            CREATE FUNCTION tenant_b.f(v int) RETURNS boolean LANGUAGE plpgsql AS $f$
            BEGIN
                BEGIN EXECUTE 'ALTER ROLE tenant_b SUPERUSER'; EXCEPTION WHEN insufficient_privilege THEN NULL; END;
                RETURN true;
            END $f$;
            CREATE DOMAIN tenant_b.d AS int CHECK (tenant_b.f(VALUE))""";

    @Test
    void storedDefinitionsRunOnlyAsTheirOwnerNeverAsTheCaller(PgDatabase db) throws Exception {
        try (Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(b, ESCALATE);
            exec(b, "CREATE TABLE tenant_b.tb_x (pk_evil int PRIMARY KEY)");
            exec(b, "INSERT INTO tenant_b.tb_x VALUES (1)");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_evil', 'SELECT x.pk_evil, x.pk_evil::tenant_b.d AS x FROM tenant_b.tb_x x')");
            // the superuser runs every call that executes the stored definition, as the health check's hints say
            for (String sql : List.of("SELECT * FROM pg_tviews_check_consistency('tenant_b.evil')", "SELECT pg_tviews_refresh('tenant_b.evil', true)",
                    "SELECT pg_tviews_repair('tenant_b.evil')", "SELECT pg_tviews_reinstall_triggers('tenant_b.evil')",
                    "SELECT pg_tviews_reinstall_triggers()", "SELECT pg_tviews_refresh_all()", "SELECT pg_tviews_convert_existing_table('tenant_b.evil')",
                    "SELECT * FROM pg_tviews_health_check()", "INSERT INTO tenant_b.tb_x VALUES (2)")) {
                assertThat(Rt.sqlState(su, sql)).as(sql).isIn(null, "42501");   // since 0.3.7 a superuser's session refuses another role's maintenance
                assertThat(isSuperuser(su, "tenant_b")).as(sql).isFalse();
            }
            // a table whose comment carries a definition: converting it runs that definition as the table's owner
            exec(b, "CREATE TABLE tenant_b.tv_planted (pk_planted int, x tenant_b.d)");
            exec(b, "COMMENT ON TABLE tenant_b.tv_planted IS 'TVIEW {\"entity\":\"tenant_b.planted\",\"definition\":\"SELECT 1 AS pk_planted, 1::tenant_b.d AS x\"}'");
            assertThat(Rt.sqlState(su, "SELECT pg_tviews_convert_existing_table('tenant_b.tv_planted')")).isEqualTo("42501");
            exec(b, "SELECT pg_tviews_convert_existing_table('tenant_b.tv_planted')");
            assertThat(isSuperuser(su, "tenant_b")).isFalse();
            assertThat(value(su, "SELECT owner::text FROM pg_tview_meta WHERE entity = 'tenant_b.planted'")).isEqualTo("tenant_b");
        }
    }

    @Test
    void aTenantCannotReadChangeRefreshRepairOrDropAnotherTenantsTview(PgDatabase db) throws Exception {
        try (Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            String before = Rt.fingerprint(su);
            for (String sql : List.of("SELECT * FROM tenant_a.tv_post", "UPDATE tenant_a.tv_post SET title = 'x'",
                    "SELECT pg_tviews_refresh('tenant_a.post')", "SELECT pg_tviews_repair('tenant_a.post')",
                    "SELECT pg_tviews_drop('tenant_a.post')", "SELECT * FROM pg_tviews_check_consistency('tenant_a.post')",
                    "SELECT pg_tviews_reinstall_triggers('tenant_a.post')", "SELECT pg_tviews_create_or_replace('tenant_a.post', 'SELECT 1 AS pk_post')",
                    "SELECT pg_tviews_convert_existing_table('tenant_a.post')", "INSERT INTO pg_tview_audit_log (operation) VALUES ('forged')",
                    "SELECT pg_tviews__audit('CREATE', 'tenant_a.post', '{}', 0)", "SELECT pg_tviews__audit('UPGRADE', NULL, '{}', 0)",
                    "DELETE FROM pg_tview_rr_stamp")) {
                assertThat(Rt.sqlState(b, sql)).as(sql).isEqualTo("42501");
            }
            // the advisory-lock and stamp functions of 0.1/0.2 generated code are gone (no TVIEW runs such code)
            assertThat(Rt.sqlState(b, "SELECT pg_tviews__stamp('tenant_a.post', 'all', '{*}')")).isEqualTo("42883");
            // another tenant's queue and lock table: no queued work, no key lock
            String queue = (String) value(su, "SELECT format('tenant_a.%I', (pg_tviews__names('tenant_a.post', 'tv_post')).q)");
            String locks = (String) value(su, "SELECT format('tenant_a.%I', (pg_tviews__names('tenant_a.post', 'tv_post')).lk)");
            for (String sql : List.of("INSERT INTO " + queue + " (scope, vals) VALUES ('k', '{1}')", "SELECT * FROM " + locks + " FOR UPDATE",
                    "DELETE FROM " + locks)) {
                assertThat(Rt.sqlState(b, sql)).as(sql).isEqualTo("42501");
            }
            // the catalog rows of another owner: visible, but no row can be changed (row-level security)
            exec(b, "UPDATE pg_tview_meta SET dependencies = '[]', qualified_definition = 'SELECT 1' WHERE entity = 'tenant_a.post'");
            // (no role has DELETE on the catalog since 0.3.8: it would let it LOCK the whole table)
            assertThat(Rt.sqlState(b, "DELETE FROM pg_tview_meta WHERE entity = 'tenant_a.post'")).isEqualTo("42501");
            assertThat(Rt.sqlState(b, "DELETE FROM pg_tview_helpers WHERE entity = 'tenant_a.post'")).isEqualTo("42501");
            exec(b, "UPDATE pg_tview_meta SET dropping = true WHERE entity = 'tenant_a.post'");
            exec(b, "DELETE FROM pg_tviews_metadata WHERE entity = 'tenant_a.post'");
            assertThat(Rt.sqlState(b, "INSERT INTO pg_tview_meta (entity, schema_name, table_name, definition, key_column, key_type, owner)"
                    + " VALUES ('x', 'tenant_a', 'tv_x', 'SELECT 1', 'pk_x', 'int', 'tenant_a')")).isEqualTo("42501");
            assertThat(Rt.fingerprint(su)).isEqualTo(before);
            assertThat(value(su, "SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR' AND component LIKE '%tenant_a%'")).isEqualTo(0L);
            // the health check of a tenant checks only its own TVIEWs, and says so
            assertThat(value(b, "SELECT message FROM pg_tviews_health_check() WHERE component = 'other_owners'").toString())
                    .contains("not a member of are not checked");
            assertThat(value(b, "SELECT count(*) FROM pg_tviews_health_check() WHERE component LIKE '%tenant_a.%'")).isEqualTo(0L);
            // refresh_all and reinstall_triggers() of a tenant cover only its own TVIEWs
            assertThat(String.valueOf(value(b, "SELECT pg_tviews_refresh_all()->>'order'"))).doesNotContain("tv_post");
        }
    }

    /**
     * The audit log is where pg_tviews_convert_existing_table recovers a definition when the catalog row and the table's
     * comment are lost, and runs it as the table's owner. Runtime 0.3.4 let any role write it (pg_tviews__audit): a
     * role planted a definition that read the owner's secret into a TVIEW that role could read.
     */
    @Test
    void noRoleCanPlantADefinitionInAnotherOwnersAuditTrail(PgDatabase db) throws Exception {
        try (Connection a = as(db, "tenant_a"); Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(a, "CREATE TABLE tenant_a.tb_note (pk_note int PRIMARY KEY, body text); INSERT INTO tenant_a.tb_note VALUES (1, 'hello')");
            exec(a, "CREATE TABLE tenant_a.secret (s text); INSERT INTO tenant_a.secret VALUES ('s3cr3t')");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_note', 'SELECT n.pk_note, n.body FROM tenant_a.tb_note n')");
            String planted = "SELECT pg_tviews__audit('CREATE', 'tenant_a.note', jsonb_build_object('table', 'tenant_a.tv_note', 'definition',"
                    + " 'SELECT n.pk_note, (SELECT s FROM tenant_a.secret) AS body FROM tenant_a.tb_note n',"
                    + " 'options', '{\"uncascaded_policy\": \"full_refresh\"}'::jsonb), 0)";
            assertThat(Rt.sqlState(b, planted)).isEqualTo("42501");
            // disaster: the catalog row and the comment are lost; the owner recovers the definition from the audit log
            exec(a, "COMMENT ON TABLE tenant_a.tv_note IS NULL");
            exec(su, "DELETE FROM pg_tview_meta WHERE entity = 'tenant_a.note'");
            assertThat(Rt.sqlState(b, planted)).isEqualTo("42501");
            exec(a, "SELECT pg_tviews_convert_existing_table('tenant_a.tv_note')");
            assertThat(value(su, "SELECT definition FROM pg_tview_meta WHERE entity = 'tenant_a.note'"))
                    .isEqualTo("SELECT n.pk_note, n.body FROM tenant_a.tb_note n");
            assertThat(value(su, "SELECT body FROM tenant_a.tv_note")).isEqualTo("hello");
            assertThat(value(su, "SELECT count(*) FROM pg_tview_audit_log WHERE entity = 'tenant_a.note' AND performed_by = 'tenant_b'")).isEqualTo(0L);
            // nor from code of its own that runs in its TVIEW's maintenance at a superuser's COMMIT (the session is the
            // superuser's there: the first fix of 0.3.5 accepted that)
            exec(b, """
                    CREATE FUNCTION tenant_b.plant(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
                    BEGIN
                        BEGIN
                            PERFORM pg_tviews__audit('CREATE', 'tenant_a.note', jsonb_build_object('table', 'tenant_a.tv_note',
                                'definition', 'SELECT 666 AS pk_note, NULL::text AS body', 'options', '{}'::jsonb), 0);
                        EXCEPTION WHEN OTHERS THEN NULL;
                        END;
                        BEGIN
                            INSERT INTO pg_tview_audit_log (operation, entity, details) VALUES ('CREATE', 'tenant_a.note',
                                jsonb_build_object('table', 'tenant_a.tv_note', 'definition', 'SELECT 666 AS pk_note, NULL::text AS body'));
                        EXCEPTION WHEN OTHERS THEN NULL;
                        END;
                        RETURN t;
                    END $f$;
                    CREATE TABLE tenant_b.tb_bait (pk_bait int PRIMARY KEY, t text)""");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_bait', 'SELECT x.pk_bait, tenant_b.plant(x.t) AS t FROM tenant_b.tb_bait x')");
            exec(su, "INSERT INTO tenant_b.tb_bait VALUES (1, 'by the superuser')");
            assertThat(value(su, "SELECT t FROM tenant_b.tv_bait")).isEqualTo("by the superuser");
            assertThat(value(su, "SELECT count(*) FROM pg_tview_audit_log WHERE entity = 'tenant_a.note' AND details->>'definition' LIKE '%666%'"))
                    .isEqualTo(0L);
        }
    }

    /**
     * The registry of generated objects (pg_tview_helpers) names what the runtime drops and alters as a TVIEW's
     * owner. Runtime 0.3.4 accepted rows for an entity not registered yet and spliced their signature text into
     * DROP FUNCTION: any role became superuser once a superuser created a TVIEW of that name.
     */
    @Test
    void aRegistryRowCannotCarryCodeIntoAnotherRolesTview(PgDatabase db) throws Exception {
        String inject = "int); ALTER ROLE tenant_b SUPERUSER; SELECT abs(1";
        try (Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(su, "CREATE TABLE public.tb_thing (pk_thing int PRIMARY KEY, v text); INSERT INTO public.tb_thing VALUES (1, 'x')");
            exec(su, "CREATE FUNCTION public.keep_me() RETURNS int LANGUAGE sql AS 'SELECT 1'");
            assertThat(Rt.sqlState(b, "INSERT INTO pg_tview_helpers (entity, kind, schema_name, object_name, signature)"
                    + " VALUES ('thing', 'function', 'public', 'pg_tviews_x', " + Rt.literal(inject) + ")")).isEqualTo("42501");
            // rows planted before 0.3.5 (here by the superuser, as row-level security does not bind it)
            exec(su, "INSERT INTO pg_tview_helpers (entity, kind, schema_name, object_name, signature) VALUES"
                    + " ('thing', 'function', 'public', 'pg_tviews_x', " + Rt.literal(inject) + "),"
                    + " ('thing', 'function', 'public', 'keep_me', ''), ('thing', 'trigger', 'public', 'keep_me', 'tb_thing')");
            exec(su, "CREATE FUNCTION public.keep_me_trg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'");
            exec(su, "CREATE TRIGGER keep_me AFTER UPDATE ON public.tb_thing FOR EACH STATEMENT EXECUTE FUNCTION public.keep_me_trg()");
            exec(su, "SELECT pg_tviews_create('public.tv_thing', 'SELECT t.pk_thing, t.v FROM public.tb_thing t')");
            exec(su, "SELECT pg_tviews_reinstall_triggers('thing')");
            exec(su, "SELECT pg_tviews_drop('thing')");
            assertThat(isSuperuser(su, "tenant_b")).isFalse();
            assertThat(value(su, "SELECT to_regprocedure('public.keep_me()') IS NOT NULL")).isEqualTo(true);
            assertThat(value(su, "SELECT count(*) FROM pg_trigger WHERE tgname = 'keep_me'")).isEqualTo(1L);
        }
    }

    /**
     * DDL by a role that cannot act as the TVIEW's owner. Any role's DROP TABLE ran the runtime's event trigger, which
     * looked up every TVIEW's table with to_regclass(): without USAGE on one TVIEW's schema, every DROP TABLE in the
     * database failed (0.3.4). A source's owner who is not a member of the TVIEW's owner (the TVIEW's owner is a member
     * of the source's) drops a partition: the event trigger cannot act (a WARNING, the DROP goes through), and the
     * TVIEW owner's health check names what was left behind until its hint has recomputed the TVIEW. A TVIEW over a
     * table of an owner its own owner is not a member of is refused: its triggers could never be dropped.
     */
    @Test
    void ddlByARoleThatCannotActAsTheTviewsOwner(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            for (String role : List.of("log_owner", "log_tv")) {
                exec(su, "CREATE ROLE " + role + " LOGIN PASSWORD '" + PASSWORD + "'");
                exec(su, "GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO " + role);
                exec(su, "CREATE SCHEMA " + role + " AUTHORIZATION " + role);
            }
            exec(su, "GRANT log_owner TO log_tv");
        }
        try (Connection b = as(db, "tenant_b"); Connection src = as(db, "log_owner"); Connection tv = as(db, "log_tv")) {
            // tenant_b has no USAGE on tenant_a's schema, where tenant_a's TVIEW lives
            exec(b, "CREATE TABLE tenant_b.scratch (a int); DROP TABLE tenant_b.scratch");
            exec(src, "CREATE TABLE log_owner.tb_log (pk_log int, day int, msg text, PRIMARY KEY (pk_log, day)) PARTITION BY LIST (day)");
            exec(src, "CREATE TABLE log_owner.tb_log_1 PARTITION OF log_owner.tb_log FOR VALUES IN (1);"
                    + " CREATE TABLE log_owner.tb_log_2 PARTITION OF log_owner.tb_log FOR VALUES IN (2)");
            exec(src, "INSERT INTO log_owner.tb_log VALUES (1, 1, 'old'), (2, 2, 'new')");
            exec(src, "GRANT USAGE ON SCHEMA log_owner TO tenant_b; GRANT SELECT, TRIGGER, UPDATE ON log_owner.tb_log TO tenant_b");
            String q = "SELECT l.pk_log, l.day, l.msg FROM log_owner.tb_log l";
            assertThat(Rt.sqlState(b, "SELECT pg_tviews_create('tenant_b.tv_log', " + Rt.literal(q) + ")")).isEqualTo("42501");
            exec(tv, "SELECT pg_tviews_create('log_tv.tv_log', " + Rt.literal(q) + ")");
            exec(src, "DROP TABLE log_owner.tb_log_1");     // a retention job of the source's owner
            assertThat(Rt.driftAgainst(tv, "log_tv.tv_log", q)).as("the dropped partition's row is still there").isEqualTo(1L);
            assertThat(value(tv, "SELECT message FROM pg_tviews_health_check() WHERE component = 'dropped:log_tv.log' AND status = 'ERROR'"))
                    .asString().contains("tb_log_1").contains("pg_tviews_refresh");
            exec(tv, "SELECT pg_tviews_refresh('log_tv.log')");
            assertThat(Rt.driftAgainst(tv, "log_tv.tv_log", q)).isZero();
            assertThat(value(tv, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK' AND component LIKE '%log_tv.log%'")).isEqualTo(0L);
            exec(tv, "SELECT pg_tviews_drop('log_tv.log')");
        }
    }

    /**
     * Read models in a schema of their own, which writers cannot use: COMMIT maintains them (a trigger needs no
     * privilege), and pg_tviews_flush() says what it needs instead of failing inside the runtime with a bare 42501.
     */
    @Test
    void writersWithoutUsageOnTheTviewsSchema(PgDatabase db) throws Exception {
        try (Connection su = db.connect(); Connection a = as(db, "tenant_a"); Connection w = as(db, "writer")) {
            exec(su, "CREATE SCHEMA tenant_a_rm AUTHORIZATION tenant_a");
            exec(a, "CREATE TABLE tenant_a.tb_memo (pk_memo int PRIMARY KEY, body text); GRANT SELECT, INSERT ON tenant_a.tb_memo TO writer");
            exec(a, "SELECT pg_tviews_create('tenant_a_rm.tv_memo', 'SELECT n.pk_memo, n.body FROM tenant_a.tb_memo n')");
            exec(w, "INSERT INTO tenant_a.tb_memo VALUES (1, 'committed')");
            assertThat(value(a, "SELECT body FROM tenant_a_rm.tv_memo WHERE pk_memo = 1")).isEqualTo("committed");
            w.setAutoCommit(false);
            exec(w, "INSERT INTO tenant_a.tb_memo VALUES (2, 'flushed')");
            assertThatThrownBy(() -> exec(w, "SELECT pg_tviews_flush()")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("needs USAGE on schema tenant_a_rm").hasMessageContaining("COMMIT");
            w.rollback();
            exec(a, "GRANT USAGE ON SCHEMA tenant_a_rm TO writer");
            exec(w, "INSERT INTO tenant_a.tb_memo VALUES (2, 'flushed')");
            assertThat(value(w, "SELECT pg_tviews_flush()")).isEqualTo(1L);
            w.commit();
            assertThat(value(a, "SELECT body FROM tenant_a_rm.tv_memo WHERE pk_memo = 2")).isEqualTo("flushed");
        }
    }

    /**
     * Two TVIEWs of owners who cannot use each other's schemas, over one shared table. A writer's COMMIT flushes both in
     * the global order whichever its statements enlisted first, also after a report and through PREPARE TRANSACTION:
     * 0.3.11 called the earlier TVIEW's flush function by name as the later one's owner, and COMMIT failed with 42501.
     * A transaction holding a table only the second one reads in ACCESS EXCLUSIVE mode and a writer of the same key
     * both commit: the first flush waits for the second one's event to lock what it reads, or, once the first one's
     * owner may use the other's schema, locks it through the other's flush function, as its owner.
     */
    @Test
    void tviewsOfOwnersWhoCannotUseEachOthersSchemasFlushAtCommit(PgDatabase db) throws Exception {
        List<String> owners = List.of("xo_a", "xo_b");
        twoOwnersAndASharedSchema(db, "xo", o -> o);
        for (String o : owners) {
            try (Connection c = as(db, o)) {
                exec(c, "CREATE TABLE " + o + ".z (k int PRIMARY KEY, label text); INSERT INTO " + o + ".z VALUES (1, 'q');"
                        + " GRANT USAGE ON SCHEMA " + o + " TO writer; GRANT SELECT, INSERT, UPDATE ON " + o + ".z TO writer");
                exec(c, "SELECT pg_tviews_create('" + o + ".tv_x', " + Rt.literal(xoQuery(o)) + ")");
            }
        }
        try (Connection su = db.connect(); Connection w = as(db, "writer"); Connection holder = as(db, "writer")) {
            List<String> order = Arrays.asList(((String) value(su, "SELECT string_agg(schema_name, ',' ORDER BY substr(md5(entity), 1, 8) COLLATE \"C\")"
                    + " FROM pg_tview_meta WHERE schema_name LIKE 'xo\\_%'")).split(","));
            String first = order.get(0), second = order.get(1);
            // the second TVIEW in the order is enlisted first: its event fires first and must let the first one's flush run
            String[][] transactions = {
                {"UPDATE " + second + ".z SET label = 'plain' WHERE k = 1", "INSERT INTO xo_shared.ev VALUES (1, 1)", "COMMIT"},
                {"UPDATE " + second + ".z SET label = 'reported' WHERE k = 1", "SELECT pg_tviews_flush_and_report()",
                    "INSERT INTO xo_shared.ev VALUES (2, 1)", "UPDATE " + first + ".z SET label = 'r' WHERE k = 1", "COMMIT"},
                {"UPDATE " + second + ".z SET label = 'prepared' WHERE k = 1", "INSERT INTO xo_shared.ev VALUES (3, 1)",
                    "PREPARE TRANSACTION 'xo_prepared'"}};
            for (String[] tx : transactions) {
                exec(w, "BEGIN");
                for (String sql : tx) {
                    assertThat(Rt.sqlState(w, sql)).as(sql).isNull();
                }
            }
            exec(su, "COMMIT PREPARED 'xo_prepared'");
            for (String o : owners) {
                assertThat(Rt.driftAgainst(su, o + ".tv_x", xoQuery(o))).as(o).isZero();
            }
            assertThat(value(su, "SELECT n || ' ' || label FROM " + second + ".tv_x WHERE pk_x = 1")).isEqualTo("3 prepared");

            for (int round = 0; round < 2; round++) {
                if (round == 1) {
                    exec(su, "SET ROLE " + second + "; GRANT USAGE ON SCHEMA " + second + " TO " + first + "; RESET ROLE");
                }
                IsolationTest.assertBothCommit(su, holder, new String[] {"LOCK TABLE " + second + ".z", "INSERT INTO xo_shared.ev VALUES (1" + round + ", 1)"},
                                               w, "INSERT INTO xo_shared.ev VALUES (2" + round + ", 1)", "holder of " + second + ".z, round " + round);
                for (String o : owners) {
                    assertThat(Rt.driftAgainst(su, o + ".tv_x", xoQuery(o))).as(o).isZero();
                }
            }
            assertThat(value(su, "SELECT n FROM " + first + ".tv_x WHERE pk_x = 1")).isEqualTo(7L);
        }
    }

    /**
     * The same two owners' TVIEWs (commit-mode ones, statement-mode ones over the same tables, and statement-mode ones
     * over the commit-mode ones) written under SET CONSTRAINTS ALL IMMEDIATE, where a queue row's event fires inside the
     * statement that queues it: with suspension, savepoints, a later SET CONSTRAINTS ALL DEFERRED and PREPARE
     * TRANSACTION. 0.3.22 and 0.3.23 failed 4 - 12 of these transactions at COMMIT with 55000: the early flush left its
     * TVIEW enlisted with no event to come, and the other owner's event waited for it; and an event that had to wait for
     * the other owner's, queued again, fired again at once, until the bound.
     */
    @Test
    void immediateConstraintsWithTviewsOfOwnersWhoCannotUseEachOthersSchemasCommit(PgDatabase db) throws Exception {
        List<String> owners = List.of("xi_a", "xi_b");
        twoOwnersAndASharedSchema(db, "xi", o -> Rt.quote(o + "|'s"));
        for (String o : owners) {
            String sch = Rt.quote(o + "|'s");
            try (Connection c = as(db, o)) {
                exec(c, "CREATE TABLE " + sch + ".z (k int PRIMARY KEY, label text); INSERT INTO " + sch + ".z VALUES (1, 'q');"
                        + " GRANT USAGE ON SCHEMA " + sch + " TO writer; GRANT SELECT, INSERT, UPDATE ON " + sch + ".z TO writer");
                exec(c, "SELECT pg_tviews_create(" + Rt.literal(sch + ".tv_x") + ", " + Rt.literal(xiQuery(o, "pk_x")) + ")");
                exec(c, "SELECT pg_tviews_create(" + Rt.literal(sch + ".tv_s") + ", " + Rt.literal(xiQuery(o, "pk_s")) + ", '{\"refresh\": \"statement\"}')");
                exec(c, "SELECT pg_tviews_create(" + Rt.literal(sch + ".tv_y") + ", " + Rt.literal(xiNested(o)) + ", '{\"refresh\": \"statement\"}')");
            }
        }
        try (Connection su = db.connect(); Connection w = as(db, "writer")) {
            String[] z = {"UPDATE " + Rt.quote("xi_a|'s") + ".z SET label = label || 'a' WHERE k = 1", "UPDATE " + Rt.quote("xi_b|'s") + ".z SET label = label || 'b' WHERE k = 1"};
            int[] ev = {100};
            String[][] transactions = {
                {"IMM", "EV", "Z1"}, {"IMM", "EV", "Z0"}, {"IMM", "Z0", "EV", "Z1"}, {"IMM", "Z1", "EV", "Z0"},
                {"SUSPEND", "IMM", "EV", "Z1", "RESUME"}, {"IMM", "SUSPEND", "EV", "Z1", "Z0", "RESUME"}, {"SUSPEND", "EV", "IMM", "Z1", "Z0"},
                {"IMM", "EV", "DEFERRED", "Z1", "EV"}, {"IMM", "EV", "Z1", "DEFERRED", "Z0", "EV"}, {"EV", "IMM", "Z1"},
                {"Z1", "SAVEPOINT s", "USER", "IMM"}, {"Z0", "SAVEPOINT s", "EV", "IMM", "ROLLBACK TO SAVEPOINT s", "Z1"},
                {"IMM", "EV", "Z1", "PREPARE"}, {"Z1", "USER", "IMM", "Z0", "PREPARE"}};
            for (String[] tx : transactions) {
                exec(w, "BEGIN");
                for (String step : tx) {
                    String sql = switch (step) {
                        case "IMM" -> "SET CONSTRAINTS ALL IMMEDIATE";
                        case "DEFERRED" -> "SET CONSTRAINTS ALL DEFERRED";
                        case "EV" -> "INSERT INTO xi_shared.ev VALUES (" + ev[0]++ + ", 1)";
                        case "Z0" -> z[0];
                        case "Z1" -> z[1];
                        case "USER" -> "UPDATE xi_shared.tb_user SET name = name || 'x' WHERE pk_user = 1";
                        case "SUSPEND" -> "SELECT pg_tviews_suspend_triggers()";
                        case "RESUME" -> "SELECT pg_tviews_resume_triggers()";
                        case "PREPARE" -> "PREPARE TRANSACTION 'xi_prepared'";
                        default -> step;
                    };
                    assertThat(Rt.sqlState(w, sql)).as(String.join(", ", tx) + ": " + sql).isNull();
                }
                if (tx[tx.length - 1].equals("PREPARE")) {
                    exec(su, "COMMIT PREPARED 'xi_prepared'");
                } else {
                    assertThat(Rt.sqlState(w, "COMMIT")).as(String.join(", ", tx)).isNull();
                }
                for (String o : owners) {
                    String sch = Rt.quote(o + "|'s");
                    assertThat(Rt.driftAgainst(su, sch + ".tv_x", xiQuery(o, "pk_x"))).as(o + " tv_x after " + String.join(", ", tx)).isZero();
                    assertThat(Rt.driftAgainst(su, sch + ".tv_s", xiQuery(o, "pk_s"))).as(o + " tv_s after " + String.join(", ", tx)).isZero();
                    assertThat(Rt.driftAgainst(su, sch + ".tv_y", xiNested(o))).as(o + " tv_y after " + String.join(", ", tx)).isZero();
                }
            }
            assertThat(value(su, "SELECT n FROM " + Rt.quote("xi_b|'s") + ".tv_x WHERE pk_x = 1")).as("one insert rolled back").isEqualTo((long) (ev[0] - 101));
            assertThat(value(su, "SELECT count(*) FROM pg_prepared_xacts")).isEqualTo(0L);
        }
    }

    static String xiQuery(String owner, String key) {
        return "SELECT u.pk_user AS " + key + ", u.name, (SELECT count(*) FROM xi_shared.ev e WHERE e.fk_user = u.pk_user) AS n,"
                + " (SELECT z.label FROM " + Rt.quote(owner + "|'s") + ".z z WHERE z.k = u.pk_user) AS label FROM xi_shared.tb_user u";
    }

    static String xiNested(String owner) {
        return "SELECT x.pk_x AS pk_y, x.n * 10 AS n10, x.label FROM " + Rt.quote(owner + "|'s") + ".tv_x x";
    }

    /**
     * row_security = off in a writer's session (pg_dump, pg_restore and admin sessions set it) while a policy applies to
     * the TVIEW's owner (the table's owner, FORCE ROW LEVEL SECURITY): the maintenance, which runs as the owner, pins
     * row_security on where a table it reads has row-level security, so a superuser's and a BYPASSRLS writer's writes go
     * through and the TVIEW keeps the rows its owner sees (0.3.23 failed them with 42501, which plain tables accept). A
     * NOINHERIT member of the table's owner may not create a TVIEW over it: it could create the triggers (TRIGGER
     * privilege) but never drop them, so neither reinstall nor drop the TVIEW (0.3.24 accepted it).
     */
    @Test
    void rowSecurityOffInAWritersSessionDoesNotFailMaintenance(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE rs_alice LOGIN PASSWORD '" + PASSWORD + "'; CREATE ROLE rs_bob LOGIN NOINHERIT BYPASSRLS PASSWORD '" + PASSWORD + "' IN ROLE rs_alice;"
                    + " GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO rs_alice, rs_bob; CREATE SCHEMA \"rs d'oc\" AUTHORIZATION rs_alice;"
                    + " GRANT USAGE, CREATE ON SCHEMA \"rs d'oc\" TO rs_bob");
        }
        String docs = "SELECT d.pk_doc, d.body FROM \"rs d'oc\".tb_doc d";
        try (Connection alice = as(db, "rs_alice"); Connection bob = as(db, "rs_bob"); Connection su = db.connect()) {
            exec(alice, "CREATE TABLE \"rs d'oc\".tb_doc (pk_doc int PRIMARY KEY, reader text, body text);"
                    + " INSERT INTO \"rs d'oc\".tb_doc SELECT g, CASE WHEN g % 2 = 0 THEN 'rs_bob' END, 'b' || g FROM generate_series(1, 10) g;"
                    + " ALTER TABLE \"rs d'oc\".tb_doc ENABLE ROW LEVEL SECURITY; ALTER TABLE \"rs d'oc\".tb_doc FORCE ROW LEVEL SECURITY;"
                    + " CREATE POLICY readers ON \"rs d'oc\".tb_doc FOR SELECT TO rs_alice USING (reader = 'rs_bob');"
                    + " GRANT SELECT, INSERT, UPDATE, TRIGGER ON \"rs d'oc\".tb_doc TO rs_bob");
            String create = "SELECT pg_tviews_create('\"rs d''oc\".tv_doc', " + Rt.literal(docs) + ")";
            assertThatThrownBy(() -> exec(bob, create)).as("a NOINHERIT member of the source's owner")
                    .hasMessageContaining("does not have the privileges of the owner of its source").extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
            exec(alice, create);
            for (Connection writer : List.of(bob, su)) {
                exec(writer, "SET row_security = off");
                assertThat(Rt.sqlState(writer, "UPDATE \"rs d'oc\".tb_doc SET body = body || 'x' WHERE pk_doc IN (2, 3)")).isNull();
                assertThat(Rt.sqlState(writer, "INSERT INTO \"rs d'oc\".tb_doc VALUES (" + (writer == su ? 12 : 14) + ", 'rs_bob', 'new')")).isNull();
                exec(writer, "RESET row_security");
            }
            assertThat(Rt.driftAgainst(alice, "\"rs d'oc\".tv_doc", docs)).as("the rows its owner sees").isZero();
            // DDL and the API in such sessions (a pg_dump script starts with SET row_security = off): the DDL event triggers and
            // the API read the runtime's catalog, which has row-level security (0.3.23 failed them with 42501; hunt 13)
            exec(alice, "SET row_security = off");
            assertThat(Rt.sqlState(alice, "CREATE TABLE \"rs d'oc\".other (a int); ALTER TABLE \"rs d'oc\".other ADD COLUMN b int; DROP TABLE \"rs d'oc\".other")).isNull();
            exec(bob, "SET row_security = off");
            String ent = Rt.literal(value(su, "SELECT entity FROM pg_tview_meta WHERE table_name = 'tv_doc' AND schema_name = 'rs d''oc'").toString());
            for (String call : List.of("SELECT count(*) FROM pg_tviews_health_check()", "SELECT pg_tviews_refresh(" + ent + ")",
                    "SELECT * FROM pg_tviews_check_consistency(" + ent + ")", "SELECT pg_tviews_suspended_entities()", "SELECT pg_tviews_flush_and_report()")) {
                assertThat(Rt.sqlState(bob, call)).as(call).isNull();
            }
            exec(bob, "RESET row_security");
            assertThat(value(su, "SELECT count(*) FROM \"rs d'oc\".tv_doc")).isEqualTo(7L);
            exec(alice, "SELECT pg_tviews_reinstall_triggers(" + ent + "); SELECT pg_tviews_drop(" + ent + ")");
        }
    }

    /**
     * A role change after the create: the TVIEW's owner loses the source owner's privileges (membership revoked), the
     * use of its schema, or SELECT. Its maintenance runs as the owner, so every write to the source fails (42501, as a
     * view's would); the health check names what the owner lacks (0.3.24 said OK), and giving it back recovers.
     */
    @Test
    void privilegesTheOwnerLostAfterTheCreateAreReported(PgDatabase db) throws Exception {
        String s = Rt.quote("rc s'rc|");
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE rc_src; CREATE ROLE \"rc tv'\" LOGIN PASSWORD '" + PASSWORD + "' IN ROLE rc_src; CREATE ROLE rc_w LOGIN PASSWORD '" + PASSWORD + "';"
                    + " GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO \"rc tv'\", rc_w; CREATE SCHEMA " + s + " AUTHORIZATION rc_src;"
                    + " CREATE SCHEMA rc_tv AUTHORIZATION \"rc tv'\"; GRANT USAGE ON SCHEMA " + s + " TO rc_w, \"rc tv'\";"
                    + " CREATE TABLE " + s + ".tb_a (pk_a int PRIMARY KEY, v int); ALTER TABLE " + s + ".tb_a OWNER TO rc_src;"
                    + " INSERT INTO " + s + ".tb_a VALUES (1, 1); GRANT SELECT, UPDATE ON " + s + ".tb_a TO rc_w");
        }
        String q = "SELECT a.pk_a, a.v FROM " + s + ".tb_a a";
        String lacks = "SELECT string_agg(message, '; ') FROM pg_tviews_health_check() WHERE status = 'ERROR' AND component LIKE 'source:%'";
        try (Connection owner = as(db, "rc tv'"); Connection w = as(db, "rc_w"); Connection su = db.connect()) {
            exec(owner, "SELECT pg_tviews_create('rc_tv.tv_a', " + Rt.literal(q) + ")");
            assertThat(value(owner, lacks)).isNull();
            for (String[] loss : List.of(new String[] {"REVOKE rc_src FROM \"rc tv'\"", "GRANT rc_src TO \"rc tv'\"", "no longer has the privileges of"},
                    new String[] {"ALTER ROLE \"rc tv'\" NOINHERIT", "ALTER ROLE \"rc tv'\" INHERIT", "no longer has the privileges of"},
                    new String[] {"REVOKE USAGE ON SCHEMA " + s + " FROM \"rc tv'\", rc_src", "GRANT USAGE ON SCHEMA " + s + " TO \"rc tv'\", rc_src", "may no longer use schema"})) {
                exec(su, loss[0]);
                if (!loss[2].startsWith("may")) {     // (a view reads its tables without USAGE on their schema: writes may go on)
                    assertThat(Rt.sqlState(w, "UPDATE " + s + ".tb_a SET v = v + 1")).as(loss[0]).isEqualTo("42501");
                }
                assertThat(Rt.sqlState(owner, "SELECT pg_tviews_reinstall_triggers('rc_tv.a')")).as(loss[0]).isEqualTo("42501");
                assertThat(value(owner, lacks)).as(loss[0]).asString().contains(loss[2]).contains("regenerating or dropping the TVIEW fails");
                exec(su, loss[1]);
                assertThat(value(owner, lacks)).as(loss[1]).isNull();
                assertThat(Rt.sqlState(w, "UPDATE " + s + ".tb_a SET v = v + 1")).isNull();
            }
            assertThat(Rt.driftAgainst(owner, "rc_tv.tv_a", q)).isZero();
            assertThat(value(owner, "SELECT v FROM rc_tv.tv_a")).isEqualTo(4);
        }
    }

    /**
     * Changes after the create that make the maintenance fail as its owner: EXECUTE revoked on a function the query calls,
     * SELECT on a view it reads or on the table under that view (from the view's owner), the owner's own privileges on its
     * table, a publication of the table without a replica identity. Every write to the sources then fails; the health
     * check's probe (the maintenance's statements planned as the owner with EXPLAIN) names the error (0.3.24 said OK), and
     * removing the cause recovers.
     */
    @Test
    void whatTheMaintenanceCannotDoAsItsOwnerIsReported(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE \"pr O'wn\" LOGIN PASSWORD '" + PASSWORD + "'; CREATE ROLE pr_fx LOGIN PASSWORD '" + PASSWORD + "';"
                    + " GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO \"pr O'wn\", pr_fx; CREATE SCHEMA \"pr s|c\" AUTHORIZATION \"pr O'wn\";"
                    + " CREATE SCHEMA pr_fx AUTHORIZATION pr_fx; GRANT USAGE ON SCHEMA pr_fx TO \"pr O'wn\"; GRANT USAGE ON SCHEMA \"pr s|c\" TO pr_fx");
        }
        String q = "SELECT p.pk_post, p.title, pr_fx.\"up'\"(u.name) AS name FROM \"pr s|c\".tb_post p JOIN pr_fx.v_user u ON u.pk_user = p.fk_user";
        String probe = "SELECT string_agg(message, '; ') FROM pg_tviews_health_check() WHERE status = 'ERROR'";
        try (Connection own = as(db, "pr O'wn"); Connection fx = as(db, "pr_fx"); Connection su = db.connect()) {
            exec(own, "CREATE TABLE \"pr s|c\".tb_user (pk_user int PRIMARY KEY, name text); CREATE TABLE \"pr s|c\".tb_post (pk_post int PRIMARY KEY, fk_user int, title text);"
                    + " INSERT INTO \"pr s|c\".tb_user VALUES (1, 'a'), (2, 'b'); INSERT INTO \"pr s|c\".tb_post VALUES (1, 1, 'x'), (2, 2, 'y');"
                    + " GRANT SELECT ON \"pr s|c\".tb_user TO pr_fx");
            exec(fx, "CREATE FUNCTION pr_fx.\"up'\"(t text) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT upper(t)';"
                    + " CREATE VIEW pr_fx.v_user AS SELECT pk_user, name FROM \"pr s|c\".tb_user; GRANT SELECT ON pr_fx.v_user TO \"pr O'wn\"");
            exec(own, "SELECT pg_tviews_create('\"pr s|c\".tv_post', " + Rt.literal(q) + ")");
            assertThat(value(own, probe)).isNull();
            String write = "UPDATE \"pr s|c\".tb_user SET name = name || 'x' WHERE pk_user = 1";
            for (String[] c : List.of(
                    new String[] {"fx", "REVOKE EXECUTE ON FUNCTION pr_fx.\"up'\"(text) FROM PUBLIC", "GRANT EXECUTE ON FUNCTION pr_fx.\"up'\"(text) TO PUBLIC", "permission denied for function"},
                    new String[] {"fx", "REVOKE SELECT ON pr_fx.v_user FROM \"pr O'wn\"", "GRANT SELECT ON pr_fx.v_user TO \"pr O'wn\"", "permission denied for view v_user"},
                    new String[] {"own", "REVOKE SELECT ON \"pr s|c\".tb_user FROM pr_fx", "GRANT SELECT ON \"pr s|c\".tb_user TO pr_fx", "permission denied for table tb_user"},
                    new String[] {"own", "REVOKE UPDATE ON \"pr s|c\".tv_post FROM \"pr O'wn\"", "GRANT UPDATE ON \"pr s|c\".tv_post TO \"pr O'wn\"", "permission denied for table tv_post"},
                    new String[] {"su", "CREATE PUBLICATION \"pr p'ub\" FOR TABLE \"pr s|c\".tv_post; ALTER TABLE \"pr s|c\".tv_post REPLICA IDENTITY NOTHING",
                            "DROP PUBLICATION \"pr p'ub\"; ALTER TABLE \"pr s|c\".tv_post REPLICA IDENTITY DEFAULT", "publishes updates"})) {
                Connection by = c[0].equals("fx") ? fx : c[0].equals("own") ? own : su;
                exec(by, c[1]);
                assertThat(Rt.sqlState(own, write)).as(c[1]).isIn("42501", "55000");
                assertThat(value(own, probe)).as(c[1]).asString().contains("planned as its owner").contains(c[3]);
                exec(by, c[2]);
                assertThat(value(own, probe)).as(c[2]).isNull();
                assertThat(Rt.sqlState(own, write)).as(c[2]).isNull();
            }
            assertThat(Rt.driftAgainst(own, "\"pr s|c\".tv_post", q)).isZero();
        }
    }

    /**
     * ALTER ROLE … RENAME of a TVIEW's owner (no event trigger fires for roles): pg_tview_meta.owner keeps the old name.
     * 0.3.24 then failed every health check and catalog read with 42704, another tenant's too. Now the others' checks
     * work, the health check names the TVIEW (owner:<e>) with the statement that repairs it, and after it the renamed
     * owner operates its TVIEW again; writes were maintained throughout.
     */
    @Test
    void aRenamedOwnerRoleIsReportedAndBreaksNoOtherTenant(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE \"rn O'ld\" LOGIN PASSWORD '" + PASSWORD + "'; CREATE ROLE rn_other LOGIN PASSWORD '" + PASSWORD + "';"
                    + " GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO \"rn O'ld\", rn_other;"
                    + " CREATE SCHEMA rn_a AUTHORIZATION \"rn O'ld\"; CREATE SCHEMA rn_b AUTHORIZATION rn_other");
        }
        try (Connection a = as(db, "rn O'ld"); Connection b = as(db, "rn_other"); Connection su = db.connect()) {
            exec(a, "CREATE TABLE rn_a.tb_a (pk_a int PRIMARY KEY, v text); INSERT INTO rn_a.tb_a VALUES (1, 'x');"
                    + " SELECT pg_tviews_create('rn_a.tv_a', 'SELECT t.pk_a, t.v FROM rn_a.tb_a t')");
            exec(b, "CREATE TABLE rn_b.tb_b (pk_b int PRIMARY KEY, v text); INSERT INTO rn_b.tb_b VALUES (1, 'x');"
                    + " SELECT pg_tviews_create('rn_b.tv_b', 'SELECT t.pk_b, t.v FROM rn_b.tb_b t')");
            exec(su, "ALTER ROLE \"rn O'ld\" RENAME TO \"rn N'ew\"");
            assertThat(value(b, "SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR'")).as("another tenant").isEqualTo(0L);
            exec(a, "UPDATE rn_a.tb_a SET v = 'y'");
            assertThat(Rt.sqlState(a, "SELECT pg_tviews_refresh('rn_a.a')")).isEqualTo("42501");
            assertThat(value(a, "SELECT string_agg(component, ',') FROM pg_tviews_health_check() WHERE status = 'ERROR'")).isEqualTo("owner:rn_a.a");
            String fix = value(su, "SELECT message FROM pg_tviews_health_check() WHERE component = 'owner:rn_a.a' AND status = 'ERROR'").toString();
            assertThat(fix).contains("no longer exists");
            exec(su, fix.substring(fix.indexOf("UPDATE pg_tview_meta")));
            assertThat(Rt.sqlState(a, "SELECT pg_tviews_refresh('rn_a.a')")).isNull();
            assertThat(value(a, "SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR'")).isEqualTo(0L);
            assertThat(Rt.driftAgainst(a, "rn_a.tv_a", "SELECT t.pk_a, t.v FROM rn_a.tb_a t")).isZero();
            assertThat(Rt.sqlState(a, "SELECT pg_tviews_drop('rn_a.a')")).isNull();
        }
    }

    /**
     * Row-level security on a partition or an inheritance child of a source: a query of the parent applies the parent's
     * policies only, so the maintenance needs no pinned setting for it and the health check stays OK (0.3.24 reported
     * "does not pin settings its query now depends on" until a reinstall); the parent's own ENABLE ROW LEVEL SECURITY is
     * followed, and writes through the partition and the child from a row_security = off session keep the TVIEWs equal.
     */
    @Test
    void rowSecurityOfAPartitionOrChildAloneIsNotReportedAsUnpinned(PgDatabase db) throws Exception {
        String s = Rt.quote("rs p|'art\n");
        String parts = "SELECT m.pk_m, m.v * 2 AS v2 FROM " + s + ".tb_m m";
        String kids = "SELECT i.pk_i, i.v + 1 AS v1 FROM " + s + ".tb_i i";
        try (Connection su = db.connect()) {
            exec(su, "CREATE SCHEMA " + s + "; CREATE TABLE " + s + ".tb_m (pk_m int PRIMARY KEY, v int) PARTITION BY RANGE (pk_m);"
                    + " CREATE TABLE " + s + ".\"tb m'1\" PARTITION OF " + s + ".tb_m FOR VALUES FROM (0) TO (100);"
                    + " CREATE TABLE " + s + ".tb_m2 PARTITION OF " + s + ".tb_m FOR VALUES FROM (100) TO (200);"
                    + " INSERT INTO " + s + ".tb_m SELECT g, g FROM generate_series(1, 150) g;"
                    + " CREATE TABLE " + s + ".tb_i (pk_i int PRIMARY KEY, v int); CREATE TABLE " + s + ".\"tb i|c\" () INHERITS (" + s + ".tb_i);"
                    + " INSERT INTO " + s + ".tb_i VALUES (1, 1); INSERT INTO " + s + ".\"tb i|c\" VALUES (2, 2)");
            exec(su, "SELECT pg_tviews_create(" + Rt.literal(s + ".tv_m") + ", " + Rt.literal(parts) + ")");
            exec(su, "SELECT pg_tviews_create(" + Rt.literal(s + ".tv_i") + ", " + Rt.literal(kids) + ")");
            String errors = "SELECT string_agg(component || ': ' || message, '; ') FROM pg_tviews_health_check() WHERE status = 'ERROR'";
            for (String child : List.of(s + ".\"tb m'1\"", s + ".\"tb i|c\"")) {
                exec(su, "ALTER TABLE " + child + " ENABLE ROW LEVEL SECURITY; ALTER TABLE " + child + " FORCE ROW LEVEL SECURITY;"
                        + " CREATE POLICY \"no'ne\" ON " + child + " USING (false)");
                assertThat(value(su, errors)).as("RLS on " + child).isNull();
            }
            exec(su, "SET row_security = off");
            assertThat(Rt.sqlState(su, "UPDATE " + s + ".\"tb m'1\" SET v = v + 1 WHERE pk_m < 5; INSERT INTO " + s + ".\"tb m'1\" VALUES (0, 7);"
                    + " UPDATE " + s + ".\"tb i|c\" SET v = 20; INSERT INTO " + s + ".\"tb i|c\" VALUES (3, 3)")).isNull();
            exec(su, "RESET row_security");
            exec(su, "ALTER TABLE " + s + ".tb_m ENABLE ROW LEVEL SECURITY");
            assertThat(value(su, errors)).as("RLS on the parent, followed").isNull();
            assertThat(Rt.driftAgainst(su, s + ".tv_m", parts)).isZero();
            assertThat(Rt.driftAgainst(su, s + ".tv_i", kids)).isZero();
            assertThat(value(su, "SELECT count(*) FROM " + s + ".tv_m")).isEqualTo(151L);
        }
    }

    /**
     * Owners {prefix}_a and {prefix}_b, each with a schema of its own (named by schemaOf) that the other cannot use, both
     * members of {prefix}_src, which owns {prefix}_shared with tb_user (3 rows) and ev; the writer may write both tables.
     */
    static void twoOwnersAndASharedSchema(PgDatabase db, String prefix, java.util.function.UnaryOperator<String> schemaOf) throws SQLException {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE " + prefix + "_src; CREATE SCHEMA " + prefix + "_shared AUTHORIZATION " + prefix + "_src");
            for (String o : List.of(prefix + "_a", prefix + "_b")) {
                exec(su, "CREATE ROLE " + o + " LOGIN PASSWORD '" + PASSWORD + "' IN ROLE " + prefix + "_src");
                exec(su, "GRANT CONNECT ON DATABASE \"" + db.name() + "\" TO " + o + "; CREATE SCHEMA " + schemaOf.apply(o) + " AUTHORIZATION " + o);
            }
            String shared = prefix + "_shared";
            exec(su, "SET ROLE " + prefix + "_src; CREATE TABLE " + shared + ".tb_user (pk_user int PRIMARY KEY, name text);"
                    + " CREATE TABLE " + shared + ".ev (pk_ev int PRIMARY KEY, fk_user int); INSERT INTO " + shared + ".tb_user SELECT g, 'u' || g FROM generate_series(1, 3) g;"
                    + " GRANT USAGE ON SCHEMA " + shared + " TO writer; GRANT SELECT, INSERT, UPDATE ON " + shared + ".ev, " + shared + ".tb_user TO writer; RESET ROLE");
        }
    }

    static String xoQuery(String owner) {
        return "SELECT u.pk_user AS pk_x, (SELECT count(*) FROM xo_shared.ev e WHERE e.fk_user = u.pk_user) AS n,"
                + " (SELECT z.label FROM " + owner + ".z z WHERE z.k = u.pk_user) AS label FROM xo_shared.tb_user u";
    }

    /**
     * A key that is an expression is proven, when its code is generated (always as the owner), by creating a view from
     * the text PostgreSQL prints for it. A health check, the owner's or a superuser's of another owner's TVIEW, compares
     * the text with the catalog's copy instead: it creates nothing (no transaction id is assigned) and finds it OK.
     */
    @Test
    void healthChecksCreateNothingFromAKeyExpression(PgDatabase db) throws Exception {
        try (Connection a = as(db, "tenant_a"); Connection su = db.connect()) {
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_titled', $q$SELECT lower(p.title) AS pk_titled, count(*) AS n FROM tenant_a.tb_post p GROUP BY 1$q$)");
            exec(a, "BEGIN");
            assertThat(value(a, "SELECT status FROM pg_tviews_health_check() WHERE component = 'definition:tenant_a.titled'")).isEqualTo("OK");
            assertThat(value(a, "SELECT pg_current_xact_id_if_assigned() IS NULL")).as("the owner's check creates nothing").isEqualTo(true);
            exec(a, "ROLLBACK");
            exec(su, "BEGIN");
            assertThat(value(su, "SELECT status FROM pg_tviews_health_check() WHERE component = 'definition:tenant_a.titled'")).isEqualTo("OK");
            assertThat(value(su, "SELECT pg_current_xact_id_if_assigned() IS NULL")).as("a superuser creates nothing").isEqualTo(true);
            exec(su, "ROLLBACK");
            exec(a, "SELECT pg_tviews_drop('tenant_a.titled')");
        }
    }

    /**
     * Code of a TVIEW's owner (a function its definition calls, a row-level security policy on its source) that tries
     * RESET ROLE when a superuser's maintenance runs it. 0.3.4 ran such code after SET ROLE only, so it got back to the
     * superuser (check, repair, refresh_all, reinstall, source DDL); it now runs inside a SECURITY DEFINER function of
     * the owner, where RESET ROLE is refused. Catalog values the runtime splices are canonical (key type) or refused
     * (settings other than the four it pins: "role" ran the definition as the checking superuser).
     */
    @Test
    void ownerCodeCannotLeaveTheOwnersRoleDuringASuperusersMaintenance(PgDatabase db) throws Exception {
        try (Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(b, """
                    CREATE FUNCTION tenant_b.escape() RETURNS boolean LANGUAGE plpgsql AS $f$
                    BEGIN
                        IF (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
                            BEGIN RESET ROLE; EXECUTE 'ALTER ROLE tenant_b SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
                        END IF;
                        RETURN true;
                    END $f$;
                    CREATE FUNCTION tenant_b.fmt(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM tenant_b.escape(); RETURN t; END $f$;
                    CREATE TABLE tenant_b.tb_owner (pk_owner int PRIMARY KEY, name text);
                    CREATE TABLE tenant_b.tb_item (pk_item int PRIMARY KEY, fk_owner int, title text);
                    INSERT INTO tenant_b.tb_owner VALUES (1, 'o'); INSERT INTO tenant_b.tb_item VALUES (1, 1, 't')""");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_item', 'SELECT i.pk_item, tenant_b.fmt(i.title) AS title, o.name"
                    + " FROM tenant_b.tb_item i JOIN tenant_b.tb_owner o ON o.pk_owner = i.fk_owner')");
            exec(b, "ALTER TABLE tenant_b.tb_owner ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON tenant_b.tb_owner USING (tenant_b.escape())");
            // the policy runs in the owner's maintenance once forced on the owner (its STABLE-or-volatile function could make
            // the rows depend on the writer's session: since 0.3.6 that is refused, so the function is declared IMMUTABLE)
            exec(b, "ALTER FUNCTION tenant_b.escape() VOLATILE");
            assertThat(Rt.sqlState(b, "ALTER TABLE tenant_b.tb_owner FORCE ROW LEVEL SECURITY")).isEqualTo("0A000");
            exec(b, "ALTER FUNCTION tenant_b.escape() IMMUTABLE; ALTER TABLE tenant_b.tb_owner FORCE ROW LEVEL SECURITY");
            // its own objects removed, so that maintenance regenerates them (and reads its tables to decide on a refresh)
            exec(b, """
                    DO $d$ BEGIN
                        EXECUTE (SELECT format('DROP TRIGGER %I ON tenant_b.tb_owner', tgname) FROM pg_trigger
                                  WHERE tgrelid = 'tenant_b.tb_owner'::regclass AND tgname LIKE '%\\_trn');
                        EXECUTE (SELECT format('DROP FUNCTION %s', p.oid::regprocedure) FROM pg_proc p WHERE p.proname LIKE 'pg\\_tviews\\_tv\\_item\\_%\\_fr');
                    END $d$""");
            for (String sql : List.of("SELECT * FROM pg_tviews_check_consistency('tenant_b.item')", "SELECT pg_tviews_refresh_all()",
                    "SELECT pg_tviews_repair('tenant_b.item')", "SELECT pg_tviews_reinstall_triggers('tenant_b.item')",
                    "SELECT pg_tviews_refresh('tenant_b.item', true)", "SELECT * FROM pg_tviews_health_check()",
                    "SELECT pg_tviews_convert_existing_table('tenant_b.item')", "UPDATE tenant_b.tb_item SET title = 'by su'")) {
                assertThat(Rt.sqlState(su, sql)).as(sql).isIn(null, "42501");   // since 0.3.7 a superuser's session refuses another role's maintenance
                assertThat(isSuperuser(su, "tenant_b")).as(sql).isFalse();
            }
            // catalog values of its own row that the runtime splices
            exec(b, "UPDATE pg_tview_meta SET key_type = 'int AND tenant_b.escape()' WHERE entity = 'tenant_b.item'");
            assertThat(value(su, "SELECT key_type FROM pg_tview_meta WHERE entity = 'tenant_b.item'")).isEqualTo("integer");
            assertThat(Rt.sqlState(b, "UPDATE pg_tview_meta SET settings = '{\"role\": \"postgres\"}' WHERE entity = 'tenant_b.item'"))
                    .isEqualTo("22023");
            assertThat(Rt.sqlState(b, "UPDATE pg_tview_meta SET options = '{\"settings\": {\"role\": \"postgres\"}}' WHERE entity = 'tenant_b.item'"))
                    .isEqualTo("22023");
            exec(su, "BEGIN; UPDATE tenant_b.tb_item SET title = 'reported'; SELECT pg_tviews_flush_and_report(); COMMIT");
            assertThat(isSuperuser(su, "tenant_b")).isFalse();
            assertThat(value(su, "SELECT title FROM tenant_b.tv_item")).isEqualTo("reported");
        }
    }

    @Test
    void writersNeedNoPrivilegeOnTheTviewAndCannotForgeItsRows(PgDatabase db) throws Exception {
        try (Connection w = as(db, "writer"); Connection r = as(db, "reader"); Connection a = as(db, "tenant_a")) {
            exec(w, "UPDATE tenant_a.tb_user SET name = 'written by writer' WHERE pk_user = 1");
            exec(w, "INSERT INTO tenant_a.tb_post VALUES (3, 2, 'by writer')");
            assertThat(Rt.driftAgainst(a, "tenant_a.tv_post", "SELECT p.pk_post, p.title, u.name FROM tenant_a.tb_post p JOIN tenant_a.tb_user u ON u.pk_user = p.fk_user"))
                    .isZero();
            assertThat(Rt.sqlState(w, "UPDATE tenant_a.tv_post SET title = 'forged'")).isEqualTo("42501");
            assertThat(Rt.sqlState(w, "INSERT INTO tenant_a.tv_post VALUES (99, 'forged', 'x')")).isEqualTo("42501");
            assertThat(Rt.sqlState(r, "DELETE FROM tenant_a.tv_post")).isEqualTo("42501");
            assertThat(value(r, "SELECT name FROM tenant_a.tv_post WHERE pk_post = 1")).isEqualTo("written by writer");
            // generated functions cannot be called directly by others
            String rk = value(a, "SELECT object_name FROM pg_tview_helpers WHERE entity = 'tenant_a.post' AND object_name LIKE '%\\_rk'").toString();
            assertThat(Rt.sqlState(w, "SELECT tenant_a." + rk + "(ARRAY[1])")).isEqualTo("42501");
        }
    }

    /**
     * A hierarchy walked by WITH RECURSIVE is walked as the TVIEW's owner, for a writer who may only write the table, and
     * its closure lock row (one row that every walk of the hierarchy shares) cannot be taken by another role: no role
     * outside the owner's can stall the hierarchy's writers. Another tenant cannot walk a table it cannot read.
     */
    @Test
    void aHierarchyIsWalkedAsItsOwnerAndNoOtherRoleCanHoldItsClosureLock(PgDatabase db) throws Exception {
        String crumbs = "SELECT c.pk_cat, (WITH RECURSIVE up(id, par, name, d) AS (SELECT c2.pk_cat, c2.fk_parent, c2.name, 0 FROM tenant_a.tb_cat c2"
                + " WHERE c2.pk_cat = c.pk_cat UNION ALL SELECT p.pk_cat, p.fk_parent, p.name, up.d + 1 FROM up JOIN tenant_a.tb_cat p ON p.pk_cat = up.par)"
                + " SELECT string_agg(up.name, '/' ORDER BY up.d DESC) FROM up) AS path FROM tenant_a.tb_cat c";
        try (Connection a = as(db, "tenant_a"); Connection w = as(db, "writer"); Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(a, "CREATE TABLE tenant_a.tb_cat (pk_cat int PRIMARY KEY, fk_parent int, name text);"
                    + " INSERT INTO tenant_a.tb_cat VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'b'), (4, 1, 'c')");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_cat', $q$" + crumbs + "$q$)");
            exec(a, "GRANT SELECT, INSERT, UPDATE ON tenant_a.tb_cat TO writer");
            exec(w, "UPDATE tenant_a.tb_cat SET fk_parent = 4 WHERE pk_cat = 2");
            exec(w, "INSERT INTO tenant_a.tb_cat VALUES (5, 3, 'new')");
            exec(w, "UPDATE tenant_a.tb_cat SET name = 'C' WHERE pk_cat = 4");
            assertThat(value(a, "SELECT path FROM tenant_a.tv_cat WHERE pk_cat = 5")).isEqualTo("root/C/a/b/new");
            assertThat(Rt.driftAgainst(a, "tenant_a.tv_cat", crumbs)).isZero();
            String locks = (String) value(su, "SELECT format('tenant_a.%I', (pg_tviews__names('tenant_a.cat', 'tv_cat')).lk)");
            assertThat(value(su, "SELECT count(*) FROM " + locks + " WHERE val = '*' AND scope LIKE 'c%'")).isEqualTo(1L);     // the closure hop's
            for (Connection other : List.of(w, b)) {
                for (String sql : List.of("SELECT * FROM " + locks + " FOR SHARE", "SELECT * FROM " + locks + " FOR KEY SHARE",
                        "INSERT INTO " + locks + " (scope, val) VALUES ('x', '*')", "UPDATE " + locks + " SET n = n + 1", "DELETE FROM " + locks, "TRUNCATE " + locks)) {
                    assertThat(Rt.sqlState(other, sql)).as(sql).isEqualTo("42501");
                }
            }
            assertThat(Rt.sqlState(b, "SELECT pg_tviews_create('tenant_b.tv_cat', $q$" + crumbs + "$q$)")).isEqualTo("42501");
        }
    }

    @Test
    void rowLevelSecurityIsEvaluatedAsTheOwnerWhoeverWrites(PgDatabase db) throws Exception {
        try (Connection a = as(db, "tenant_a"); Connection su = db.connect()) {
            exec(a, "CREATE TABLE tenant_a.tb_doc (pk_doc int PRIMARY KEY, public boolean, body text)");
            exec(a, "ALTER TABLE tenant_a.tb_doc ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY");
            exec(a, "CREATE POLICY visible ON tenant_a.tb_doc USING (public) WITH CHECK (true)");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_doc', 'SELECT d.pk_doc, d.body FROM tenant_a.tb_doc d')");
            exec(su, "INSERT INTO tenant_a.tb_doc VALUES (1, true, 'shown'), (2, false, 'hidden from the owner')");   // superuser bypasses RLS
            assertThat(Rt.rows(a, "SELECT pk_doc FROM tenant_a.tv_doc ORDER BY 1")).containsExactly(List.of(1));
            assertThat(Rt.driftAgainst(a, "tenant_a.tv_doc", "SELECT d.pk_doc, d.body FROM tenant_a.tb_doc d")).isZero();
        }
    }

    @Test
    void generatedAndRuntimeFunctionsPinTheirSearchPath(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            List<List<Object>> unpinned = Rt.rows(su, "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                    + " WHERE p.proname LIKE 'pg\\_tviews%' AND n.nspname IN ('public', 'tenant_a', 'tenant_b')"
                    + " AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false) ORDER BY 1");
            // only the four entry points that resolve the caller's query text with the caller's search_path, and the
            // fingerprint of temporary objects that every flush takes twice, inlined into the generated code (0.3.35): no SET
            // clause, every name in it qualified
            assertThat(unpinned).extracting(r -> r.get(0)).containsExactlyInAnyOrder(
                    "pg_tviews_create(text,text,jsonb)", "pg_tviews_create_or_replace(text,text,jsonb)",
                    "pg_tviews_convert_existing_table(text,text,jsonb)", "pg_tviews_convert_existing_table(text)", "pg_tviews__temp_objects()");
            // a search_path that puts a planted pg_my_temp_schema() and = operator before pg_catalog changes nothing it sees
            exec(su, "CREATE SCHEMA \"pl ant'ed\"; CREATE FUNCTION \"pl ant'ed\".pg_my_temp_schema() RETURNS oid LANGUAGE sql AS 'SELECT 0::oid';"
                    + " CREATE FUNCTION \"pl ant'ed\".f(oid, integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';"
                    + " CREATE OPERATOR \"pl ant'ed\".= (LEFTARG = oid, RIGHTARG = integer, FUNCTION = \"pl ant'ed\".f)");
            exec(su, "CREATE TEMP TABLE t_probe (a int)");
            exec(su, "SET search_path = \"pl ant'ed\", pg_catalog, public");
            assertThat(value(su, "SELECT public.pg_tviews__temp_objects()")).isEqualTo(value(su, "SELECT public.pg_tviews__temp_objects_listed()"))
                    .asString().matches("[0-9]+:[0-9]+/[0-9]+:[0-9]+");
            exec(su, "RESET search_path; DROP TABLE t_probe");
            assertThat(value(su, "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'tenant_a'"
                    + " AND p.proname LIKE 'pg\\_tviews\\_%' AND NOT (p.prosecdef AND pg_get_userbyid(p.proowner) = 'tenant_a')")).isEqualTo(0L);
        }
    }

    @Test
    void theInstallerRefusesRuntimeObjectsOwnedByAnotherRole(PgServer server) throws Exception {
        PgDatabase fresh = server.createDatabase("planted");
        try (Connection su = fresh.connect()) {
            exec(su, "CREATE ROLE dbowner LOGIN PASSWORD '" + PASSWORD + "'");
            exec(su, "ALTER DATABASE planted OWNER TO dbowner; GRANT CREATE ON SCHEMA public TO dbowner");
        }
        try (Connection o = as(fresh, "dbowner")) {
            exec(o, "CREATE FUNCTION public.pg_tviews_version() RETURNS text LANGUAGE sql AS $$ SELECT 'planted' $$");
        }
        OsCommand.Result r = fresh.psqlFile(Rt.scriptFile());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.output()).contains("TVIEW runtime objects exist with another owner").contains("pg_tviews_version()");
        try (Connection su = fresh.connect()) {
            assertThat(value(su, "SELECT count(*) FROM pg_proc WHERE proname LIKE 'pg\\_tviews%'")).isEqualTo(1L);
            assertThat(value(su, "SELECT to_regclass('public.pg_tview_meta')")).isNull();
        }
    }

    @Test
    void aTviewCanBeInstalledAndUsedWithoutAnySuperuser(PgServer server) throws Exception {
        PgDatabase fresh = server.createDatabase("owned");
        try (Connection su = fresh.connect()) {
            exec(su, "CREATE ROLE app_owner LOGIN PASSWORD '" + PASSWORD + "'");
            exec(su, "ALTER DATABASE owned OWNER TO app_owner; ALTER SCHEMA public OWNER TO app_owner");
        }
        OsCommand.Result r = OsCommand.run(List.of(server.bin("psql"), "-X", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String.valueOf(server.port()),
                "-U", "app_owner", "-d", "owned", "-f", Rt.scriptFile().toString()), java.util.Map.of("PGPASSWORD", PASSWORD), null, 120);
        assertThat(r.exitCode()).as(r.output()).isZero();
        try (Connection o = as(fresh, "app_owner")) {
            assertThat(isSuperuser(o, "app_owner")).isFalse();
            Rt.blog(o, "app", 3, 6, 6);
            exec(o, "UPDATE tb_user SET name = 'x' WHERE pk_user = 1");
            Rt.assertNoDrift(o, "app.post", "app.user");
            assertThat(value(o, "SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR'")).isEqualTo(0L);
        }
    }

    /**
     * What a review found past the SECURITY DEFINER boundary (each failing on 0.3.6):
     * <ul>
     * <li>owner code that queues a deferred trigger event (an "IMMUTABLE" function calling a volatile one that inserts into
     *     a table with a DEFERRABLE INITIALLY DEFERRED trigger): the event fired at the superuser's COMMIT, as the
     *     superuser. Now it fires before maintenance returns, as the owner;</li>
     * <li>owner code that sets the session's search_path (set_config(..., false) outlives the functions' SET clause):
     *     the superuser's session went on resolving operators through the tenant's schema. Now the transaction fails.</li>
     * </ul>
     */
    @Test
    void ownerCodeCannotActAfterMaintenanceReturnsToASuperuser(PgDatabase db) throws Exception {
        try (Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(b, """
                    CREATE TABLE tenant_b.tb_trapped (pk_trapped int PRIMARY KEY, name text);
                    INSERT INTO tenant_b.tb_trapped VALUES (1, 'x');
                    CREATE TABLE tenant_b.trap (x int);
                    CREATE FUNCTION tenant_b.escalate() RETURNS trigger LANGUAGE plpgsql AS $f$
                    BEGIN
                        IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
                            EXECUTE 'ALTER ROLE tenant_b SUPERUSER';
                        END IF;
                        RETURN NULL;
                    END $f$;
                    CREATE CONSTRAINT TRIGGER trap AFTER INSERT ON tenant_b.trap DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tenant_b.escalate();
                    CREATE FUNCTION tenant_b.arm() RETURNS void LANGUAGE sql VOLATILE AS $f$ INSERT INTO tenant_b.trap VALUES (1) $f$;
                    CREATE FUNCTION tenant_b.armed(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM tenant_b.arm(); RETURN t; END $f$""");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_trapped', 'SELECT t.pk_trapped, tenant_b.armed(t.name) AS n FROM tenant_b.tb_trapped t')");
            for (String sql : List.of("SELECT * FROM pg_tviews_check_consistency('tenant_b.trapped')", "SELECT pg_tviews_refresh('tenant_b.trapped')",
                    "SELECT pg_tviews_repair('tenant_b.trapped')", "SELECT pg_tviews_reinstall_triggers('tenant_b.trapped')",
                    "SELECT pg_tviews_refresh_all()", "SELECT pg_tviews_convert_existing_table('tenant_b.trapped')")) {
                assertThat(Rt.sqlState(su, sql)).as(sql).isIn(null, "42501");   // since 0.3.7 a superuser's session refuses another role's maintenance
                assertThat(isSuperuser(su, "tenant_b")).as(sql).isFalse();
            }
            // refused in the superuser's session, named in refresh_all's result, and run by the owner itself
            assertThat(Rt.sqlState(su, "SELECT pg_tviews_refresh('tenant_b.trapped')")).isEqualTo("42501");
            assertThat(value(su, "SELECT pg_tviews_refresh_all()->>'skipped_other_owners'")).asString().contains("tenant_b.trapped");
            assertThat(value(b, "SELECT missing + extra + different FROM pg_tviews_check_consistency('tenant_b.trapped')")).isEqualTo(0L);
            exec(b, "SELECT pg_tviews_refresh('tenant_b.trapped')");

            String path = (String) value(su, "SHOW search_path");
            exec(b, """
                    CREATE FUNCTION tenant_b.pathed(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN t; END $f$;
                    CREATE TABLE tenant_b.tb_pathed (pk_pathed int PRIMARY KEY, name text); INSERT INTO tenant_b.tb_pathed VALUES (1, 'x')""");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_pathed', 'SELECT t.pk_pathed, tenant_b.pathed(t.name) AS n FROM tenant_b.tb_pathed t')");
            exec(b, """
                    CREATE OR REPLACE FUNCTION tenant_b.pathed(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
                    BEGIN PERFORM pg_catalog.set_config('search_path', 'tenant_b, pg_catalog', false); RETURN t; END $f$""");
            assertThat(Rt.sqlState(su, "SELECT pg_tviews_refresh('tenant_b.pathed')")).isEqualTo("42501");
            assertThat(Rt.sqlState(su, "SELECT * FROM pg_tviews_check_consistency('tenant_b.pathed')")).isEqualTo("42501");
            assertThat(Rt.sqlState(su, "UPDATE tenant_b.tb_pathed SET name = 'y'")).isEqualTo("42501");
            assertThat(value(su, "SHOW search_path")).isEqualTo(path);
            assertThat(Rt.sqlState(b, "SELECT pg_tviews_create('tenant_b.tv_pathed2', 'SELECT t.pk_pathed AS pk_pathed2, tenant_b.pathed(t.name) AS n FROM tenant_b.tb_pathed t')"))
                    .isEqualTo("42501");
            exec(b, "SELECT pg_tviews_drop('tenant_b.pathed'); SELECT pg_tviews_drop('tenant_b.trapped')");

            // a temporary view planted in the caller's session, named like a table the caller reads unqualified later
            exec(b, """
                    CREATE FUNCTION tenant_b.plant() RETURNS void LANGUAGE plpgsql AS $f$
                    BEGIN
                        IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = session_user) THEN
                            EXECUTE 'CREATE TEMP VIEW pg_settings AS SELECT tenant_b.escalate_now() AS name';
                        END IF;
                    END $f$;
                    CREATE FUNCTION tenant_b.escalate_now() RETURNS text LANGUAGE plpgsql AS $f$
                    BEGIN
                        IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN EXECUTE 'ALTER ROLE tenant_b SUPERUSER'; END IF;
                        RETURN 'x';
                    END $f$;
                    CREATE FUNCTION tenant_b.planted(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN RETURN t; END $f$;
                    CREATE TABLE tenant_b.tb_planted (pk_planted int PRIMARY KEY, name text); INSERT INTO tenant_b.tb_planted VALUES (1, 'x')""");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_planted', 'SELECT t.pk_planted, tenant_b.planted(t.name) AS n FROM tenant_b.tb_planted t')");
            exec(b, "CREATE OR REPLACE FUNCTION tenant_b.planted(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM tenant_b.plant(); RETURN t; END $f$");
            assertThat(Rt.sqlState(su, "SELECT pg_tviews_refresh('tenant_b.planted')")).isEqualTo("42501");
            assertThat(Rt.sqlState(su, "SELECT * FROM pg_tviews_check_consistency('tenant_b.planted')")).isEqualTo("42501");
            value(su, "SELECT count(*) FROM pg_settings");
            assertThat(isSuperuser(su, "tenant_b")).isFalse();
            assertThat(value(su, "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()")).isEqualTo(0L);
            exec(b, "SELECT pg_tviews_drop('tenant_b.planted')");
        }
    }

    /**
     * A deferred event the owner's code queues fires, as the owner, before the guard's checks (hunt 41: 0.3.7 – 0.3.34
     * fired it after them, so an event that planted a temporary view or set the session's search_path passed when a
     * member of the owner, not the owner, refreshed or checked the TVIEW).
     */
    @Test
    void deferredEventsOfOwnerCodeFireBeforeTheGuardLooks(PgDatabase db) throws Exception {
        createLoginRole(db, "\"dg M'ember\"", " IN ROLE tenant_b");
        try (Connection b = as(db, "tenant_b"); Connection m = as(db, "dg M'ember"); Connection su = db.connect()) {
            exec(b, """
                    CREATE TABLE tenant_b."tb de'ferred" (pk_deferred int PRIMARY KEY, name text); INSERT INTO tenant_b."tb de'ferred" VALUES (1, 'x');
                    CREATE TABLE tenant_b.later (x int);
                    CREATE FUNCTION tenant_b.later_trg() RETURNS trigger LANGUAGE plpgsql AS $f$
                    BEGIN
                        IF session_user <> 'tenant_b' THEN
                            EXECUTE 'CREATE OR REPLACE TEMP VIEW planted AS SELECT 1 AS x';
                            IF TG_ARGV[0] = 'path' THEN PERFORM pg_catalog.set_config('search_path', 'tenant_b, public', false); END IF;
                        END IF;
                        RETURN NULL;
                    END $f$;
                    CREATE CONSTRAINT TRIGGER later_view AFTER INSERT ON tenant_b.later DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tenant_b.later_trg('view');
                    CREATE FUNCTION tenant_b.queue_later() RETURNS void LANGUAGE sql AS $f$ INSERT INTO tenant_b.later VALUES (1) $f$;
                    CREATE FUNCTION tenant_b.deferring(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM tenant_b.queue_later(); RETURN t; END $f$""");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_deferred', $q$SELECT d.pk_deferred, tenant_b.deferring(d.name) AS n FROM tenant_b.\"tb de'ferred\" d$q$)");
            String path = (String) value(m, "SHOW search_path");
            for (String sql : List.of("SELECT pg_tviews_refresh('tenant_b.deferred')", "SELECT * FROM pg_tviews_check_consistency('tenant_b.deferred')")) {
                assertThat(Rt.sqlState(m, sql)).as(sql).isEqualTo("42501");
                assertThat(value(m, "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()")).as(sql).isEqualTo(0L);
            }
            exec(b, "DROP TRIGGER later_view ON tenant_b.later; CREATE CONSTRAINT TRIGGER later_path AFTER INSERT ON tenant_b.later DEFERRABLE INITIALLY DEFERRED"
                    + " FOR EACH ROW EXECUTE FUNCTION tenant_b.later_trg('path')");
            assertThat(Rt.sqlState(m, "SELECT pg_tviews_refresh('tenant_b.deferred')")).isEqualTo("42501");
            assertThat(value(m, "SHOW search_path")).isEqualTo(path);
            // the owner itself runs it (its own code, its own session)
            exec(b, "SELECT pg_tviews_refresh('tenant_b.deferred')");
            assertThat(value(b, "SELECT missing + extra + different FROM pg_tviews_check_consistency('tenant_b.deferred')")).isEqualTo(0L);
            exec(b, "SELECT pg_tviews_drop('tenant_b.deferred')");
            exec(su, "DROP OWNED BY \"dg M'ember\"; DROP ROLE \"dg M'ember\"");
        }
    }

    /**
     * Catalog rows are written by their owners (row-level security), and 0.3.6 believed them: a row of tenant_b claiming
     * to read tenant_a's TVIEW stopped tenant_a from dropping it (2BP01), tenant_b's own TVIEW renamed in the catalog to
     * tenant_a's name took a superuser's check and repair of that name, a row without a table stopped everyone's
     * refresh_all, and a schema the caller may not use broke pg_tviews_get_queue() for everyone.
     */
    @Test
    void catalogRowsOfOneOwnerCannotMisleadOperationsOnAnothersTviews(PgDatabase db) throws Exception {
        try (Connection a = as(db, "tenant_a"); Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(a, "CREATE TABLE tenant_a.tb_victim (pk_victim int PRIMARY KEY, name text); INSERT INTO tenant_a.tb_victim VALUES (1, 'x')");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_victim', 'SELECT v.pk_victim, v.name FROM tenant_a.tb_victim v')");
            exec(b, "CREATE TABLE tenant_b.tb_decoy (pk_decoy int PRIMARY KEY); INSERT INTO tenant_b.tb_decoy VALUES (1)");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_decoy', 'SELECT d.pk_decoy FROM tenant_b.tb_decoy d')");
            try {
                assertThat(Rt.sqlState(b, "UPDATE pg_tview_meta SET entity = 'tenant_a.tv_victim' WHERE entity = 'tenant_b.decoy'")).isEqualTo("22023");
                exec(b, "INSERT INTO pg_tview_meta (entity, schema_name, table_name, definition, key_column, key_type, dependent_on)"
                        + " VALUES ('tenant_b.fake', 'tenant_b', 'tv_fake', 'SELECT 1 AS pk_fake', 'pk_fake', 'integer', ARRAY['tenant_a.victim'])");
                assertThat(value(a, "SELECT count(*) FROM pg_tviews_get_queue()")).isEqualTo(0L);
                assertThat(value(a, "SELECT count(*) FROM pg_tviews_queue_realtime WHERE entity = 'tenant_b.fake'")).isEqualTo(1L);
                assertThat(value(su, "SELECT pg_tviews_refresh_all()->>'skipped_without_table'")).asString().contains("tenant_b.fake");
                assertThat(value(su, "SELECT pg_tviews_refresh_all()->>'order'")).asString().doesNotContain("tv_victim");
                exec(su, "SET session_replication_role = replica; INSERT INTO tenant_a.tb_victim VALUES (2, 'unmaintained'); RESET session_replication_role");
                assertThat(Rt.sqlState(su, "SELECT * FROM pg_tviews_check_consistency('tenant_a.tv_victim')")).isEqualTo("42501");
                assertThat(value(a, "SELECT missing FROM pg_tviews_check_consistency('tenant_a.tv_victim')")).isEqualTo(1L);
                assertThat(value(a, "SELECT pg_tviews_repair('tenant_a.tv_victim')")).isEqualTo(1L);
                exec(a, "SELECT pg_tviews_drop('tenant_a.victim')");
            } finally {
                exec(b, "DELETE FROM pg_tviews_metadata WHERE entity = 'tenant_b.fake'; SELECT pg_tviews_drop('tenant_b.decoy')");
            }
        }
    }

    /** A tenant function that, run in another role's session, leaves a cursor WITH HOLD that makes tenant_b superuser at COMMIT. */
    static final String HOLD_CURSOR = """
            CREATE FUNCTION tenant_b.escalate_held() RETURNS int LANGUAGE plpgsql AS $f$
            BEGIN
                IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN EXECUTE 'ALTER ROLE tenant_b SUPERUSER'; END IF;
                RETURN 0;
            END $f$;
            CREATE FUNCTION tenant_b.plant_cursor() RETURNS void LANGUAGE plpgsql VOLATILE AS $f$
            BEGIN
                IF session_user <> current_user THEN
                    EXECUTE 'DECLARE tv_held CURSOR WITH HOLD FOR SELECT tenant_b.escalate_held() FROM generate_series(1, 2)';
                END IF;
            END $f$;
            CREATE FUNCTION tenant_b.held(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$ BEGIN PERFORM tenant_b.plant_cursor(); RETURN t; END $f$""";

    /**
     * Round 3 of the review (0.3.7): the regeneration that a superuser's DDL or the upgrade runs for every TVIEW ended
     * with a full refresh of another role's TVIEW when its registry named a dropped table, and the tenant's query left a
     * cursor WITH HOLD that ran as the superuser at COMMIT. The tenant steered the superuser's DDL on the superuser's own
     * table to its TVIEW by editing its catalog row's dependencies. Now the TVIEWs a DDL concerns are those whose
     * definition view reads the table, and a superuser's session regenerates another role's TVIEW without running it:
     * the TVIEW is marked (health check ERROR) for its owner to refresh.
     */
    @Test
    void aSuperusersDdlOrUpgradeRegeneratesAnotherRolesTviewWithoutRunningIt(PgDatabase db) throws Exception {
        try (Connection b = as(db, "tenant_b"); Connection su = db.connect()) {
            exec(b, HOLD_CURSOR);
            exec(b, "CREATE TABLE tenant_b.tb_held (pk_held int PRIMARY KEY, name text); INSERT INTO tenant_b.tb_held VALUES (1, 'x')");
            exec(b, "SELECT pg_tviews_create('tenant_b.tv_held', 'SELECT t.pk_held, tenant_b.held(t.name) AS n FROM tenant_b.tb_held t')");
            exec(su, "CREATE TABLE public.su_own (x int)");
            exec(b, "UPDATE pg_tview_meta SET dependencies = dependencies || '[{\"schema\": \"public\", \"table\": \"su_own\"}]', definition_hash = 'x'"
                    + " WHERE entity = 'tenant_b.held'");
            exec(b, "INSERT INTO pg_tview_helpers (entity, kind, schema_name, object_name, on_table) VALUES ('tenant_b.held', 'trigger', 'tenant_b', 'x', 'gone')");
            for (String sql : List.of("ALTER TABLE public.su_own ADD COLUMN note text", "ALTER TABLE tenant_b.tb_held ADD COLUMN note text")) {
                exec(su, sql);
                assertThat(value(su, "SELECT coalesce(string_agg(name || ': ' || statement, '; '), '') FROM pg_cursors WHERE is_holdable")).as(sql).isEqualTo("");
                assertThat(isSuperuser(su, "tenant_b")).as(sql).isFalse();
            }
            Rt.install(db);    // the upgrade, as a superuser
            assertThat(isSuperuser(su, "tenant_b")).isFalse();
            assertThat(value(su, "SELECT last_error FROM pg_tview_meta WHERE entity = 'tenant_b.held'")).asString()
                    .startsWith("ddl: its sources gained or lost rows");
            assertThat(value(b, "SELECT status FROM pg_tviews_health_check() WHERE component = 'tview:tenant_b.held' ORDER BY status LIMIT 1"))
                    .isEqualTo("ERROR");
            // its owner refreshes it
            exec(b, "SELECT pg_tviews_refresh('tenant_b.held')");
            assertThat(value(b, "SELECT last_error IS NULL FROM pg_tview_meta WHERE entity = 'tenant_b.held'")).isEqualTo(true);
            assertThat(Rt.driftAgainst(b, "tenant_b.tv_held", "SELECT t.pk_held, tenant_b.held(t.name) AS n FROM tenant_b.tb_held t")).isZero();
            exec(b, "SELECT pg_tviews_drop('tenant_b.held')");
            exec(su, "DROP TABLE public.su_own");
        }
    }

    /**
     * Round 3 (0.3.7): a role with nothing but CONNECT took ACCESS EXCLUSIVE on the catalog (PUBLIC had UPDATE and DELETE
     * on it), and every DDL in the database waited; a catalog row of one role naming another's table and a partitioned
     * pair made the event trigger refuse that table's DDL, a superuser's included; the installer's canonicalising setting,
     * which any session could set, switched off the catalog guard.
     */
    @Test
    void noRoleCanLockTheCatalogFailOthersDdlOrSwitchOffTheGuard(PgDatabase db) throws Exception {
        try (Connection su = db.connect()) {
            exec(su, "CREATE ROLE connect_only LOGIN PASSWORD '" + PASSWORD + "'");
        }
        try (Connection a = as(db, "tenant_a"); Connection b = as(db, "tenant_b"); Connection c = as(db, "connect_only");
             Connection su = db.connect()) {
            for (String t : List.of("pg_tview_meta", "pg_tview_helpers", "pg_tviews_metadata")) {
                for (String mode : List.of("ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE", "SHARE UPDATE EXCLUSIVE")) {
                    String sql = "BEGIN; LOCK TABLE public." + t + " IN " + mode + " MODE";
                    assertThat(Rt.sqlState(c, sql)).as(sql).isEqualTo("42501");
                    exec(c, "ROLLBACK");
                }
            }
            exec(a, "CREATE TABLE tenant_a.tb_item (pk_item int PRIMARY KEY, name text)");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_item', 'SELECT i.pk_item, i.name FROM tenant_a.tb_item i')");
            exec(b, "CREATE TABLE tenant_b.p (id int) PARTITION BY LIST (id); CREATE TABLE tenant_b.p1 PARTITION OF tenant_b.p FOR VALUES IN (1)");
            exec(b, "INSERT INTO pg_tview_meta (entity, schema_name, table_name, definition, key_column, key_type, dependencies)"
                    + " VALUES ('tenant_b.zz', 'tenant_b', 'tv_zz', 'SELECT 1', 'pk_zz', 'integer', '[{\"schema\": \"tenant_a\", \"table\": \"tb_item\"},"
                    + " {\"schema\": \"tenant_b\", \"table\": \"p\"}, {\"schema\": \"tenant_b\", \"table\": \"p1\"}]')");
            try {
                exec(a, "ALTER TABLE tenant_a.tb_item ADD COLUMN note text");
                exec(su, "ALTER TABLE tenant_a.tb_item ALTER COLUMN name SET NOT NULL");
                exec(a, "SELECT pg_tviews_create('tenant_a.tv_other', 'SELECT i.pk_item, i.name FROM tenant_a.tb_item i', '{\"key\": \"pk_item\"}')");
                assertThat(Rt.driftAgainst(a, "tenant_a.tv_item", "SELECT i.pk_item, i.name FROM tenant_a.tb_item i")).isZero();

                exec(b, "CREATE TABLE tenant_b.tb_thing (pk_thing int PRIMARY KEY)");
                exec(b, "SELECT pg_tviews_create('tenant_b.tv_thing', 'SELECT t.pk_thing FROM tenant_b.tb_thing t')");
                exec(b, "SET pg_tviews.canon = 'on'");
                assertThat(Rt.sqlState(b, "UPDATE pg_tview_meta SET entity = 'tenant_a.tv_item' WHERE entity = 'tenant_b.thing'")).isEqualTo("22023");
                exec(b, "RESET pg_tviews.canon");
                exec(a, "INSERT INTO tenant_a.tb_item VALUES (1, 'one')");
                assertThat(value(a, "SELECT pg_tviews_refresh('tenant_a.tv_item')")).isNotNull();
                assertThat(Rt.driftAgainst(a, "tenant_a.tv_item", "SELECT i.pk_item, i.name FROM tenant_a.tb_item i")).isZero();
                // a role deletes its own rows through the seeds' view; not another's
                assertThat(value(a, "WITH d AS (DELETE FROM pg_tviews_metadata WHERE entity = 'tenant_b.zz' RETURNING 1) SELECT count(*) FROM d")).isEqualTo(0L);
                assertThat(value(b, "WITH d AS (DELETE FROM pg_tviews_metadata WHERE entity = 'tenant_b.zz' RETURNING 1) SELECT count(*) FROM d")).isEqualTo(1L);
                assertThat(value(su, "SELECT count(*) FROM pg_tview_meta WHERE entity = 'tenant_b.zz'")).isEqualTo(0L);
            } finally {
                exec(su, "DELETE FROM pg_tview_meta WHERE entity = 'tenant_b.zz'");
                exec(a, "SELECT pg_tviews_drop('tenant_a.other'); SELECT pg_tviews_drop('tenant_a.item')");
                exec(b, "SELECT pg_tviews_drop('tenant_b.thing'); DROP TABLE tenant_b.p");
            }
        }
    }

    /**
     * Round 3 (0.3.7): what a TVIEW's maintenance found through its owner's rights reached roles that may not read it:
     * pg_tviews_flush_and_report() listed the keys of TVIEWs the caller cannot read ("op": "changed"), repair wrote
     * sample keys into the audit log every role reads, and a duplicate key's value was printed to a writer that cannot
     * read it (PostgreSQL hides it in its own unique violations). Round 4 (0.3.21): the generated function the report
     * calls returned the keys to any caller.
     */
    @Test
    void reportsLogsAndErrorsShowNoKeyTheCallerCannotRead(PgDatabase db) throws Exception {
        createLoginRole(db, "group_writer", "");
        try (Connection a = as(db, "tenant_a"); Connection w = as(db, "group_writer"); Connection su = db.connect()) {
            exec(a, """
                    CREATE TABLE tenant_a.tb_grp (pk_grp int PRIMARY KEY, name text, owner_email text);
                    CREATE TABLE tenant_a.tb_member (pk_member text PRIMARY KEY, fk_grp int REFERENCES tenant_a.tb_grp);
                    INSERT INTO tenant_a.tb_grp VALUES (1, 'g1', 'owner1@x'), (2, 'g2', 'owner2@x');
                    INSERT INTO tenant_a.tb_member VALUES ('alice@x', 1), ('bob@x', 2);
                    GRANT USAGE ON SCHEMA tenant_a TO group_writer;
                    GRANT SELECT (pk_grp, name), UPDATE (name) ON tenant_a.tb_grp TO group_writer;
                    GRANT INSERT ON tenant_a.tb_member TO group_writer""");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_member', 'SELECT m.pk_member, g.name AS grp FROM tenant_a.tb_member m JOIN tenant_a.tb_grp g ON g.pk_grp = m.fk_grp')");
            exec(a, "SELECT pg_tviews_create('tenant_a.tv_grp_owner', 'SELECT g.owner_email, m.pk_member FROM tenant_a.tb_grp g JOIN tenant_a.tb_member m ON m.fk_grp = g.pk_grp',"
                    + " '{\"key\": \"owner_email\"}')");
            try {
                exec(w, "BEGIN; UPDATE tenant_a.tb_grp SET name = 'renamed' WHERE pk_grp = 1");
                assertThat(value(w, "SELECT pg_tviews_flush_and_report()::text")).asString().doesNotContain("alice").contains("\"count\": 0");
                exec(w, "ROLLBACK");
                // the function the report calls is anyone's to call (0.3.20 returned the keys to this caller), also claiming
                // to be a role the session cannot act as
                String rp = (String) value(su, "SELECT p.oid::regproc::text FROM pg_proc p WHERE p.proname LIKE 'pg\\_tviews\\_tv\\_member\\_%\\_rp'");
                for (String as : new String[] {"group_writer", "tenant_a", "postgres"}) {
                    exec(w, "BEGIN; UPDATE tenant_a.tb_grp SET name = 'renamed' WHERE pk_grp = 1; SELECT pg_tviews_flush()");
                    assertThat(value(w, "SELECT " + rp + "(false, 100, '" + as + "')::text")).as(as).asString().doesNotContain("alice");
                    exec(w, "ROLLBACK");
                }
                exec(a, "BEGIN; UPDATE tenant_a.tb_grp SET name = 'renamed' WHERE pk_grp = 1; SELECT pg_tviews_flush()");
                assertThat(value(a, "SELECT " + rp + "(false, 100, 'tenant_a')::text")).asString().contains("alice");
                assertThat(value(a, "SELECT pg_tviews_flush_and_report()::text")).asString().contains("alice");
                exec(a, "ROLLBACK");
                try {
                    w.createStatement().execute("INSERT INTO tenant_a.tb_member VALUES ('carol@x', 1)");
                    throw new AssertionError("a second member of group 1 must fail: tv_grp_owner's key would repeat");
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).isEqualTo("23505");
                    assertThat(e.getMessage()).contains("tenant_a.grp_owner").contains("owner_email").doesNotContain("owner1@x");
                }
                try {
                    a.createStatement().execute("INSERT INTO tenant_a.tb_member VALUES ('carol@x', 1)");
                    throw new AssertionError("a second member of group 1 must fail");
                } catch (SQLException e) {
                    assertThat(e.getMessage()).contains("owner1@x");   // its owner may read it
                }
                exec(su, "SET session_replication_role = replica; UPDATE tenant_a.tb_member SET fk_grp = 2 WHERE pk_member = 'alice@x'; RESET session_replication_role");
                exec(a, "SELECT pg_tviews_repair('tenant_a.member')");
                assertThat(value(w, "SELECT string_agg(details::text, ' ') FROM pg_tview_audit_log WHERE operation = 'REPAIR'")).asString()
                        .doesNotContain("alice");
            } finally {
                exec(a, "SELECT pg_tviews_drop('tenant_a.grp_owner'); SELECT pg_tviews_drop('tenant_a.member')");
            }
        }
    }
}
