package dev.tviews.devmode;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Fabric8 CRUD mock server plus a small emulation of server-side apply ({@code application/apply-patch+yaml}),
 * which the mock server answers with 415. The operator jar is built for real clusters, with server-side apply on
 * (a build-time setting of the Quarkus Operator SDK, so it cannot be switched off when starting the jar).
 *
 * <p>Semantics, for one field manager (the operator): an apply to a {@code /status} subresource replaces the status
 * with the applied one (fields the operator no longer sends are removed); an apply to a resource merges the applied
 * fields into it (maps recursively, lists replaced); an apply to a resource that does not exist creates it. Conflicts between managers are
 * not modelled.
 */
final class ApplyPatchDispatcher extends KubernetesCrudDispatcher {

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    ApplyPatchDispatcher() {
        super(new ArrayList<>());
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String contentType = request.getHeader("Content-Type");
        if (request.method() != HttpMethod.PATCH || contentType == null || !contentType.contains("apply-patch")) {
            return super.dispatch(request);
        }
        String path = request.getPath();
        String basePath = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        boolean statusPath = basePath.endsWith("/status");
        String objectPath = statusPath ? basePath.substring(0, basePath.length() - "/status".length()) : basePath;

        Map<String, Object> applied = asMap(serialization.unmarshal(request.getUtf8Body(), Map.class));
        Map<String, Object> metadata = asMap(applied.get("metadata"));
        metadata.remove("managedFields");
        metadata.remove("resourceVersion");

        MockResponse current = super.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, objectPath,
                Headers.builder().build(), new Buffer()));
        if (current.code() == 404) {
            if (statusPath) {
                return current;
            }
            String collection = objectPath.substring(0, objectPath.lastIndexOf('/'));
            return super.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.POST, collection,
                    jsonHeaders("application/json"), json(applied)));
        }
        // Apply = read, merge, write back with the resourceVersion just read (a PUT, which the mock server handles
        // fully; its merge-patch support appends to lists and keeps nulls).
        Map<String, Object> object = asMap(serialization.unmarshal(current.getBody().readUtf8(), Map.class));
        if (statusPath) {
            object.put("status", applied.get("status"));
        } else {
            applied.remove("status");
            deepMerge(object, applied);
        }
        return super.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PUT, basePath,
                jsonHeaders("application/json"), json(object)));
    }

    /** Maps merge recursively; anything else (lists included) is replaced; null removes. */
    static void deepMerge(Map<String, Object> target, Map<String, Object> source) {
        source.forEach((k, v) -> {
            if (v == null) {
                target.remove(k);
            } else if (v instanceof Map<?, ?> && target.get(k) instanceof Map<?, ?>) {
                Map<String, Object> nested = new LinkedHashMap<>(asMap(target.get(k)));
                deepMerge(nested, asMap(v));
                target.put(k, nested);
            } else {
                target.put(k, v);
            }
        });
    }

    private Buffer json(Object o) {
        return new Buffer(serialization.asJson(o).getBytes(StandardCharsets.UTF_8));
    }

    private static Headers jsonHeaders(String contentType) {
        return Headers.builder().add("Content-Type", contentType).build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
    }
}
