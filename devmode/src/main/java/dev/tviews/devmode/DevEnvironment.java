package dev.tviews.devmode;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Everything {@code make run} needs besides the operator itself: a throwaway PostgreSQL with the example schema
 * loaded, the Fabric8 mock API server in CRUD mode on 127.0.0.1 with the CRDs of {@code crds/}, a kubeconfig and a
 * pgpass file for it, the database Secret, and applying / deleting the example manifests.
 *
 * <p>{@link #close()} stops the API server and PostgreSQL and removes the server's directory; it is idempotent.
 */
public final class DevEnvironment implements AutoCloseable {

    public static final String NAMESPACE = "shop";
    public static final String DATABASE = "shop";
    public static final String SECRET = "shop-db";

    private final Path workDir;
    private final Path examplesDir;
    private final Map<String, ResourceDefinitionContext> customResources = new ConcurrentHashMap<>();
    /** What each manifest file created, so that a removed or renamed file deletes what it had created. */
    private final Map<Path, List<Applied>> appliedByFile = new ConcurrentHashMap<>();

    private PgServer pg;
    private KubernetesMockServer apiServer;
    private KubernetesClient client;
    private Path kubeconfig;
    private Path pgpass;
    private volatile boolean closed;

    /** One object a manifest created. */
    public record Applied(ResourceDefinitionContext context, HasMetadata fallback, String namespace, String name) {
    }

    private DevEnvironment(Path workDir, Path examplesDir) {
        this.workDir = workDir;
        this.examplesDir = examplesDir;
    }

    /**
     * Starts PostgreSQL (database {@value #DATABASE} with {@code examplesDir/schema.sql}), the mock API server, and
     * creates the CRDs found in {@code crdsDir}, the namespace and the Secret. On failure, whatever was started is
     * stopped again.
     */
    public static DevEnvironment start(Path crdsDir, Path examplesDir, Path workDir) {
        DevEnvironment env = new DevEnvironment(workDir, examplesDir);
        try {
            env.startAll(crdsDir);
            return env;
        } catch (RuntimeException e) {
            env.close();
            throw e;
        }
    }

    private void startAll(Path crdsDir) {
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        pg = PgServer.start("devmode");
        PgDatabase db = pg.createDatabase(DATABASE);
        Path schema = examplesDir.resolve("schema.sql");
        if (Files.exists(schema)) {
            db.psqlFile(schema).orThrow("Loading " + schema);
        }
        pgpass = writePrivate(workDir.resolve("pgpass"),
                pg.host() + ":" + pg.port() + ":*:" + pg.superuser() + ":" + pg.password() + "\n");

        apiServer = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new ApplyPatchDispatcher(), false);
        try {
            apiServer.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        kubeconfig = writePrivate(workDir.resolve("kubeconfig"), kubeconfigYaml(apiServerUrl()));
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(readString(kubeconfig))).build();

        installCrds(crdsDir);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
                .create();
        client.secrets().inNamespace(NAMESPACE).resource(databaseSecret()).create();
    }

    /** http://127.0.0.1:port — plain HTTP, no authentication. */
    public String apiServerUrl() {
        return "http://127.0.0.1:" + apiServer.getPort();
    }

    public int apiServerPort() {
        return apiServer.getPort();
    }

    public KubernetesClient client() {
        return client;
    }

    public PgServer postgres() {
        return pg;
    }

    public Path kubeconfig() {
        return kubeconfig;
    }

    public Path pgpass() {
        return pgpass;
    }

    public Path examplesDir() {
        return examplesDir;
    }

    /** The psql command line for the example database; the password stays in the pgpass file. */
    public String psqlCommand() {
        return "PGPASSFILE=" + pgpass + " psql -h " + pg.host() + " -p " + pg.port() + " -U " + pg.superuser() + " "
                + DATABASE;
    }

    /** The definition context of a custom resource kind (from the CRDs installed), or null. */
    public ResourceDefinitionContext customResource(String apiVersion, String kind) {
        return customResources.get(apiVersion + "/" + kind);
    }

    /** TViews in the example namespace, as generic resources (the launcher does not depend on the operator's classes). */
    public List<GenericKubernetesResource> tviews() {
        ResourceDefinitionContext ctx = customResource("tviews.dev/v1alpha1", "TView");
        if (ctx == null) {
            return List.of();
        }
        return client.genericKubernetesResources(ctx).inNamespace(NAMESPACE).list().getItems();
    }

    /** The example manifests: {@code tview-*.yaml} / {@code tview-*.yml} in the examples directory, sorted. */
    public List<Path> manifests() {
        try (Stream<Path> files = Files.list(examplesDir)) {
            return files.filter(DevEnvironment::isManifest).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean isManifest(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith("tview-") && (name.endsWith(".yaml") || name.endsWith(".yml"));
    }

    /** Applies every example manifest; returns the objects applied. */
    public List<Applied> applyAll() {
        List<Applied> all = new ArrayList<>();
        for (Path manifest : manifests()) {
            all.addAll(apply(manifest));
        }
        return all;
    }

    /**
     * Creates or updates what {@code manifest} holds, in namespace {@value #NAMESPACE}; deletes objects this file
     * created before but no longer holds (a renamed resource). Updating replaces spec, labels and annotations and
     * keeps the status, like {@code kubectl apply} does for a custom resource with a status subresource.
     */
    public synchronized List<Applied> apply(Path manifest) {
        List<HasMetadata> items;
        try (InputStream in = Files.newInputStream(manifest)) {
            items = client.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Applied> applied = new ArrayList<>();
        for (HasMetadata item : items) {
            if (item == null) {
                continue;
            }
            item.getMetadata().setNamespace(NAMESPACE);
            ResourceDefinitionContext ctx = customResource(item.getApiVersion(), item.getKind());
            if (ctx != null) {
                applyCustom(ctx, (GenericKubernetesResource) item);
            } else {
                client.resource(item).inNamespace(NAMESPACE).createOr(op -> op.update());
            }
            applied.add(new Applied(ctx, ctx == null ? item : null, NAMESPACE, item.getMetadata().getName()));
        }
        List<Applied> before = appliedByFile.put(manifest.toAbsolutePath(), applied);
        if (before != null) {
            before.stream().filter(b -> applied.stream().noneMatch(a -> sameObject(a, b))).forEach(this::delete);
        }
        return applied;
    }

    private void applyCustom(ResourceDefinitionContext ctx, GenericKubernetesResource desired) {
        var resources = client.genericKubernetesResources(ctx).inNamespace(NAMESPACE);
        GenericKubernetesResource existing = resources.withName(desired.getMetadata().getName()).get();
        if (existing == null) {
            resources.resource(desired).create();
            return;
        }
        Object spec = desired.getAdditionalProperties().get("spec");
        boolean same = Objects.equals(spec, existing.getAdditionalProperties().get("spec"))
                && Objects.equals(desired.getMetadata().getLabels(), existing.getMetadata().getLabels())
                && Objects.equals(desired.getMetadata().getAnnotations(), existing.getMetadata().getAnnotations());
        if (same) {
            return;
        }
        existing.getAdditionalProperties().put("spec", spec);
        existing.getMetadata().setLabels(desired.getMetadata().getLabels());
        existing.getMetadata().setAnnotations(desired.getMetadata().getAnnotations());
        resources.resource(existing).update();
    }

    /** Deletes what {@code manifest} had created (the file itself is gone, so this uses what was recorded). */
    public synchronized List<Applied> deleteAppliedFrom(Path manifest) {
        List<Applied> before = appliedByFile.remove(manifest.toAbsolutePath());
        if (before == null) {
            return List.of();
        }
        before.forEach(this::delete);
        return before;
    }

    private void delete(Applied a) {
        if (a.context() != null) {
            client.genericKubernetesResources(a.context()).inNamespace(a.namespace()).withName(a.name()).delete();
        } else {
            client.resource(a.fallback()).inNamespace(a.namespace()).delete();
        }
    }

    private static boolean sameObject(Applied a, Applied b) {
        return Objects.equals(a.name(), b.name()) && Objects.equals(a.namespace(), b.namespace())
                && Objects.equals(a.context() == null ? null : a.context().getKind(),
                        b.context() == null ? null : b.context().getKind());
    }

    /** The database Secret in CloudNativePG's app-secret format (host, port, dbname, username, password). */
    private Secret databaseSecret() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("host", pg.host());
        data.put("port", String.valueOf(pg.port()));
        data.put("dbname", DATABASE);
        data.put("username", pg.superuser());
        data.put("password", pg.password());
        Map<String, String> encoded = new LinkedHashMap<>();
        // The mock server stores objects as sent: it would not turn stringData into data, so send data.
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName(SECRET).withNamespace(NAMESPACE)
                .addToLabels("app.kubernetes.io/managed-by", "tview-devmode").endMetadata()
                .withType("kubernetes.io/basic-auth").withData(encoded).build();
    }

    private void installCrds(Path crdsDir) {
        if (crdsDir == null || !Files.isDirectory(crdsDir)) {
            throw new IllegalStateException("No CRD directory at " + crdsDir + " (expected the repository's crds/)");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(crdsDir)) {
            files = list.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
                client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
                String group = crd.getSpec().getGroup();
                for (var version : crd.getSpec().getVersions()) {
                    ResourceDefinitionContext ctx = new ResourceDefinitionContext.Builder()
                            .withGroup(group).withVersion(version.getName())
                            .withKind(crd.getSpec().getNames().getKind())
                            .withPlural(crd.getSpec().getNames().getPlural())
                            .withNamespaced("Namespaced".equals(crd.getSpec().getScope()))
                            .build();
                    customResources.put(group + "/" + version.getName() + "/" + ctx.getKind(), ctx);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static String kubeconfigYaml(String server) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: tviews-devmode
                  cluster:
                    server: %s
                users:
                - name: tviews-devmode
                  user: {}
                contexts:
                - name: tviews-devmode
                  context:
                    cluster: tviews-devmode
                    user: tviews-devmode
                    namespace: %s
                current-context: tviews-devmode
                """.formatted(server, NAMESPACE);
    }

    private static Path writePrivate(Path file, String content) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops the API server and PostgreSQL and removes the pgpass file (its password is of a server now gone). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (client != null) {
            client.close();
        }
        if (apiServer != null) {
            apiServer.destroy();
        }
        if (pg != null) {
            pg.close();
        }
        if (pgpass != null) {
            try {
                Files.deleteIfExists(pgpass);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
