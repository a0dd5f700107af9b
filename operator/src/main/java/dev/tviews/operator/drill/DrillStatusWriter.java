package dev.tviews.operator.drill;

import static dev.tviews.operator.api.Conditions.READY;
import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import dev.tviews.operator.api.StatusWriter;
import java.time.Clock;

/** The one place TViewDrill conditions are written: Ready/Reconciling/Stalled (kstatus), Completed, TargetsMet. */
final class DrillStatusWriter extends StatusWriter<TViewDrillStatus> {

    static final String COMPLETED = "Completed";
    static final String TARGETS_MET = "TargetsMet";

    DrillStatusWriter(TViewDrillStatus observed, Long generation, Clock clock) {
        super(observed == null ? new TViewDrillStatus() : observed.copy(), generation, clock);
    }

    /** A run finished: Ready says whether it succeeded. */
    void completed(boolean succeeded, String message) {
        String reason = succeeded ? "DrillSucceeded" : "DrillFailed";
        set(READY, succeeded, reason, message);
        set(RECONCILING, false, reason, "");
        set(STALLED, false, reason, "");
        set(COMPLETED, true, reason, message);
    }

    /** Waiting for the next scheduled run after a completed one: conditions of the last run stay. */
    void idle(String message) {
        set(RECONCILING, false, "WaitingForSchedule", message);
        set(STALLED, false, "WaitingForSchedule", "");
    }

    void runStarted() {
        set(COMPLETED, false, "Running", "run " + status.getRunId() + " in progress");
    }

    void targets(Boolean met, String message) {
        if (met == null) {
            set(TARGETS_MET, false, "NotMeasured", message);
        } else {
            set(TARGETS_MET, met, met ? "WithinTargets" : "TargetsMissed", message);
        }
    }

}
