package dev.tviews.operator.tview;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Reconcile on updates that matter: a new generation (spec), a new check-now request, or deletion. Status-only
 * updates, including the operator's own status patches, do not trigger a reconcile.
 */
public class SpecOrRequestChanged implements OnUpdateFilter<TView> {

    @Override
    public boolean accept(TView updated, TView old) {
        return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
                || !Objects.equals(CheckRequest.requested(updated), CheckRequest.requested(old))
                || updated.getMetadata().getDeletionTimestamp() != null
                || !Objects.equals(updated.getMetadata().getFinalizers(), old.getMetadata().getFinalizers());
    }

}
