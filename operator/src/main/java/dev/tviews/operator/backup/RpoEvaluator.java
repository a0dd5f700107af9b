package dev.tviews.operator.backup;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.Durations;
import dev.tviews.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * currentRPOSeconds and RPOMet from the newest verified backup of a method that can restore the data (logical or
 * physical; metadata only when it is the policy's sole method). Before the first backup the policy's age counts.
 */
@ApplicationScoped
public class RpoEvaluator {

    private final EventRecorder events;

    public RpoEvaluator(EventRecorder events) {
        this.events = events;
    }

    /** Returns when to look again: the moment the target will be exceeded. */
    Optional<Duration> evaluate(TViewBackupPolicy policy, BackupPolicyStatusWriter writer, Instant now) {
        Optional<Instant> newest = newestCountingBackup(policy, writer.status());
        writer.status().setCurrentRPOSeconds(newest.map(t -> Math.max(0, Duration.between(t, now).toSeconds())).orElse(null));
        Optional<Duration> target = target(policy);
        if (target.isEmpty()) {
            writer.noRpoTarget();
            return Optional.empty();
        }
        Instant reference = newest.orElseGet(() -> Optional.ofNullable(policy.getMetadata().getCreationTimestamp())
                .map(Instant::parse).orElse(now));
        Duration age = Duration.between(reference, now);
        boolean previouslyMet = policy.getStatus() == null
                || !Conditions.find(policy.getStatus().getConditions(), BackupPolicyStatusWriter.RPO_MET)
                .map(Condition::getStatus).map(Conditions.FALSE::equals).orElse(false);
        String targetText = policy.getSpec().getRpoTarget() + " (" + target.get().toSeconds() + "s)";
        if (age.compareTo(target.get()) > 0) {
            String message = newest.isPresent()
                    ? "newest verified backup ended " + age.toSeconds() + "s ago, more than the target " + targetText
                    : "no verified backup yet, " + age.toSeconds() + "s after the policy was created; target " + targetText;
            writer.rpo(false, newest.isPresent() ? "RPOExceeded" : "NoBackupYet", message);
            if (previouslyMet) {
                events.warning(policy, "RPOExceeded", message);
            }
            return Optional.empty();
        }
        String message = newest.isPresent()
                ? "newest verified backup ended " + age.toSeconds() + "s ago; target " + targetText
                : "no verified backup yet; the policy is " + age.toSeconds() + "s old, target " + targetText;
        writer.rpo(true, newest.isPresent() ? "WithinTarget" : "NoBackupYet", message);
        if (!previouslyMet) {
            events.normal(policy, "RPOMet", message);
        }
        return Optional.of(target.get().minus(age).plusSeconds(1));
    }

    private static Optional<Instant> newestCountingBackup(TViewBackupPolicy policy, BackupPolicyStatus status) {
        List<String> methods = policy.getSpec().methodsOrDefault();
        List<String> counting = methods.stream().filter(m -> m.equals("logical") || m.equals("physical")).toList();
        List<String> considered = counting.isEmpty() ? methods : counting;
        return status.getLastSuccessByMethod().entrySet().stream()
                .filter(e -> considered.contains(e.getKey())).map(e -> Instant.parse(e.getValue()))
                .max(Comparator.naturalOrder());
    }

    private static Optional<Duration> target(TViewBackupPolicy policy) {
        try {
            return Optional.ofNullable(policy.getSpec().getRpoTarget())
                    .map(t -> Durations.parse("spec.rpoTarget", t));
        } catch (IllegalArgumentException e) {
            return Optional.empty();   // reported as Stalled (InvalidSpec) by the planner
        }
    }
}
