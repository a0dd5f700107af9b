package dev.tviews.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Consumer;

/** Test edits of resources the operator updates concurrently: retried on 409 Conflict, like any real client. */
public final class Edits {

    private Edits() {
    }

    public static <R extends HasMetadata> void edit(KubernetesClient client, Class<R> type, String namespace, String name,
                                                    Consumer<R> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                client.resources(type).inNamespace(namespace).withName(name).edit(r -> {
                    change.accept(r);
                    return r;
                });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
