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
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The operator starts against the mock API server, registers its controllers, and a TView round-trips. */
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
    void aTViewRoundTripsThroughTheApiAndIsReconciled() {
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

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            TView reconciled = client.resources(TView.class).inNamespace("smoke").withName("post").get();
            assertThat(reconciled.getStatus()).isNotNull();
            assertThat(reconciled.getStatus().getObservedGeneration())
                    .isEqualTo(reconciled.getMetadata().getGeneration());
        });
    }
}
