package dev.tviews.operator.drill;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A disaster-recovery drill: restore a backup into a scratch database and verify it, or a CloudNativePG failover. */
@Group("tviews.dev")
@Version("v1alpha1")
@ShortNames("tvd")
@AdditionalPrinterColumn(name = "Scenario", jsonPath = ".spec.scenario", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "RTO", jsonPath = ".status.measuredRTOSeconds", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "RPO", jsonPath = ".status.measuredRPOSeconds", type = AdditionalPrinterColumn.Type.NUMBER)
@AdditionalPrinterColumn(name = "Targets", jsonPath = ".status.conditions[?(@.type==\"TargetsMet\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class TViewDrill extends CustomResource<TViewDrillSpec, TViewDrillStatus> implements Namespaced {
}
