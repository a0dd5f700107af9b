package dev.tviews.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.tviews.operator.config.OperatorSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /**
     * What the operator may do in each namespace it watches, verb by verb: exactly these sets (a missing verb breaks
     * the operator, an extra one is privilege nobody needs). RbacCoverageTest checks them against the calls the
     * operator actually makes.
     */
    static final Map<String, Set<String>> WATCHED_NAMESPACE_RULES = new TreeMap<>(Map.ofEntries(
            Map.entry("tviews.dev/tviews", Set.of("get", "list", "watch", "patch")),
            Map.entry("tviews.dev/tviewbackuppolicies", Set.of("get", "list", "watch", "patch")),
            Map.entry("tviews.dev/tviewdrills", Set.of("get", "list", "watch")),
            Map.entry("tviews.dev/tviews/status", Set.of("patch")),
            Map.entry("tviews.dev/tviewbackuppolicies/status", Set.of("patch")),
            Map.entry("tviews.dev/tviewdrills/status", Set.of("patch")),
            Map.entry("tviews.dev/tviewbackuppolicies/finalizers", Set.of("update")),
            Map.entry("tviews.dev/tviewdrills/finalizers", Set.of("update")),
            Map.entry("core/secrets", Set.of("get")),
            Map.entry("core/persistentvolumeclaims", Set.of("get")),
            Map.entry("core/configmaps", Set.of("get", "create", "update", "delete")),
            Map.entry("core/events", Set.of("create")),
            Map.entry("core/pods", Set.of("list")),
            Map.entry("batch/cronjobs", Set.of("get", "list", "create", "update", "delete")),
            Map.entry("batch/jobs", Set.of("get", "list", "watch", "create", "delete")),
            Map.entry("postgresql.cnpg.io/clusters", Set.of("get")),
            Map.entry("postgresql.cnpg.io/clusters/status", Set.of("patch"))));
    static final Map<String, Set<String>> LEADER_ELECTION_RULES =
            Map.of("coordination.k8s.io/leases", Set.of("get", "create", "update"));
    static final List<String> CR_RESOURCES = List.of("tviewbackuppolicies", "tviewdrills", "tviews");

    @Test
    void clusterWideRbacGrantsExactlyTheWatchedNamespaceRulesEverywhereAndLeasesOnlyAtHome() {
        ChartRbac chart = ChartRbac.clusterWide();
        assertThat(chart.all(ClusterRoleBinding.class)).singleElement().satisfies(b -> {
            assertThat(b.getRoleRef().getKind()).isEqualTo("ClusterRole");
            assertThat(b.getRoleRef().getName()).isEqualTo("tv-tview-operator");
            assertOnlyTheOperator(b.getSubjects());
        });
        assertThat(ChartRbac.verbsByResource(chart.clusterRole("tv-tview-operator").getRules()))
                .isEqualTo(WATCHED_NAMESPACE_RULES);
        assertLeaderElectionRoleOnlyInTheReleaseNamespace(chart);
        assertThat(chart.all(Role.class)).extracting(r -> r.getMetadata().getName())
                .containsExactly("tv-tview-operator-leader-election");
        assertThat(chart.all(ClusterRole.class)).extracting(r -> r.getMetadata().getName())
                .containsExactlyInAnyOrder("tv-tview-operator", "tv-tview-operator-view", "tv-tview-operator-edit");
        assertNoWildcardsOrSecretListing(chart);
        assertAggregatedUserRoles(chart);
    }

    @Test
    void watchingNamespacesGrantsRolesOnlyInThoseNamespacesAndNothingClusterWide() {
        ChartRbac chart = ChartRbac.watching(List.of("shop", "billing"));
        assertThat(chart.all(ClusterRoleBinding.class)).as("no cluster-wide binding at all").isEmpty();
        assertThat(chart.all(ClusterRole.class)).extracting(r -> r.getMetadata().getName())
                .as("only the aggregated user roles, bound to nobody by the chart")
                .containsExactlyInAnyOrder("tv-tview-operator-view", "tv-tview-operator-edit");
        for (String ns : List.of("shop", "billing")) {
            assertThat(ChartRbac.verbsByResource(chart.role("tv-tview-operator", ns).getRules()))
                    .as("Role in %s", ns).isEqualTo(WATCHED_NAMESPACE_RULES);
        }
        assertThat(chart.all(RoleBinding.class)).filteredOn(b -> b.getMetadata().getName().equals("tv-tview-operator"))
                .extracting(b -> b.getMetadata().getNamespace()).containsExactlyInAnyOrder("shop", "billing");
        assertThat(chart.all(RoleBinding.class)).allSatisfy(b -> {
            assertThat(b.getRoleRef().getKind()).as("bound to a Role of its own namespace").isEqualTo("Role");
            chart.role(b.getRoleRef().getName(), b.getMetadata().getNamespace());
            assertOnlyTheOperator(b.getSubjects());
        });
        assertThat(chart.all(Role.class)).extracting(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName())
                .containsExactlyInAnyOrder("shop/tv-tview-operator", "billing/tv-tview-operator",
                        "ops/tv-tview-operator-leader-election");
        assertLeaderElectionRoleOnlyInTheReleaseNamespace(chart);
        assertNoWildcardsOrSecretListing(chart);
        assertAggregatedUserRoles(chart);

        // evaluated as the API server would: nothing outside the watched namespaces
        for (String verb : List.of("get", "create", "delete")) {
            assertThat(chart.allows(new ChartRbac.Call(verb, "batch", "jobs", "shop"))).isTrue();
            assertThat(chart.allows(new ChartRbac.Call(verb, "batch", "jobs", "kube-system"))).isFalse();
            assertThat(chart.allows(new ChartRbac.Call(verb, "", "configmaps", "other"))).isFalse();
            assertThat(chart.allows(new ChartRbac.Call(verb, "batch", "cronjobs", null))).isFalse();
        }
        assertThat(chart.allows(new ChartRbac.Call("get", "", "secrets", "kube-system"))).isFalse();
        assertThat(chart.allows(new ChartRbac.Call("list", "", "secrets", "shop"))).isFalse();
        assertThat(chart.allows(new ChartRbac.Call("watch", "", "secrets", null))).isFalse();
        assertThat(chart.allows(new ChartRbac.Call("update", "coordination.k8s.io", "leases", "shop"))).isFalse();
        assertThat(chart.allows(new ChartRbac.Call("update", "coordination.k8s.io", "leases", "ops"))).isTrue();
    }

    @Test
    void watchedNamespacesAndAllowedJobImagesReachTheOperator() {
        Deployment deployment = only(render(chart.template().withName("tv")
                .set("watchNamespaces[0]", "shop").set("watchNamespaces[1]", "billing")
                .set("jobs.allowedImages[0]", "postgres").set("jobs.allowedImages[1]", "registry.example.com/dba/*")),
                Deployment.class);
        Map<String, String> env = new TreeMap<>();
        deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env).containsEntry("QUARKUS_OPERATOR_SDK_NAMESPACES", "shop,billing")
                .containsEntry("TVIEW_OPERATOR_ALLOWED_JOB_IMAGES", "postgres,registry.example.com/dba/*");
        Deployment defaults = only(render(chart.template().withName("tv")), Deployment.class);
        assertThat(defaults.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> {
                    assertThat(e.getName()).isEqualTo("TVIEW_OPERATOR_ALLOWED_JOB_IMAGES");
                    assertThat(e.getValue()).isEqualTo("postgres");
                });
    }

    /** Any operator setting can be given by name; a name that is not one, or one the chart sets elsewhere, fails the render. */
    @Test
    void operatorSettingsReachTheOperatorAsEnvironmentVariables() {
        Deployment deployment = only(render(chart.template().withName("tv")
                .set("settings.runtime-install-lock-timeout", "10s").set("settings.resync-interval", "10m")), Deployment.class);
        Map<String, String> env = new TreeMap<>();
        deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
        assertThat(env).containsEntry("TVIEW_OPERATOR_RUNTIME_INSTALL_LOCK_TIMEOUT", "10s").containsEntry("TVIEW_OPERATOR_RESYNC_INTERVAL", "10m");
        assertThatThrownBy(() -> render(chart.template().withName("tv").set("settings.allowed-job-images", "evil/*")))
                .hasMessageContaining("jobs.allowedImages");
        assertThatThrownBy(() -> render(chart.template().withName("tv").set("settings.resync-intervall", "1m")))
                .hasMessageContaining("not an operator setting").hasMessageContaining("runtime-install-lock-timeout");
    }

    /** The chart's list of settings is the operator's own (OperatorSettings), less the two the chart sets otherwise or only tests change. */
    @Test
    void theChartKnowsEveryOperatorSetting() throws IOException {
        String template = Files.readString(RepoPaths.root().resolve("helm/tview-operator/templates/deployment.yaml"));
        Matcher list = Pattern.compile("\\$known := list ((?:\"[a-z-]+\" ?)+)").matcher(template);
        assertThat(list.find()).isTrue();
        Set<String> chart = new TreeSet<>(Arrays.asList(list.group(1).replace("\"", "").trim().split(" ")));
        Set<String> operator = new TreeSet<>();
        for (Method m : OperatorSettings.class.getDeclaredMethods()) {
            operator.add(m.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT));
        }
        operator.removeAll(List.of("allowed-job-images", "drill-scripts-resource"));
        assertThat(chart).isEqualTo(operator);
    }

    @Test
    void noRbacRenderedWhenDisabled() {
        List<HasMetadata> objects = ChartRbac.render(chart.template().withName("tv").set("rbac.create", "false"));
        assertThat(objects).extracting(HasMetadata::getKind)
                .doesNotContain("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");
    }

    private static void assertLeaderElectionRoleOnlyInTheReleaseNamespace(ChartRbac chart) {
        Role leases = chart.role("tv-tview-operator-leader-election", "ops");
        assertThat(ChartRbac.verbsByResource(leases.getRules())).isEqualTo(LEADER_ELECTION_RULES);
        assertThat(chart.all(RoleBinding.class)).filteredOn(b -> b.getMetadata().getName().endsWith("-leader-election"))
                .singleElement().satisfies(b -> {
                    assertThat(b.getMetadata().getNamespace()).isEqualTo("ops");
                    assertThat(b.getRoleRef().getName()).isEqualTo("tv-tview-operator-leader-election");
                    assertOnlyTheOperator(b.getSubjects());
                });
    }

    private static void assertOnlyTheOperator(List<Subject> subjects) {
        assertThat(subjects).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo("ServiceAccount");
            assertThat(s.getName()).isEqualTo(ChartRbac.SERVICE_ACCOUNT);
            assertThat(s.getNamespace()).isEqualTo(ChartRbac.RELEASE_NAMESPACE);
        });
    }

    private static void assertNoWildcardsOrSecretListing(ChartRbac chart) {
        List<PolicyRule> rules = new ArrayList<>();
        chart.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
        chart.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
        assertThat(rules).isNotEmpty().allSatisfy(rule -> {
            assertThat(rule.getVerbs()).doesNotContain("*");
            assertThat(rule.getResources()).doesNotContain("*");
            assertThat(rule.getApiGroups()).doesNotContain("*");
            assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            if (rule.getResources().contains("secrets")) {
                assertThat(rule.getVerbs()).as("Secrets are read by name only").containsExactly("get");
            }
        });
    }

    private static void assertAggregatedUserRoles(ChartRbac chart) {
        ClusterRole view = chart.clusterRole("tv-tview-operator-view");
        assertThat(view.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true")
                .doesNotContainKeys("rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-admin");
        Map<String, Set<String>> read = new TreeMap<>();
        CR_RESOURCES.forEach(r -> read.put("tviews.dev/" + r, Set.of("get", "list", "watch")));
        assertThat(ChartRbac.verbsByResource(view.getRules())).isEqualTo(read);

        ClusterRole edit = chart.clusterRole("tv-tview-operator-edit");
        assertThat(edit.getMetadata().getLabels()).containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
                .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true")
                .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view");
        Map<String, Set<String>> write = new TreeMap<>();
        CR_RESOURCES.forEach(r -> write.put("tviews.dev/" + r,
                Set.of("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")));
        assertThat(ChartRbac.verbsByResource(edit.getRules())).as("users never write status").isEqualTo(write);
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
        return ChartRbac.render(command);
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> matching = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).hasSize(1);
        return matching.get(0);
    }
}
