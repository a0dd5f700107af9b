package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.assertNoDrift;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Install, upgrade in place over live TVIEWs, concurrent installs, and the Java accessor. */
@ExtendWith(PostgresExtension.class)
class InstallTest {

    @Test
    void versionMarkerMatchesFunction(PgDatabase db) throws Exception {
        assertThat(TviewsRuntime.installScript()).startsWith("-- tviews-runtime-version: ");
        Rt.install(db);
        assertThat(db.queryValue("SELECT pg_tviews_version()")).isEqualTo(TviewsRuntime.version());
        assertThat(TviewsRuntime.version()).isEqualTo("0.3.35");
    }

    @Test
    void reinstallOverLiveTviewsKeepsThemMaintained(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            Rt.blog(c, "i1", 5, 20, 40);
            exec(c, "UPDATE tb_user SET name = 'before' WHERE pk_user = 1");
            long audit = (Long) value(c, "SELECT count(*) FROM pg_tview_audit_log");
            Rt.install(db);                                    // psql, again
            exec(c, TviewsRuntime.installScript());           // and through JDBC, as the operator does
            exec(c, "UPDATE tb_user SET name = 'after' WHERE pk_user = 1");
            exec(c, "INSERT INTO tb_comment VALUES (900, 1, 'after upgrade')");
            assertNoDrift(c, "i1.post", "i1.user");
            assertThat((Long) value(c, "SELECT count(*) FROM pg_tview_audit_log")).isGreaterThan(audit);
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
            assertThat(value(c, "SELECT count(DISTINCT runtime_version) FROM pg_tview_meta")).isEqualTo(1L);
        }
    }

    /**
     * A prepared transaction that wrote a source holds its lock until COMMIT PREPARED: an upgrade (which regenerates every
     * TVIEW, locking its sources) waits for it, or with a lock_timeout fails changing nothing; afterwards it upgrades and
     * the prepared row is in the TVIEW.
     */
    @Test
    void anUpgradeWaitsForAPreparedWriterOrFailsChangingNothing(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect(); Connection installer = db.connect()) {
            exec(c, "CREATE SCHEMA i6; CREATE TABLE i6.tb_order (pk_order numeric PRIMARY KEY, state text)");
            exec(c, "INSERT INTO i6.tb_order VALUES (1.0, 'new'), (2, 'new')");
            exec(c, "SELECT pg_tviews_create('i6.tv_order', 'SELECT o.pk_order, o.state FROM i6.tb_order o')");
            exec(c, "BEGIN; UPDATE i6.tb_order SET state = 'prepared' WHERE pk_order = 1; PREPARE TRANSACTION 'i6_prepared'");
            try {
                String before = Rt.fingerprint(c);
                Object audit = value(c, "SELECT count(*) FROM pg_tview_audit_log");
                exec(installer, "SET lock_timeout = '500ms'");
                assertThat(Rt.sqlState(installer, TviewsRuntime.installScript())).isEqualTo("55P03");
                exec(installer, "ROLLBACK");             // (the script's own BEGIN left the session in the failed transaction)
                assertThat(Rt.fingerprint(c)).isEqualTo(before);
                assertThat(value(c, "SELECT count(*) FROM pg_tview_audit_log")).isEqualTo(audit);
                exec(installer, "RESET lock_timeout");
                Object installerPid = value(installer, "SELECT pg_backend_pid()");
                // (read before the upgrade starts: it holds the runtime's catalog tables until it ends)
                Object queue = value(c, "SELECT format('%I.%I', schema_name, on_table) FROM pg_tview_helpers"
                        + " WHERE entity = 'i6.order' AND kind = 'trigger' AND object_name LIKE '%\\_flush'");
                CompletableFuture<String> upgrade =
                        CompletableFuture.supplyAsync(() -> Rt.sqlState(installer, TviewsRuntime.installScript()));
                assertThat(Rt.awaitLockWait(c, "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = " + installerPid, upgrade)).isEqualTo(1L);
                assertThat(value(c, "SELECT string_agg(DISTINCT coalesce(relation::regclass::text, locktype), ', ') FROM pg_locks"
                        + " WHERE NOT granted AND pid = " + installerPid)).isIn("i6.tb_order", queue);   // its source, or its queue
                exec(c, "COMMIT PREPARED 'i6_prepared'");
                assertThat(upgrade.get(60, TimeUnit.SECONDS)).isNull();
            } finally {
                if (value(c, "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'i6_prepared'").equals(1L)) {
                    exec(c, "ROLLBACK PREPARED 'i6_prepared'");
                }
            }
            assertThat(value(c, "SELECT state FROM i6.tv_order WHERE pk_order = 1")).isEqualTo("prepared");
            exec(c, "UPDATE i6.tb_order SET state = 'after' WHERE pk_order = 2");
            assertThat(Rt.driftAgainst(c, "i6.tv_order", "SELECT o.pk_order, o.state FROM i6.tb_order o")).isZero();
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
        }
    }

    /** Queues made by 0.3.0 have no ev column and an event on every row: the installer brings them to this version. */
    @Test
    void upgradeAddsTheEventColumnToQueuesOfTheLastRelease(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            Rt.blog(c, "i4", 3, 6, 0);
            String flushTriggers = "FROM pg_tview_helpers WHERE entity LIKE 'i4.%' AND kind = 'trigger' AND object_name LIKE '%\\_flush'";
            for (List<Object> q : Rt.rows(c, "SELECT format('%I.%I', schema_name, on_table), format('%I', object_name) " + flushTriggers)) {
                exec(c, "DROP TRIGGER " + q.get(1) + " ON " + q.get(0) + "; ALTER TABLE " + q.get(0) + " DROP COLUMN ev");
            }
            Rt.install(db);
            exec(c, "UPDATE tb_user SET name = 'upgraded' WHERE pk_user = 1");
            exec(c, "INSERT INTO tb_post VALUES (60, 2, 'after upgrade', 1)");
            assertNoDrift(c, "i4.post", "i4.user");
            assertThat(value(c, "SELECT count(*) FROM pg_trigger t WHERE t.tgname IN (SELECT object_name " + flushTriggers + ")"
                    + " AND pg_get_triggerdef(t.oid) LIKE '%WHEN (new.ev)%'")).isEqualTo(2L);
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
        }
    }

    /**
     * Upgrading to 0.3.6: a TVIEW an older runtime accepted with a STABLE function of the user's is refused loudly (its
     * maintenance stops, the health check says why) until the function is declared IMMUTABLE; the digest of the
     * functions and types a query uses is taken at the upgrade for TVIEWs that have none (or one of another format); an
     * upgrade over TVIEWs with pinned settings works (a first 0.3.6 failed there).
     */
    @Test
    void upgradeRefusesStableFunctionsLoudlyAndTakesDigests(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            exec(c, "CREATE SCHEMA i5; SET search_path = i5, public");
            exec(c, "CREATE TABLE tb_note (pk_note int PRIMARY KEY, body text); INSERT INTO tb_note VALUES (1, 'a')");
            exec(c, "CREATE FUNCTION i5.fmt(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$ SELECT upper(t) $f$");
            exec(c, "SELECT pg_tviews_create('i5.tv_note', 'SELECT n.pk_note, i5.fmt(n.body) AS body FROM i5.tb_note n')");
            exec(c, "CREATE TABLE tb_tag (pk_tag int PRIMARY KEY, label text); INSERT INTO tb_tag VALUES (1, 'x')");
            exec(c, "SELECT pg_tviews_create('i5.tv_tag', 'SELECT t.pk_tag, t.label FROM i5.tb_tag t')");
            // as an older runtime left them: the function STABLE, no digest, or one of another format
            SourcesAndCatalogTest.withoutDdlWatch(c, () -> exec(c, "ALTER FUNCTION i5.fmt(text) STABLE"));
            exec(c, "UPDATE pg_tview_meta SET objects_hash = NULL WHERE entity = 'i5.tag'");
            // a TVIEW with pinned settings, and no list of setting names yet (0.3.5 had none: its catalog guard, which the
            // installer's first updates of existing rows fire, must find the list defined before them)
            exec(c, "CREATE TABLE tb_when (pk_when int PRIMARY KEY, at timestamptz); INSERT INTO tb_when VALUES (1, '2024-01-01 00:00+00')");
            exec(c, "SELECT pg_tviews_create('i5.tv_when', 'SELECT w.pk_when, w.at::text AS at FROM i5.tb_when w')");
            exec(c, "DROP FUNCTION pg_tviews__setting_names()");
            Rt.install(db);
            assertThat(value(c, "SELECT settings ? 'TimeZone' FROM pg_tview_meta WHERE entity = 'i5.when'")).isEqualTo(true);
            assertThat(value(c, "SELECT message FROM pg_tviews_health_check() WHERE component = 'tview:i5.note' AND status = 'ERROR'"))
                    .asString().contains("STABLE").contains("i5.fmt(text)");
            assertThat(value(c, "SELECT objects_hash LIKE 'v6:%' FROM pg_tview_meta WHERE entity = 'i5.tag'")).isEqualTo(true);
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE component LIKE '%i5.tag%' AND status <> 'OK'")).isEqualTo(0L);
            exec(c, "ALTER FUNCTION i5.fmt(text) IMMUTABLE; SELECT pg_tviews_reinstall_triggers('i5.note')");
            exec(c, "INSERT INTO tb_note VALUES (2, 'b')");
            assertNoDrift(c, "i5.note", "i5.tag", "i5.when");
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE component LIKE '%i5.%' AND status <> 'OK'")).isEqualTo(0L);
        }
    }

    @Test
    void concurrentInstallsAreSerialized(PgDatabase db) throws Exception {
        db.server().createDatabase("install_race");
        PgDatabase fresh = db.server().database("install_race");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                fs.add(pool.submit(() -> {
                    try (Connection c = fresh.connect()) {
                        exec(c, TviewsRuntime.installScript());
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fresh.queryValue("SELECT pg_tviews_version()")).isEqualTo("0.3.35");
        assertThat(fresh.queryValue("SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
    }
}
