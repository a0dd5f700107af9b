package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Every block of docs/operations/runbooks.md, run verbatim against a database in the state the runbook is for. */
@ExtendWith(PostgresExtension.class)
@Timeout(300)
class RunbooksTest {

    @TempDir
    Path root;

    @Test
    void tviewNotUpdating(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_not_updating");
        db.execute("ALTER TABLE tb_post DISABLE TRIGGER USER");
        db.execute("UPDATE tb_post SET title = 'not updating' WHERE pk_post = 1");
        db.execute("ALTER TABLE tb_post ENABLE TRIGGER USER");
        db.execute("DROP TRIGGER " + db.queryValue("SELECT quote_ident(object_name) FROM pg_tview_helpers WHERE entity = 'post' "
                + "AND on_table = 'tb_post' AND object_name LIKE '%\\_upd'") + " ON tb_post");
        String diag = Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-not-updating", Map.of("tview", "tv_post"));
        assertThat(diag).contains("source:post:public.tb_post").contains("maintenance triggers missing");
        String fix = Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-not-updating-fix", Map.of("tview", "tv_post"));
        assertThat(fix).containsPattern("\\s0 \\|\\s+0 \\|\\s+0\\n");
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }

    @Test
    void slowCascadesAndBatches(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_slow");
        db.execute("UPDATE tb_user SET name = name || '!'");
        String out = Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-slow-cascades", Map.of("tview", "user"));
        assertThat(out).contains("tv_user -> tv_post -> tv_comment");
        Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-batches");
        assertThat(db.queryValue("SELECT count(*) FROM tv_user WHERE data ->> 'name' LIKE '% (batched)'")).isEqualTo((long) ShopSchema.USERS);
        Docs.assertNoDrift(db);
    }

    @Test
    void upgradeCheckRetriesFailedTviews(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_upgrade");
        db.execute("UPDATE pg_tview_meta SET last_error = 'upgrade: simulated', runtime_version = '0.1.0' WHERE entity = 'post'");
        assertThat(Docs.health(db).get("tview:post")).startsWith("ERROR").contains("last regeneration failed: upgrade: simulated")
                .contains("pg_tviews_reinstall_triggers('post')");
        String out = Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-upgrade-check");
        assertThat(out).contains("simulated");
        assertThat(db.queryValue("SELECT count(*) FROM pg_tview_meta WHERE last_error IS NOT NULL OR runtime_version <> pg_tviews_version()"))
                .as("last_error cleared and version current after the retry").isEqualTo(0L);
        assertThat(Docs.health(db).get("tview:post")).startsWith("OK");
        Docs.assertNoDrift(db);
    }

    @Test
    void orphanedTriggersAfterDrop(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_orphans");
        db.execute("DELETE FROM pg_tview_helpers WHERE entity = 'comment'; DELETE FROM pg_tview_meta WHERE entity = 'comment'; DROP TABLE tv_comment");
        assertThatThrownBy(() -> db.execute("INSERT INTO tb_comment (fk_post, body) VALUES (1, 'orphaned')")).hasMessageContaining("tv_comment");
        assertThat(Docs.health(db).get("orphans")).startsWith("WARNING");
        Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-orphans");
        assertThat(Docs.health(db).get("orphans")).startsWith("OK");
        db.execute("INSERT INTO tb_comment (fk_post, body) VALUES (1, 'after orphans dropped')");
        for (String e : new String[] {"user", "post"}) {
            assertThat(ShopSchema.oracleDiff(db, e)).isZero();
        }
        ShopSchemaHealth.assertNoError(db);
    }

    @Test
    void driftDetectedAndRepaired(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_drift");
        db.execute("UPDATE tv_post SET data = '{}' WHERE pk_post <= 3; DELETE FROM tv_user WHERE pk_user = 20; "
                + "ALTER TABLE tb_comment DISABLE TRIGGER USER; UPDATE tb_comment SET body = 'drifted' WHERE pk_comment = 7; "
                + "ALTER TABLE tb_comment ENABLE TRIGGER USER");
        assertThat(Docs.drift(db)).isPositive();
        assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).doesNotContain(" 0 TVIEW(s) drifted");
        String out = Docs.psqlOk(db, Docs.RUNBOOKS, "runbook-repair");
        assertThat(out).contains("tv_post");
        Docs.assertNoDrift(db);
    }

    @Test
    void backupFailingRpoAndDrill(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_backup");
        Scripts.Run bad = Docs.sh(db, Docs.RUNBOOKS, "runbook-backup-failing", Map.of("BACKUP_ROOT", root.toString(), "PGPASSWORD", "wrong"));
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.all()).contains("password authentication failed");
        Scripts.Run ok = Docs.sh(db, Docs.RUNBOOKS, "runbook-backup-failing", Map.of("BACKUP_ROOT", root.toString()));
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("connected as postgres");

        Scripts.Run rpo = Docs.sh(db, Docs.RUNBOOKS, "runbook-rpo", Map.of("BACKUP_ROOT", root.toString()));
        assertThat(rpo.exit()).as(rpo.toString()).isZero();
        assertThat(rpo.stdout()).contains("logical succeeded true");
    }

    @Test
    void drillOfAHealthyBackupPasses(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "rb_drill");
        Map<String, String> env = new java.util.HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.toString());
        Scripts.Run backup = Scripts.run("backup.sh", env, "logical");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        Scripts.Run drill = Docs.sh(db, Docs.RUNBOOKS, "runbook-drill", Map.of("BACKUP_ROOT", root.toString()));
        assertThat(drill.exit()).as(drill.toString()).isZero();
        assertThat(drill.stdout()).contains("\"phase\":\"Succeeded\"");
    }
}
