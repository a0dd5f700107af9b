package dev.tviews.operator.drill;

import static dev.tviews.operator.api.Conditions.READY;
import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import dev.tviews.operator.api.Conditions;
import java.time.Clock;

/** The one place TViewDrill conditions are written: Ready/Reconciling/Stalled (kstatus), Completed, TargetsMet. */
final class DrillStatusWriter {

    static final String COMPLETED = "Completed";
    static final String TARGETS_MET = "TargetsMet";

    private final TViewDrillStatus status;
    private final Long generation;
    private final Clock clock;

    DrillStatusWriter(TViewDrillStatus observed, Long generation, Clock clock) {
        this.status = observed == null ? new TViewDrillStatus() : observed.copy();
        this.generation = generation;
        this.clock = clock;
        status.setObservedGeneration(generation);
    }

    TViewDrillStatus status() {
        return status;
    }

    /** A run is in progress, or waiting for something that will come. */
    void reconciling(String reason, String message) {
        set(READY, false, reason, message);
        set(RECONCILING, true, reason, message);
        set(STALLED, false, reason, "");
    }

    /** The drill cannot run as specified; retried only when the spec or the referenced objects change. */
    void stalled(String reason, String message) {
        set(READY, false, reason, message);
        set(RECONCILING, false, reason, "");
        set(STALLED, true, reason, message);
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

    private void set(String type, boolean value, String reason, String message) {
        status.setConditions(Conditions.set(status.getConditions(), type, value, reason, message, generation, clock));
    }
}
