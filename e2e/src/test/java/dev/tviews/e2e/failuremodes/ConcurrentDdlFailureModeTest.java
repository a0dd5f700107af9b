package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 12 — DDL on sources and TVIEW tables while writers run: ADD/DROP/RENAME COLUMN, CREATE INDEX
 * CONCURRENTLY, DROP of a TVIEW table, DROP of a source. Writers never commit a stale row; what breaks is
 * reported by the health check and fixed by the documented recovery; zero drift after each step.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(300)
class ConcurrentDdlFailureModeTest {

    @Test
    void sourceAndTviewDdlUnderWriters(PgServer server) throws Exception {
        PgDatabase db = Docs.freshShop(server, "ddl");
        try (Writers w = new Writers(db, 3, 42)) {
            w.awaitCommits(100);
            ddl(db, "ALTER TABLE tb_post ADD COLUMN extra text");
            w.awaitCommits(50);
            db.execute("CREATE INDEX CONCURRENTLY tb_comment_body_idx ON tb_comment (body)");
            db.execute("CREATE INDEX CONCURRENTLY tv_post_title_idx ON tv_post ((data ->> 'title'))");
            w.awaitCommits(50);
            ddl(db, "ALTER TABLE tb_post DROP COLUMN extra");
            w.awaitCommits(50);
            // a rename: the event trigger regenerates the TVIEWs reading tb_user (installer ran as superuser)
            ddl(db, "ALTER TABLE tb_user RENAME COLUMN name TO full_name");
            w.awaitCommits(20);
            ddl(db, "ALTER TABLE tb_user RENAME COLUMN full_name TO name");
            w.awaitCommits(50);
            // a TVIEW table dropped by hand while writers run: their writes fail until the documented recovery
            db.execute("DROP TABLE tv_comment");
            assertThat(Docs.health(db).get("tview:comment")).startsWith("ERROR");
            Docs.psqlOk(db, Docs.FAILURE_MODES, "dropped-tview-table");
            w.awaitCommits(50);
            System.out.println("concurrent DDL: writers " + w);
        }
        Docs.assertNoDrift(db);

        // a source dropped: its TVIEW can no longer be maintained; the health check says so; drop the TVIEW
        db.execute("DROP TABLE tb_comment CASCADE");
        assertThat(Docs.health(db).get("source:comment:public.tb_comment")).startsWith("ERROR").contains("no longer exists");
        Docs.psqlOk(db, Docs.FAILURE_MODES, "dropped-source", Map.of("tview", "tv_comment"));
        assertThat(db.queryValue("SELECT to_regclass('public.tv_comment')")).isNull();
        assertThatThrownBy(() -> db.queryValue("SELECT pg_tviews_check_consistency('tv_comment')")).hasMessageContaining("tv_comment");
        for (String e : new String[] {"user", "post"}) {
            assertThat(dev.tviews.e2e.support.ShopSchema.oracleDiff(db, e)).isZero();
        }
        ShopSchemaHealth.assertNoError(db);
    }

    /**
     * DDL as an application runs it: a statement that fails with a deadlock (the TVIEW's regeneration and a
     * writer waiting for the table the DDL locked) changed nothing and is run again.
     */
    private static void ddl(PgDatabase db, String sql) {
        for (int attempt = 1; ; attempt++) {
            try {
                db.execute(sql);
                return;
            } catch (IllegalStateException e) {
                boolean deadlock = e.getCause() instanceof java.sql.SQLException s && "40P01".equals(s.getSQLState());
                if (!deadlock || attempt == 5) {
                    throw e;
                }
                System.out.println("concurrent DDL: deadlock, DDL run again: " + sql);
            }
        }
    }
}
