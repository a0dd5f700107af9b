package dev.tviews.operator.tview;

import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import dev.tviews.operator.api.StatusWriter;
import java.time.Clock;

/**
 * TView conditions: the kstatus trio (see {@link StatusWriter}) plus Drifted, suspension and repairs.
 */
final class TViewStatusWriter extends StatusWriter<TViewStatus> {

    static final String DRIFTED = "Drifted";

    TViewStatusWriter(TViewStatus observed, Long generation, Clock clock) {
        super(observed == null ? new TViewStatus() : observed.copy(), generation, clock);
    }

    @Override
    public void ready(String reason, String message) {
        super.ready(reason, message);
        status.setLastAppliedGeneration(generation);
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

}
