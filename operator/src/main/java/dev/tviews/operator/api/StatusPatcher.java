package dev.tviews.operator.api;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;

/**
 * Writes a resource's whole status with one JSON Patch operation ({@code add /status}, which replaces an existing
 * status) on the status subresource. Lists such as conditions are replaced whole on every API server (merge
 * patches of lists are not handled alike everywhere), and no resourceVersion is sent, so a concurrent metadata
 * change (finalizer, annotation) does not make the write fail.
 */
public final class StatusPatcher {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private StatusPatcher() {
    }

    public static <R extends HasMetadata> void patch(KubernetesClient client, Class<R> type, R resource, Object status) {
        client.resources(type).inNamespace(resource.getMetadata().getNamespace())
                .withName(resource.getMetadata().getName())
                .subresource("status")
                .patch(PatchContext.of(PatchType.JSON),
                        JSON.asJson(List.of(Map.of("op", "add", "path", "/status", "value", status))));
    }
}
