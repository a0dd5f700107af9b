package dev.tviews.e2e.k3s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The committed CRDs against a real Kubernetes API server (k3s). Runs where a Docker engine exists; elsewhere
 * JUnit reports it as skipped ("disabledWithoutDocker").
 */
@Testcontainers(disabledWithoutDocker = true)
class CrdsOnRealApiServerIT {

    @Container
    static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

    @Test
    void installsEveryCrdAndAcceptsAValidTView() throws IOException {
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build()) {
            Path crds = Path.of(System.getProperty("tviews.repo.root", "..")).resolve("crds");
            try (Stream<Path> files = Files.list(crds)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                                .load(in).item();
                        client.resource(crd).serverSideApply();
                        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions().stream()
                                        .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                                        60, java.util.concurrent.TimeUnit.SECONDS);
                    }
                }
            }
            GenericKubernetesResource tview = new GenericKubernetesResourceBuilder()
                    .withApiVersion("tviews.dev/v1alpha1").withKind("TView")
                    .withNewMetadata().withName("post").withNamespace("default").endMetadata()
                    .addToAdditionalProperties("spec", Map.of(
                            "database", Map.of("secretRef", Map.of("name", "shop-db")),
                            "query", "SELECT pk_post, id FROM tb_post"))
                    .build();
            client.resource(tview).create();
            assertThat(client.genericKubernetesResources("tviews.dev/v1alpha1", "TView")
                    .inNamespace("default").withName("post").get()).isNotNull();
        }
    }
}
