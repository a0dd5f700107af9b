package dev.tviews.operator.database;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Map;

/**
 * The primary of a CloudNativePG Cluster from its status. A switchover is in progress while
 * {@code targetPrimary} differs from {@code currentPrimary} or is {@code pending}.
 */
public record ClusterPrimary(String current, String target) {

    @SuppressWarnings("unchecked")
    public static ClusterPrimary of(GenericKubernetesResource cluster) {
        Object status = cluster.getAdditionalProperties().get("status");
        if (!(status instanceof Map<?, ?> map)) {
            return new ClusterPrimary(null, null);
        }
        Map<String, Object> s = (Map<String, Object>) map;
        return new ClusterPrimary(text(s.get("currentPrimary")), text(s.get("targetPrimary")));
    }

    public boolean switching() {
        if (target == null) {
            return false;
        }
        return DatabaseResolver.PENDING.equals(target) || !target.equals(current);
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
