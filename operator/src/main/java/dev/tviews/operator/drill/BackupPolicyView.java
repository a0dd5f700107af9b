package dev.tviews.operator.drill;

import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Map;

/**
 * What a drill needs of a TViewBackupPolicy, read as a generic resource (so that this package does not depend on
 * the policy's Java class): the backup PVC and path, the production database (whose server restores the scratch
 * copy) and the image.
 */
record BackupPolicyView(String name, String claimName, String path, DatabaseRef database, String image) {

    static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup("tviews.dev").withVersion("v1alpha1").withKind("TViewBackupPolicy")
            .withPlural("tviewbackuppolicies").withNamespaced(true).build();

    /** Reads the policy; throws {@link IllegalArgumentException} naming what is missing. */
    static BackupPolicyView of(GenericKubernetesResource policy) {
        String name = policy.getMetadata().getName();
        Map<String, Object> spec = map(policy.getAdditionalProperties().get("spec"));
        Map<String, Object> storage = map(spec.get("storage"));
        String claim = text(map(storage.get("persistentVolumeClaim")).get("claimName"));
        if (claim == null) {
            throw new IllegalArgumentException("TViewBackupPolicy " + name + " has no spec.storage.persistentVolumeClaim.claimName");
        }
        Map<String, Object> db = map(spec.get("database"));
        String secret = text(map(db.get("secretRef")).get("name"));
        String cluster = text(map(db.get("cluster")).get("name"));
        if ((secret == null) == (cluster == null)) {
            throw new IllegalArgumentException("TViewBackupPolicy " + name + " needs exactly one of spec.database.secretRef or spec.database.cluster");
        }
        DatabaseRef ref = secret != null ? DatabaseRef.secret(secret) : DatabaseRef.cluster(cluster);
        return new BackupPolicyView(name, claim, text(storage.get("path")), ref, text(spec.get("image")));
    }

    /** The policy's backups as mounted in the drill Job: /backups/[path/]policy. */
    String backupRoot() {
        String p = path == null ? "" : path.replaceAll("^/+|/+$", "");
        return "/backups/" + (p.isEmpty() ? "" : p + "/") + name;
    }

    /** The Secret holding the database credentials (a CloudNativePG cluster's is {@code <cluster>-app}). */
    String secretName() {
        return database.getCluster() != null ? database.getCluster().getName() + "-app" : database.getSecretRef().getName();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String text(Object o) {
        return o == null || o.toString().isBlank() ? null : o.toString();
    }
}
