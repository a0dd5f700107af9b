package dev.tviews.operator.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * kstatus-style conditions: {@code Ready}, {@code Reconciling}, {@code Stalled} plus domain conditions. Setting a
 * condition keeps its {@code lastTransitionTime} unless its status changes.
 */
public final class Conditions {

    public static final String READY = "Ready";
    public static final String RECONCILING = "Reconciling";
    public static final String STALLED = "Stalled";

    public static final String TRUE = "True";
    public static final String FALSE = "False";

    private Conditions() {
    }

    /** Returns a new list with {@code type} set; other conditions are kept as they are. */
    public static List<Condition> set(List<Condition> current, String type, boolean status, String reason, String message,
                                      Long observedGeneration, Clock clock) {
        List<Condition> next = new ArrayList<>(current == null ? List.of() : current);
        Optional<Condition> existing = find(next, type);
        String statusText = status ? TRUE : FALSE;
        String transition = existing.filter(c -> statusText.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime)
                .orElseGet(() -> Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        Condition condition = new ConditionBuilder()
                .withType(type).withStatus(statusText).withReason(reason).withMessage(message == null ? "" : message)
                .withObservedGeneration(observedGeneration).withLastTransitionTime(transition)
                .build();
        existing.ifPresentOrElse(c -> next.set(next.indexOf(c), condition), () -> next.add(condition));
        return next;
    }

    public static List<Condition> remove(List<Condition> current, String type) {
        List<Condition> next = new ArrayList<>(current == null ? List.of() : current);
        next.removeIf(c -> type.equals(c.getType()));
        return next;
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }

    public static Optional<String> reason(List<Condition> conditions, String type) {
        return find(conditions, type).map(Condition::getReason);
    }

    /** The message of condition {@code type} as last observed, when it is True (null otherwise). */
    public static String trueMessage(ConditionedStatus status, String type) {
        return status == null ? null : find(status.getConditions(), type)
                .filter(c -> TRUE.equals(c.getStatus())).map(Condition::getMessage).orElse(null);
    }

    /**
     * When to look again at a resource still blocked for {@code reason}: half the time already spent True with that
     * reason in one of {@code types}, between {@code base} and {@code max}.
     */
    public static Duration backoff(ConditionedStatus status, String reason, Duration base, Duration max, Instant now,
                                   String... types) {
        Duration waited = status == null ? Duration.ZERO : Arrays.stream(types)
                .map(t -> find(status.getConditions(), t)).flatMap(Optional::stream)
                .filter(c -> TRUE.equals(c.getStatus()) && reason.equals(c.getReason())).findFirst()
                .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), now))
                .orElse(Duration.ZERO);
        Duration half = waited.dividedBy(2);
        Duration delay = half.compareTo(base) > 0 ? half : base;
        return delay.compareTo(max) < 0 ? delay : max;
    }

    /** True when both lists hold the same conditions (ignoring order). */
    public static boolean same(List<Condition> a, List<Condition> b) {
        List<Condition> left = a == null ? List.of() : a;
        List<Condition> right = b == null ? List.of() : b;
        return left.size() == right.size() && left.stream().allMatch(right::contains);
    }
}
