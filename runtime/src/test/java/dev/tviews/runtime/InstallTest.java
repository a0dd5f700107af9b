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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
        assertThat(TviewsRuntime.version()).isEqualTo("0.3.1");
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
        assertThat(fresh.queryValue("SELECT pg_tviews_version()")).isEqualTo("0.3.1");
        assertThat(fresh.queryValue("SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
    }
}
