package dev.tviews.operator.drill;

import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.database.ClusterPrimary;
import dev.tviews.operator.database.ConnectionSpec;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.FailoverProbe;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.drill.TViewDrillStatus.FailoverState;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The failover scenario: a planned switchover of a CloudNativePG Cluster driven exactly like
 * {@code kubectl cnpg promote} (JSON Patch of the Cluster's status subresource: targetPrimary, phase, phaseReason),
 * then verification on the new primary through the {@code <cluster>-app} Secret. Production data is never changed:
 * the write test runs in a transaction that is rolled back.
 */
@ApplicationScoped
public class FailoverDrill {

    private static final Logger LOG = Logger.getLogger(FailoverDrill.class);
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    /** How soon a requested switchover is looked at again: often, so that the measured RTO is precise. */
    static final Duration PROBE_INTERVAL = Duration.ofMillis(100);

    private final KubernetesClient client;
    private final DatabaseResolver resolver;
    private final Clock clock;
    /** Why each followed switchover was not done at the last look (kept in memory: said if the deadline passes). */
    private final Map<String, String> lastProblems = new ConcurrentHashMap<>();

    public FailoverDrill(KubernetesClient client, DatabaseResolver resolver, Clock clock) {
        this.client = client;
        this.resolver = resolver;
        this.clock = clock;
    }

    /** Starting a failover run: either the switchover was requested, or the run is refused. */
    sealed interface Start {
        record Requested(FailoverState state) implements Start {
        }

        record Refused(String message) implements Start {
        }

        record ClusterMissing(String message) implements Start {
        }
    }

    Start start(String namespace, String clusterName) {
        var clusters = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(namespace);
        GenericKubernetesResource cluster = clusters.withName(clusterName).get();
        if (cluster == null) {
            return new Start.ClusterMissing("CloudNativePG Cluster " + namespace + "/" + clusterName + " not found");
        }
        ClusterPrimary primary = ClusterPrimary.of(cluster);
        Map<String, Object> status = status(cluster);
        if (primary.current() == null) {
            return new Start.Refused("Cluster " + clusterName + " reports no currentPrimary yet");
        }
        if ("pending".equals(primary.target())) {
            return new Start.Refused("Cluster " + clusterName + " has targetPrimary 'pending': a failover is being decided; "
                    + "refusing to start a switchover");
        }
        if (primary.switching()) {
            return new Start.Refused("a switchover is already in progress on Cluster " + clusterName + " (currentPrimary="
                    + primary.current() + ", targetPrimary=" + primary.target() + ")");
        }
        List<String> healthy = healthy(status);
        List<String> replicas = healthy.stream().filter(i -> !i.equals(primary.current())).sorted().toList();
        Object ready = status.get("readyInstances");
        if (replicas.isEmpty() || (ready instanceof Number n && n.intValue() < 2)) {
            return new Start.Refused("no ready replica to promote on Cluster " + clusterName + " (healthy instances: "
                    + healthy + ", readyInstances: " + ready + ", currentPrimary: " + primary.current() + ")");
        }
        String target = replicas.get(0);
        Instant requested = clock.instant();
        try {
            clusters.withName(clusterName).subresource("status").patch(PatchContext.of(PatchType.JSON),
                    JSON.asJson(promotion(primary, target)));
        } catch (KubernetesClientException e) {
            return new Start.Refused("could not request the switchover on Cluster " + clusterName + ": " + e.getMessage());
        }
        LOG.infof("failover drill: requested switchover of %s/%s from %s to %s", namespace, clusterName, primary.current(), target);
        return new Start.Requested(new FailoverState(clusterName, primary.current(), target, requested.toString(), null));
    }

    /** Exactly what `kubectl cnpg promote` writes, guarded by a test of the value read (no concurrent switchover). */
    private static List<Map<String, Object>> promotion(ClusterPrimary primary, String target) {
        List<Map<String, Object>> ops = new ArrayList<>();
        ops.add(Map.of("op", "test", "path", "/status/targetPrimary", "value", primary.target() == null
                ? primary.current() : primary.target()));
        ops.add(Map.of("op", "replace", "path", "/status/targetPrimary", "value", target));
        ops.add(Map.of("op", "add", "path", "/status/phase", "value", "Switchover in progress"));
        ops.add(Map.of("op", "add", "path", "/status/phaseReason", "value", "Switching over to " + target));
        if (primary.target() == null) {
            ops.remove(0);
            ops.set(0, Map.of("op", "add", "path", "/status/targetPrimary", "value", target));
        }
        return ops;
    }

    /**
     * Looks once at a requested switchover: empty while it is still in progress (look again after
     * {@link #PROBE_INTERVAL}), else the run's outcome (the state's promotedTime is set by the first write that
     * succeeds on the new primary).
     */
    Progress follow(String namespace, FailoverState state, Instant runStart, Instant deadlineAt, Double targetRto) {
        String run = namespace + "/" + state.cluster() + "@" + state.requestedTime();
        Instant now = clock.instant();
        if (!now.isBefore(deadlineAt)) {
            String lastProblem = lastProblems.getOrDefault(run, "waiting for currentPrimary to become " + state.targetPrimary());
            List<DrillCheck> checks = new ArrayList<>();
            checks.add(new DrillCheck("switchover", false, "requested " + state.fromPrimary() + " -> "
                    + state.targetPrimary() + "; " + lastProblem, seconds(Instant.parse(state.requestedTime()), now)));
            checks.add(new DrillCheck("deadline", false, "the drill did not complete before its deadline "
                    + deadlineAt + " (" + lastProblem + ")", null));
            return over(run, state, outcome(Phase.Failed, runStart, now, null, null, checks, state));
        }
        GenericKubernetesResource cluster = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER)
                .inNamespace(namespace).withName(state.cluster()).get();
        if (cluster == null) {
            return notYet(run, state, "Cluster " + state.cluster() + " disappeared");
        }
        ClusterPrimary primary = ClusterPrimary.of(cluster);
        if (!primary.switching() && primary.current() != null && !primary.current().equals(state.targetPrimary())) {
            List<DrillCheck> checks = List.of(new DrillCheck("switchover", false, "the cluster settled on "
                    + primary.current() + " instead of the requested " + state.targetPrimary(),
                    seconds(Instant.parse(state.requestedTime()), now)));
            return over(run, state, outcome(Phase.Failed, runStart, now, null, null, checks, state));
        }
        if (!state.targetPrimary().equals(primary.current()) || primary.switching()) {
            return notYet(run, state, "waiting for currentPrimary (" + primary.current() + ") to become "
                    + state.targetPrimary());
        }
        Resolution r = resolver.resolve(namespace, DatabaseRef.cluster(state.cluster()));
        if (!(r instanceof Resolution.Available a)) {
            return notYet(run, state, String.valueOf(r));
        }
        try {
            FailoverProbe.writeProbe(a.connection());
        } catch (SQLException e) {
            return notYet(run, state, "write probe on the new primary failed: " + e.getMessage());
        }
        FailoverState done = new FailoverState(state.cluster(), state.fromPrimary(), state.targetPrimary(),
                state.requestedTime(), clock.instant().toString());
        return over(run, done, verify(a.connection(), done, runStart, targetRto));
    }

    /** Still in progress; {@code problem} is what the deadline's check will say if it stays so. */
    private Progress notYet(String run, FailoverState state, String problem) {
        lastProblems.put(run, problem);
        return new Progress(state, Optional.empty());
    }

    private Progress over(String run, FailoverState state, DrillOutcome outcome) {
        lastProblems.remove(run);
        return new Progress(state, Optional.of(outcome));
    }

    record Progress(FailoverState state, Optional<DrillOutcome> outcome) {
    }

    private DrillOutcome verify(ConnectionSpec spec, FailoverState state, Instant runStart, Double targetRto) {
        List<DrillCheck> checks = new ArrayList<>();
        Instant requested = Instant.parse(state.requestedTime());
        Instant promoted = Instant.parse(state.promotedTime());
        double rto = seconds(requested, promoted);
        checks.add(new DrillCheck("switchover", true, "currentPrimary moved " + state.fromPrimary() + " -> "
                + state.targetPrimary(), rto));
        checks.add(new DrillCheck("write-available", true, "first committed write on the new primary "
                + String.format(java.util.Locale.ROOT, "%.3f", rto) + " s after the switchover request", rto));
        checks.addAll(NewPrimaryChecks.run(spec));
        Boolean met = null;
        if (targetRto != null) {
            met = rto <= targetRto;
            checks.add(new DrillCheck("targets-met", met, String.format(java.util.Locale.ROOT,
                    "RTO %.3f s %s target %.0f s", rto, met ? "within" : "exceeds", targetRto), 0.0));
        }
        boolean failed = checks.stream().anyMatch(c -> !c.passed() && !"targets-met".equals(c.name()));
        return outcome(failed ? Phase.Failed : Phase.Succeeded, runStart, clock.instant(), rto, met, checks, state);
    }

    private static DrillOutcome outcome(Phase phase, Instant start, Instant end, Double rto, Boolean met,
                                        List<DrillCheck> checks, FailoverState state) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("cluster", state.cluster());
        details.put("fromPrimary", state.fromPrimary());
        details.put("targetPrimary", state.targetPrimary());
        details.put("switchoverRequested", state.requestedTime());
        details.put("writableAt", state.promotedTime());
        return new DrillOutcome(phase, start.toString(), end.toString(), rto, null, met, List.copyOf(checks), details);
    }

    static DrillOutcome refused(String message, Instant start, Instant end, String cluster) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("cluster", cluster);
        return new DrillOutcome(Phase.Failed, start.toString(), end.toString(), null, null, null,
                List.of(new DrillCheck("precondition", false, message, 0.0)), details);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource cluster) {
        Object s = cluster.getAdditionalProperties().get("status");
        return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<String> healthy(Map<String, Object> status) {
        Object is = status.get("instancesStatus");
        if (is instanceof Map<?, ?> m && m.get("healthy") instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    private static double seconds(Instant a, Instant b) {
        return Duration.between(a, b).toMillis() / 1000.0;
    }
}
