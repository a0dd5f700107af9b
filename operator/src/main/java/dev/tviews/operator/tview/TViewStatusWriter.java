package dev.tviews.operator.tview;

import static dev.tviews.operator.api.Conditions.READY;
import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import dev.tviews.operator.api.Conditions;
import java.time.Clock;

/**
 * The one place TView conditions are written. Keeps the kstatus trio consistent: exactly one of Ready=True,
 * Reconciling=True or Stalled=True, each stamped with the generation it describes.
 */
final class TViewStatusWriter {

    static final String DRIFTED = "Drifted";

    private final TViewStatus status;
    private final Long generation;
    private final Clock clock;

    TViewStatusWriter(TViewStatus observed, Long generation, Clock clock) {
        this.status = observed == null ? new TViewStatus() : observed.copy();
        this.generation = generation;
        this.clock = clock;
        this.status.setObservedGeneration(generation);
    }

    TViewStatus status() {
        return status;
    }

    void ready(String reason, String message) {
        set(READY, true, reason, message);
        set(RECONCILING, false, reason, "");
        set(STALLED, false, reason, "");
        status.setLastAppliedGeneration(generation);
    }

    /** Work is in progress or waiting for something that will come (a dependency, the database, a switchover). */
    void reconciling(String reason, String message) {
        set(READY, false, reason, message);
        set(RECONCILING, true, reason, message);
        set(STALLED, false, reason, "");
    }

    /** The spec cannot be applied as it is: nothing changes until the spec (or the database) does. */
    void stalled(String reason, String message) {
        set(READY, false, reason, message);
        set(RECONCILING, false, reason, "");
        set(STALLED, true, reason, message);
    }

    /** spec.suspend: nothing is done; Ready keeps what it said. */
    void suspended() {
        set(RECONCILING, false, "Suspended", "reconciliation suspended (spec.suspend)");
        set(STALLED, false, "Suspended", "");
    }

    void drifted(ConsistencyCheckResult check) {
        status.setLastConsistencyCheck(check);
        status.setDriftRows(check.driftRows());
        if (check.driftRows() == 0) {
            set(DRIFTED, false, "Consistent", "TVIEW equals its query (" + check.checkedRows() + " rows checked)");
        } else {
            set(DRIFTED, true, "RowsDiffer", String.format("%d missing, %d extra, %d different; sample keys %s",
                    check.missing(), check.extra(), check.different(), check.sampleKeys()));
        }
    }

    void repaired(RepairResult repair, ConsistencyCheckResult recheck) {
        status.setLastRepair(repair);
        drifted(recheck);
        if (recheck.driftRows() == 0) {
            set(DRIFTED, false, "Repaired", "repaired " + repair.rowsRepaired() + " row(s); TVIEW equals its query");
        }
    }

    private void set(String type, boolean value, String reason, String message) {
        status.setConditions(Conditions.set(status.getConditions(), type, value, reason, message, generation, clock));
    }
}
