package dev.tviews.operator.drill;

import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.drill.TViewDrillStatus.DrillRun;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import dev.tviews.operator.events.EventRecorder;
import dev.tviews.operator.jobs.DrillJobs;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Records a run's outcome: status and conditions, the report ConfigMap, events, metrics, and the history (runs dropped
 * from it are pruned with their Job and report).
 */
@ApplicationScoped
public class RunCompleter {

    private final DrillJobs jobs;
    private final DrillMetrics metrics;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public RunCompleter(DrillJobs jobs, DrillMetrics metrics, EventRecorder events, OperatorSettings settings, Clock clock) {
        this.jobs = jobs;
        this.metrics = metrics;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    /** Records the outcome; returns when the next scheduled run is due (empty for a one-shot drill). */
    Optional<Duration> complete(TViewDrill drill, DrillStatusWriter w, DrillPlan plan, DrillOutcome o) {
        TViewDrillStatus s = w.status();
        String runId = s.getRunId();
        s.setPhase(o.phase());
        if (o.startTime() != null) {
            s.setStartTime(o.startTime());
        }
        s.setCompletionTime(o.completionTime() != null ? o.completionTime() : clock.instant().toString());
        s.setMeasuredRTOSeconds(o.rtoSeconds());
        s.setMeasuredRPOSeconds(o.rpoSeconds());
        s.setChecks(new ArrayList<>(o.checks()));
        String report = DrillJobs.reportName(drill, runId);
        jobs.writeReport(drill, runId, DrillReport.markdown(drill, runId, o, plan.targetRto(), plan.targetRpo()), o.json());
        s.setReport(report);
        w.targets(o.targetsMet(), targetsMessage(o, plan));
        String summary = summary(runId, o, report);
        w.completed(o.phase() == Phase.Succeeded, summary);
        announce(drill, o, summary);
        metrics.completed(drill, o.rtoSeconds(), o.rpoSeconds(), o.phase() == Phase.Succeeded);
        s.setHistory(history(drill, s, o, report));
        if (plan.schedule() == null) {
            return Optional.empty();
        }
        return Optional.of(DrillPlan.until(clock.instant(), Instant.parse(s.getNextRun()), settings.resyncInterval()));
    }

    private static String summary(String runId, DrillOutcome o, String report) {
        String figures = String.format(Locale.ROOT, "RTO %s, RPO %s", secs(o.rtoSeconds()), secs(o.rpoSeconds()));
        return "run " + runId + " " + o.phase() + ": " + figures
                + (o.failedChecks().isEmpty() ? "" : "; failed: " + failedNames(o, ", "))
                + "; report in ConfigMap " + report;
    }

    private void announce(TViewDrill drill, DrillOutcome o, String summary) {
        for (DrillCheck c : o.failedChecks()) {
            events.warning(drill, "CheckFailed", c.name() + ": " + c.message());
        }
        if (o.phase() == Phase.Succeeded) {
            events.normal(drill, "DrillSucceeded", summary);
        } else {
            events.warning(drill, "DrillFailed", summary);
        }
    }

    /** This run first, then the earlier ones, at most spec.historyLimit; the Job and report of a dropped run are pruned. */
    private List<DrillRun> history(TViewDrill drill, TViewDrillStatus s, DrillOutcome o, String report) {
        String runId = s.getRunId();
        List<DrillRun> history = new ArrayList<>();
        history.add(new DrillRun(runId, o.phase(), s.getStartTime(), s.getCompletionTime(), o.rtoSeconds(), o.rpoSeconds(),
                o.targetsMet(), report, s.getJob(), o.failedChecks().isEmpty() ? null : failedNames(o, ",")));
        for (DrillRun r : s.getHistory() == null ? List.<DrillRun>of() : s.getHistory()) {
            if (!r.runId().equals(runId)) {
                history.add(r);
            }
        }
        int limit = Math.max(1, drill.getSpec().getHistoryLimit());
        while (history.size() > limit) {
            DrillRun dropped = history.remove(history.size() - 1);
            jobs.prune(drill, dropped.runId());
        }
        return history;
    }

    private static String targetsMessage(DrillOutcome o, DrillPlan plan) {
        if (plan.targetRto() == null && plan.targetRpo() == null) {
            return "no targets set (spec.targets)";
        }
        return String.format(Locale.ROOT, "RTO %s (target %s), RPO %s (target %s)", secs(o.rtoSeconds()), secs(plan.targetRto()),
                secs(o.rpoSeconds()), secs(plan.targetRpo()));
    }

    private static String failedNames(DrillOutcome o, String separator) {
        return String.join(separator, o.failedChecks().stream().map(DrillCheck::name).toList());
    }

    private static String secs(Double d) {
        return d == null ? "n/a" : String.format(Locale.ROOT, "%.3fs", d);
    }
}
