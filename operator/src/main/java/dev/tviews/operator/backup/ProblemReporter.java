package dev.tviews.operator.backup;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.events.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Says in status why a policy is not applied (Stalled or Reconciling), with a Warning event when the message
 * changed, and when to look again.
 */
@ApplicationScoped
public class ProblemReporter {

    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public ProblemReporter(EventRecorder events, OperatorSettings settings, Clock clock) {
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    Optional<Duration> report(TViewBackupPolicy policy, BackupPolicyStatusWriter status, BackupPlan.Blocked blocked) {
        boolean waiting = blocked.kind() == BackupPlan.Kind.WAITING;
        String type = waiting ? Conditions.RECONCILING : Conditions.STALLED;
        if (!Objects.equals(blocked.message(), conditionMessage(policy, type))) {
            events.warning(policy, blocked.reason(), blocked.message());
        }
        if (waiting) {
            status.reconciling(blocked.reason(), blocked.message());
        } else {
            status.stalled(blocked.reason(), blocked.message());
        }
        return blocked.kind() == BackupPlan.Kind.STALLED ? Optional.empty() : Optional.of(backoff(policy, blocked.reason()));
    }

    /** Half the time already spent in the same state, between the retry interval and the configured maximum. */
    private Duration backoff(TViewBackupPolicy policy, String reason) {
        return Conditions.backoff(policy.getStatus(), reason, settings.retryInterval(), settings.maxRetryInterval(),
                clock.instant(), Conditions.RECONCILING, Conditions.STALLED);
    }

    private static String conditionMessage(TViewBackupPolicy policy, String type) {
        return Conditions.trueMessage(policy.getStatus(), type);
    }
}
