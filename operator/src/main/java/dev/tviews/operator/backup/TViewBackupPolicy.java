package dev.tviews.operator.backup;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Scheduled, verified, retained backups of one database (logical, metadata and physical), with measured RPO. */
@Group("tviews.dev")
@Version("v1alpha1")
@ShortNames("tvbp")
@AdditionalPrinterColumn(name = "Schedule", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Last Success", jsonPath = ".status.lastSuccessfulBackup.endTime",
        type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "RPO", jsonPath = ".status.conditions[?(@.type==\"RPOMet\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class TViewBackupPolicy extends CustomResource<BackupPolicySpec, BackupPolicyStatus> implements Namespaced {

    public String namespace() {
        return getMetadata().getNamespace();
    }

    public String name() {
        return getMetadata().getName();
    }
}
