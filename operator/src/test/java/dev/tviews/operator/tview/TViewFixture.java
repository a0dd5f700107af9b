package dev.tviews.operator.tview;

import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A namespace with a real database (shop schema) behind a Secret, and helpers to drive TViews in it. */
final class TViewFixture {

    static final String SHOP_SCHEMA = """
            CREATE TABLE tb_user (pk_user int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  id uuid NOT NULL DEFAULT gen_random_uuid(), name text NOT NULL);
            CREATE TABLE tb_post (pk_post int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  id uuid NOT NULL DEFAULT gen_random_uuid(),
                                  fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
            INSERT INTO tb_user (name) VALUES ('alice'), ('bob');
            INSERT INTO tb_post (fk_user, title) VALUES (1, 'hello'), (1, 'again'), (2, 'bob writes');
            """;
    static final String USER_QUERY =
            "SELECT u.pk_user, u.id, jsonb_build_object('name', u.name) AS data FROM tb_user u";
    static final String POST_QUERY = "SELECT p.pk_post, p.id, p.fk_user, "
            + "jsonb_build_object('title', p.title, 'author', u.data) AS data "
            + "FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user";

    private static final AtomicInteger COUNTER = new AtomicInteger();
    static final Duration TIMEOUT = Duration.ofSeconds(45);

    final KubernetesClient client;
    final String namespace;
    final PgDatabase db;

    private TViewFixture(KubernetesClient client, String namespace, PgDatabase db) {
        this.client = client;
        this.namespace = namespace;
        this.db = db;
    }

    /** A new namespace and database with the shop schema, and the Secret "shop-db" pointing at it. */
    static TViewFixture create(KubernetesClient client, String label) {
        int n = COUNTER.incrementAndGet();
        PgDatabase db = PgServer.shared().createDatabase(label + "_" + n + "_" + ProcessHandle.current().pid());
        db.execute(SHOP_SCHEMA);
        TViewFixture fixture = new TViewFixture(client, label.replace('_', '-') + "-" + n, db);
        fixture.createSecret("shop-db", db.server().password());
        return fixture;
    }

    void createSecret(String name, String password) {
        client.resource(secret(name, password)).create();
    }

    Secret secret(String name, String password) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of("host", db.server().host(), "port", String.valueOf(db.server().port()),
                        "dbname", db.name(), "username", "postgres", "password", password))
                .build();
    }

    TView tview(String name, String query, Consumer<TViewSpec> customize) {
        TView tview = new TView();
        tview.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        TViewSpec spec = new TViewSpec();
        spec.setDatabase(DatabaseRef.secret("shop-db"));
        spec.setQuery(query);
        customize.accept(spec);
        tview.setSpec(spec);
        return client.resource(tview).create();
    }

    TView tview(String name, String query) {
        return tview(name, query, spec -> { });
    }

    TView get(String name) {
        return client.resources(TView.class).inNamespace(namespace).withName(name).get();
    }

    void edit(String name, Consumer<TView> change) {
        dev.tviews.operator.Edits.edit(client, TView.class, namespace, name, change);
    }

    /** Waits until the TView's condition {@code type} has {@code status} for its current generation; returns it. */
    Condition awaitCondition(String name, String type, boolean status, String reason) {
        try {
            return await().atMost(TIMEOUT).until(() -> condition(name, type, status, reason), c -> c != null);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            TView t = get(name);
            throw new AssertionError("TView " + namespace + "/" + name + " never had " + type + "=" + status
                    + (reason == null ? "" : " (" + reason + ")") + "; last seen: "
                    + (t == null ? "deleted" : io.fabric8.kubernetes.client.utils.Serialization.asYaml(t)), e);
        }
    }

    private Condition condition(String name, String type, boolean status, String reason) {
        TView t = get(name);
        if (t == null || t.getStatus() == null || !java.util.Objects.equals(t.getStatus().getObservedGeneration(),
                t.getMetadata().getGeneration())) {
            return null;
        }
        return Conditions.find(t.getStatus().getConditions(), type)
                .filter(c -> c.getStatus().equals(status ? "True" : "False"))
                .filter(c -> reason == null || reason.equals(c.getReason()))
                .orElse(null);
    }

    TView awaitReady(String name) {
        awaitCondition(name, Conditions.READY, true, null);
        return get(name);
    }

    List<Event> events(String name) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    Event awaitEvent(String name, String reason) {
        return awaitEvent(name, reason, e -> true);
    }

    Event awaitEvent(String name, String reason, Predicate<Event> matching) {
        return await().atMost(TIMEOUT).until(() -> events(name).stream()
                .filter(e -> reason.equals(e.getReason())).filter(matching).findFirst().orElse(null), e -> e != null);
    }

    /** Rows of the TVIEW that differ from its query (EXCEPT ALL both ways): the test oracle. */
    long drift(String table, String query) {
        Object n = db.queryValue("SELECT (SELECT count(*) FROM (SELECT * FROM " + table + " EXCEPT ALL (" + query + ")) a)"
                + " + (SELECT count(*) FROM ((" + query + ") EXCEPT ALL SELECT * FROM " + table + ") b)");
        return ((Number) n).longValue();
    }

    long count(String sql) {
        return ((Number) db.queryValue(sql)).longValue();
    }
}
