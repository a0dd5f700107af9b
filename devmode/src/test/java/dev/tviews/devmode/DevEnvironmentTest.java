package dev.tviews.devmode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded {@code make run} environment without the operator child: real PostgreSQL with the shop schema, the
 * mock API server with the repository's CRDs, the Secret in CloudNativePG's format, the example manifests applied
 * and watched, server-side apply emulated, and nothing left running after {@link DevEnvironment#close()}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DevEnvironmentTest {

    /** Held so that the level set on it stays; the mock server logs every request at INFO otherwise. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    @TempDir
    static Path tmp;

    static Path root;
    static Path examples;
    static DevEnvironment env;

    @BeforeAll
    static void start() throws IOException {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        root = repoRoot();
        examples = tmp.resolve("shop");
        Files.createDirectories(examples);
        try (Stream<Path> files = Files.list(root.resolve("examples/shop"))) {
            for (Path f : files.toList()) {
                Files.copy(f, examples.resolve(f.getFileName()));
            }
        }
        env = DevEnvironment.start(root.resolve("crds"), examples, tmp.resolve("work"));
    }

    @AfterAll
    static void stop() {
        if (env != null) {
            env.close();
        }
    }

    @Test
    @Order(1)
    void secretHasTheCloudNativePgKeysAndConnects() throws Exception {
        Secret secret = env.client().secrets().inNamespace("shop").withName("shop-db").get();
        assertThat(secret).isNotNull();
        Map<String, String> data = secret.getData();
        assertThat(data).containsOnlyKeys("host", "port", "dbname", "username", "password");
        String host = decode(data.get("host"));
        String port = decode(data.get("port"));
        assertThat(host).isEqualTo("127.0.0.1");
        assertThat(port).isEqualTo(String.valueOf(env.postgres().port()));
        assertThat(decode(data.get("dbname"))).isEqualTo("shop");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + decode(data.get("dbname")),
                decode(data.get("username")), decode(data.get("password")));
             ResultSet rs = c.createStatement().executeQuery(
                     "SELECT (SELECT count(*) FROM tb_user), (SELECT count(*) FROM tb_post), (SELECT count(*) FROM tb_comment)")) {
            rs.next();
            assertThat(List.of(rs.getLong(1), rs.getLong(2), rs.getLong(3))).containsExactly(3L, 3L, 3L);
        }
    }

    @Test
    @Order(2)
    void kubeconfigAndPgpassPointAtTheEmbeddedServers() throws IOException {
        String kubeconfig = Files.readString(env.kubeconfig());
        assertThat(kubeconfig).contains("server: " + env.apiServerUrl()).contains("current-context: tviews-devmode");
        String pgpass = Files.readString(env.pgpass());
        assertThat(pgpass.trim()).isEqualTo("127.0.0.1:" + env.postgres().port() + ":*:postgres:" + env.postgres().password());
        assertThat(Files.getPosixFilePermissions(env.pgpass())).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(env.psqlCommand()).startsWith("PGPASSFILE=" + env.pgpass() + " psql -h 127.0.0.1 -p ")
                .doesNotContain(env.postgres().password());
        assertThat(env.client().apiextensions().v1().customResourceDefinitions().withName("tviews.tviews.dev").get()).isNotNull();
    }

    @Test
    @Order(3)
    void examplesAreAppliedIntoTheShopNamespace() {
        assertThat(env.applyAll()).extracting(DevEnvironment.Applied::name).containsExactly("post-stats", "post", "user");
        List<GenericKubernetesResource> tviews = env.tviews();
        assertThat(tviews).extracting(t -> t.getMetadata().getName()).containsExactlyInAnyOrder("user", "post", "post-stats");
        GenericKubernetesResource post = find("post");
        assertThat(post.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(spec(post).get("query").toString()).contains("JOIN tv_user u ON u.pk_user = p.fk_user");
        assertThat(spec(post).get("database")).isEqualTo(Map.of("secretRef", Map.of("name", "shop-db")));
        assertThat(StatusTable.render(StatusTable.rows(tviews))).contains("NAME").contains("post-stats").contains("1/-");
    }

    @Test
    @Order(4)
    void serverSideApplyOfStatusIsEmulated() {
        var ctx = env.customResource("tviews.dev/v1alpha1", "TView");
        var user = env.client().genericKubernetesResources(ctx).inNamespace("shop").withName("user");
        String apply = """
                {"apiVersion":"tviews.dev/v1alpha1","kind":"TView","metadata":{"name":"user","namespace":"shop"},
                 "status":{"observedGeneration":1,"rowCount":3,"driftRows":2,
                   "conditions":[{"type":"Ready","status":"True","reason":"Applied","message":"tv_user is maintained"}]}}""";
        user.subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager("tview").withForce(true).build(), apply);
        // a second apply that no longer sends driftRows removes it, as server-side apply does for a single manager
        user.subresource("status").patch(new PatchContext.Builder().withPatchType(PatchType.SERVER_SIDE_APPLY)
                .withFieldManager("tview").withForce(true).build(), apply.replace("\"driftRows\":2,", ""));
        GenericKubernetesResource got = user.get();
        Map<String, Object> status = map(got.getAdditionalProperties().get("status"));
        assertThat(status).containsEntry("rowCount", 3).doesNotContainKey("driftRows");
        assertThat(got.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(StatusTable.render(StatusTable.rows(List.of(got))))
                .containsPattern("user\\s+1/1\\s+True\\s+Applied\\s+3\\s+-\\s+tv_user is maintained");
    }

    @Test
    @Order(5)
    void editedAddedAndRemovedManifestsAreReconciled() throws Exception {
        List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ManifestWatcher watcher = new ManifestWatcher(env, line -> {
            System.out.println("[watcher] " + line);
            output.add(line);
        })) {
            Path user = examples.resolve("tview-user.yaml");
            Files.writeString(user, Files.readString(user).replace("FROM tb_user u", "FROM tb_user u WHERE u.pk_user > 0"));
            await("the edited query is applied with a new generation", () -> {
                GenericKubernetesResource u = find("user");
                return u != null && spec(u).get("query").toString().contains("WHERE u.pk_user > 0")
                        && u.getMetadata().getGeneration() == 2L;
            });
            assertThat(map(find("user").getAdditionalProperties().get("status"))).as("status kept on update")
                    .containsEntry("rowCount", 3);

            Files.delete(examples.resolve("tview-post-stats.yaml"));
            await("the removed manifest's TView is deleted", () -> find("post-stats") == null);

            Files.writeString(examples.resolve("tview-comment.yaml"), """
                    apiVersion: tviews.dev/v1alpha1
                    kind: TView
                    metadata: {name: comment}
                    spec:
                      database: {secretRef: {name: shop-db}}
                      query: SELECT c.pk_comment, c.id, c.fk_post, jsonb_build_object('body', c.body) AS data FROM tb_comment c
                    """);
            await("the added manifest is applied into namespace shop", () -> find("comment") != null);

            // a file that is not a manifest is ignored: the watcher handles events in order, so once a manifest
            // written after it has been applied, the other file's event has been seen too
            Files.writeString(examples.resolve("notes.txt"), "not a manifest");
            Files.writeString(examples.resolve("tview-marker.yaml"), Files.readString(examples.resolve("tview-comment.yaml"))
                    .replace("name: comment", "name: marker"));
            await("the manifest written after notes.txt is applied", () -> output.contains("applied tview-marker.yaml: [marker]"));
            assertThat(output).noneMatch(line -> line.contains("notes.txt")).noneMatch(line -> line.startsWith("could not apply"));
            assertThat(env.tviews()).extracting(t -> t.getMetadata().getName())
                    .containsExactlyInAnyOrder("user", "post", "comment", "marker");
        }
    }

    @Test
    @Order(6)
    void closeStopsPostgresAndTheApiServer() throws Exception {
        int apiPort = env.apiServerPort();
        var pg = env.postgres();
        env.close();
        assertThat(env.isClosed()).isTrue();
        assertThat(pg.isRunning()).isFalse();
        assertThatThrownBy(() -> DriverManager.getConnection(pg.jdbcUrl("shop"), "postgres", pg.password()))
                .isInstanceOf(java.sql.SQLException.class);
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", apiPort), 2000);
            }
        }).isInstanceOf(ConnectException.class);
        assertThat(env.pgpass()).doesNotExist();
        env.close(); // idempotent
    }

    private static GenericKubernetesResource find(String name) {
        return env.tviews().stream().filter(t -> name.equals(t.getMetadata().getName())).findFirst().orElse(null);
    }

    private static Map<String, Object> spec(GenericKubernetesResource r) {
        return map(r.getAdditionalProperties().get("spec"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String decode(String b64) {
        return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Timed out waiting until " + what);
    }

    static Path repoRoot() {
        String prop = System.getProperty("tviews.repo.root");
        Path p = prop != null && !prop.isBlank() ? Path.of(prop) : Path.of("").toAbsolutePath().getParent();
        if (!Files.isDirectory(p.resolve("examples/shop"))) {
            p = Path.of("").toAbsolutePath();
        }
        return p.toAbsolutePath().normalize();
    }
}
