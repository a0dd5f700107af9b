package dev.tviews.operator.database;

import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves a {@link DatabaseRef} into connection settings, read fresh from the API on every call: a Secret
 * (key {@code uri}, or host/port/dbname/username/password), or a CloudNativePG Cluster's {@code <name>-app}
 * Secret, holding off while the cluster is switching over.
 */
@ApplicationScoped
public class DatabaseResolver {

    /** CloudNativePG's Cluster, addressed without API discovery (which fails where CloudNativePG is absent). */
    public static final ResourceDefinitionContext CNPG_CLUSTER = new ResourceDefinitionContext.Builder()
            .withGroup("postgresql.cnpg.io").withVersion("v1").withKind("Cluster").withPlural("clusters")
            .withNamespaced(true).build();
    static final String PENDING = "pending";

    private final KubernetesClient client;

    public DatabaseResolver(KubernetesClient client) {
        this.client = client;
    }

    public Resolution resolve(String namespace, DatabaseRef ref) {
        if (ref.getCluster() != null) {
            return resolveCluster(namespace, ref.getCluster().getName());
        }
        return resolveSecret(namespace, ref.getSecretRef().getName(), null);
    }

    private Resolution resolveCluster(String namespace, String name) {
        GenericKubernetesResource cluster = client.genericKubernetesResources(CNPG_CLUSTER)
                .inNamespace(namespace).withName(name).get();
        if (cluster == null) {
            return new Resolution.Unavailable("ClusterNotFound",
                    "CloudNativePG Cluster " + namespace + "/" + name + " not found");
        }
        ClusterPrimary primary = ClusterPrimary.of(cluster);
        if (primary.switching()) {
            return new Resolution.SwitchoverInProgress(primary.current(), primary.target());
        }
        return resolveSecret(namespace, name + "-app", primary.current());
    }

    private Resolution resolveSecret(String namespace, String name, String currentPrimary) {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) {
            return new Resolution.Unavailable("SecretNotFound", "Secret " + namespace + "/" + name + " not found");
        }
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        Optional<String> uri = value(secret, data, "uri");
        try {
            ConnectionSpec spec = uri.isPresent() ? fromUri(uri.get()) : fromFields(secret, data);
            return new Resolution.Available(spec, currentPrimary);
        } catch (IllegalArgumentException e) {
            return new Resolution.Unavailable("InvalidSecret", "Secret " + namespace + "/" + name + ": " + e.getMessage());
        }
    }

    private static ConnectionSpec fromFields(Secret secret, Map<String, String> data) {
        String host = required(secret, data, "host");
        String port = value(secret, data, "port").orElse("5432");
        String dbname = required(secret, data, "dbname");
        String user = value(secret, data, "username").or(() -> value(secret, data, "user"))
                .orElseThrow(() -> new IllegalArgumentException("missing key 'username' (or 'uri')"));
        String password = required(secret, data, "password");
        return new ConnectionSpec(host, parsePort(port), dbname, user, password);
    }

    static ConnectionSpec fromUri(String text) {
        URI uri;
        try {
            uri = URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key 'uri' is not a valid postgresql:// URI");
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("key 'uri' must start with postgresql://");
        }
        String userInfo = uri.getRawUserInfo();
        if (userInfo == null || !userInfo.contains(":") || uri.getHost() == null) {
            throw new IllegalArgumentException("key 'uri' must be postgresql://user:password@host[:port]/dbname");
        }
        String user = decode(userInfo.substring(0, userInfo.indexOf(':')));
        String password = decode(userInfo.substring(userInfo.indexOf(':') + 1));
        String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("key 'uri' names no database");
        }
        return new ConnectionSpec(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 5432, decode(path), user, password);
    }

    private static String required(Secret secret, Map<String, String> data, String key) {
        return value(secret, data, key).orElseThrow(() -> new IllegalArgumentException("missing key '" + key + "' (or 'uri')"));
    }

    private static Optional<String> value(Secret secret, Map<String, String> data, String key) {
        if (data.containsKey(key)) {
            return Optional.of(new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8));
        }
        return Optional.ofNullable(secret.getStringData()).map(m -> m.get(key));
    }

    private static int parsePort(String port) {
        try {
            return Integer.parseInt(port.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("key 'port' is not a number");
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
