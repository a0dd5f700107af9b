package dev.tviews.e2e.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.drill.FailoverDrillRun;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

/**
 * The operator's failover drill on real PostgreSQL, under write load: a primary and a streaming standby from the
 * harness, the runtime and the 3-level schema, a writer in a loop. The product code runs: {@link FailoverDrillRun}
 * makes the operator's {@code FailoverDrill} calls (the ones {@code RunStarter} and {@code RunFollower} make for a
 * {@code failover} run) against a CloudNativePG {@code Cluster} and its {@code -app} Secret in the Fabric8 mock API server (CRUD mode):
 * it requests the switchover as {@code kubectl cnpg promote} does (status.targetPrimary), follows it, probes for the
 * first committed write on the new primary (the measured RTO) and verifies there (health check, consistency, a
 * rolled-back write maintained). CloudNativePG itself is a stand-in thread that acts on the request on the real
 * servers as CloudNativePG does: it shuts the old primary down cleanly (its remaining WAL reaches the standby),
 * promotes the standby, moves the writer and the -app Secret to it (the -rw Service moving) and sets
 * status.currentPrimary. Measured besides: the writer's downtime (last write on the old primary to the first on
 * the new). Asserted: the drill Succeeded with every check passed, no committed write is lost, the TVIEWs are
 * consistent on the new primary and keep being maintained there, and a restore drill (drill.sh) of a backup taken
 * on the new primary succeeds.
 */
@EnableKubernetesMockClient(crud = true)
class FailoverDrillTest {

    static KubernetesClient client;

    @Test
    void theOperatorsFailoverDrillSwitchesOverUnderWriteLoadAndLosesNoWrite() throws Exception {
        PgServer primary = PgServer.start("drill-failover-primary");
        PgServer standby = null;
        Thread writerThread = null;
        AtomicBoolean stop = new AtomicBoolean();
        try {
            PgDatabase db = primary.createDatabase("shop");
            DrillSupport.createShop(db);
            standby = primary.startStandby("drill-failover-standby");
            PgDatabase replica = standby.database("shop");
            waitFor(() -> ((Number) replica.queryValue("SELECT count(*) FROM tv_comment")).longValue() == 120, "standby catch-up");
            DrillSupport.assertConsistent(replica);

            // the writer: each transaction renames one user (cascades through tv_post into tv_comment) and adds a comment
            AtomicReference<PgServer> target = new AtomicReference<>(primary);
            AtomicLong seq = new AtomicLong();
            AtomicLong lastOkOld = new AtomicLong();
            AtomicLong firstOkNew = new AtomicLong();
            AtomicLong lastCommittedOld = new AtomicLong(-1);
            AtomicLong writesOld = new AtomicLong();
            AtomicLong writesNew = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            PgServer oldPrimary = primary;
            writerThread = new Thread(() -> {
                Connection c = null;
                PgServer connectedTo = null;
                while (!stop.get()) {
                    PgServer t = target.get();
                    try {
                        if (c == null || connectedTo != t) {
                            if (c != null) {
                                try {
                                    c.close();
                                } catch (SQLException ignored) {
                                    // the old connection is gone anyway
                                }
                            }
                            c = t.connect("shop");
                            c.setAutoCommit(false);
                            connectedTo = t;
                        }
                        long n = seq.incrementAndGet();
                        try (PreparedStatement u = c.prepareStatement("UPDATE tb_user SET name = ? WHERE pk_user = ?");
                             PreparedStatement i = c.prepareStatement("INSERT INTO tb_comment (fk_post, body) VALUES (?, ?)")) {
                            u.setString(1, "writer " + n);
                            u.setInt(2, (int) (n % 20) + 1);
                            u.executeUpdate();
                            i.setInt(1, (int) (n % 50) + 1);
                            i.setString(2, "writer " + n);
                            i.executeUpdate();
                        }
                        c.commit();
                        long now = System.nanoTime();
                        if (t == oldPrimary) {
                            lastOkOld.set(now);
                            lastCommittedOld.set(n);
                            writesOld.incrementAndGet();
                        } else {
                            firstOkNew.compareAndSet(0, now);
                            writesNew.incrementAndGet();
                        }
                        Thread.sleep(5);
                    } catch (SQLException e) {
                        failures.incrementAndGet();
                        try {
                            if (c != null) {
                                c.close();
                            }
                        } catch (SQLException ignored) {
                            // broken connection
                        }
                        c = null;
                        sleepQuietly(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (SQLException ignored) {
                    // done
                }
            }, "failover-writer");
            writerThread.start();
            waitFor(() -> writesOld.get() >= 50, "writes on the primary");

            // the operator's failover drill; the stand-in for CloudNativePG performs the switchover it requests
            String ns = "failover";
            appSecret(ns, primary);
            cluster(ns);
            PgServer newPrimary = standby;
            AtomicLong t0 = new AtomicLong();
            AtomicLong tStopped = new AtomicLong();
            AtomicLong tPromoted = new AtomicLong();
            Thread cnpg = new Thread(() -> standInController(ns, oldPrimary, newPrimary, target, t0, tStopped, tPromoted, stop),
                    "cnpg-stand-in");
            cnpg.start();
            FailoverDrillRun.Result drill;
            try {
                drill = FailoverDrillRun.run(client, ns, "shop-pg", Duration.ofMinutes(2), 60.0);
            } finally {
                cnpg.join(10_000);
            }
            System.out.println("failover drill (operator): " + drill.json());
            assertThat(drill.phase()).as(drill.json()).isEqualTo("Succeeded");
            assertThat(drill.checks()).extracting(DrillCheck::name)
                    .containsExactly("switchover", "write-available", "health-check", "consistency", "write-maintenance", "targets-met");
            assertThat(drill.checks()).as(drill.json()).allMatch(DrillCheck::passed);
            assertThat(drill.state().fromPrimary()).isEqualTo("shop-pg-1");
            assertThat(drill.state().targetPrimary()).isEqualTo("shop-pg-2");
            assertThat(drill.rtoSeconds()).isPositive().isLessThan(60);
            assertThat(drill.targetsMet()).isTrue();
            assertThat(primary.isRunning()).as("the old primary was shut down on the drill's request").isFalse();
            waitFor(() -> writesNew.get() >= 50, "writes on the new primary");
            stop.set(true);
            writerThread.join(10_000);

            double downtime = (firstOkNew.get() - lastOkOld.get()) / 1e9;
            double stopSeconds = (tStopped.get() - t0.get()) / 1e9;
            double promoteSeconds = (tPromoted.get() - tStopped.get()) / 1e9;
            String figures = String.format("failover drill: write downtime %.3f s (old primary shutdown %.3f s, promote %.3f s); "
                            + "the operator measured RTO %.3f s; %d writes on the old primary, %d on the new one, "
                            + "%d failed attempts during the switch",
                    downtime, stopSeconds, promoteSeconds, drill.rtoSeconds(), writesOld.get(), writesNew.get(), failures.get());
            System.out.println(figures);
            assertThat(downtime).as(figures).isPositive().isLessThan(30);

            PgDatabase promoted = standby.database("shop");
            // nothing committed on the old primary is lost (clean switchover)
            assertThat(promoted.queryValue("SELECT count(*) FROM tb_comment WHERE body = 'writer " + lastCommittedOld.get() + "'"))
                    .as("the last write committed on the old primary").isEqualTo(1L);
            assertThat(((Number) promoted.queryValue("SELECT count(*) FROM tb_comment WHERE body LIKE 'writer %'")).longValue())
                    .as("every acknowledged write is there (a commit whose reply was lost in the shutdown may be too)")
                    .isBetween(writesOld.get() + writesNew.get(), writesOld.get() + writesNew.get() + failures.get());
            // TVIEWs consistent, healthy and maintained on the new primary
            DrillSupport.assertConsistent(promoted);
            DrillSupport.assertHealthy(promoted);
            promoted.execute("UPDATE tb_user SET name = 'after failover' WHERE pk_user = 2");
            promoted.execute("INSERT INTO tb_comment (fk_post, body) VALUES (1, 'after failover')");
            assertThat(promoted.queryValue("SELECT count(*) FROM tv_comment WHERE data #>> '{post,author,name}' = 'after failover'"))
                    .isEqualTo(promoted.queryValue("SELECT count(*) FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post WHERE p.fk_user = 2"));
            assertThat(promoted.queryValue("SELECT count(*) FROM tv_comment WHERE data ->> 'body' = 'after failover'")).isEqualTo(1L);
            DrillSupport.assertConsistent(promoted);

            // and the new primary's backups are restorable: backup.sh + drill.sh restore-latest against it
            Path root = Files.createTempDirectory("failover-drill");
            try {
                DrillSupport.backup(standby, promoted, root, "logical");
                DrillSupport.Run run = DrillSupport.run("drill.sh", DrillSupport.env(standby, "shop", root,
                        "DRILL_NAME", "after-failover"), "restore-latest");
                assertThat(run.exit()).as(run.toString()).isZero();
                assertThat(run.failedChecks()).isEmpty();
            } finally {
                deleteTree(root);
            }
        } finally {
            stop.set(true);
            if (writerThread != null) {
                writerThread.join(10_000);
            }
            primary.close();
            if (standby != null) {
                standby.close();
            }
        }
    }

    /**
     * CloudNativePG stand-in: on a new status.targetPrimary, stop the old primary (fast shutdown), promote the
     * standby, move the writer and the -app Secret to it, set status.currentPrimary.
     */
    private static void standInController(String ns, PgServer oldPrimary, PgServer standby, AtomicReference<PgServer> writerTarget,
                                          AtomicLong t0, AtomicLong tStopped, AtomicLong tPromoted, AtomicBoolean stop) {
        while (!stop.get()) {
            try {
                Map<String, Object> s = status(ns);
                Object target = s.get("targetPrimary");
                if (target != null && !target.equals(s.get("currentPrimary"))) {
                    t0.set(System.nanoTime());
                    oldPrimary.close();
                    tStopped.set(System.nanoTime());
                    standby.promote();
                    tPromoted.set(System.nanoTime());
                    writerTarget.set(standby);
                    client.secrets().inNamespace(ns).withName("shop-pg-app").edit(sec -> {
                        sec.setData(null);
                        sec.setStringData(secretData(standby));
                        return sec;
                    });
                    var clusters = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(ns);
                    GenericKubernetesResource c = clusters.withName("shop-pg").get();
                    Map<String, Object> st = new HashMap<>(s);
                    st.put("currentPrimary", target);
                    st.put("phase", "Cluster in healthy state");
                    c.getAdditionalProperties().put("status", st);
                    clusters.resource(c).update();
                    return;
                }
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                System.err.println("stand-in controller: " + e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(String ns) {
        return (Map<String, Object>) client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(ns)
                .withName("shop-pg").get().getAdditionalProperties().get("status");
    }

    private static Map<String, String> secretData(PgServer pg) {
        return Map.of("host", pg.host(), "port", String.valueOf(pg.port()), "dbname", "shop", "username", PgServer.SUPERUSER,
                "password", pg.password());
    }

    private static void appSecret(String ns, PgServer pg) {
        client.resource(new SecretBuilder().withNewMetadata().withName("shop-pg-app").withNamespace(ns).endMetadata()
                .withStringData(secretData(pg)).build()).create();
    }

    /** A healthy two-instance Cluster whose primary is shop-pg-1 (the harness' primary). */
    private static void cluster(String ns) {
        Map<String, Object> status = new HashMap<>();
        status.put("currentPrimary", "shop-pg-1");
        status.put("targetPrimary", "shop-pg-1");
        status.put("readyInstances", 2);
        status.put("instancesStatus", Map.of("healthy", List.of("shop-pg-1", "shop-pg-2")));
        client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("postgresql.cnpg.io/v1").withKind("Cluster")
                .withNewMetadata().withName("shop-pg").withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", Map.of("instances", 2))
                .addToAdditionalProperties("status", status).build()).create();
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void waitFor(Condition c, String what) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (c.holds()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet (e.g. the standby still replaying)
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
