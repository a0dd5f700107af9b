package dev.tviews.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.api.LocalObjectReference;
import dev.tviews.operator.tview.TView;
import dev.tviews.operator.tview.TViewReconciler;
import dev.tviews.operator.tview.TViewSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import dev.tviews.operator.api.Conditions;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The operator starts against the mock API server, registers its controllers, and a TView becomes Ready on a real database. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorSmokeTest {

    @Inject
    Operator operator;

    @Inject
    KubernetesClient client;

    @Test
    void registersTheTViewController() {
        assertThat(operator.getRegisteredControllers())
                .anySatisfy(c -> assertThat(c.getConfiguration().getName()).isEqualTo(TViewReconciler.NAME));
    }

    @Test
    void aTViewRoundTripsThroughTheApiAndBecomesReady() {
        PgDatabase db = PgServer.shared().createDatabase("smoke_" + ProcessHandle.current().pid());
        db.execute("CREATE TABLE tb_post (pk_post int PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid(), "
                + "title text NOT NULL); INSERT INTO tb_post (pk_post, title) VALUES (1, 'hello'), (2, 'again')");
        client.resource(new SecretBuilder().withNewMetadata().withName("shop-db").withNamespace("smoke").endMetadata()
                .withStringData(Map.of("host", db.server().host(), "port", String.valueOf(db.server().port()),
                        "dbname", db.name(), "username", "postgres", "password", db.server().password()))
                .build()).create();

        TView tview = new TView();
        tview.setMetadata(new ObjectMetaBuilder().withName("post").withNamespace("smoke").build());
        TViewSpec spec = new TViewSpec();
        DatabaseRef database = new DatabaseRef();
        database.setSecretRef(new LocalObjectReference("shop-db"));
        spec.setDatabase(database);
        spec.setQuery("SELECT pk_post, id FROM tb_post");
        tview.setSpec(spec);

        client.resource(tview).create();

        TView stored = client.resources(TView.class).inNamespace("smoke").withName("post").get();
        assertThat(stored.getSpec().getQuery()).isEqualTo("SELECT pk_post, id FROM tb_post");
        assertThat(stored.getSpec().getDatabase().getSecretRef().getName()).isEqualTo("shop-db");

        TView reconciled = await().atMost(NamespaceFixture.TIMEOUT).until(
                () -> client.resources(TView.class).inNamespace("smoke").withName("post").get(),
                t -> t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY)
                        && Objects.equals(t.getStatus().getObservedGeneration(), t.getMetadata().getGeneration()));
        assertThat(reconciled.getStatus().getRowCount()).isEqualTo(2L);
        assertThat(reconciled.getStatus().getTable()).isEqualTo("public.tv_post");
        assertThat(db.queryValue("SELECT count(*) FROM tv_post")).isEqualTo(2L);
    }
}
