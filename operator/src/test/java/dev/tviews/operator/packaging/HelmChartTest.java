package dev.tviews.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Runs real {@code helm lint --strict} and {@code helm template} (helm-java embeds Helm's Go library). */
class HelmChartTest {

    private final Helm chart = new Helm(RepoPaths.chart());

    @Test
    void lintsStrictlyWithoutFindings() {
        LintResult result = chart.lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    }

    @Test
    void rendersDeploymentServiceAccountRbacAndMetricsService() {
        List<HasMetadata> objects = render(chart.template().withName("tv").withNamespace("ops"));
        assertThat(objects).extracting(HasMetadata::getKind)
                .contains("Deployment", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service");
        Deployment deployment = only(objects, Deployment.class);
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(deployment.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("QUARKUS_OPERATOR_SDK_NAMESPACES");
            assertThat(e.getValue()).isEqualTo("JOSDK_ALL_NAMESPACES");
        });
    }

    @Test
    void rbacIsLeastPrivilege() {
        ClusterRole role = only(render(chart.template().withName("tv")), ClusterRole.class);
        for (PolicyRule rule : role.getRules()) {
            assertThat(rule.getVerbs()).as("no wildcard verbs in %s", rule).doesNotContain("*");
            assertThat(rule.getResources()).as("no wildcard resources in %s", rule).doesNotContain("*");
            assertThat(rule.getApiGroups()).as("no wildcard groups in %s", rule).doesNotContain("*");
            if (rule.getResources().contains("secrets")) {
                assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
            }
            if (rule.getResources().contains("clusters")) {
                assertThat(rule.getVerbs()).as("CNPG clusters are never modified, only their status by drills")
                        .containsExactlyInAnyOrder("get", "list", "watch");
            }
            if (rule.getResources().contains("tviews")) {
                assertThat(rule.getVerbs()).doesNotContain("create", "delete");
            }
        }
    }

    @Test
    void watchingNamespacesBindsOnlyThoseNamespaces() {
        List<HasMetadata> objects = render(chart.template().withName("tv")
                .set("watchNamespaces[0]", "shop").set("watchNamespaces[1]", "billing"));
        assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("ClusterRoleBinding");
        assertThat(objects).filteredOn(o -> o.getKind().equals("RoleBinding"))
                .extracting(o -> o.getMetadata().getNamespace()).containsExactlyInAnyOrder("shop", "billing");
        Deployment deployment = only(objects, Deployment.class);
        assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("shop,billing"));
    }

    @Test
    void chartShipsExactlyTheCommittedCrds() throws IOException {
        assertThat(fileNames(RepoPaths.chart().resolve("crds"))).isEqualTo(fileNames(RepoPaths.crds())).isNotEmpty();
        for (String name : fileNames(RepoPaths.crds())) {
            assertThat(Files.readString(RepoPaths.chart().resolve("crds").resolve(name)))
                    .as("helm/tview-operator/crds/%s is stale: run 'make crds'", name)
                    .isEqualTo(Files.readString(RepoPaths.crds().resolve(name)));
        }
    }

    static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml") || n.endsWith(".yaml"))
                    .sorted().toList();
        }
    }

    private static List<HasMetadata> render(com.marcnuri.helm.TemplateCommand command) {
        String yaml = command.call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
                objects.add(Serialization.unmarshal(doc, HasMetadata.class));
            }
        }
        return objects;
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> matching = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).hasSize(1);
        return matching.get(0);
    }
}
