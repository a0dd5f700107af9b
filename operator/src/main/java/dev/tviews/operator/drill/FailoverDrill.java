package dev.tviews.operator.drill;

import dev.tviews.operator.database.ClusterPrimary;
import dev.tviews.operator.database.ConnectionSpec;
import dev.tviews.operator.database.DatabaseResolver;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.jboss.logging.Logger;

/**
 * The failover scenario: a planned switchover of a CloudNativePG Cluster driven exactly like
 * {@code kubectl cnpg promote} (JSON Patch of the Cluster's status subresource: targetPrimary, phase, phaseReason),
 * then verification on the new primary through the {@code <cluster>-app} Secret. Production data is never changed:
 * the write test runs in a transaction that is rolled back.
 */
@ApplicationScoped
public class FailoverDrill {

    /** Applies the transaction's queued TVIEW maintenance (runtime 0.3: maintenance otherwise runs at commit). */
    private static final String FLUSH = "SELECT public.pg_tviews_flush()";
    private static final Logger LOG = Logger.getLogger(FailoverDrill.class);
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    /** How long one reconcile follows the switchover before requeueing (keeps the RTO measurement precise). */
    static final Duration SLICE = Duration.ofSeconds(20);
    private static final long PROBE_MILLIS = 100;

    private final KubernetesClient client;
    private final DatabaseResolver resolver;
    private final Clock clock;

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
        // Exactly what `kubectl cnpg promote` writes, guarded by a test of the value read (no concurrent switchover).
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
        try {
            clusters.withName(clusterName).subresource("status").patch(PatchContext.of(PatchType.JSON), JSON.asJson(ops));
        } catch (KubernetesClientException e) {
            return new Start.Refused("could not request the switchover on Cluster " + clusterName + ": " + e.getMessage());
        }
        LOG.infof("failover drill: requested switchover of %s/%s from %s to %s", namespace, clusterName, primary.current(), target);
        return new Start.Requested(new FailoverState(clusterName, primary.current(), target, requested.toString(), null));
    }

    /**
     * Follows a requested switchover for at most {@link #SLICE}: empty while it is still in progress (the state's
     * promotedTime is filled in as soon as a write succeeds on the new primary), else the run's outcome.
     */
    Progress follow(String namespace, FailoverState state, Instant runStart, Instant deadlineAt, Double targetRto) {
        Instant sliceEnd = clock.instant().plus(SLICE);
        String lastProblem = "waiting for currentPrimary to become " + state.targetPrimary();
        while (true) {
            Instant now = clock.instant();
            if (!now.isBefore(deadlineAt)) {
                List<DrillCheck> checks = new ArrayList<>();
                checks.add(new DrillCheck("switchover", false, "requested " + state.fromPrimary() + " -> "
                        + state.targetPrimary() + "; " + lastProblem, seconds(Instant.parse(state.requestedTime()), now)));
                checks.add(new DrillCheck("deadline", false, "the drill did not complete before its deadline "
                        + deadlineAt + " (" + lastProblem + ")", null));
                return new Progress(state, Optional.of(outcome(Phase.Failed, runStart, now, null, null, checks, state)));
            }
            GenericKubernetesResource cluster = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER)
                    .inNamespace(namespace).withName(state.cluster()).get();
            if (cluster == null) {
                lastProblem = "Cluster " + state.cluster() + " disappeared";
            } else {
                ClusterPrimary primary = ClusterPrimary.of(cluster);
                if (!primary.switching() && primary.current() != null && !primary.current().equals(state.targetPrimary())) {
                    List<DrillCheck> checks = List.of(new DrillCheck("switchover", false, "the cluster settled on "
                            + primary.current() + " instead of the requested " + state.targetPrimary(),
                            seconds(Instant.parse(state.requestedTime()), now)));
                    return new Progress(state, Optional.of(outcome(Phase.Failed, runStart, now, null, null, checks, state)));
                }
                if (state.targetPrimary().equals(primary.current()) && !primary.switching()) {
                    Resolution r = resolver.resolve(namespace, dev.tviews.operator.api.DatabaseRef.cluster(state.cluster()));
                    if (r instanceof Resolution.Available a) {
                        try {
                            writeProbe(a.connection());
                            Instant promoted = clock.instant();
                            FailoverState done = new FailoverState(state.cluster(), state.fromPrimary(), state.targetPrimary(),
                                    state.requestedTime(), promoted.toString());
                            return new Progress(done, Optional.of(verify(a.connection(), done, runStart, targetRto)));
                        } catch (SQLException e) {
                            lastProblem = "write probe on the new primary failed: " + e.getMessage();
                        }
                    } else {
                        lastProblem = String.valueOf(r);
                    }
                } else {
                    lastProblem = "waiting for currentPrimary (" + primary.current() + ") to become " + state.targetPrimary();
                }
            }
            if (!clock.instant().isBefore(sliceEnd)) {
                return new Progress(state, Optional.empty());
            }
            sleep(PROBE_MILLIS);
        }
    }

    record Progress(FailoverState state, Optional<DrillOutcome> outcome) {
    }

    /** A write transaction: succeeds only on a primary. Changes nothing but consumes a transaction id. */
    static void writeProbe(ConnectionSpec spec) throws SQLException {
        try (Connection c = connect(spec); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET TRANSACTION READ WRITE");
            s.executeQuery("SELECT txid_current()").close();
            c.commit();
        }
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
        try (Connection c = connect(spec)) {
            checks.add(healthCheck(c));
            checks.add(consistency(c));
            checks.add(writeMaintenance(c));
        } catch (SQLException e) {
            checks.add(new DrillCheck("connect", false, "cannot connect to the new primary " + spec.describe() + ": "
                    + e.getMessage(), null));
        }
        Boolean met = null;
        if (targetRto != null) {
            met = rto <= targetRto;
            checks.add(new DrillCheck("targets-met", met, String.format(java.util.Locale.ROOT,
                    "RTO %.3f s %s target %.0f s", rto, met ? "within" : "exceeds", targetRto), 0.0));
        }
        boolean failed = checks.stream().anyMatch(c -> !c.passed() && !"targets-met".equals(c.name()));
        return outcome(failed ? Phase.Failed : Phase.Succeeded, runStart, clock.instant(), rto, met, checks, state);
    }

    private static DrillCheck healthCheck(Connection c) {
        long t0 = System.nanoTime();
        List<String> errors = new ArrayList<>();
        int rows = 0;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status, component, message FROM pg_tviews_health_check()")) {
            while (rs.next()) {
                rows++;
                if ("ERROR".equalsIgnoreCase(rs.getString(1))) {
                    errors.add(rs.getString(2) + ": " + rs.getString(3));
                }
            }
        } catch (SQLException e) {
            return new DrillCheck("health-check", false, "pg_tviews_health_check() failed: " + e.getMessage(), since(t0));
        }
        return errors.isEmpty() ? new DrillCheck("health-check", true, "pg_tviews_health_check(): " + rows + " row(s), no ERROR", since(t0))
                : new DrillCheck("health-check", false, "pg_tviews_health_check() ERROR: " + String.join("; ", errors), since(t0));
    }

    private static DrillCheck consistency(Connection c) {
        long t0 = System.nanoTime();
        List<String> ok = new ArrayList<>();
        List<String> bad = new ArrayList<>();
        try (Statement s = c.createStatement()) {
            List<String> entities = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT entity FROM pg_tview_meta ORDER BY entity")) {
                while (rs.next()) {
                    entities.add(rs.getString(1));
                }
            }
            for (String e : entities) {
                try (var ps = c.prepareStatement("SELECT missing, extra, different, checked_rows FROM pg_tviews_check_consistency(?)")) {
                    ps.setString(1, e);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        long drift = rs.getLong(1) + rs.getLong(2) + rs.getLong(3);
                        if (drift == 0) {
                            ok.add(e + "(" + rs.getLong(4) + ")");
                        } else {
                            bad.add(e + " missing=" + rs.getLong(1) + " extra=" + rs.getLong(2) + " different=" + rs.getLong(3));
                        }
                    }
                }
            }
            if (entities.isEmpty()) {
                return new DrillCheck("consistency", false, "no TVIEW in pg_tview_meta", since(t0));
            }
        } catch (SQLException e) {
            return new DrillCheck("consistency", false, "consistency check failed: " + e.getMessage(), since(t0));
        }
        return bad.isEmpty() ? new DrillCheck("consistency", true, "every TVIEW consistent: " + String.join(" ", ok), since(t0))
                : new DrillCheck("consistency", false, String.join("; ", bad), since(t0));
    }

    /**
     * In one transaction that is rolled back: change a text column the definition reads on one row of the base source
     * of the TVIEW with most dependents, and check that the TVIEW row changed and stays consistent.
     */
    private static DrillCheck writeMaintenance(Connection c) {
        long t0 = System.nanoTime();
        try {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                String pick = "SELECT m.entity, quote_ident(m.schema_name) || '.' || quote_ident(m.table_name), "
                        + "quote_ident(m.key_column), quote_ident(d->>'schema') || '.' || quote_ident(d->>'table'), "
                        + "quote_ident(coalesce(d->>'source_column', pth.x->>'key')), m.definition FROM pg_tview_meta m "
                        + "CROSS JOIN jsonb_array_elements(m.dependencies) d LEFT JOIN LATERAL (SELECT x FROM "
                        + "jsonb_array_elements(coalesce(d->'paths', '[]')) x WHERE jsonb_array_length(x->'hops') = 0 LIMIT 1) pth ON true "
                        + "WHERE d->>'kind' IN ('direct', 'keyed') AND d->>'tview' IS NULL "
                        + "AND coalesce(d->>'source_column', pth.x->>'key') IS NOT NULL ORDER BY (SELECT count(*) FROM pg_tview_meta x "
                        + "WHERE m.entity = ANY(x.dependent_on)) DESC, cardinality(m.dependent_on), m.entity LIMIT 1";
                String entity, tv, key, src, col, def;
                try (ResultSet rs = s.executeQuery(pick)) {
                    if (!rs.next()) {
                        return new DrillCheck("write-maintenance", false, "no TVIEW with a base-table source in pg_tview_meta", since(t0));
                    }
                    entity = rs.getString(1); tv = rs.getString(2); key = rs.getString(3);
                    src = rs.getString(4); col = rs.getString(5); def = rs.getString(6);
                }
                String textCol = null;
                try (ResultSet rs = s.executeQuery("SELECT quote_ident(a.attname), a.attname FROM pg_attribute a WHERE a.attrelid = '"
                        + src.replace("'", "''") + "'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
                        + "AND a.atttypid IN ('text'::regtype, 'varchar'::regtype) AND NOT EXISTS (SELECT 1 FROM pg_index i "
                        + "WHERE i.indrelid = a.attrelid AND a.attnum = ANY(i.indkey)) ORDER BY a.attnum")) {
                    while (rs.next() && textCol == null) {
                        if (def.matches("(?s).*\\b" + java.util.regex.Pattern.quote(rs.getString(2)) + "\\b.*")) {
                            textCol = rs.getString(1);
                        }
                    }
                }
                if (textCol == null) {
                    return new DrillCheck("write-maintenance", false, "no text column of " + src + " read by " + tv
                            + " to change", since(t0));
                }
                String kv;
                try (ResultSet rs = s.executeQuery("SELECT " + col + "::text FROM " + src + " WHERE " + col + " IS NOT NULL AND "
                        + textCol + " IS NOT NULL ORDER BY " + col + " LIMIT 1")) {
                    if (!rs.next()) {
                        return new DrillCheck("write-maintenance", false, "source " + src + " of " + tv + " has no row to write", since(t0));
                    }
                    kv = rs.getString(1);
                }
                String kvq = kv.replace("'", "''");
                String fp = "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'none') FROM " + tv + " t WHERE "
                        + key + "::text = '" + kvq + "'";
                String before = single(s, fp);
                int updated = s.executeUpdate("UPDATE " + src + " SET " + textCol + " = " + textCol + " || ' [drill]' WHERE ctid = "
                        + "(SELECT ctid FROM " + src + " WHERE " + col + "::text = '" + kvq + "' ORDER BY ctid LIMIT 1)");
                s.execute(FLUSH);   // maintenance runs at commit; read our own write now
                String after = single(s, fp);
                String drift;
                try (var ps = c.prepareStatement("SELECT missing + extra + different FROM pg_tviews_check_consistency(?)")) {
                    ps.setString(1, entity);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        drift = rs.getString(1);
                    }
                }
                String what = "UPDATE of " + src + "." + textCol + " where " + col + "=" + kv + " (rolled back)";
                if (updated != 1 || before.equals(after)) {
                    return new DrillCheck("write-maintenance", false, what + ": " + tv + " row " + key + "=" + kv
                            + " did not change", since(t0));
                }
                if (!"0".equals(drift)) {
                    return new DrillCheck("write-maintenance", false, what + ": " + tv + " drifted by " + drift + " row(s)", since(t0));
                }
                return new DrillCheck("write-maintenance", true, what + ": " + tv + " maintained on the new primary", since(t0));
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            return new DrillCheck("write-maintenance", false, "write test failed: " + e.getMessage(), since(t0));
        }
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
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

    static Connection connect(ConnectionSpec spec) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", spec.user());
        p.setProperty("password", spec.password() == null ? "" : spec.password());
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection(spec.jdbcUrl(), p);
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

    private static double since(long t0) {
        return Math.round((System.nanoTime() - t0) / 1e6) / 1000.0;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
