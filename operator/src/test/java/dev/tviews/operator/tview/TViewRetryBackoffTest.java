package dev.tviews.operator.tview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.backup.AdjustableClock;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The retry interval of a TView that keeps waiting for the same reason grows: half the time already spent waiting
 * (since the Reconciling condition's lastTransitionTime), at least {@code retry-interval} (1s in tests), at most
 * {@code max-retry-interval} (5m); a new reason starts again from the minimum. Observed as the reschedule delay the
 * reconciler returns, calling the operator's own {@link TViewReconciler} bean on the TView as the API server has
 * it; time passes through {@link AdjustableClock}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewRetryBackoffTest {

    @Inject
    KubernetesClient client;

    @Inject
    TViewReconciler reconciler;

    @Inject
    AdjustableClock clock;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @Test
    void theRetryIntervalGrowsWhileTheSameReasonPersistsAndStartsAgainForANewOne() {
        TViewFixture shop = TViewFixture.create(client, "backoff");
        shop.tview("user", TViewFixture.USER_QUERY, spec -> spec.setDatabase(DatabaseRef.secret("not-yet")));
        shop.awaitCondition("user", "Reconciling", true, "SecretNotFound");

        Duration first = nextLook(shop);
        assertThat(first).as("just started waiting: the minimum, give or take the seconds already waited")
                .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(10));

        clock.advance(Duration.ofMinutes(4));
        assertThat(nextLook(shop)).as("4 minutes waiting: half of it").isBetween(Duration.ofMinutes(2), Duration.ofMinutes(2).plusSeconds(10));
        clock.advance(Duration.ofMinutes(2));
        assertThat(nextLook(shop)).as("6 minutes waiting").isBetween(Duration.ofMinutes(3), Duration.ofMinutes(3).plusSeconds(10));
        clock.advance(Duration.ofHours(1));
        assertThat(nextLook(shop)).as("capped at max-retry-interval").isEqualTo(Duration.ofMinutes(5));
        assertThat(Conditions.find(shop.get("user").getStatus().getConditions(), "Reconciling"))
                .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("SecretNotFound"));

        // a different reason: the Secret appears, but names a port nobody listens on
        client.resource(new SecretBuilder().withNewMetadata().withName("not-yet").withNamespace(shop.namespace).endMetadata()
                .withStringData(Map.of("host", "127.0.0.1", "port", "1", "dbname", shop.db.name(), "username", "postgres",
                        "password", shop.db.server().password())).build()).create();
        Duration afterNewReason = nextLook(shop);
        assertThat(Conditions.find(shop.get("user").getStatus().getConditions(), "Reconciling"))
                .hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("DatabaseUnreachable"));
        assertThat(afterNewReason).as("a new reason starts from the minimum again").isLessThan(Duration.ofSeconds(10));
    }

    /** What the reconciler returns for the TView as stored now: its reschedule delay. */
    private Duration nextLook(TViewFixture shop) {
        TView tview = shop.get("user");
        var control = reconciler.reconcile(tview, context());
        // the reconciler patched the status if it changed; read it back for the next call
        return Duration.ofMillis(control.getScheduleDelay().orElseThrow(() -> new AssertionError("no reschedule")));
    }

    /** The parts of JOSDK's Context the reconciler uses: the client, and the TViews of a namespace (dependencies). */
    @SuppressWarnings("unchecked")
    private Context<TView> context() {
        return (Context<TView>) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getClient" -> client;
                    case "getPrimaryCache" -> Proxy.newProxyInstance(getClass().getClassLoader(),
                            new Class<?>[] {method.getReturnType()}, (cache, m, a) -> {
                                if (m.getName().equals("list") && a != null && a.length == 1 && a[0] instanceof String ns) {
                                    return client.resources(TView.class).inNamespace(ns).list().getItems().stream();
                                }
                                throw new UnsupportedOperationException("primary cache " + m.getName());
                            });
                    case "toString" -> "test context";
                    default -> throw new UnsupportedOperationException("Context." + method.getName());
                });
    }
}
