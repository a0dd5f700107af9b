package dev.tviews.operator.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.LocalObjectReference;
import dev.tviews.operator.backup.AdjustableClock;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Restore drills against the mock API server: the operator creates the Job; the test plays the Job controller and
 * kubelet (a Pod whose terminated container carries drill.sh's JSON result, Job conditions). The database behind
 * the policy's Secret is a real server (the operator connects to it to choose the image).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DrillRestoreTest {

    static final Duration TIMEOUT = Duration.ofSeconds(45);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Inject
    KubernetesClient client;
    @Inject
    AdjustableClock clock;
    @Inject
    MeterRegistry registry;

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    static String result(String drill, String phase, String checksJson, boolean targetsMet) {
        return "{\"drill\":\"" + drill + "\",\"scenario\":\"restore-latest\",\"phase\":\"" + phase + "\","
                + "\"startTime\":\"2026-01-01T00:00:00Z\",\"completionTime\":\"2026-01-01T00:00:09Z\","
                + "\"measuredRTOSeconds\":8.412,\"measuredRPOSeconds\":3600,\"targetRTOSeconds\":900,"
                + "\"targetRPOSeconds\":86400,\"targetsMet\":" + targetsMet + ",\"backup\":\"20260101T000000Z-logical\","
                + "\"metadataBackup\":null,\"scratchDatabase\":\"drill_x_20260101\",\"scratchDropped\":true,"
                + "\"checks\":" + checksJson + "}";
    }

    static final String PASSED = "[{\"name\":\"restore\",\"passed\":true,\"message\":\"restored\",\"durationSeconds\":2.1},"
            + "{\"name\":\"consistency\",\"passed\":true,\"message\":\"3 TVIEWs consistent\",\"durationSeconds\":0.3}]";
    static final String ONE_FAILED = "[{\"name\":\"restore\",\"passed\":true,\"message\":\"restored\",\"durationSeconds\":2.1},"
            + "{\"name\":\"consistency\",\"passed\":false,\"message\":\"tv_post missing=1\",\"durationSeconds\":0.3}]";

    @Test
    void oneShotLifecycle() {
        String ns = namespace("drill-once");
        policy(ns, "nightly", "backups-pvc", "tviews");
        TViewDrill drill = drill(ns, "once", spec -> {
            spec.setTargets(targets("15m", "24h"));
            spec.setCleanup(TViewDrillSpec.Cleanup.OnSuccess);
        });
        Job job = awaitJob(ns, "once-g1");

        assertThat(job.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(drill.getMetadata().getUid()));
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(1800L);
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        var pod = job.getSpec().getTemplate().getSpec();
        var container = pod.getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("postgres:" + PgServer.shared().majorVersion());
        assertThat(container.getCommand()).containsExactly("sh", "/scripts/drill.sh", "restore-latest");
        assertThat(container.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        Map<String, EnvVar> env = new java.util.HashMap<>();
        container.getEnv().forEach(e -> env.put(e.getName(), e));
        for (String v : List.of("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD")) {
            assertThat(env.get(v).getValue()).as(v).isNull();
            assertThat(env.get(v).getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-db");
        }
        assertThat(env.get("BACKUP_ROOT").getValue()).isEqualTo("/backups/tviews/nightly");
        assertThat(env.get("CLEANUP").getValue()).isEqualTo("OnSuccess");
        assertThat(env.get("DEADLINE_SECONDS").getValue()).isEqualTo("1800");
        assertThat(env.get("TARGET_RTO_SECONDS").getValue()).isEqualTo("900");
        assertThat(env.get("TARGET_RPO_SECONDS").getValue()).isEqualTo("86400");
        assertThat(Serialization.asJson(job)).as("no password anywhere in the Job")
                .doesNotContain(PgServer.shared().password());
        assertThat(pod.getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null).singleElement()
                .satisfies(v -> assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("backups-pvc"));
        assertThat(pod.getVolumes()).filteredOn(v -> v.getConfigMap() != null).singleElement()
                .satisfies(v -> assertThat(v.getConfigMap().getName()).isEqualTo("once-scripts"));
        ConfigMap scripts = client.configMaps().inNamespace(ns).withName("once-scripts").get();
        assertThat(scripts.getData()).containsKeys("drill.sh", "lib.sh", "restore.sh");
        assertThat(get(ns, "once").getStatus().getPhase()).isEqualTo(Phase.Running);
        awaitEvent(ns, "once", "DrillStarted");

        finishJob(ns, "once-g1", result("once", "Succeeded", PASSED, true), "Complete", null);
        TViewDrill done = awaitDrill(ns, "once", d -> d.getStatus().getPhase() == Phase.Succeeded);
        TViewDrillStatus s = done.getStatus();
        assertThat(s.getMeasuredRTOSeconds()).isEqualTo(8.412);
        assertThat(s.getMeasuredRPOSeconds()).isEqualTo(3600.0);
        assertThat(s.getChecks()).extracting(TViewDrillStatus.DrillCheck::name).containsExactly("restore", "consistency");
        assertThat(Conditions.isTrue(s.getConditions(), "Ready")).isTrue();
        assertThat(Conditions.isTrue(s.getConditions(), "Completed")).isTrue();
        assertThat(Conditions.isTrue(s.getConditions(), "TargetsMet")).isTrue();
        assertThat(s.getReport()).isEqualTo("once-g1-report");
        ConfigMap report = client.configMaps().inNamespace(ns).withName("once-g1-report").get();
        assertThat(report.getData().get("report.md")).contains("# Disaster-recovery drill `once`").contains("| restore | passed")
                .contains("8.412 s");
        assertThat(report.getData().get("result.json")).contains("20260101T000000Z-logical");
        awaitEvent(ns, "once", "DrillSucceeded");
        assertThat(registry.get("tview.drill.rto.seconds").tag("drill", "once").tag("scenario", "restore-latest").gauge().value())
                .isEqualTo(8.412);
        assertThat(registry.get("tview.drill.success").tag("drill", "once").gauge().value()).isEqualTo(1.0);
        assertThat(s.getHistory()).singleElement().satisfies(r -> assertThat(r.runId()).isEqualTo("g1"));
        assertThat(Serialization.asJson(done)).doesNotContain(PgServer.shared().password());
    }

    @Test
    void aFailedCheckFailsTheDrill() {
        String ns = namespace("drill-fail");
        policy(ns, "nightly", "backups-pvc", null);
        drill(ns, "bad", spec -> { });
        Job job = awaitJob(ns, "bad-g1");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("BACKUP_ROOT=/backups/nightly"))
                .anySatisfy(e -> assertThat(e.getName() + "=" + e.getValue()).isEqualTo("CLEANUP=Always"));
        finishJob(ns, "bad-g1", result("bad", "Failed", ONE_FAILED, false), "Failed", "BackoffLimitExceeded");
        TViewDrill done = awaitDrill(ns, "bad", d -> d.getStatus().getPhase() == Phase.Failed);
        assertThat(done.getStatus().getChecks()).filteredOn(c -> !c.passed()).singleElement()
                .satisfies(c -> assertThat(c.name()).isEqualTo("consistency"));
        assertThat(Conditions.isTrue(done.getStatus().getConditions(), "Ready")).isFalse();
        assertThat(Conditions.reason(done.getStatus().getConditions(), "Ready")).contains("DrillFailed");
        assertThat(awaitEvent(ns, "bad", "CheckFailed").getMessage()).contains("consistency").contains("tv_post missing=1");
        awaitEvent(ns, "bad", "DrillFailed");
        assertThat(registry.get("tview.drill.success").tag("drill", "bad").gauge().value()).isEqualTo(0.0);
    }

    @Test
    void deadlineExceeded() {
        String ns = namespace("drill-deadline");
        policy(ns, "nightly", "backups-pvc", null);
        drill(ns, "slow", spec -> spec.setDeadline("90s"));
        Job job = awaitJob(ns, "slow-g1");
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(90L);
        finishJob(ns, "slow-g1", null, "Failed", "DeadlineExceeded");
        TViewDrill done = awaitDrill(ns, "slow", d -> d.getStatus().getPhase() == Phase.Failed);
        assertThat(done.getStatus().getChecks()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("deadline");
            assertThat(c.message()).contains("90s");
        });
    }

    @Test
    void scheduledDrillsKeepABoundedHistory() {
        String ns = namespace("drill-sched");
        policy(ns, "nightly", "backups-pvc", null);
        drill(ns, "weekly", spec -> {
            spec.setSchedule("0 * * * *");
            spec.setHistoryLimit(2);
        });
        TViewDrill waiting = awaitDrill(ns, "weekly", d -> d.getStatus().getNextRun() != null);
        assertThat(waiting.getStatus().getPhase()).isIn(null, Phase.Pending);
        List<String> runs = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String next = get(ns, "weekly").getStatus().getNextRun();
            clock.advance(Duration.between(clock.instant(), java.time.Instant.parse(next)).plusSeconds(1));
            TViewDrill running = awaitDrill(ns, "weekly", d -> d.getStatus().getPhase() == Phase.Running
                    && !runs.contains(d.getStatus().getRunId()));
            String runId = running.getStatus().getRunId();
            runs.add(runId);
            assertThat(running.getStatus().getLastRun()).isNotNull();
            assertThat(java.time.Instant.parse(running.getStatus().getNextRun())).isAfter(java.time.Instant.parse(next));
            awaitJob(ns, "weekly-" + runId);
            finishJob(ns, "weekly-" + runId, result("weekly", "Succeeded", PASSED, true), "Complete", null);
            awaitDrill(ns, "weekly", d -> d.getStatus().getPhase() == Phase.Succeeded && runId.equals(d.getStatus().getRunId()));
        }
        TViewDrill last = get(ns, "weekly");
        assertThat(last.getStatus().getHistory()).extracting(TViewDrillStatus.DrillRun::runId)
                .containsExactly(runs.get(2), runs.get(1));
        await().atMost(TIMEOUT).until(() -> client.batch().v1().jobs().inNamespace(ns).withName("weekly-" + runs.get(0)).get() == null);
        assertThat(client.configMaps().inNamespace(ns).withName("weekly-" + runs.get(0) + "-report").get()).isNull();
        assertThat(client.configMaps().inNamespace(ns).withName("weekly-" + runs.get(2) + "-report").get()).isNotNull();
    }

    @Test
    void badInput() {
        String ns = namespace("drill-bad");
        drill(ns, "nopolicy", spec -> spec.setBackupPolicyRef(new LocalObjectReference("missing")));
        TViewDrill d1 = awaitDrill(ns, "nopolicy", d -> Conditions.isTrue(d.getStatus().getConditions(), "Stalled"));
        assertThat(Conditions.reason(d1.getStatus().getConditions(), "Stalled")).contains("BackupPolicyNotFound");
        assertThat(Conditions.find(d1.getStatus().getConditions(), "Stalled").orElseThrow().getMessage()).contains("missing");
        awaitEvent(ns, "nopolicy", "BackupPolicyNotFound");

        drill(ns, "noref", spec -> spec.setBackupPolicyRef(null));
        TViewDrill d2 = awaitDrill(ns, "noref", d -> Conditions.isTrue(d.getStatus().getConditions(), "Stalled"));
        assertThat(Conditions.find(d2.getStatus().getConditions(), "Stalled").orElseThrow().getMessage()).contains("backupPolicyRef");

        drill(ns, "nocluster", spec -> {
            spec.setScenario(TViewDrillSpec.Scenario.FAILOVER);
            spec.setBackupPolicyRef(null);
        });
        TViewDrill d3 = awaitDrill(ns, "nocluster", d -> Conditions.isTrue(d.getStatus().getConditions(), "Stalled"));
        assertThat(Conditions.find(d3.getStatus().getConditions(), "Stalled").orElseThrow().getMessage()).contains("database.cluster");

        // the policy appears later: the drill starts
        policy(ns, "missing", "pvc", null);
        awaitJob(ns, "nopolicy-g1");
    }

    @Test
    void targetsAreMissedOrNotMeasured() {
        String ns = namespace("drill-targets");
        policy(ns, "nightly", "backups-pvc", null);
        drill(ns, "missed", spec -> spec.setTargets(targets("5s", "1m")));
        awaitJob(ns, "missed-g1");
        finishJob(ns, "missed-g1", result("missed", "Succeeded", PASSED, false), "Complete", null);
        TViewDrill missed = awaitDrill(ns, "missed", d -> d.getStatus().getPhase() != null && d.getStatus().getPhase() != Phase.Running
                && d.getStatus().getPhase() != Phase.Pending);
        assertThat(Conditions.find(missed.getStatus().getConditions(), "TargetsMet").orElseThrow())
                .satisfies(c -> assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("False/TargetsMissed"));

        drill(ns, "unmeasured", spec -> { });
        awaitJob(ns, "unmeasured-g1");
        finishJob(ns, "unmeasured-g1", result("unmeasured", "Succeeded", PASSED, true).replace("\"targetsMet\":true",
                "\"targetsMet\":null"), "Complete", null);
        TViewDrill unmeasured = awaitDrill(ns, "unmeasured", d -> d.getStatus().getPhase() == Phase.Succeeded);
        assertThat(Conditions.find(unmeasured.getStatus().getConditions(), "TargetsMet").orElseThrow())
                .satisfies(c -> assertThat(c.getStatus() + "/" + c.getReason()).isEqualTo("False/NotMeasured"));
    }

    @Test
    void aJobWithNoResultTwoMinutesAfterTheDeadlineFailsTheRun() {
        String ns = namespace("drill-silent");
        policy(ns, "nightly", "backups-pvc", null);
        drill(ns, "silent", spec -> spec.setDeadline("90s"));
        awaitJob(ns, "silent-g1");
        awaitDrill(ns, "silent", d -> d.getStatus().getPhase() == Phase.Running);
        // the Job never reports anything (its Pod could not even be scheduled): time alone must end the run
        clock.advance(Duration.ofSeconds(90).plus(RunFollower.DEADLINE_GRACE).plusSeconds(5));
        TViewDrill done = awaitDrill(ns, "silent", d -> d.getStatus().getPhase() == Phase.Failed);
        assertThat(done.getStatus().getChecks()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("deadline");
            assertThat(c.message()).contains("90s").contains("grace");
        });
    }

    @Test
    void aPolicyItCannotUseStallsOrWaits() {
        String ns = namespace("drill-policy");
        // no storage claim: the drill cannot run as specified
        client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("tviews.dev/v1alpha1").withKind("TViewBackupPolicy")
                .withNewMetadata().withName("nightly").withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", Map.of("storage", Map.of(), "database", Map.of("secretRef", Map.of("name", "shop-db"))))
                .build()).create();
        drill(ns, "nostorage", spec -> { });
        TViewDrill stalled = awaitDrill(ns, "nostorage", d -> Conditions.isTrue(d.getStatus().getConditions(), "Stalled"));
        assertThat(Conditions.reason(stalled.getStatus().getConditions(), "Stalled")).contains("InvalidBackupPolicy");
        assertThat(Conditions.find(stalled.getStatus().getConditions(), "Stalled").orElseThrow().getMessage())
                .contains("persistentVolumeClaim");

        // the policy's Secret does not exist (yet): wait, and start once it does
        client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("tviews.dev/v1alpha1").withKind("TViewBackupPolicy")
                .withNewMetadata().withName("later").withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", Map.of("storage", Map.of("persistentVolumeClaim", Map.of("claimName", "pvc")),
                        "database", Map.of("secretRef", Map.of("name", "later-db"))))
                .build()).create();
        drill(ns, "nosecret", spec -> spec.setBackupPolicyRef(new LocalObjectReference("later")));
        TViewDrill waiting = awaitDrill(ns, "nosecret", d -> Conditions.isTrue(d.getStatus().getConditions(), "Reconciling")
                && Conditions.reason(d.getStatus().getConditions(), "Reconciling").filter("DatabaseSecretNotReady"::equals).isPresent());
        assertThat(Conditions.find(waiting.getStatus().getConditions(), "Reconciling").orElseThrow().getMessage()).contains("later-db");
        PgServer pg = PgServer.shared();
        client.resource(new SecretBuilder().withNewMetadata().withName("later-db").withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", pg.host(), "port", String.valueOf(pg.port()), "dbname", "postgres",
                        "username", "postgres", "password", pg.password())).build()).create();
        awaitJob(ns, "nosecret-g1");
    }

    // ---------------------------------------------------------------------------------------------------------

    private String namespace(String label) {
        String ns = label + "-" + COUNTER.incrementAndGet();
        PgServer pg = PgServer.shared();
        client.resource(new SecretBuilder().withNewMetadata().withName("shop-db").withNamespace(ns).endMetadata()
                .withStringData(Map.of("host", pg.host(), "port", String.valueOf(pg.port()), "dbname", "postgres",
                        "username", "postgres", "password", pg.password())).build()).create();
        return ns;
    }

    private void policy(String ns, String name, String claim, String path) {
        Map<String, Object> storage = new java.util.HashMap<>();
        storage.put("persistentVolumeClaim", Map.of("claimName", claim));
        if (path != null) {
            storage.put("path", path);
        }
        client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("tviews.dev/v1alpha1").withKind("TViewBackupPolicy")
                .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .addToAdditionalProperties("spec", Map.of("storage", storage, "database", Map.of("secretRef", Map.of("name", "shop-db"))))
                .build()).create();
    }

    static TViewDrillSpec.Targets targets(String rto, String rpo) {
        TViewDrillSpec.Targets t = new TViewDrillSpec.Targets();
        t.setRto(rto);
        t.setRpo(rpo);
        return t;
    }

    private TViewDrill drill(String ns, String name, Consumer<TViewDrillSpec> customize) {
        TViewDrill drill = new TViewDrill();
        drill.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(ns).build());
        TViewDrillSpec spec = new TViewDrillSpec();
        spec.setScenario(TViewDrillSpec.Scenario.RESTORE_LATEST);
        spec.setBackupPolicyRef(new LocalObjectReference("nightly"));
        customize.accept(spec);
        drill.setSpec(spec);
        return client.resource(drill).create();
    }

    TViewDrill get(String ns, String name) {
        return client.resources(TViewDrill.class).inNamespace(ns).withName(name).get();
    }

    TViewDrill awaitDrill(String ns, String name, Predicate<TViewDrill> condition) {
        try {
            return await().atMost(TIMEOUT).until(() -> get(ns, name), d -> d != null && d.getStatus() != null && condition.test(d));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("drill " + ns + "/" + name + " last seen: " + Serialization.asYaml(get(ns, name)), e);
        }
    }

    private Job awaitJob(String ns, String name) {
        return await().atMost(TIMEOUT).until(() -> client.batch().v1().jobs().inNamespace(ns).withName(name).get(), j -> j != null);
    }

    /** Plays the Job controller: a Pod whose drill container terminated with {@code message}, then the Job condition. */
    private void finishJob(String ns, String job, String message, String type, String reason) {
        if (message != null) {
            client.resource(new PodBuilder().withNewMetadata().withName(job + "-abcde").withNamespace(ns)
                    .addToLabels("job-name", job).endMetadata()
                    .withNewSpec().addNewContainer().withName("drill").withImage("postgres").endContainer().endSpec()
                    .withNewStatus().withPhase(type.equals("Complete") ? "Succeeded" : "Failed").addNewContainerStatus()
                    .withName("drill").withNewState().withNewTerminated().withExitCode(type.equals("Complete") ? 0 : 1)
                    .withMessage(message).endTerminated().endState().endContainerStatus().endStatus().build()).create();
        }
        Job j = client.batch().v1().jobs().inNamespace(ns).withName(job).get();
        j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withConditions(new JobConditionBuilder()
                .withType(type).withStatus("True").withReason(reason).withMessage(reason == null ? null : "Job " + reason)
                .build()).build());
        client.batch().v1().jobs().inNamespace(ns).resource(j).updateStatus();
    }

    Event awaitEvent(String ns, String name, String reason) {
        return await().atMost(TIMEOUT).until(() -> client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .findFirst().orElse(null), e -> e != null);
    }
}
