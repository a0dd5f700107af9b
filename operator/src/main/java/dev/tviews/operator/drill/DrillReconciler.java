package dev.tviews.operator.drill;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import dev.tviews.operator.events.EventRecorder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Reconciles a TViewDrill: plan (the spec) → start a run when one is due (once per generation, or at each scheduled
 * time) → follow it (restore Job, or CloudNativePG switchover) → complete it (status, report ConfigMap, events,
 * metrics, history). Status is patched only when it changed; the next look is a reschedule.
 */
@ControllerConfiguration(name = DrillReconciler.NAME)
public class DrillReconciler implements Reconciler<TViewDrill> {

    public static final String NAME = "tviewdrill";

    private final RunStarter starter;
    private final RunFollower follower;
    private final RunCompleter completer;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public DrillReconciler(RunStarter starter, RunFollower follower, RunCompleter completer, EventRecorder events,
                           OperatorSettings settings, Clock clock) {
        this.starter = starter;
        this.follower = follower;
        this.completer = completer;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public UpdateControl<TViewDrill> reconcile(TViewDrill cached, Context<TViewDrill> context) {
        TViewDrill drill = latestUnlessRunning(cached, context);
        DrillStatusWriter w = new DrillStatusWriter(drill.getStatus(), drill.getMetadata().getGeneration(), clock);
        Optional<Duration> next = step(drill, w);
        if (!w.status().sameAs(drill.getStatus())) {
            StatusPatcher.patch(context.getClient(), TViewDrill.class, drill, w.status());
        }
        UpdateControl<TViewDrill> control = UpdateControl.noUpdate();
        next.ifPresent(d -> control.rescheduleAfter(Math.max(1, d.toMillis())));
        return control;
    }

    /**
     * Starting a run has effects outside the drill (a Job, a switchover request), so that decision is taken on the
     * drill as the API server has it: the informer cache may not show yet the run this operator just started.
     */
    private static TViewDrill latestUnlessRunning(TViewDrill cached, Context<TViewDrill> context) {
        if (cached.getStatus() != null && cached.getStatus().getPhase() == Phase.Running) {
            return cached;
        }
        TViewDrill latest = context.getClient().resources(TViewDrill.class)
                .inNamespace(cached.getMetadata().getNamespace()).withName(cached.getMetadata().getName()).get();
        return latest == null ? cached : latest;
    }

    private Optional<Duration> step(TViewDrill drill, DrillStatusWriter w) {
        DrillPlan plan;
        try {
            plan = DrillPlan.of(drill.getSpec());
        } catch (IllegalArgumentException e) {
            return stalled(drill, w, new RunStart.Stalled("InvalidSpec", e.getMessage(), Optional.empty()));
        }
        if (w.status().getPhase() == Phase.Running) {
            RunFollower.Progress progress = follower.follow(drill, w.status(), plan);
            return progress.outcome().map(o -> completer.complete(drill, w, plan, o))
                    .orElse(Optional.of(progress.lookAgain()));
        }
        Instant now = clock.instant();
        DrillPlan.Due due = plan.due(drill.getMetadata().getGeneration(), w.status(), now);
        if (due instanceof DrillPlan.Due.Later later) {
            w.waitingForSchedule();
            return Optional.of(DrillPlan.until(now, later.at(), settings.resyncInterval()));
        }
        if (due instanceof DrillPlan.Due.Now run) {
            return start(drill, w, plan, run.runId());
        }
        return Optional.empty();
    }

    private Optional<Duration> start(TViewDrill drill, DrillStatusWriter w, DrillPlan plan, String runId) {
        w.pending(runId);
        RunStart start = starter.start(drill, plan, runId);
        if (start instanceof RunStart.Stalled stalled) {
            return stalled(drill, w, stalled);
        }
        if (start instanceof RunStart.Waiting waiting) {
            return waiting(drill, w, waiting);
        }
        RunStart.Started started = (RunStart.Started) start;
        w.running(started, plan.schedule());
        events.normal(drill, "DrillStarted", started.message());
        return started.over().map(o -> completer.complete(drill, w, plan, o)).orElse(Optional.of(started.lookAgain()));
    }

    private Optional<Duration> stalled(TViewDrill drill, DrillStatusWriter w, RunStart.Stalled stalled) {
        if (!Objects.equals(stalled.message(), conditionMessage(drill, Conditions.STALLED))) {
            events.warning(drill, stalled.reason(), stalled.message());
        }
        w.stalled(stalled.reason(), stalled.message());
        return stalled.retry();
    }

    private Optional<Duration> waiting(TViewDrill drill, DrillStatusWriter w, RunStart.Waiting waiting) {
        if (!Objects.equals(waiting.message(), conditionMessage(drill, Conditions.RECONCILING))) {
            events.warning(drill, waiting.reason(), waiting.message());
        }
        w.reconciling(waiting.reason(), waiting.message());
        return Optional.of(settings.retryInterval());
    }

    private static String conditionMessage(TViewDrill drill, String type) {
        return Conditions.trueMessage(drill.getStatus(), type);
    }

    @Override
    public ErrorStatusUpdateControl<TViewDrill> updateErrorStatus(TViewDrill drill, Context<TViewDrill> context, Exception e) {
        DrillStatusWriter w = new DrillStatusWriter(drill.getStatus(), drill.getMetadata().getGeneration(), clock);
        w.reconciling("ReconcileError", String.valueOf(e.getMessage()));
        if (!w.status().sameAs(drill.getStatus())) {
            try {
                StatusPatcher.patch(context.getClient(), TViewDrill.class, drill, w.status());
            } catch (RuntimeException ignored) {
                // the API server may be what failed; the retry will try again
            }
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
