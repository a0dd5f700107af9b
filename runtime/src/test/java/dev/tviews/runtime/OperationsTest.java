package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.assertNoDrift;
import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** pg_dump/pg_restore into a new database, streaming standby and promotion: TVIEWs keep maintaining themselves. */
@ExtendWith(PostgresExtension.class)
class OperationsTest {

    @Test
    void dumpAndRestoreKeepsMaintaining(PgDatabase db, PgServer server) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            Rt.blog(c, "public", 5, 20, 40);
        }
        Path dir = Files.createTempDirectory("tvdump");
        Path dump = dir.resolve("db.dump");
        OsCommand.run(List.of(server.bin("pg_dump"), "-Fc", "-f", dump.toString(), db.name()), db.libpqEnv(), null, 300)
                .orThrow("pg_dump");
        PgDatabase restored = server.createDatabase(db.name() + "_restored");
        OsCommand.run(List.of(server.bin("pg_restore"), "--exit-on-error", "-d", restored.name(), dump.toString()),
                restored.libpqEnv(), null, 300).orThrow("pg_restore");
        try (Connection c = restored.connect()) {
            assertThat(value(c, "SELECT count(*) FROM pg_tview_meta")).isEqualTo(2L);
            assertThat(value(c, "SELECT count(*) FROM pg_tviews_health_check() WHERE status <> 'OK'")).isEqualTo(0L);
            assertNoDrift(c, "post", "user");
            exec(c, "UPDATE tb_user SET name = 'restored' WHERE pk_user = 1");
            exec(c, "INSERT INTO tb_comment VALUES (777, 2, 'after restore')");
            exec(c, "UPDATE tb_post SET fk_user = 3 WHERE pk_post = 4");
            assertNoDrift(c, "post", "user");
            assertThat(value(c, "SELECT data->'author'->>'name' FROM tv_post WHERE fk_user = 1 LIMIT 1")).isEqualTo("restored");
        }
    }

    @Test
    void standbyServesIdenticalRowsAndPromotionKeepsThemFresh() throws Exception {
        try (PgServer primary = PgServer.start("tv-ops-primary")) {
            PgDatabase db = primary.createDatabase("app");
            Rt.install(db);
            try (Connection c = db.connect()) {
                Rt.blog(c, "public", 5, 20, 40);
                exec(c, "UPDATE tb_user SET name = 'before standby' WHERE pk_user = 2");
            }
            try (PgServer standby = primary.startStandby("tv-ops-standby")) {
                try (Connection c = db.connect()) {
                    exec(c, "UPDATE tb_user SET name = 'streamed' WHERE pk_user = 3");
                    try (Connection s = standby.connect("app")) {
                        String q = "SELECT md5(string_agg(t::text, '|' ORDER BY pk_user)) FROM tv_user t";
                        String qp = "SELECT md5(string_agg(t::text, '|' ORDER BY pk_post)) FROM tv_post t";
                        String check = "SELECT name FROM tb_user WHERE pk_user = 3";
                        for (int i = 0; i < 400 && !"streamed".equals(value(s, check)); i++) {
                            Thread.sleep(50);   // wait for replay of the last commit
                        }
                        assertThat(value(s, check)).isEqualTo("streamed");
                        assertThat(value(s, q)).isEqualTo(value(c, q));
                        assertThat(value(s, qp)).isEqualTo(value(c, qp));
                        assertThat(Rt.drift(s, "user")).isZero();
                    }
                }
                primary.close();
                standby.promote();
                try (Connection s = standby.connect("app")) {
                    exec(s, "UPDATE tb_user SET name = 'after promote' WHERE pk_user = 1");
                    exec(s, "INSERT INTO tb_comment VALUES (888, 1, 'after promote')");
                    assertNoDrift(s, "post", "user");
                    assertThat(value(s, "SELECT name FROM tv_user WHERE pk_user = 1")).isEqualTo("after promote");
                }
            }
        }
    }
}
