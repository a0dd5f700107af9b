package dev.tviews.operator.tview;

import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.ConnectionPools;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.database.RuntimeInstaller;
import dev.tviews.operator.database.SqlErrors;
import dev.tviews.operator.events.EventRecorder;
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
import java.util.Objects;
import java.util.Optional;

/**
 * Reconciles a TView into a TVIEW: observe (database, dependencies) → converge (runtime, definition,
 * self-healing, consistency) → write status, patched only when it changed, and reschedule at the next due time.
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
    private final TViewMetrics metrics;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public TViewReconciler(DatabaseResolver resolver, ConnectionPools pools, TViewConverger converger,
                           TViewMetrics metrics, EventRecorder events, OperatorSettings settings, Clock clock) {
        this.resolver = resolver;
        this.pools = pools;
        this.converger = converger;
        this.metrics = metrics;
        this.events = events;
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
            return stalled(tview, status, "InvalidSchedule", e.getMessage(), Optional.empty());
        }
        String table = tview.getSpec().getSchema() + ".tv_" + tview.entity();
        status.status().setTable(table);
        Optional<String> notOneSelect = SingleSelect.problem(tview.getSpec().getQuery());
        if (notOneSelect.isPresent()) {
            // refused before any connection: the text never reaches the database
            return stalled(tview, status, "InvalidDefinition", notOneSelect.get(), Optional.empty());
        }

        Resolution resolution = resolver.resolve(tview.getMetadata().getNamespace(), tview.getSpec().getDatabase());
        if (resolution instanceof Resolution.Unavailable u) {
            return waiting(tview, status, u.reason(), u.message(), settings.retryInterval());
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
            return Optional.of(converger.converge(tview, pool, database, schedule, checkRequested(tview), status));
        } catch (SQLException e) {
            String message = SqlErrors.describe(e, database.connection(), tview.getSpec().getQuery());
            if (e instanceof RuntimeInstaller.InstallFailed) {
                return waiting(tview, status, "RuntimeInstallFailed", message, settings.retryInterval());
            }
            if (SqlErrors.isMissingSource(e)) {
                return waiting(tview, status, "SourceMissing", message, settings.retryInterval());
            }
            if (SqlErrors.isDefinitionError(e)) {
                return stalled(tview, status, "InvalidDefinition", message, Optional.empty());
            }
            String reason = SqlErrors.isConnectionProblem(e) ? "DatabaseUnreachable" : "DatabaseError";
            return waiting(tview, status, reason, "database " + database.connection().describe() + ": " + message,
                    settings.retryInterval());
        }
    }

    private Optional<Duration> stalled(TView tview, TViewStatusWriter status, String reason, String message,
                                       Optional<Duration> retry) {
        boolean changed = !Objects.equals(message, conditionMessage(tview, "Stalled"));
        status.stalled(reason, message);
        if (changed) {
            events.warning(tview, reason, message);
            metrics.reconcileError(tview, reason);
        }
        return retry;
    }

    private Optional<Duration> waiting(TView tview, TViewStatusWriter status, String reason, String message,
                                       Duration retry) {
        if (!Objects.equals(message, conditionMessage(tview, "Reconciling"))) {
            events.warning(tview, reason, message);
        }
        metrics.reconcileError(tview, reason);
        status.reconciling(reason, message);
        return Optional.of(backoff(tview, reason, retry));
    }

    /** Half the time already spent waiting for the same reason, between {@code base} and the configured maximum. */
    private Duration backoff(TView tview, String reason, Duration base) {
        Duration waited = Optional.ofNullable(tview.getStatus())
                .flatMap(s -> dev.tviews.operator.api.Conditions.find(s.getConditions(), "Reconciling"))
                .filter(c -> "True".equals(c.getStatus()) && reason.equals(c.getReason()))
                .map(c -> Duration.between(java.time.Instant.parse(c.getLastTransitionTime()), java.time.Instant.now(clock)))
                .orElse(Duration.ZERO);
        Duration half = waited.dividedBy(2);
        Duration delay = half.compareTo(base) > 0 ? half : base;
        return delay.compareTo(settings.maxRetryInterval()) < 0 ? delay : settings.maxRetryInterval();
    }

    private static String conditionMessage(TView tview, String type) {
        return tview.getStatus() == null ? null : dev.tviews.operator.api.Conditions.find(tview.getStatus().getConditions(), type)
                .filter(c -> "True".equals(c.getStatus())).map(c -> c.getMessage()).orElse(null);
    }

    private static Optional<String> checkRequested(TView tview) {
        String requested = tview.getMetadata().getAnnotations() == null ? null
                : tview.getMetadata().getAnnotations().get(CHECK_NOW);
        String done = tview.getStatus() == null ? null : tview.getStatus().getLastCheckRequest();
        return requested != null && !requested.equals(done) ? Optional.of(requested) : Optional.empty();
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
        boolean created = tview.getStatus() != null && Boolean.TRUE.equals(tview.getStatus().getCreatedByOperator());
        if (tview.getSpec().getDeletionPolicy() == TViewSpec.DeletionPolicy.Retain || !created) {
            if (tview.getSpec().getDeletionPolicy() == TViewSpec.DeletionPolicy.Delete) {
                events.normal(tview, "Retained", "TVIEW " + tview.entity() + " was not created by this resource; left in place");
            }
            return forget(tview);
        }
        Resolution resolution = resolver.resolve(tview.getMetadata().getNamespace(), tview.getSpec().getDatabase());
        if (!(resolution instanceof Resolution.Available database)) {
            return blockDeletion(tview, context, "DatabaseUnavailable", "cannot drop the TVIEW yet: " + describe(resolution));
        }
        try {
            converger.drop(tview, pools.acquire(poolUser(tview), database.connection()));
            events.normal(tview, "Dropped", "dropped TVIEW " + tview.getSpec().getSchema() + ".tv_" + tview.entity());
            return forget(tview);
        } catch (SQLException e) {
            return blockDeletion(tview, context, "DeletionBlocked", SqlErrors.describe(e, database.connection()));
        }
    }

    private DeleteControl forget(TView tview) {
        pools.release(poolUser(tview));
        metrics.forget(tview);
        return DeleteControl.defaultDelete();
    }

    private DeleteControl blockDeletion(TView tview, Context<TView> context, String reason, String message) {
        TViewStatusWriter status = new TViewStatusWriter(tview.getStatus(), tview.getMetadata().getGeneration(), clock);
        status.reconciling(reason, message);
        if (!Objects.equals(message, conditionMessage(tview, "Reconciling"))) {
            events.warning(tview, reason, message);
            StatusPatcher.patch(context.getClient(), TView.class, tview, status.status());
        }
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(settings.retryInterval().toMillis());
    }

    private static String describe(Resolution resolution) {
        if (resolution instanceof Resolution.Unavailable u) {
            return u.message();
        }
        return ((Resolution.SwitchoverInProgress) resolution).message();
    }

    static String poolUser(TView tview) {
        return tview.getMetadata().getNamespace() + "/TView/" + tview.getMetadata().getName();
    }
}
