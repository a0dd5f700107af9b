package dev.tviews.operator.packaging;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The chart rendered by real {@code helm template} (helm-java), and what it lets the operator's ServiceAccount do,
 * evaluated as Kubernetes RBAC does: a ClusterRole bound by a ClusterRoleBinding applies everywhere (and to
 * requests across all namespaces), a Role bound by a RoleBinding only in its namespace.
 */
final class ChartRbac {

    static final String RELEASE = "tv";
    static final String RELEASE_NAMESPACE = "ops";
    static final String SERVICE_ACCOUNT = "tv-tview-operator";

    /** One API call: verb, API group ("" for core), resource ("jobs", "tviews/status"), namespace (null: all or cluster). */
    record Call(String verb, String group, String resource, String namespace) {
        @Override
        public String toString() {
            return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (namespace == null ? " (all namespaces)"
                    : " in " + namespace);
        }
    }

    final List<HasMetadata> objects;

    private ChartRbac(List<HasMetadata> objects) {
        this.objects = objects;
    }

    /** Every namespace watched (the default values). */
    static ChartRbac clusterWide() {
        return new ChartRbac(render(new Helm(RepoPaths.chart()).template().withName(RELEASE).withNamespace(RELEASE_NAMESPACE)));
    }

    static ChartRbac watching(List<String> namespaces) {
        TemplateCommand command = new Helm(RepoPaths.chart()).template().withName(RELEASE).withNamespace(RELEASE_NAMESPACE);
        for (int i = 0; i < namespaces.size(); i++) {
            command = command.set("watchNamespaces[" + i + "]", namespaces.get(i));
        }
        return new ChartRbac(render(command));
    }

    static List<HasMetadata> render(TemplateCommand command) {
        String yaml = command.call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (doc.lines().anyMatch(l -> l.startsWith("kind:"))) {
                objects.add(Serialization.unmarshal(doc, HasMetadata.class));
            }
        }
        return objects;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Whether the operator's ServiceAccount may make {@code call}. */
    boolean allows(Call call) {
        for (ClusterRoleBinding binding : all(ClusterRoleBinding.class)) {
            if (boundToOperator(binding.getSubjects()) && binding.getRoleRef().getKind().equals("ClusterRole")
                    && grants(clusterRole(binding.getRoleRef().getName()).getRules(), call)) {
                return true;
            }
        }
        if (call.namespace() == null) {
            return false;
        }
        for (RoleBinding binding : all(RoleBinding.class)) {
            if (!call.namespace().equals(binding.getMetadata().getNamespace()) || !boundToOperator(binding.getSubjects())) {
                continue;
            }
            List<PolicyRule> rules = binding.getRoleRef().getKind().equals("Role")
                    ? role(binding.getRoleRef().getName(), call.namespace()).getRules()
                    : clusterRole(binding.getRoleRef().getName()).getRules();
            if (grants(rules, call)) {
                return true;
            }
        }
        return false;
    }

    /** "group/resource" → verbs, over all rules (the exact-set assertions compare these). */
    static Map<String, Set<String>> verbsByResource(List<PolicyRule> rules) {
        Map<String, Set<String>> verbs = new TreeMap<>();
        for (PolicyRule rule : rules) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    verbs.computeIfAbsent((group.isEmpty() ? "core" : group) + "/" + resource, k -> new TreeSet<>())
                            .addAll(rule.getVerbs());
                }
            }
        }
        return verbs;
    }

    ClusterRole clusterRole(String name) {
        return all(ClusterRole.class).stream().filter(r -> r.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no ClusterRole " + name + " rendered"));
    }

    Role role(String name, String namespace) {
        return all(Role.class).stream().filter(r -> r.getMetadata().getName().equals(name)
                        && Objects.equals(r.getMetadata().getNamespace(), namespace)).findFirst()
                .orElseThrow(() -> new AssertionError("no Role " + namespace + "/" + name + " rendered"));
    }

    private static boolean boundToOperator(List<Subject> subjects) {
        return subjects != null && subjects.stream().anyMatch(s -> s.getKind().equals("ServiceAccount")
                && s.getName().equals(SERVICE_ACCOUNT) && RELEASE_NAMESPACE.equals(s.getNamespace()));
    }

    private static boolean grants(List<PolicyRule> rules, Call call) {
        return rules.stream().anyMatch(r -> r.getApiGroups().contains(call.group()) && r.getResources().contains(call.resource())
                && r.getVerbs().contains(call.verb()) && (r.getResourceNames() == null || r.getResourceNames().isEmpty()));
    }
}
