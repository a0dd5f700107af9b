package dev.tviews.operator.drill;

import static dev.tviews.operator.api.Conditions.READY;
import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.StatusWriter;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import java.time.Clock;
import java.util.ArrayList;

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
    private void idle(String message) {
        set(RECONCILING, false, "WaitingForSchedule", message);
        set(STALLED, false, "WaitingForSchedule", "");
    }

    /** The run about to start; a new run is Pending until it starts. */
    void pending(String runId) {
        if (!runId.equals(status.getRunId())) {
            status.setRunId(runId);
            status.setPhase(Phase.Pending);
        }
    }

    /** The run started: the figures of the previous one are cleared; a scheduled drill's next run is set. */
    void running(RunStart.Started run, CronSchedule schedule) {
        status.setPhase(Phase.Running);
        status.setJob(run.job());
        status.setStartTime(run.time().toString());
        status.setCompletionTime(null);
        status.setMeasuredRTOSeconds(null);
        status.setMeasuredRPOSeconds(null);
        status.setChecks(new ArrayList<>());
        status.setFailover(run.failover());
        if (schedule != null) {
            status.setLastRun(run.time().toString());
            status.setNextRun(schedule.nextAfter(run.time()).toString());
        }
        set(COMPLETED, false, "Running", "run " + status.getRunId() + " in progress");
        reconciling("Running", run.message());
    }

    /** A scheduled drill before its due time (status.nextRun). */
    void waitingForSchedule() {
        if (status.getPhase() == null || status.getPhase() == Phase.Pending) {
            reconciling("WaitingForSchedule", "first run due at " + status.getNextRun());
        } else {
            idle("next run due at " + status.getNextRun());
        }
    }

    void targets(Boolean met, String message) {
        if (met == null) {
            set(TARGETS_MET, false, "NotMeasured", message);
        } else {
            set(TARGETS_MET, met, met ? "WithinTargets" : "TargetsMissed", message);
        }
    }

}
