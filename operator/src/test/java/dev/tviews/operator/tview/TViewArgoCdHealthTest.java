package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.POST_QUERY;
import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.argocd.ArgoCdHealthCheckTest;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator → Argo CD contract: {@code docs/argocd/health.lua} (under a real Lua 5.1, see
 * {@link ArgoCdHealthCheckTest}) run on TViews exactly as the operator left them in the API server, after driving the
 * operator into each state with a real database: Ready, Ready with drift, Reconciling (missing Secret, waiting for a
 * dependency), Ready=False after an applied generation (database unreachable), Stalled (never applied, and at a new
 * generation after an earlier apply), suspended. Each object is written to {@code target/argocd-fixtures/} so the
 * statuses the script is tested on can be read.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewArgoCdHealthTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of("target/argocd-fixtures");

    @Inject
    KubernetesClient client;

    @Test
    void healthOfWhatTheOperatorWrites() throws Exception {
        TViewFixture shop = TViewFixture.create(client, "argocd");

        // Ready
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");
        assertHealth(shop, "user", "ready", "Healthy", "Applied: TVIEW public.tv_user is maintained (2 rows)");

        // what Argo CD sees right after an edit, before the operator has reconciled it: the same object, one
        // generation further (derived from the real object; the window is too short to catch reliably)
        ObjectNode edited = (ObjectNode) JSON.readTree(Serialization.asJson(shop.get("user")));
        long generation = edited.path("metadata").path("generation").asLong();
        ((ObjectNode) edited.get("metadata")).put("generation", generation + 1);
        assertThat(health("edited-not-yet-observed", edited)).containsEntry("status", "Progressing").containsEntry(
                "message", "Waiting for the operator to observe generation " + (generation + 1) + " (observed " + generation + ")");

        // Ready, with drift found by a consistency check (onDrift: Report by default)
        shop.db.execute("UPDATE tv_user SET data = '{\"name\": \"tampered\"}' WHERE pk_user = 1");
        shop.edit("user", t -> t.getMetadata().getAnnotations().put(TViewReconciler.CHECK_NOW, "argocd"));
        shop.awaitCondition("user", TViewStatusWriter.DRIFTED, true, "RowsDiffer");
        assertHealth(shop, "user", "ready-drifted", "Healthy",
                "Ready, but drift detected: RowsDiffer: 0 missing, 0 extra, 1 different; sample keys [1]");

        // Ready=False after this generation was applied: the database became unreachable
        setPassword(shop, "not-the-password");
        var unreachable = shop.awaitCondition("user", Conditions.RECONCILING, true, "DatabaseUnreachable");
        assertHealth(shop, "user", "applied-then-unreachable", "Degraded", "DatabaseUnreachable: " + unreachable.getMessage());
        setPassword(shop, shop.db.server().password());
        shop.awaitReady("user");

        // Stalled at a new generation after an earlier apply: Progressing (the new spec was never applied)
        shop.edit("user", t -> t.getSpec().setQuery("SELECT u.pk_user, u.id, u.nme AS data FROM tb_user u"));
        var invalid = shop.awaitCondition("user", Conditions.STALLED, true, "InvalidDefinition");
        assertHealth(shop, "user", "stalled-new-generation-after-apply", "Progressing",
                "InvalidDefinition: " + invalid.getMessage());

        // Stalled before anything was applied
        shop.tview("broken", "SELECT FORM tb_user");
        var syntax = shop.awaitCondition("broken", Conditions.STALLED, true, "InvalidDefinition");
        assertHealth(shop, "broken", "stalled-never-applied", "Progressing", "InvalidDefinition: " + syntax.getMessage());

        // Reconciling: the Secret does not exist (yet)
        shop.tview("nosecret", USER_QUERY.replace("tb_user", "tb_post"), spec ->
                spec.setDatabase(dev.tviews.operator.api.DatabaseRef.secret("absent")));
        var missing = shop.awaitCondition("nosecret", Conditions.RECONCILING, true, "SecretNotFound");
        assertHealth(shop, "nosecret", "secret-not-found", "Progressing", "SecretNotFound: " + missing.getMessage());

        // Reconciling: waiting for a TView it reads; and a suspended TView
        TViewFixture deps = TViewFixture.create(client, "argocd-deps");
        deps.tview("user", USER_QUERY, spec -> spec.setSuspend(true));
        deps.tview("post", POST_QUERY);
        deps.awaitCondition("post", Conditions.RECONCILING, true, "WaitingForDependency");
        assertHealth(deps, "post", "waiting-for-dependency", "Progressing",
                "WaitingForDependency: waiting for TView(s) to be Ready: user");
        deps.awaitCondition("user", Conditions.RECONCILING, false, "Suspended");
        assertHealth(deps, "user", "suspended", "Suspended", "Reconciliation is suspended (spec.suspend: true)");
    }

    private void assertHealth(TViewFixture fixture, String name, String fixtureName, String status, String message)
            throws Exception {
        JsonNode live = JSON.readTree(Serialization.asJson(fixture.get(name)));
        Map<String, String> health = health(fixtureName, live);
        assertThat(health).as("health of %s (%s)", fixtureName, live).containsEntry("status", status);
        // the tests connect as a superuser, so a Ready message may end with the operator's superuser warning
        assertThat(health.get("message")).as("health message of %s", fixtureName)
                .isIn(message, message + "; WARNING: connected as superuser postgres: the role in the database Secret should own the TVIEWs"
                        + " and be no superuser (docs/security.md)");
    }

    private static Map<String, String> health(String fixtureName, JsonNode live) throws Exception {
        Files.createDirectories(FIXTURES);
        Files.writeString(FIXTURES.resolve(fixtureName + ".json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(live));
        return ArgoCdHealthCheckTest.runHealthCheck(live);
    }

    private void setPassword(TViewFixture fixture, String password) {
        client.secrets().inNamespace(fixture.namespace).withName("shop-db").edit(s -> {
            Map<String, String> data = new HashMap<>(s.getStringData() == null ? Map.of() : s.getStringData());
            if (s.getData() != null) {
                s.getData().forEach((k, v) -> data.putIfAbsent(k, new String(java.util.Base64.getDecoder().decode(v))));
            }
            data.put("password", password);
            s.setData(null);
            s.setStringData(data);
            return s;
        });
    }
}
