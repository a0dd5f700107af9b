package dev.tviews.operator.tview;

import dev.tviews.operator.NamespaceFixture;

import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A namespace with a real database (shop schema) behind a Secret, and helpers to drive TViews in it. */
final class TViewFixture extends NamespaceFixture<TView, TViewStatus> {

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

    private TViewFixture(KubernetesClient client, String namespace, PgDatabase db) {
        super(TView.class, client, namespace, db);
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

    /** A new namespace for a database the test created itself (schema included); no Secret is created. */
    static TViewFixture on(KubernetesClient client, String label, PgDatabase db) {
        int n = COUNTER.incrementAndGet();
        return new TViewFixture(client, label.replace('_', '-') + "-" + n, db);
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

    /** Sets the check-now annotation (any new value runs a consistency check at once). */
    static void checkNow(TView t, String value) {
        if (t.getMetadata().getAnnotations() == null) {
            t.getMetadata().setAnnotations(new java.util.HashMap<>());
        }
        t.getMetadata().getAnnotations().put(TViewReconciler.CHECK_NOW, value);
    }

    TView tview(String name, String query) {
        return tview(name, query, spec -> { });
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
