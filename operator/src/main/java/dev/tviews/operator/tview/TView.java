package dev.tviews.operator.tview;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One TVIEW (a table kept equal to a query, incrementally) in one PostgreSQL database. */
@Group("tviews.dev")
@Version("v1alpha1")
@ShortNames("tv")
@AdditionalPrinterColumn(name = "Entity", jsonPath = ".status.table", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Rows", jsonPath = ".status.rowCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Drift", jsonPath = ".status.driftRows", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class TView extends CustomResource<TViewSpec, TViewStatus> implements Namespaced {

    /** The entity this TView manages (spec.entity or derived from the name). */
    public String entity() {
        return getSpec().entityOr(getMetadata().getName());
    }
}
