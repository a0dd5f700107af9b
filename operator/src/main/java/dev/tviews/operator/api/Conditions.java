package dev.tviews.operator.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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

    /** True when both lists hold the same conditions (ignoring order). */
    public static boolean same(List<Condition> a, List<Condition> b) {
        List<Condition> left = a == null ? List.of() : a;
        List<Condition> right = b == null ? List.of() : b;
        return left.size() == right.size() && left.stream().allMatch(right::contains);
    }
}
