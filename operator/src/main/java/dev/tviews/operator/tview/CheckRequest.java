package dev.tviews.operator.tview;

import java.util.Optional;

/** The check-now annotation ({@link TViewReconciler#CHECK_NOW}): any new value runs a consistency check at once. */
final class CheckRequest {

    private CheckRequest() {
    }

    /** The annotation's value, if any. */
    static String requested(TView tview) {
        return tview.getMetadata().getAnnotations() == null ? null
                : tview.getMetadata().getAnnotations().get(TViewReconciler.CHECK_NOW);
    }

    /** The requested value when no check has answered it yet (status.lastCheckRequest differs). */
    static Optional<String> pending(TView tview) {
        String requested = requested(tview);
        String done = tview.getStatus() == null ? null : tview.getStatus().getLastCheckRequest();
        return requested != null && !requested.equals(done) ? Optional.of(requested) : Optional.empty();
    }
}
