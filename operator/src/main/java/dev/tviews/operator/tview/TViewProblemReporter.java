package dev.tviews.operator.tview;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.database.RuntimeInstaller;
import dev.tviews.operator.database.SqlErrors;
import dev.tviews.operator.events.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Says in status why a TView is not applied: Stalled (nothing to retry until the spec changes) or Reconciling
 * (waiting, retried with a growing backoff), with a Warning event when the message changed, and the error metric.
 */
@ApplicationScoped
public class TViewProblemReporter {

    private final TViewMetrics metrics;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public TViewProblemReporter(TViewMetrics metrics, EventRecorder events, OperatorSettings settings, Clock clock) {
        this.metrics = metrics;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    /** Stalled: no reschedule (a spec change brings the TView back). */
    Optional<Duration> stalled(TView tview, TViewStatusWriter status, String reason, String message) {
        boolean changed = !Objects.equals(message, conditionMessage(tview, Conditions.STALLED));
        status.stalled(reason, message);
        if (changed) {
            events.warning(tview, reason, message);
            metrics.reconcileError(tview, reason);
        }
        return Optional.empty();
    }

    /** Reconciling: look again after the backoff for {@code reason}, starting at {@code retry}. */
    Optional<Duration> waiting(TView tview, TViewStatusWriter status, String reason, String message, Duration retry) {
        if (!Objects.equals(message, conditionMessage(tview, Conditions.RECONCILING))) {
            events.warning(tview, reason, message);
        }
        metrics.reconcileError(tview, reason);
        status.reconciling(reason, message);
        return Optional.of(backoff(tview, reason, retry));
    }

    /** A converge that failed in the database: waiting for what may come (runtime, source, server), or Stalled. */
    Optional<Duration> databaseFailed(TView tview, TViewStatusWriter status, Resolution.Available database,
                                      SQLException e) {
        String message = SqlErrors.describe(e, database.connection(), tview.getSpec().getQuery());
        if (e instanceof RuntimeInstaller.InstallFailed) {
            return waiting(tview, status, "RuntimeInstallFailed", message, settings.retryInterval());
        }
        if (SqlErrors.isMissingSource(e)) {
            return waiting(tview, status, "SourceMissing", message, settings.retryInterval());
        }
        if (SqlErrors.isDefinitionError(e)) {
            return stalled(tview, status, "InvalidDefinition", message);
        }
        String reason = SqlErrors.isConnectionProblem(e) ? "DatabaseUnreachable" : "DatabaseError";
        return waiting(tview, status, reason, "database " + database.connection().describe() + ": " + message,
                settings.retryInterval());
    }

    /** Half the time already spent waiting for the same reason, between {@code base} and the configured maximum. */
    private Duration backoff(TView tview, String reason, Duration base) {
        Duration waited = Optional.ofNullable(tview.getStatus())
                .flatMap(s -> Conditions.find(s.getConditions(), Conditions.RECONCILING))
                .filter(c -> Conditions.TRUE.equals(c.getStatus()) && reason.equals(c.getReason()))
                .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), Instant.now(clock)))
                .orElse(Duration.ZERO);
        Duration half = waited.dividedBy(2);
        Duration delay = half.compareTo(base) > 0 ? half : base;
        return delay.compareTo(settings.maxRetryInterval()) < 0 ? delay : settings.maxRetryInterval();
    }

    /** The message of the TView's condition {@code type} as observed, when it is True. */
    static String conditionMessage(TView tview, String type) {
        return tview.getStatus() == null ? null : Conditions.find(tview.getStatus().getConditions(), type)
                .filter(c -> Conditions.TRUE.equals(c.getStatus())).map(c -> c.getMessage()).orElse(null);
    }
}
