package dev.tviews.operator.tview;

import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.ConnectionPools;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.Resolution;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reconciles a TView into a TVIEW: observe (spec, database, dependencies) → decide (stalled, waiting or converge)
 * → act ({@link TViewConverger}: runtime, definition, self-healing, consistency) → write status, patched only when
 * it changed, and reschedule at the next due time. {@link TViewProblemReporter} says why a TView is not applied;
 * {@link TViewDeletion} applies the deletionPolicy.
 */
@ControllerConfiguration(name = TViewReconciler.NAME, generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = SpecOrRequestChanged.class))
public class TViewReconciler implements Reconciler<TView>, Cleaner<TView> {

    public static final String NAME = "tview";
    /** Annotation: any new value runs a consistency check at once. */
    public static final String CHECK_NOW = "tviews.dev/check-now";

    private final DatabaseResolver resolver;
    private final ConnectionPools pools;
    private final TViewConverger converger;
    private final TViewProblemReporter problems;
    private final TViewDeletion deletion;
    private final TViewMetrics metrics;
    private final OperatorSettings settings;
    private final Clock clock;

    public TViewReconciler(DatabaseResolver resolver, ConnectionPools pools, TViewConverger converger,
                           TViewProblemReporter problems, TViewDeletion deletion, TViewMetrics metrics,
                           OperatorSettings settings, Clock clock) {
        this.resolver = resolver;
        this.pools = pools;
        this.converger = converger;
        this.problems = problems;
        this.deletion = deletion;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public UpdateControl<TView> reconcile(TView tview, Context<TView> context) {
        var timing = metrics.startReconcile();
        try {
            TViewStatusWriter status = new TViewStatusWriter(tview.getStatus(), tview.getMetadata().getGeneration(), clock);
            Optional<Duration> next = converge(tview, context, status);
            return statusUpdate(tview, context, status.status(), next);
        } finally {
            metrics.stopReconcile(timing);
        }
    }

    private Optional<Duration> converge(TView tview, Context<TView> context, TViewStatusWriter status) {
        if (tview.getSpec().isSuspend()) {
            status.suspended();
            return Optional.empty();
        }
        CheckSchedule schedule;
        try {
            schedule = CheckSchedule.parse(tview.getSpec().getConsistencyCheck(), tview.getMetadata().getUid(),
                    settings.checkJitter());
        } catch (IllegalArgumentException e) {
            return problems.stalled(tview, status, "InvalidSchedule", e.getMessage());
        }
        String table = tview.getSpec().getSchema() + ".tv_" + tview.entity();
        status.status().setTable(table);
        Optional<String> notOneSelect = SingleSelect.problem(tview.getSpec().getQuery());
        if (notOneSelect.isPresent()) {
            // refused before any connection: the text never reaches the database
            return problems.stalled(tview, status, "InvalidDefinition", notOneSelect.get());
        }

        Resolution resolution = resolver.resolve(tview.getMetadata().getNamespace(), tview.getSpec().getDatabase());
        if (resolution instanceof Resolution.Unavailable u) {
            return problems.waiting(tview, status, u.reason(), u.message(), settings.retryInterval());
        }
        if (resolution instanceof Resolution.SwitchoverInProgress s) {
            status.reconciling("SwitchoverInProgress", s.message());
            return Optional.of(settings.switchoverPollInterval());
        }
        Resolution.Available database = (Resolution.Available) resolution;

        List<String> waitingFor = DependencyFinder.notReady(tview,
                context.getPrimaryCache().list(tview.getMetadata().getNamespace()));
        if (!waitingFor.isEmpty()) {
            status.reconciling("WaitingForDependency", "waiting for TView(s) to be Ready: " + String.join(", ", waitingFor));
            return Optional.of(settings.dependencyPollInterval());
        }

        try {
            var pool = pools.acquire(poolUser(tview), database.connection());
            return Optional.of(converger.converge(tview, pool, database, schedule, CheckRequest.pending(tview), status));
        } catch (SQLException e) {
            return problems.databaseFailed(tview, status, database, e);
        }
    }

    private UpdateControl<TView> statusUpdate(TView tview, Context<TView> context, TViewStatus next,
                                              Optional<Duration> reschedule) {
        if (!next.equals(tview.getStatus())) {
            StatusPatcher.patch(context.getClient(), TView.class, tview, next);
        }
        UpdateControl<TView> control = UpdateControl.noUpdate();
        reschedule.ifPresent(d -> control.rescheduleAfter(Math.max(1, d.toMillis())));
        return control;
    }

    /** An unexpected failure (API server, bug): say so in status; JOSDK retries with backoff. */
    @Override
    public ErrorStatusUpdateControl<TView> updateErrorStatus(TView tview, Context<TView> context, Exception e) {
        TViewStatusWriter status = new TViewStatusWriter(tview.getStatus(), tview.getMetadata().getGeneration(), clock);
        status.reconciling("ReconcileError", String.valueOf(e.getMessage()));
        metrics.reconcileError(tview, "ReconcileError");
        if (!status.status().equals(tview.getStatus())) {
            try {
                StatusPatcher.patch(context.getClient(), TView.class, tview, status.status());
            } catch (RuntimeException ignored) {
                // the API server may be what failed; the retry will try again
            }
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    @Override
    public DeleteControl cleanup(TView tview, Context<TView> context) {
        return deletion.cleanup(tview, context);
    }

    static String poolUser(TView tview) {
        return tview.getMetadata().getNamespace() + "/TView/" + tview.getMetadata().getName();
    }
}
