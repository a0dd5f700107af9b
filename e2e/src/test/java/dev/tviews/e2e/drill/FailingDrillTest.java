package dev.tviews.e2e.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drills that must fail, naming the failed check.
 *
 * <p>The realistic damage a repair cannot fix: in production somebody dropped the runtime's UPDATE trigger on
 * tb_user, and a rename happened afterwards (tv_user now drifts). The nightly backup is still "verified" (checksums
 * and table of contents are fine), so only a drill finds out that restoring it gives a database whose TVIEWs are
 * not maintained: pg_tviews_repair rewrites the drifted rows, but cannot bring back a trigger.
 */
@ExtendWith(PostgresExtension.class)
class FailingDrillTest {

    @TempDir
    static Path tmp;
    static Path root;

    @BeforeAll
    static void brokenProductionAndItsBackup(PgDatabase db, PgServer server) {
        DrillSupport.createShop(db);
        String trigger = String.valueOf(db.queryValue("SELECT tgname FROM pg_trigger WHERE tgrelid = 'tb_user'::regclass "
                + "AND tgname LIKE 'pg_tviews%upd'"));
        db.execute("DROP TRIGGER " + trigger + " ON tb_user");
        db.execute("UPDATE tb_user SET name = 'renamed without trigger' WHERE pk_user = 3");
        root = tmp.resolve("backups");
        Path b = DrillSupport.backup(server, db, root, "logical");
        assertThat(DrillSupport.json(read(b.resolve("manifest.json"))).path("verified").asBoolean())
                .as("checksums and TOC cannot see the damage").isTrue();
    }

    @Test
    void corruptionRepairCannotFixFailsAndOnSuccessKeepsTheScratchDatabase(PgDatabase db, PgServer server) {
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root, "CLEANUP", "OnSuccess",
                "DRILL_NAME", "forensics"), "tview-corruption");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Failed");
        assertThat(run.failedChecks()).containsExactly("corruption-detected", "health-check", "write-maintenance");
        assertThat(run.check("corruption-detected").path("message").asText())
                .contains("comment: missing=1 extra=1 different=1", "unexpected drift in user: missing=0 extra=0 different=1 sample_keys=[3]");
        assertThat(run.check("repair").path("passed").asBoolean()).as("the repair itself runs").isTrue();
        assertThat(run.check("health-check").path("message").asText()).contains("source:user:public.tb_user", "triggers missing");
        assertThat(run.check("write-maintenance").path("message").asText()).contains("did not change after the write");

        String scratch = r.path("scratchDatabase").asText();
        assertThat(r.path("scratchDropped").asBoolean()).isFalse();
        try {
            assertThat(DrillSupport.databaseExists(server, scratch)).as("CLEANUP=OnSuccess keeps a failed drill's database").isTrue();
            // forensics on the kept copy: the missing trigger is visible there
            assertThat(server.database(scratch).queryValue("SELECT count(*) FROM pg_tviews_health_check() WHERE status = 'ERROR'"))
                    .isEqualTo(1L);
        } finally {
            DrillSupport.dropDatabase(server, scratch);
        }
    }

    @Test
    void restoreLatestOfTheBrokenBackupFailsAndAlwaysDropsTheScratchDatabase(PgDatabase db, PgServer server) {
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root, "CLEANUP", "Always"), "restore-latest");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Failed");
        assertThat(run.failedChecks()).containsExactly("health-check", "consistency", "write-maintenance");
        assertThat(run.check("consistency").path("message").asText()).contains("drift: user missing=0 extra=0 different=1 sample=[3]");
        assertThat(r.path("scratchDropped").asBoolean()).isTrue();
        assertThat(DrillSupport.databaseExists(server, r.path("scratchDatabase").asText())).isFalse();
        assertThat(r.path("measuredRTOSeconds").asDouble()).as("measured even when the drill fails").isPositive();
    }

    /**
     * A restore that outlasts DEADLINE_SECONDS is killed and the drill fails with check "deadline". The slow restore
     * is real: a CHECK constraint that sleeps 0.5 s per row, but only in databases named drill_* (so the source is
     * fast to fill and the scratch copy slow to restore): it cannot finish in less than 20 s, the deadline is 2 s.
     * That the restore was cut off is asserted from what the drill recorded, not from a clock: no "restore" check
     * (that check is written only when restore.sh returns), the deadline check names the restore step, and the
     * scratch database (which the finished restore would have filled) is gone. Speed belongs in make bench.
     */
    @Test
    void deadlineExceededOrSigtermFailsWithDeadlineAndCleansUp(PgServer server) {
        PgDatabase slow = server.createDatabase("slow_source_" + System.nanoTime());
        DrillSupport.createShop(slow);
        slow.execute("""
                CREATE FUNCTION slow_check(x int) RETURNS boolean LANGUAGE sql AS
                $$ SELECT CASE WHEN current_database() LIKE 'drill%' THEN pg_catalog.pg_sleep(0.5) IS NOT NULL ELSE true END $$;
                CREATE TABLE tb_slow (x int CHECK (public.slow_check(x)));
                INSERT INTO tb_slow SELECT generate_series(1, 40);
                """);
        Path slowRoot = tmp.resolve("slow");
        DrillSupport.backup(server, slow, slowRoot, "logical");
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, slow.name(), slowRoot, "DEADLINE_SECONDS", "2"),
                "restore-latest");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Failed");
        assertThat(run.failedChecks()).containsExactly("deadline");
        assertThat(run.check("deadline").path("message").asText()).contains("DEADLINE_SECONDS=2", "during restore");
        assertThat(r.path("checks").findValuesAsText("name")).as("the restore never completed: it was killed at the deadline")
                .doesNotContain("restore");
        assertThat(r.path("scratchDropped").asBoolean()).isTrue();
        assertThat(DrillSupport.databaseExists(server, r.path("scratchDatabase").asText())).isFalse();

        // SIGTERM (the Job's activeDeadlineSeconds, or the drill deleted) stops the running restore at once, still
        // reports Failed with "deadline" on stdout, and drops the scratch database
        DrillSupport.Run term = DrillSupport.runAndTerminate(DrillSupport.env(server, slow.name(), slowRoot), 2000, "restore-latest");
        assertThat(term.exit()).as(term.toString()).isEqualTo(1);
        assertThat(term.result().path("phase").asText()).isEqualTo("Failed");
        assertThat(term.failedChecks()).containsExactly("deadline");
        assertThat(term.check("deadline").path("message").asText()).contains("SIGTERM");
        assertThat(term.result().path("checks").findValuesAsText("name")).as("SIGTERM stopped the running restore")
                .doesNotContain("restore");
        assertThat(term.result().path("scratchDropped").asBoolean()).isTrue();
        assertThat(DrillSupport.databaseExists(server, term.result().path("scratchDatabase").asText())).isFalse();
    }

    private static String read(Path p) {
        try {
            return java.nio.file.Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
