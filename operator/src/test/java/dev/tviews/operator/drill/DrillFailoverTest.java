package dev.tviews.operator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import dev.tviews.runtime.TviewsRuntime;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Failover drills on real PostgreSQL: a primary with the TVIEW runtime and a 2-level TVIEW schema, a streaming
 * standby, and a CloudNativePG Cluster object in the mock API server. A small stand-in for the CloudNativePG
 * controller (a thread) does what CloudNativePG does on a new status.targetPrimary: it stops the old primary (clean
 * shutdown, so the standby has every WAL record), promotes the standby, points the -app Secret at it (the -rw
 * Service moving) and sets status.currentPrimary. An operator that kept using the old primary cannot pass.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DrillFailoverTest {

    static final String SCHEMA = """
            CREATE TABLE tb_user (pk_user int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  id uuid NOT NULL DEFAULT gen_random_uuid(), name text NOT NULL);
            CREATE TABLE tb_post (pk_post int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  id uuid NOT NULL DEFAULT gen_random_uuid(),
                                  fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
            INSERT INTO tb_user (name) VALUES ('alice'), ('bob');
            INSERT INTO tb_post (fk_user, title) VALUES (1, 'hello'), (1, 'again'), (2, 'bob writes');
            SELECT pg_tviews_create('user', 'SELECT u.pk_user, u.id, jsonb_build_object(''name'', u.name) AS data FROM tb_user u');
            SELECT pg_tviews_create('post', 'SELECT p.pk_post, p.id, p.fk_user, jsonb_build_object(''title'', p.title, ''author'', u.data) AS data FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user');
            """;

    @Inject
    KubernetesClient client;

    @Test
    void switchesOverAndVerifiesTheNewPrimary() throws Exception {
        String ns = "failover";
        // autovacuum off: nothing but the drill assigns transaction ids on the new primary (see nextXid below)
        try (PgServer primary = PgServer.start("drill-primary", Map.of("autovacuum", "off"))) {
            try (Connection c = primary.connect("postgres"); Statement s = c.createStatement()) {
                s.execute(TviewsRuntime.installScript());
                s.execute(SCHEMA);
            }
            try (PgServer standby = primary.startStandby("drill-standby")) {
                appSecret(ns, primary);
                cluster(ns, "shop-pg-1", "shop-pg-1", List.of("shop-pg-1", "shop-pg-2"), 2);
                AtomicBoolean stop = new AtomicBoolean();
                AtomicLong xidAtPromotion = new AtomicLong(-1);
                Thread cnpg = new Thread(() -> standInController(ns, primary, standby, xidAtPromotion, stop), "cnpg-stand-in");
                cnpg.start();
                try {
                    drill(ns, "switch", "15m");
                    TViewDrill done = awaitDrill(ns, "switch", d -> d.getStatus().getPhase() == Phase.Succeeded
                            || d.getStatus().getPhase() == Phase.Failed);
                    TViewDrillStatus s = done.getStatus();
                    assertThat(s.getPhase()).as(Serialization.asYaml(done)).isEqualTo(Phase.Succeeded);
                    assertThat(s.getChecks()).extracting(TViewDrillStatus.DrillCheck::name)
                            .contains("switchover", "write-available", "health-check", "consistency", "write-maintenance", "targets-met");
                    assertThat(s.getChecks()).allMatch(TViewDrillStatus.DrillCheck::passed);
                    assertThat(s.getMeasuredRTOSeconds()).isPositive();
                    assertThat(primary.isRunning()).as("the old primary was stopped by the stand-in").isFalse();
                    // the write probe (a committed txid_current()) and the rolled-back write-maintenance UPDATE each
                    // assign a transaction id: they ran on the promoted standby, the only server left
                    assertThat(xidAtPromotion.get()).isPositive();
                    assertThat(nextXid(standby) - xidAtPromotion.get()).as("transactions the drill ran on the new primary")
                            .isGreaterThanOrEqualTo(2);
                    assertThat(s.getFailover().fromPrimary()).isEqualTo("shop-pg-1");
                    assertThat(s.getFailover().targetPrimary()).isEqualTo("shop-pg-2");
                    assertThat(Conditions.isTrue(s.getConditions(), "TargetsMet")).isTrue();
                    assertThat(client.configMaps().inNamespace(ns).withName(s.getReport()).get().getData().get("report.md"))
                            .contains("write-maintenance");
                    System.out.println("FAILOVER DRILL measured RTO (write downtime) = " + s.getMeasuredRTOSeconds() + " s; checks: "
                            + s.getChecks());
                    // production unchanged: the write test was rolled back
                    try (Connection c = standby.connect("postgres"); Statement st = c.createStatement();
                         var rs = st.executeQuery("SELECT count(*) FROM tb_user WHERE name LIKE '%[drill]%'")) {
                        rs.next();
                        assertThat(rs.getLong(1)).isZero();
                    }
                } finally {
                    stop.set(true);
                    cnpg.join(5000);
                }
            }
        }
    }

    @Test
    void refusesWhileASwitchoverIsInProgress() {
        String ns = "failover-busy";
        appSecret(ns, PgServer.shared());
        cluster(ns, "shop-pg-1", "shop-pg-2", List.of("shop-pg-1", "shop-pg-2"), 2);
        drill(ns, "busy", null);
        TViewDrill done = awaitDrill(ns, "busy", d -> d.getStatus().getPhase() == Phase.Failed);
        assertThat(done.getStatus().getChecks()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("precondition");
            assertThat(c.message()).contains("already in progress");
        });
        assertThat(status(ns).get("targetPrimary")).as("nothing patched").isEqualTo("shop-pg-2");
    }

    @Test
    void refusesWithoutAReadyReplica() {
        String ns = "failover-alone";
        appSecret(ns, PgServer.shared());
        cluster(ns, "shop-pg-1", "shop-pg-1", List.of("shop-pg-1"), 1);
        drill(ns, "alone", null);
        TViewDrill done = awaitDrill(ns, "alone", d -> d.getStatus().getPhase() == Phase.Failed);
        assertThat(done.getStatus().getChecks()).singleElement().satisfies(c -> assertThat(c.message()).contains("no ready replica"));
        assertThat(status(ns).get("targetPrimary")).isEqualTo("shop-pg-1");
    }

    @Test
    void refusesWhenTargetPrimaryIsPending() {
        String ns = "failover-pending";
        appSecret(ns, PgServer.shared());
        cluster(ns, "shop-pg-1", "pending", List.of("shop-pg-1", "shop-pg-2"), 2);
        drill(ns, "pending", null);
        TViewDrill done = awaitDrill(ns, "pending", d -> d.getStatus().getPhase() == Phase.Failed);
        assertThat(done.getStatus().getChecks()).singleElement().satisfies(c -> assertThat(c.message()).contains("pending"));
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * CloudNativePG stand-in: on a new status.targetPrimary, stop the old primary, promote the standby, repoint the
     * -app Secret, set currentPrimary.
     */
    private void standInController(String ns, PgServer oldPrimary, PgServer standby, AtomicLong xidAtPromotion,
                                   AtomicBoolean stop) {
        while (!stop.get()) {
            try {
                Map<String, Object> s = status(ns);
                Object target = s.get("targetPrimary");
                if (target != null && !target.equals(s.get("currentPrimary")) && !"pending".equals(target)) {
                    oldPrimary.close();
                    standby.promote();
                    xidAtPromotion.set(nextXid(standby));
                    client.secrets().inNamespace(ns).withName("shop-pg-app").edit(sec -> {
                        sec.setData(null);
                        sec.setStringData(secretData(standby));
                        return sec;
                    });
                    var clusters = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(ns);
                    GenericKubernetesResource c = clusters.withName("shop-pg").get();
                    @SuppressWarnings("unchecked")
                    Map<String, Object> st = new HashMap<>((Map<String, Object>) c.getAdditionalProperties().get("status"));
                    st.put("currentPrimary", target);
                    st.put("phase", "Cluster in healthy state");
                    c.getAdditionalProperties().put("status", st);
                    clusters.resource(c).update();
                    return;
                }
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                System.err.println("stand-in controller: " + e);
            }
        }
    }

    /** The next transaction id the server will assign (reading it assigns none). */
    private static long nextXid(PgServer server) {
        try (Connection c = server.connect("postgres"); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> status(String ns) {
        GenericKubernetesResource c = client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(ns)
                .withName("shop-pg").get();
        return (Map<String, Object>) c.getAdditionalProperties().get("status");
    }

    private static Map<String, String> secretData(PgServer pg) {
        return Map.of("host", pg.host(), "port", String.valueOf(pg.port()), "dbname", "postgres", "username", "postgres",
                "password", pg.password());
    }

    private void appSecret(String ns, PgServer pg) {
        client.resource(new SecretBuilder().withNewMetadata().withName("shop-pg-app").withNamespace(ns).endMetadata()
                .withStringData(secretData(pg)).build()).create();
    }

    private void cluster(String ns, String current, String target, List<String> healthy, int ready) {
        Map<String, Object> status = new HashMap<>();
        status.put("currentPrimary", current);
        status.put("targetPrimary", target);
        status.put("readyInstances", ready);
        status.put("instancesStatus", Map.of("healthy", healthy));
        client.genericKubernetesResources(DatabaseResolver.CNPG_CLUSTER).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("postgresql.cnpg.io/v1").withKind("Cluster")
                .withNewMetadata().withName("shop-pg").withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", Map.of("instances", 2))
                .addToAdditionalProperties("status", status).build()).create();
    }

    private void drill(String ns, String name, String rto) {
        TViewDrill drill = new TViewDrill();
        drill.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        TViewDrillSpec spec = new TViewDrillSpec();
        spec.setScenario(TViewDrillSpec.Scenario.FAILOVER);
        spec.setDatabase(DatabaseRef.cluster("shop-pg"));
        spec.setDeadline("2m");
        if (rto != null) {
            spec.setTargets(DrillRestoreTest.targets(rto, null));
        }
        drill.setSpec(spec);
        client.resource(drill).create();
    }

    private TViewDrill awaitDrill(String ns, String name, Predicate<TViewDrill> condition) {
        try {
            return await().atMost(Duration.ofSeconds(90)).until(() -> client.resources(TViewDrill.class).inNamespace(ns)
                    .withName(name).get(), d -> d != null && d.getStatus() != null && condition.test(d));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("drill " + ns + "/" + name + " last seen: "
                    + Serialization.asYaml(client.resources(TViewDrill.class).inNamespace(ns).withName(name).get()), e);
        }
    }
}
