package dev.tviews.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a resource's database is: exactly one of a Secret or a CloudNativePG Cluster. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.secretRef) != has(self.cluster)",
        message = "exactly one of database.secretRef or database.cluster must be set")
public class DatabaseRef {

    @JsonPropertyDescription("A Secret in the resource's namespace with key 'uri' (postgresql://user:password@host:port/db), "
            + "or keys host, port, dbname, username, password (CloudNativePG's app-secret format).")
    private LocalObjectReference secretRef;

    @JsonPropertyDescription("A CloudNativePG Cluster (postgresql.cnpg.io/v1) in the resource's namespace: its <name>-app "
            + "Secret is used to connect, and work pauses while a switchover is in progress.")
    private LocalObjectReference cluster;

    public static DatabaseRef secret(String name) {
        DatabaseRef ref = new DatabaseRef();
        ref.setSecretRef(new LocalObjectReference(name));
        return ref;
    }

    public static DatabaseRef cluster(String name) {
        DatabaseRef ref = new DatabaseRef();
        ref.setCluster(new LocalObjectReference(name));
        return ref;
    }

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
