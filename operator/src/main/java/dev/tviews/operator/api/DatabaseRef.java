package dev.tviews.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where a resource's database is: exactly one of a Secret or a CloudNativePG Cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseRef {

    @JsonPropertyDescription("A Secret in the resource's namespace with key 'uri', or keys host/port/dbname/username/password "
            + "(CloudNativePG's app-secret format).")
    private LocalObjectReference secretRef;

    @JsonPropertyDescription("A CloudNativePG Cluster (postgresql.cnpg.io/v1) in the resource's namespace: its <name>-app "
            + "Secret and <name>-rw Service are used, and switchovers are waited out.")
    private LocalObjectReference cluster;

    public LocalObjectReference getSecretRef() {
        return secretRef;
    }

    public void setSecretRef(LocalObjectReference secretRef) {
        this.secretRef = secretRef;
    }

    public LocalObjectReference getCluster() {
        return cluster;
    }

    public void setCluster(LocalObjectReference cluster) {
        this.cluster = cluster;
    }
}
