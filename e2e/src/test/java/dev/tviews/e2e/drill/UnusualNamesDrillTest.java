package dev.tviews.e2e.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tviews.e2e.support.UnusualNames;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issues 12 and 13: drill.sh's three scenarios on healthy backups of TVIEWs with unusual names (see
 * {@link UnusualNames}): every definition spans several lines (drill.sh used to split catalog rows with
 * {@code cut -d'|'}), names contain {@code |}, quotes, spaces, newlines and non-ASCII characters, and the TVIEW
 * that the write probe picks is keyed by a NON-UNIQUE source column (tenant.tb_note.fk_writer: the old probe
 * reverted "the lowest ctid with that value", another row after the UPDATE). All three must succeed, leave the
 * production database alone and print no secret.
 */
@ExtendWith(PostgresExtension.class)
class UnusualNamesDrillTest {

    @TempDir
    static Path tmp;
    static Path root;
    static Path metadata;
    static String productionFingerprint;

    @BeforeAll
    static void backups(PgDatabase db, PgServer server) {
        UnusualNames.create(db);
        root = tmp.resolve("backups");
        DrillSupport.backup(server, db, root, "logical");
        metadata = DrillSupport.backup(server, db, root, "metadata");
        productionFingerprint = fingerprint(db);
    }

    static String fingerprint(PgDatabase db) {
        return String.valueOf(db.queryValue("SELECT md5(concat_ws('|', (SELECT string_agg(n::text, ',' ORDER BY pk_note) FROM tenant.tb_note n), "
                + "(SELECT string_agg(m::text, ',' ORDER BY entity) FROM pg_tview_meta m), (SELECT count(*) FROM pg_tview_audit_log)))"));
    }

    @AfterEach
    void productionUntouchedAndNoScratchLeft(PgDatabase db, PgServer server) {
        assertThat(fingerprint(db)).as("the production database is never written by a drill").isEqualTo(productionFingerprint);
        assertThat(DrillSupport.drillDatabases(server)).as("scratch databases left behind").isEmpty();
    }

    private DrillSupport.Run drill(PgServer server, PgDatabase db, Path backupRoot, String scenario) throws IOException {
        Path termination = Files.createTempFile(tmp, "termination", ".log");
        Path report = tmp.resolve(scenario + "-" + System.nanoTime() + ".md");
        DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(server, db.name(), backupRoot,
                "TERMINATION_LOG", termination.toString(), "REPORT_FILE", report.toString()), scenario);
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode r = run.result();
        assertThat(r.path("phase").asText()).isEqualTo("Succeeded");
        assertThat(run.failedChecks()).isEmpty();
        assertThat(DrillSupport.json(Files.readString(termination, StandardCharsets.UTF_8).strip())).isEqualTo(r);
        UnusualNames.assertNoSecret(server, "drill output", run.stdout() + run.stderr());
        UnusualNames.assertNoSecret(server, "drill report", Files.readString(report, StandardCharsets.UTF_8));
        UnusualNames.assertNoSecret(server, "termination message", Files.readString(termination, StandardCharsets.UTF_8));
        // the write probe touched the grouped TVIEW's source through its non-unique column, and was rolled back
        assertThat(run.check("write-maintenance").path("message").asText())
                .contains("UPDATE of tenant.tb_note.body where fk_writer=1", "row changed, then restored by the rollback",
                        "4 TVIEW(s) consistent");
        assertThat(run.check("row-counts").path("message").asText())
                .contains("chain | 'x=5", "odd schema|'x.é ü line=5", "q\"uote|pipe=7",
                        "tenant.a'UNION SELECT max(rolpassword) FROM pg_authid UNION SELECT'=7");
        return run;
    }

    @Test
    void restoreLatestSucceeds(PgDatabase db, PgServer server) throws IOException {
        DrillSupport.Run run = drill(server, db, root, "restore-latest");
        assertThat(run.check("metadata-backup").path("message").asText()).contains("covers every TVIEW");
    }

    @Test
    void metadataLossSucceedsFromTheMetadataBackup(PgDatabase db, PgServer server) throws IOException {
        DrillSupport.Run run = drill(server, db, root, "metadata-loss");
        assertThat(run.check("catalog-damaged").path("message").asText()).contains("deleted 4 pg_tview_meta row(s)");
        assertThat(run.check("catalog-recovered").path("message").asText())
                .contains("metadata backup " + metadata.getFileName(), "4 TVIEW(s) registered");
    }

    @Test
    void metadataLossWithoutMetadataBackupReconvertsInDependencyOrder(PgDatabase db, PgServer server) throws IOException {
        Path onlyLogical = tmp.resolve("only-logical-" + System.nanoTime());
        for (Path b : dev.tviews.e2e.support.Scripts.backups(root)) {
            if (b.getFileName().toString().endsWith("-logical")) {
                DrillSupport.copyBackup(b, onlyLogical);
            }
        }
        DrillSupport.Run run = drill(server, db, onlyLogical, "metadata-loss");
        String msg = run.check("catalog-recovered").path("message").asText();
        assertThat(msg).contains("in dependency order:");
        // the grouped TVIEW is re-registered before the TVIEW that reads it
        assertThat(msg.indexOf("\"odd schema|'x\".\"tv_é ü line\"")).isNotNegative()
                .isLessThan(msg.indexOf("public.\"tv_chain | 'x\""));
    }

    @Test
    void tviewCorruptionIsDetectedExactlyAndRepaired(PgDatabase db, PgServer server) throws IOException {
        DrillSupport.Run run = drill(server, db, root, "tview-corruption");
        assertThat(run.check("corruption-detected").path("message").asText()).contains("(exactly the injected damage); other TVIEWs clean");
        assertThat(run.check("repair").path("message").asText()).contains("rewrote 3 row(s)");
    }
}
