package dev.tviews.operator.api;

import static dev.tviews.operator.api.Conditions.READY;
import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import java.time.Clock;

/**
 * The one place a resource's conditions are written. Keeps the kstatus trio consistent — exactly one of
 * Ready=True, Reconciling=True or Stalled=True — each stamped with the generation the status describes.
 * Subclasses add their domain conditions through {@link #set}.
 */
public abstract class StatusWriter<S extends ConditionedStatus> {

    protected final S status;
    protected final Long generation;
    private final Clock clock;

    /** {@code draft} is a copy of the observed status (never the observed object itself). */
    protected StatusWriter(S draft, Long generation, Clock clock) {
        this.status = draft;
        this.generation = generation;
        this.clock = clock;
        draft.setObservedGeneration(generation);
    }

    public S status() {
        return status;
    }

    public void ready(String reason, String message) {
        trio(READY, reason, message);
    }

    /** Work in progress, or waiting for something that will come (a dependency, the database, a switchover). */
    public void reconciling(String reason, String message) {
        trio(RECONCILING, reason, message);
    }

    /** The spec (or what it points at) cannot be applied as it is. */
    public void stalled(String reason, String message) {
        trio(STALLED, reason, message);
    }

    private void trio(String trueOne, String reason, String message) {
        set(READY, READY.equals(trueOne), reason, message);
        set(RECONCILING, RECONCILING.equals(trueOne), reason, RECONCILING.equals(trueOne) ? message : "");
        set(STALLED, STALLED.equals(trueOne), reason, STALLED.equals(trueOne) ? message : "");
    }

    protected void set(String type, boolean value, String reason, String message) {
        status.setConditions(Conditions.set(status.getConditions(), type, value, reason, message, generation, clock));
    }

    protected void remove(String type) {
        status.setConditions(Conditions.remove(status.getConditions(), type));
    }
}
