package dev.tviews.e2e.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * drill.sh on the 3-level schema, each scenario end to end: backups are taken with backup.sh (logical + metadata),
 * the drill restores the newest verified one into a scratch database on the same server, damages it as the
 * scenario says, runs the documented recovery and the common verification. The production database must be left
 * exactly as it was.
 */
@ExtendWith(PostgresExtension.class)
class RestoreDrillTest {

    @TempDir
    static Path tmp;
    static Path root;
    static Path logical;
    static Path metadata;
    static String productionFingerprint;

    @BeforeAll
    static void backups(PgDatabase db, PgServer server) {
        DrillSupport.createShop(db);
        root = tmp.resolve("backups");
        logical = DrillSupport.backup(server, db, root, "logical");
        metadata = DrillSupport.backup(server, db, root, "metadata");
        productionFingerprint = DrillSupport.fingerprint(db);
    }

    @AfterEach
    void productionUntouchedAndNoScratchLeft(PgDatabase db, PgServer server) {
        assertThat(DrillSupport.fingerprint(db)).as("the production database is never written by a drill").isEqualTo(productionFingerprint);
        assertThat(DrillSupport.drillDatabases(server)).as("scratch databases left behind").isEmpty();
    }

    @Test
    void restoreLatestSucceedsWithMeasuredRtoRpoReportAndTerminationLog(PgDatabase db, PgServer server) throws IOException {
        Path termination = tmp.resolve("termination-log");
        Files.writeString(termination, "");
        Path report = tmp.resolve("report.md");
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root,
                "DRILL_NAME", "Nightly-Shop", "TERMINATION_LOG", termination.toString(), "REPORT_FILE", report.toString(),
                "TARGET_RTO_SECONDS", "900", "TARGET_RPO_SECONDS", "86400"), "restore-latest");
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Succeeded");
        assertThat(r.path("scenario").asText()).isEqualTo("restore-latest");
        assertThat(r.path("backup").asText()).isEqualTo(logical.getFileName().toString());
        assertThat(r.path("metadataBackup").asText()).isEqualTo(metadata.getFileName().toString());
        assertThat(r.path("scratchDatabase").asText()).startsWith("drill_nightly_shop_");
        assertThat(r.path("scratchDropped").asBoolean()).isTrue();
        assertThat(r.path("targetsMet").asBoolean()).isTrue();
        assertThat(r.path("measuredRTOSeconds").asDouble()).isPositive().isLessThan(120);
        assertThat(r.path("measuredRPOSeconds").asLong()).isBetween(0L, 600L);
        assertThat(r.path("startTime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(r.path("completionTime").asText()).isGreaterThanOrEqualTo(r.path("startTime").asText());
        assertThat(run.failedChecks()).isEmpty();
        assertThat(r.path("checks").findValuesAsText("name")).containsExactly("backup-available", "metadata-backup", "restore",
                "health-check", "consistency", "row-counts", "write-maintenance", "targets-met");
        r.path("checks").forEach(c -> assertThat(c.has("durationSeconds") && c.has("message")).isTrue());
        assertThat(run.check("row-counts").path("message").asText()).contains("comment=120", "post=50", "user=20");
        assertThat(run.check("write-maintenance").path("message").asText())
                .contains("tb_user.name", "row changed, then restored", "3 TVIEW(s) consistent");

        String log = Files.readString(termination, StandardCharsets.UTF_8).strip();
        assertThat(log.length()).isLessThan(4096);
        assertThat(DrillSupport.json(log)).isEqualTo(r);
        String md = Files.readString(report);
        assertThat(md).contains("# Disaster-recovery drill `Nightly-Shop`: restore-latest — Succeeded", "| write-maintenance | passed |",
                "## Procedure executed", "restore.sh " + logical);
        assertThat(run.stdout() + run.stderr() + md).doesNotContain(server.password());
    }

    @Test
    void metadataLossIsRecoveredFromTheMetadataBackup(PgDatabase db, PgServer server) {
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root), "metadata-loss");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.result().path("phase").asText()).isEqualTo("Succeeded");
        assertThat(run.result().path("checks").findValuesAsText("name")).containsExactly("backup-available", "restore",
                "catalog-damaged", "catalog-recovered", "health-check", "consistency", "row-counts", "write-maintenance", "targets-met");
        assertThat(run.check("catalog-damaged").path("message").asText()).contains("deleted 3 pg_tview_meta row(s)", "unregistered_tables");
        assertThat(run.check("catalog-recovered").path("message").asText())
                .contains("metadata backup " + metadata.getFileName(), "3 TVIEW(s) registered");
    }

    @Test
    void metadataLossWithoutMetadataBackupReconvertsInDependencyOrder(PgDatabase db, PgServer server) {
        Path onlyLogical = tmp.resolve("only-logical");
        DrillSupport.copyBackup(logical, onlyLogical);
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), onlyLogical), "metadata-loss");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.result().path("metadataBackup").isNull()).isTrue();
        assertThat(run.check("catalog-recovered").path("message").asText())
                .contains("pg_tviews_convert_existing_table(name) in dependency order: public.tv_user, public.tv_post, public.tv_comment");
        assertThat(run.failedChecks()).isEmpty();
    }

    @Test
    void tviewCorruptionIsDetectedExactlyAndRepaired(PgDatabase db, PgServer server) {
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root), "tview-corruption");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.result().path("phase").asText()).isEqualTo("Succeeded");
        assertThat(run.check("corruption-injected").path("message").asText())
                .contains("public.tv_comment: deleted key 1, altered data of key 2, inserted extra key 1000120");
        assertThat(run.check("corruption-detected").path("message").asText())
                .contains("comment: missing=1 extra=1 different=1", "(exactly the injected damage); other TVIEWs clean");
        assertThat(run.check("repair").path("message").asText()).isEqualTo("pg_tviews_repair('public.tv_comment') rewrote 3 row(s)");
        assertThat(run.failedChecks()).isEmpty();
    }

    /** Decision: missed targets do not fail a drill whose recovery worked; they show as targets-met false / targetsMet. */
    @Test
    void targetsNotMetSucceedsWithTargetsMetFalseUnlessEnforced(PgDatabase db, PgServer server) throws InterruptedException {
        waitUntilOlderThan(logical, 2);
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root, "TARGET_RPO_SECONDS", "1",
                "TARGET_RTO_SECONDS", "900"), "restore-latest");
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Succeeded");
        assertThat(r.path("targetsMet").asBoolean()).isFalse();
        assertThat(r.path("measuredRPOSeconds").asLong()).isGreaterThan(1);
        assertThat(run.failedChecks()).containsExactly("targets-met");
        assertThat(run.check("targets-met").path("message").asText()).contains("RPO", "> target 1s", "RTO", "<= 900s");

        DrillSupport.Run enforced = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root, "TARGET_RPO_SECONDS", "1",
                "FAIL_ON_MISSED_TARGETS", "1"), "restore-latest");
        assertThat(enforced.exit()).as(enforced.toString()).isEqualTo(1);
        assertThat(enforced.result().path("phase").asText()).isEqualTo("Failed");
        assertThat(enforced.failedChecks()).containsExactly("targets-met");
    }

    @Test
    void noVerifiedBackupFailsWithBackupAvailable(PgDatabase db, PgServer server) throws IOException {
        // the verified backup was deleted; what is left is a backup whose verification failed
        Path left = tmp.resolve("unverified");
        Path copy = DrillSupport.copyBackup(logical, left);
        Path mf = copy.resolve("manifest.json");
        Files.writeString(mf, Files.readString(mf).replace("\"verified\": true", "\"verified\": false"));
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), left), "restore-latest");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Failed");
        assertThat(run.failedChecks()).containsExactly("backup-available");
        assertThat(run.check("backup-available").path("message").asText()).contains("no verified logical backup", "1 logical backup");
        assertThat(r.path("backup").isNull()).isTrue();
        assertThat(r.path("measuredRTOSeconds").isNull()).isTrue();

        DrillSupport.Run empty = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), tmp.resolve("nothing-here")), "restore-latest");
        assertThat(empty.exit()).isEqualTo(1);
        assertThat(empty.failedChecks()).containsExactly("backup-available");
    }

    @Test
    void cannotConnectExitsTwoWithoutPrintingThePassword(PgDatabase db, PgServer server) {
        Map<String, String> env = DrillSupport.env(server, db.name(), root, "PGPASSWORD", "wrong-Secret-123");
        DrillSupport.Run run = DrillSupport.run("drill.sh", env, "restore-latest");
        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        assertThat(run.result().path("phase").asText()).isEqualTo("Failed");
        assertThat(run.failedChecks()).containsExactly("connect");
        assertThat(run.check("connect").path("message").asText()).contains("password authentication failed");
        assertThat(run.stdout() + run.stderr()).doesNotContain("wrong-Secret-123");
    }

    @Test
    void badInputFails(PgDatabase db, PgServer server) {
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root), "restore-everything");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.failedChecks()).containsExactly("input");
        DrillSupport.Run prod = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root, "SCRATCH_DB", db.name()), "restore-latest");
        assertThat(prod.exit()).isEqualTo(1);
        assertThat(prod.check("input").path("message").asText()).contains("production");
        DrillSupport.Run cleanup = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), root, "CLEANUP", "Never"), "restore-latest");
        assertThat(cleanup.check("input").path("message").asText()).contains("CLEANUP must be Always or OnSuccess");
        assertThat(List.of(run, prod, cleanup)).allSatisfy(r -> assertThat(r.result().path("scratchDropped").asBoolean()).isFalse());
    }

    private static void waitUntilOlderThan(Path backup, long seconds) throws InterruptedException {
        java.time.Instant end = java.time.Instant.parse(DrillSupport.json(readManifest(backup)).path("endTime").asText());
        while (java.time.Duration.between(end, java.time.Instant.now()).getSeconds() <= seconds) {
            Thread.sleep(200);
        }
    }

    private static String readManifest(Path backup) {
        try {
            return Files.readString(backup.resolve("manifest.json"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
