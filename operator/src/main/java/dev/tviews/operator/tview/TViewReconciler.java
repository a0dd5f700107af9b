package dev.tviews.operator.tview;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

/** Reconciles TView resources into TVIEWs. (Foundation placeholder: records the observed generation.) */
@ControllerConfiguration(name = TViewReconciler.NAME)
public class TViewReconciler implements Reconciler<TView> {

    public static final String NAME = "tview";

    @Override
    public UpdateControl<TView> reconcile(TView resource, Context<TView> context) {
        Long generation = resource.getMetadata().getGeneration();
        TViewStatus current = resource.getStatus();
        if (current != null && generation != null && generation.equals(current.getObservedGeneration())) {
            return UpdateControl.noUpdate();
        }
        TView patch = new TView();
        patch.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withName(resource.getMetadata().getName())
                .withNamespace(resource.getMetadata().getNamespace())
                .build());
        TViewStatus status = new TViewStatus();
        status.setObservedGeneration(generation);
        patch.setStatus(status);
        return UpdateControl.patchStatus(patch);
    }
}
