package dev.tviews.operator.drill;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.Durations;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The validated spec of a drill (deadline, targets in seconds, schedule) and when its next run is due. */
record DrillPlan(Duration deadline, Double targetRto, Double targetRpo, CronSchedule schedule) {

    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);

    /** Whether a run is due: now (with its id), later, or never again (a one-shot drill whose run completed). */
    sealed interface Due {
        record Now(String runId) implements Due {
        }

        record Later(Instant at) implements Due {
        }

        record Done() implements Due {
        }
    }

    /** Reads the spec; throws {@link IllegalArgumentException} saying what is wrong. */
    static DrillPlan of(TViewDrillSpec spec) {
        if (spec.getScenario() == null) {
            throw new IllegalArgumentException("spec.scenario is required: restore-latest, metadata-loss, tview-corruption or failover");
        }
        if (spec.getScenario().restores() && (spec.getBackupPolicyRef() == null || spec.getBackupPolicyRef().getName() == null)) {
            throw new IllegalArgumentException("scenario " + spec.getScenario().value() + " requires spec.backupPolicyRef");
        }
        if (!spec.getScenario().restores() && (spec.getDatabase() == null || spec.getDatabase().getCluster() == null)) {
            throw new IllegalArgumentException("scenario failover requires spec.database.cluster (a CloudNativePG Cluster)");
        }
        Duration deadline = Durations.parse("spec.deadline", spec.getDeadline() == null ? "30m" : spec.getDeadline());
        if (deadline.isZero()) {
            throw new IllegalArgumentException("spec.deadline must be positive");
        }
        TViewDrillSpec.Targets targets = spec.getTargets();
        Double rto = targets == null ? null : seconds("spec.targets.rto", targets.getRto());
        Double rpo = targets == null ? null : seconds("spec.targets.rpo", targets.getRpo());
        CronSchedule schedule = spec.scheduled()
                ? CronSchedule.parse("spec.schedule", spec.getSchedule(), "spec.timeZone", spec.getTimeZone()) : null;
        return new DrillPlan(deadline, rto, rpo, schedule);
    }

    /**
     * A one-shot drill runs once per generation ({@code g<generation>}); a scheduled one at each due time (its id is
     * the due time), which is recorded in {@code status.nextRun} when it is not yet.
     */
    Due due(Long generation, TViewDrillStatus status, Instant now) {
        if (schedule == null) {
            String runId = "g" + generation;
            boolean completed = status.getPhase() == Phase.Succeeded || status.getPhase() == Phase.Failed;
            return runId.equals(status.getRunId()) && completed ? new Due.Done() : new Due.Now(runId);
        }
        if (status.getNextRun() == null) {
            status.setNextRun(schedule.nextAfter(now).toString());
        }
        Instant due = Instant.parse(status.getNextRun());
        return now.isBefore(due) ? new Due.Later(due) : new Due.Now(RUN_ID.format(due));
    }

    /** How long until {@code at} (at least a millisecond), but no longer than {@code resync}. */
    static Duration until(Instant now, Instant at, Duration resync) {
        Duration wait = now.isBefore(at) ? Duration.between(now, at) : Duration.ofMillis(1);
        return wait.compareTo(resync) < 0 ? wait : resync;
    }

    private static Double seconds(String field, String value) {
        return value == null ? null : (double) Durations.parse(field, value).toSeconds();
    }
}
