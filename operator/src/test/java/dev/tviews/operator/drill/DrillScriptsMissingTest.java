package dev.tviews.operator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An operator build whose drill scripts are missing: the scripts' classpath directory
 * ({@code tview.operator.drill-scripts-resource}) points where there are none. A restore drill is then Stalled with
 * reason {@code ScriptsMissing} and a Warning Event naming the missing resource, and nothing is created: no scripts
 * ConfigMap, no Job. (Its own Quarkus application: the profile changes a build-time-free runtime setting.)
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@TestProfile(DrillScriptsMissingTest.NoScripts.class)
class DrillScriptsMissingTest {

    public static class NoScripts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("tview.operator.drill-scripts-resource", "dev/tviews/no-such-scripts/");
        }
    }

    @Inject
    KubernetesClient client;

    @Test
    void aDrillWithoutItsScriptsIsStalledAndCreatesNothing() {
        String ns = "no-scripts";
        client.resource(new SecretBuilder().withNewMetadata().withName("shop-db").withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", "127.0.0.1", "port", "5432", "dbname", "shop", "username", "app",
                        "password", "secret")).build()).create();
        client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("tviews.dev/v1alpha1").withKind("TViewBackupPolicy")
                .withNewMetadata().withName("nightly").withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", Map.of("storage", Map.of("persistentVolumeClaim", Map.of("claimName", "backups")),
                        "database", Map.of("secretRef", Map.of("name", "shop-db"))))
                .build()).create();
        TViewDrill drill = new TViewDrill();
        drill.setMetadata(new ObjectMetaBuilder().withName("restore").withNamespace(ns).build());
        TViewDrillSpec spec = new TViewDrillSpec();
        spec.setScenario(TViewDrillSpec.Scenario.RESTORE_LATEST);
        spec.setBackupPolicyRef(new LocalObjectReference("nightly"));
        spec.setImage("postgres:16");   // no server version probe: the scripts are the first thing missing
        drill.setSpec(spec);
        client.resource(drill).create();

        TViewDrill stalled;
        try {
            stalled = await().atMost(Duration.ofSeconds(45)).until(
                    () -> client.resources(TViewDrill.class).inNamespace(ns).withName("restore").get(),
                    d -> d.getStatus() != null && Conditions.isTrue(d.getStatus().getConditions(), "Stalled"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("never Stalled: " + Serialization.asYaml(
                    client.resources(TViewDrill.class).inNamespace(ns).withName("restore").get()), e);
        }
        Condition c = Conditions.find(stalled.getStatus().getConditions(), "Stalled").orElseThrow();
        assertThat(c.getReason()).as(Serialization.asYaml(stalled)).isEqualTo("ScriptsMissing");
        assertThat(c.getMessage()).contains("dev/tviews/no-such-scripts/lib.sh").contains("not found");
        assertThat(client.v1().events().inNamespace(ns).list().getItems())
                .anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo("ScriptsMissing");
                    assertThat(e.getType()).isEqualTo("Warning");
                });
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).as("no Job").isEmpty();
        assertThat(client.configMaps().inNamespace(ns).list().getItems()).as("no scripts ConfigMap").isEmpty();
    }
}
