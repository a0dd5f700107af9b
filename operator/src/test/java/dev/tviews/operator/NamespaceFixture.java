package dev.tviews.operator;

import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.ConditionedStatus;
import dev.tviews.operator.api.Conditions;
import dev.tviews.testkit.PgDatabase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A test namespace with a real database behind a Secret, and the waits every resource's tests need: conditions of
 * the current generation, events, edits retried on conflicts. Timeouts report the resource as last seen.
 */
public abstract class NamespaceFixture<R extends CustomResource<?, S>, S extends ConditionedStatus> {

    public static final Duration TIMEOUT = Duration.ofSeconds(45);

    public final KubernetesClient client;
    public final String namespace;
    public final PgDatabase db;
    private final Class<R> type;

    protected NamespaceFixture(Class<R> type, KubernetesClient client, String namespace, PgDatabase db) {
        this.type = type;
        this.client = client;
        this.namespace = namespace;
        this.db = db;
    }

    public void createSecret(String name, String password) {
        client.resource(secret(name, password)).create();
    }

    /** A Secret in CloudNativePG's app-secret format pointing at this fixture's database. */
    public Secret secret(String name, String password) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of("host", db.server().host(), "port", String.valueOf(db.server().port()),
                        "dbname", db.name(), "username", "postgres", "password", password))
                .build();
    }

    public R get(String name) {
        return client.resources(type).inNamespace(namespace).withName(name).get();
    }

    public void edit(String name, Consumer<R> change) {
        Edits.edit(client, type, namespace, name, change);
    }

    /** Waits until condition {@code type} has {@code status} (and {@code reason}, if given) for the current generation. */
    public Condition awaitCondition(String name, String conditionType, boolean status, String reason) {
        try {
            return await().atMost(TIMEOUT).until(() -> condition(name, conditionType, status, reason), Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            R r = get(name);
            throw new AssertionError(type.getSimpleName() + " " + namespace + "/" + name + " never had " + conditionType
                    + "=" + status + (reason == null ? "" : " (" + reason + ")") + "; last seen: "
                    + (r == null ? "deleted" : Serialization.asYaml(r)), e);
        }
    }

    private Condition condition(String name, String conditionType, boolean status, String reason) {
        R r = get(name);
        if (r == null || r.getStatus() == null
                || !Objects.equals(r.getStatus().getObservedGeneration(), r.getMetadata().getGeneration())) {
            return null;
        }
        return Conditions.find(r.getStatus().getConditions(), conditionType)
                .filter(c -> c.getStatus().equals(status ? "True" : "False"))
                .filter(c -> reason == null || reason.equals(c.getReason()))
                .orElse(null);
    }

    public R awaitReady(String name) {
        awaitCondition(name, Conditions.READY, true, null);
        return get(name);
    }

    public List<Event> events(String name) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    public Event awaitEvent(String name, String reason) {
        return awaitEvent(name, reason, e -> true);
    }

    public Event awaitEvent(String name, String reason, Predicate<Event> matching) {
        return await().atMost(TIMEOUT).until(() -> events(name).stream()
                .filter(e -> reason.equals(e.getReason())).filter(matching).findFirst().orElse(null), Objects::nonNull);
    }
}
