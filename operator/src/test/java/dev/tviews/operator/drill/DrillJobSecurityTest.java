package dev.tviews.operator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.LocalObjectReference;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Drill Jobs receive the database Secret: their image must be on the operator's allow-list, and they run with the
 * same hardening as backup Jobs. The Job spec is read back from the (mock) API server and checked field by field.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DrillJobSecurityTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Inject
    KubernetesClient client;

    @Test
    void aDrillJobIsHardenedLikeABackupJob() {
        String ns = namespace("drill-hardened");
        policy(ns, "nightly", null);
        drill(ns, "once", spec -> { });
        Job job = await().atMost(TIMEOUT).until(() -> client.batch().v1().jobs().inNamespace(ns).withName("once-g1").get(),
                j -> j != null);
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getAutomountServiceAccountToken()).as("no API token in a Pod holding the database password").isFalse();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(999L);
        assertThat(pod.getSecurityContext().getRunAsGroup()).isEqualTo(999L);
        assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(999L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getContainers()).hasSize(1);
        Container container = pod.getContainers().get(0);
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(container.getTerminationMessagePath()).isEqualTo("/dev/termination-log");

        // with a read-only root filesystem, every place the scripts write is a volume: /tmp (TMPDIR, REPORT_FILE)
        Map<String, VolumeMount> mounts = new HashMap<>();
        container.getVolumeMounts().forEach(m -> mounts.put(m.getMountPath(), m));
        assertThat(mounts).containsOnlyKeys("/tmp", "/scripts", "/backups");
        assertThat(mounts.get("/tmp").getReadOnly()).isNotEqualTo(Boolean.TRUE);
        assertThat(mounts.get("/scripts").getReadOnly()).isTrue();
        assertThat(mounts.get("/backups").getReadOnly()).as("a drill never writes to the backups").isTrue();
        Map<String, Volume> volumes = new HashMap<>();
        pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
        assertThat(volumes.get(mounts.get("/tmp").getName()).getEmptyDir()).isNotNull();
        assertThat(volumes.get(mounts.get("/backups").getName()).getPersistentVolumeClaim().getReadOnly()).isTrue();
        Map<String, String> env = new HashMap<>();
        container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env).containsEntry("TMPDIR", "/tmp").containsEntry("TERMINATION_LOG", "/dev/termination-log");
        assertThat(env.get("REPORT_FILE")).startsWith("/tmp/");
        assertThat(container.getEnv()).filteredOn(e -> e.getName().equals("PGPASSWORD")).singleElement()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("password"));
        assertThat(Serialization.asJson(job)).doesNotContain(PgServer.shared().password());
    }

    @Test
    void anAttackerImageIsRefusedWhetherItComesFromTheDrillOrFromItsPolicy() {
        String ns = namespace("drill-evil");
        policy(ns, "nightly", null);
        drill(ns, "own", spec -> spec.setImage("evil/postgres:16"));
        TViewDrill own = awaitStalled(ns, "own");
        assertThat(Conditions.reason(own.getStatus().getConditions(), Conditions.STALLED)).contains("ImageNotAllowed");
        assertThat(Conditions.find(own.getStatus().getConditions(), Conditions.STALLED).orElseThrow().getMessage())
                .contains("spec.image 'evil/postgres:16'").contains("tview.operator.allowed-job-images");

        policy(ns, "tampered", "postgres.evil.com/x:1");
        drill(ns, "inherited", spec -> spec.setBackupPolicyRef(new LocalObjectReference("tampered")));
        TViewDrill inherited = awaitStalled(ns, "inherited");
        assertThat(Conditions.find(inherited.getStatus().getConditions(), Conditions.STALLED).orElseThrow().getMessage())
                .contains("TViewBackupPolicy tampered's spec.image 'postgres.evil.com/x:1'");
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).as("no Job runs a refused image").isEmpty();

        // an allowed image, pinned by digest, runs
        String pinned = "postgres@sha256:" + "0123456789abcdef".repeat(4);
        drill(ns, "pinned", spec -> spec.setImage(pinned));
        Job job = await().atMost(TIMEOUT).until(() -> client.batch().v1().jobs().inNamespace(ns).withName("pinned-g1").get(),
                j -> j != null);
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(pinned);
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems()).extracting(j -> j.getMetadata().getName())
                .containsExactly("pinned-g1");
    }

    private TViewDrill awaitStalled(String ns, String name) {
        return await().atMost(TIMEOUT).until(() -> client.resources(TViewDrill.class).inNamespace(ns).withName(name).get(),
                d -> d != null && d.getStatus() != null && Conditions.isTrue(d.getStatus().getConditions(), Conditions.STALLED));
    }

    private String namespace(String label) {
        String ns = label + "-" + COUNTER.incrementAndGet();
        PgServer pg = PgServer.shared();
        client.resource(new SecretBuilder().withNewMetadata().withName("shop-db").withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", pg.host(), "port", String.valueOf(pg.port()), "dbname", "postgres",
                        "username", "postgres", "password", pg.password())).build()).create();
        return ns;
    }

    private void policy(String ns, String name, String image) {
        Map<String, Object> spec = new HashMap<>();
        spec.put("storage", Map.of("persistentVolumeClaim", Map.of("claimName", "backups")));
        spec.put("database", Map.of("secretRef", Map.of("name", "shop-db")));
        if (image != null) {
            spec.put("image", image);
        }
        client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("tviews.dev/v1alpha1").withKind("TViewBackupPolicy")
                .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", spec).build()).create();
    }

    private void drill(String ns, String name, Consumer<TViewDrillSpec> customize) {
        TViewDrill drill = new TViewDrill();
        drill.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        TViewDrillSpec spec = new TViewDrillSpec();
        spec.setScenario(TViewDrillSpec.Scenario.RESTORE_LATEST);
        spec.setBackupPolicyRef(new LocalObjectReference("nightly"));
        customize.accept(spec);
        drill.setSpec(spec);
        client.resource(drill).create();
    }
}
