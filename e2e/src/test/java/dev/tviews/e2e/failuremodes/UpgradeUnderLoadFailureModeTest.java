package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 9 — upgrade under write load: the documented upgrade (re-running the installer) runs three times while
 * four writers run. Each run either succeeds with every TVIEW regenerated (runtime_version current, no
 * last_error, no "could not regenerate" warning) or fails with nothing changed (no new UPGRADE audit row); never
 * a TVIEW skipped silently. Zero drift after.
 */
@ExtendWith(PostgresExtension.class)
@Timeout(300)
class UpgradeUnderLoadFailureModeTest {

    @Test
    void installerUnderLoadSucceedsOrChangesNothing(PgServer server) throws Exception {
        PgDatabase db = Docs.freshShop(server, "upgrade");
        String version = (String) db.queryValue("SELECT pg_tviews_version()");
        int succeeded = 0;
        try (Writers w = new Writers(db, 4, 13)) {
            w.awaitCommits(200);
            for (int i = 0; i < 3; i++) {
                long upgradesBefore = (Long) db.queryValue("SELECT count(*) FROM pg_tview_audit_log WHERE operation = 'UPGRADE'");
                Scripts.Run run = Docs.sh(db, Docs.FAILURE_MODES, "upgrade", Map.of());
                long upgradesAfter = (Long) db.queryValue("SELECT count(*) FROM pg_tview_audit_log WHERE operation = 'UPGRADE'");
                if (run.exit() == 0) {
                    succeeded++;
                    assertThat(run.all()).doesNotContain("could not regenerate");
                    assertThat(upgradesAfter).isEqualTo(upgradesBefore + 1);
                    List<List<Object>> rows = db.queryRows("SELECT entity, runtime_version, last_error FROM pg_tview_meta");
                    assertThat(rows).hasSize(3).allSatisfy(r -> {
                        assertThat(r.get(1)).as("runtime_version of %s", r.get(0)).isEqualTo(version);
                        assertThat(r.get(2)).as("last_error of %s", r.get(0)).isNull();
                    });
                } else {
                    // a transient failure (deadlock with a writer): the whole install rolled back
                    assertThat(run.all()).containsAnyOf("deadlock detected", "could not serialize", "lock timeout", "canceling statement");
                    assertThat(upgradesAfter).isEqualTo(upgradesBefore);
                }
                w.awaitCommits(50);
            }
            System.out.println("upgrade under load: " + succeeded + "/3 installer runs succeeded; writers: " + w);
        }
        assertThat(succeeded).as("at least one of three installer runs succeeds under load").isPositive();
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }
}
