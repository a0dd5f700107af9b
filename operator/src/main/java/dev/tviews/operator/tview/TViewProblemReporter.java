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

    private Duration backoff(TView tview, String reason, Duration base) {
        return Conditions.backoff(tview.getStatus(), reason, base, settings.maxRetryInterval(), Instant.now(clock),
                Conditions.RECONCILING);
    }

    /** The message of the TView's condition {@code type} as observed, when it is True. */
    static String conditionMessage(TView tview, String type) {
        return Conditions.trueMessage(tview.getStatus(), type);
    }
}
