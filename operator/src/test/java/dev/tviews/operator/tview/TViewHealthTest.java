package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: a TView whose pg_tviews_health_check() rows are ERROR (here: last_error of a failed regeneration, which
 * self-healing does not clear) is not Ready, and the condition carries the health check's message; once the
 * documented recovery ran (pg_tviews_reinstall_triggers), it is Ready again.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewHealthTest {

    @Inject
    KubernetesClient client;

    @Test
    void healthCheckErrorsMakeTheTViewNotReadyWithTheMessage() {
        TViewFixture shop = TViewFixture.create(client, "health");
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");

        shop.db.execute("UPDATE pg_tview_meta SET last_error = 'upgrade: simulated failure' WHERE entity = 'user'");
        shop.edit("user", t -> {
            if (t.getMetadata().getAnnotations() == null) {
                t.getMetadata().setAnnotations(new java.util.HashMap<>());
            }
            t.getMetadata().getAnnotations().put(TViewReconciler.CHECK_NOW, "health-1");
        });
        var ready = shop.awaitCondition("user", Conditions.READY, false, "HealthCheckFailed");
        assertThat(ready.getMessage()).contains("tview:user").contains("last regeneration failed: upgrade: simulated failure")
                .contains("pg_tviews_reinstall_triggers('user')");

        shop.db.execute("SELECT pg_tviews_reinstall_triggers('user')");
        shop.edit("user", t -> t.getMetadata().getAnnotations().put(TViewReconciler.CHECK_NOW, "health-2"));
        shop.awaitReady("user");
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
    }
}
