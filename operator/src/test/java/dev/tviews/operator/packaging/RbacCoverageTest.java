package dev.tviews.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.Edits;
import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.api.LocalObjectReference;
import dev.tviews.operator.backup.BackupPolicySpec;
import dev.tviews.operator.backup.TViewBackupPolicy;
import dev.tviews.operator.drill.TViewDrill;
import dev.tviews.operator.drill.TViewDrillSpec;
import dev.tviews.operator.drill.TViewDrillStatus;
import dev.tviews.operator.tview.TView;
import dev.tviews.operator.tview.TViewSpec;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Does the chart's RBAC suffice? The operator runs against the mock API server, which records every request; the
 * test drives TViews, backup policies (CronJobs, backup-now, results, a removed method) and drills (run, report,
 * pruned history) with its own client (a distinct User-Agent, filtered out), then checks that every request the
 * operator made is allowed by the rendered chart, in both install modes.
 *
 * <p>Not observable here, and so listed by hand in {@link #NOT_OBSERVED} (each with the reason it is needed):
 * the informers' start-up list/watch (made before any test runs), leader election (prod profile only), the
 * finalizers subresource (checked by an admission plugin a mock server does not run) and the failover drill's
 * status patch on a CloudNativePG Cluster (driven by DrillFailoverTest, not repeated here).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RbacCoverageTest {

    private static final String TEST_AGENT = "rbac-coverage-test";
    private static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)(?:/namespaces/([^/]+))?/([^/]+)(?:/([^/]+))?(?:/([^/]+))?$");

    static final List<ChartRbac.Call> NOT_OBSERVED = List.of(
            // informers of the three reconcilers and BackupPolicyReconciler's Job event source (label-selected)
            new ChartRbac.Call("list", "tviews.dev", "tviews", null), new ChartRbac.Call("watch", "tviews.dev", "tviews", null),
            new ChartRbac.Call("list", "tviews.dev", "tviewbackuppolicies", null),
            new ChartRbac.Call("watch", "tviews.dev", "tviewbackuppolicies", null),
            new ChartRbac.Call("list", "tviews.dev", "tviewdrills", null),
            new ChartRbac.Call("watch", "tviews.dev", "tviewdrills", null),
            new ChartRbac.Call("list", "batch", "jobs", null), new ChartRbac.Call("watch", "batch", "jobs", null),
            // OwnerReferencesPermissionEnforcement: blockOwnerDeletion on what a policy or drill owns
            new ChartRbac.Call("update", "tviews.dev", "tviewbackuppolicies/finalizers", "NS"),
            new ChartRbac.Call("update", "tviews.dev", "tviewdrills/finalizers", "NS"),
            // the scripts ConfigMaps are updated when the operator ships new scripts, a drill report when rewritten
            new ChartRbac.Call("update", "", "configmaps", "NS"),
            // FailoverDrill requests a switchover the way `kubectl cnpg promote` does
            new ChartRbac.Call("patch", "postgresql.cnpg.io", "clusters/status", "NS"),
            // JOSDK leader election (prod profile), in the operator's namespace
            new ChartRbac.Call("get", "coordination.k8s.io", "leases", ChartRbac.RELEASE_NAMESPACE),
            new ChartRbac.Call("create", "coordination.k8s.io", "leases", ChartRbac.RELEASE_NAMESPACE),
            new ChartRbac.Call("update", "coordination.k8s.io", "leases", ChartRbac.RELEASE_NAMESPACE));

    @Inject
    KubernetesClient operatorClient;
    @KubernetesTestServer
    KubernetesServer server;

    @Test
    void theChartGrantsEveryCallTheOperatorMakesInBothInstallModes() throws Exception {
        drain();   // earlier test classes' requests: theirs and the operator's cannot be told apart
        String ns = "rbac-" + ProcessHandle.current().pid();
        try (KubernetesClient test = new KubernetesClientBuilder().withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                .withUserAgent(TEST_AGENT).build()).build()) {
            exercise(test, ns);
        }
        Set<ChartRbac.Call> observed = operatorCalls();
        // kept for whoever changes the rules: what the operator called in this run
        java.nio.file.Files.write(java.nio.file.Path.of("target", "rbac-observed-calls.txt"),
                observed.stream().map(c -> c.toString().replace(ns, "<ns>")).toList());
        assertThat(observed).as("the scenario reached every kind of call it is meant to observe").contains(
                new ChartRbac.Call("get", "", "secrets", ns),
                new ChartRbac.Call("patch", "tviews.dev", "tviews/status", ns),
                new ChartRbac.Call("patch", "tviews.dev", "tviews", ns),
                new ChartRbac.Call("create", "batch", "jobs", ns),
                new ChartRbac.Call("delete", "batch", "jobs", ns),
                new ChartRbac.Call("delete", "batch", "cronjobs", ns),
                new ChartRbac.Call("update", "batch", "cronjobs", ns),
                new ChartRbac.Call("create", "", "configmaps", ns),
                new ChartRbac.Call("delete", "", "configmaps", ns),
                new ChartRbac.Call("list", "", "pods", ns),
                new ChartRbac.Call("get", "postgresql.cnpg.io", "clusters", ns),
                new ChartRbac.Call("create", "", "events", ns));
        assertThat(observed).as("no Secret is ever listed or watched").noneMatch(c -> c.resource().equals("secrets")
                && !c.verb().equals("get"));

        Set<ChartRbac.Call> needed = new LinkedHashSet<>(observed);
        NOT_OBSERVED.forEach(c -> needed.add(new ChartRbac.Call(c.verb(), c.group(), c.resource(),
                "NS".equals(c.namespace()) ? ns : c.namespace())));

        ChartRbac clusterWide = ChartRbac.clusterWide();
        assertThat(needed).as("denied by the cluster-wide chart").allMatch(clusterWide::allows);

        // watchNamespaces: JOSDK lists and watches in each watched namespace instead of across all of them
        ChartRbac namespaced = ChartRbac.watching(List.of(ns, "other"));
        List<ChartRbac.Call> denied = new ArrayList<>();
        for (ChartRbac.Call c : needed) {
            List<ChartRbac.Call> perNamespace = c.namespace() != null ? List.of(c)
                    : List.of(new ChartRbac.Call(c.verb(), c.group(), c.resource(), ns),
                    new ChartRbac.Call(c.verb(), c.group(), c.resource(), "other"));
            perNamespace.stream().filter(Predicate.not(namespaced::allows)).forEach(denied::add);
        }
        assertThat(denied).as("denied by the chart with watchNamespaces").isEmpty();

        // and nothing more: every verb the chart grants is one the operator needs
        Set<String> neededVerbs = new TreeSet<>();
        needed.forEach(c -> neededVerbs.add((c.group().isEmpty() ? "core" : c.group()) + "/" + c.resource() + " " + c.verb()));
        List<String> unneeded = new ArrayList<>();
        ChartRbac.verbsByResource(clusterWide.clusterRole("tv-tview-operator").getRules()).forEach((resource, verbs) ->
                verbs.stream().map(v -> resource + " " + v).filter(Predicate.not(neededVerbs::contains)).forEach(unneeded::add));
        assertThat(unneeded).as("granted but never needed").isEmpty();
    }

    /** TViews, a backup policy and a drill through their main paths, with this test playing the controllers. */
    private void exercise(KubernetesClient test, String ns) {
        PgDatabase db = PgServer.shared().createDatabase("rbac_" + ProcessHandle.current().pid());
        db.execute("CREATE TABLE tb_item (pk_item int PRIMARY KEY, name text); INSERT INTO tb_item VALUES (1, 'a')");
        test.resource(new SecretBuilder().withNewMetadata().withName("shop-db").withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", db.server().host(), "port", String.valueOf(db.server().port()),
                        "dbname", db.name(), "username", "postgres", "password", db.server().password())).build()).create();
        test.resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName("backups").withNamespace(ns).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteMany").withNewResources()
                .addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();

        // TViews: applied, finalizer added and removed on deletion; one names a CloudNativePG cluster
        TView item = new TView();
        item.setMetadata(new ObjectMetaBuilder().withName("item").withNamespace(ns).build());
        TViewSpec spec = new TViewSpec();
        spec.setDatabase(DatabaseRef.secret("shop-db"));
        spec.setQuery("SELECT pk_item, name FROM tb_item");
        spec.setDeletionPolicy(TViewSpec.DeletionPolicy.Delete);
        item.setSpec(spec);
        test.resource(item).create();
        TView clustered = new TView();
        clustered.setMetadata(new ObjectMetaBuilder().withName("clustered").withNamespace(ns).build());
        TViewSpec clusteredSpec = new TViewSpec();
        clusteredSpec.setDatabase(DatabaseRef.cluster("pg"));
        clusteredSpec.setQuery("SELECT pk_item FROM tb_item");
        clustered.setSpec(clusteredSpec);
        test.resource(clustered).create();
        awaitCondition(test, TView.class, ns, "item", Conditions.READY);
        awaitCondition(test, TView.class, ns, "clustered", Conditions.RECONCILING);
        test.resources(TView.class).inNamespace(ns).withName("item").delete();
        await().atMost(TIMEOUT).until(() -> test.resources(TView.class).inNamespace(ns).withName("item").get() == null);

        // a backup policy: CronJobs, backup-now Jobs, a finished Job's result, a method removed
        TViewBackupPolicy policy = new TViewBackupPolicy();
        policy.setMetadata(new ObjectMetaBuilder().withName("nightly").withNamespace(ns).build());
        BackupPolicySpec backup = new BackupPolicySpec();
        backup.setDatabase(DatabaseRef.secret("shop-db"));
        backup.setSchedule("0 6 * * *");
        backup.setMethods(List.of("logical", "metadata"));
        BackupPolicySpec.Storage storage = new BackupPolicySpec.Storage();
        storage.setPersistentVolumeClaim(new BackupPolicySpec.ClaimRef("backups"));
        backup.setStorage(storage);
        policy.setSpec(backup);
        test.resource(policy).create();
        awaitCondition(test, TViewBackupPolicy.class, ns, "nightly", Conditions.READY);
        Edits.edit(test, TViewBackupPolicy.class, ns, "nightly",
                p -> p.getMetadata().setAnnotations(Map.of("tviews.dev/backup-now", "rbac")));
        Job manual = await().atMost(TIMEOUT).until(() -> test.batch().v1().jobs().inNamespace(ns).list().getItems().stream()
                .filter(j -> j.getMetadata().getName().contains("logical")).findFirst().orElse(null), Objects::nonNull);
        Instant now = Instant.now();
        finish(test, ns, manual.getMetadata().getName(), "backup", "{\"name\":\"20260101T000000Z-logical\",\"method\":"
                + "\"logical\",\"status\":\"Succeeded\",\"verified\":true,\"startTime\":\"" + now.minusSeconds(5) + "\","
                + "\"endTime\":\"" + now + "\",\"sizeBytes\":10,\"error\":null,\"tviews\":{}}");
        await().atMost(TIMEOUT).until(() -> test.resources(TViewBackupPolicy.class).inNamespace(ns).withName("nightly").get(),
                p -> p.getStatus() != null && !p.getStatus().getRecentBackups().isEmpty());
        Edits.edit(test, TViewBackupPolicy.class, ns, "nightly", p -> {
            p.getSpec().setMethods(List.of("logical"));
            p.getSpec().setSchedule("30 5 * * *");
        });
        await().atMost(TIMEOUT).until(() -> test.batch().v1().cronjobs().inNamespace(ns).withName("nightly-metadata").get() == null);
        await().atMost(TIMEOUT).until(() -> test.batch().v1().cronjobs().inNamespace(ns).withName("nightly-logical").get()
                .getSpec().getSchedule().equals("30 5 * * *"));

        // a drill: two runs with a history of one, so the first run's Job and report are pruned
        TViewDrill drill = new TViewDrill();
        drill.setMetadata(new ObjectMetaBuilder().withName("drill").withNamespace(ns).build());
        TViewDrillSpec drillSpec = new TViewDrillSpec();
        drillSpec.setScenario(TViewDrillSpec.Scenario.RESTORE_LATEST);
        drillSpec.setBackupPolicyRef(new LocalObjectReference("nightly"));
        drillSpec.setHistoryLimit(1);
        drill.setSpec(drillSpec);
        test.resource(drill).create();
        for (String run : List.of("drill-g1", "drill-g2")) {
            await().atMost(TIMEOUT).until(() -> test.batch().v1().jobs().inNamespace(ns).withName(run).get(), Objects::nonNull);
            finish(test, ns, run, "drill", "{\"drill\":\"drill\",\"scenario\":\"restore-latest\",\"phase\":\"Succeeded\","
                    + "\"startTime\":\"2026-01-01T00:00:00Z\",\"completionTime\":\"2026-01-01T00:00:09Z\","
                    + "\"measuredRTOSeconds\":8,\"measuredRPOSeconds\":60,\"targetsMet\":null,\"checks\":[]}");
            await().atMost(TIMEOUT).until(() -> test.configMaps().inNamespace(ns).withName(run + "-report").get(), Objects::nonNull);
            if (run.endsWith("g1")) {
                // the next generation starts a second run once the first is recorded as finished
                await().atMost(TIMEOUT).until(() -> test.resources(TViewDrill.class).inNamespace(ns).withName("drill").get(),
                        d -> d.getStatus() != null && "g1".equals(d.getStatus().getRunId())
                                && d.getStatus().getPhase() == TViewDrillStatus.Phase.Succeeded);
                Edits.edit(test, TViewDrill.class, ns, "drill", d -> d.getSpec().setDeadline("20m"));
            }
        }
        await().atMost(TIMEOUT).until(() -> test.configMaps().inNamespace(ns).withName("drill-g1-report").get() == null);
    }

    /** Plays the Job controller and the kubelet: a Pod whose container terminated with {@code message}, then Complete. */
    private static void finish(KubernetesClient test, String ns, String job, String container, String message) {
        test.resource(new PodBuilder().withNewMetadata().withName(job + "-x").withNamespace(ns).addToLabels("job-name", job)
                .endMetadata().withNewSpec().addNewContainer().withName(container).withImage("postgres").endContainer().endSpec()
                .withNewStatus().withPhase("Succeeded").addNewContainerStatus().withName(container).withNewState()
                .withNewTerminated().withExitCode(0).withMessage(message).withFinishedAt(Instant.now().toString())
                .endTerminated().endState().endContainerStatus().endStatus().build()).create();
        Job j = test.batch().v1().jobs().inNamespace(ns).withName(job).get();
        j.setStatus(new JobStatusBuilder().withStartTime(Instant.now().minusSeconds(5).toString())
                .withCompletionTime(Instant.now().toString()).withSucceeded(1)
                .withConditions(new JobConditionBuilder().withType("Complete").withStatus("True")
                        .withLastTransitionTime(Instant.now().toString()).build()).build());
        test.batch().v1().jobs().inNamespace(ns).resource(j).updateStatus();
    }

    private static <R extends io.fabric8.kubernetes.client.CustomResource<?, ? extends dev.tviews.operator.api.ConditionedStatus>>
            void awaitCondition(KubernetesClient test, Class<R> type, String ns, String name, String condition) {
        await().atMost(TIMEOUT).until(() -> test.resources(type).inNamespace(ns).withName(name).get(),
                r -> r != null && r.getStatus() != null && Conditions.isTrue(r.getStatus().getConditions(), condition));
    }

    private void drain() throws InterruptedException {
        while (server.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS) != null) {
            // discard
        }
    }

    /** The operator's requests since {@link #drain()}, as RBAC sees them. */
    private Set<ChartRbac.Call> operatorCalls() throws InterruptedException {
        Set<ChartRbac.Call> calls = new TreeSet<>(java.util.Comparator.comparing(ChartRbac.Call::toString));
        RecordedRequest r;
        while ((r = server.getKubernetesMockServer().takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            if (TEST_AGENT.equals(r.getHeader("User-Agent"))) {
                continue;
            }
            calls.add(call(r));
        }
        return calls;
    }

    static ChartRbac.Call call(RecordedRequest r) {
        URI uri = URI.create(r.getPath());
        Matcher m = PATH.matcher(uri.getPath());
        if (!m.matches()) {
            throw new AssertionError("unexpected API path " + r.getPath());
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String namespace = m.group(2);
        String resource = m.group(3);
        String name = m.group(4);
        String subresource = m.group(5);
        boolean watch = uri.getQuery() != null && uri.getQuery().contains("watch=true");
        String verb = switch (r.getMethod()) {
            case "GET" -> name != null ? "get" : watch ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + r.getRequestLine());
        };
        return new ChartRbac.Call(verb, group, subresource == null ? resource : resource + "/" + subresource, namespace);
    }
}
