package dev.tviews.operator.backup;

import static dev.tviews.operator.backup.BackupFixture.summary;
import static dev.tviews.operator.backup.BackupFixture.ts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.jobs.BackupNames;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** backup-now, Job results → status, events and metrics; RPO over time (adjustable clock); suspend. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BackupPolicyResultsTest {

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

    @Test
    void backupNowStartsOneJobPerMethodAndClearsTheAnnotation() {
        BackupFixture shop = BackupFixture.create(client, "now");
        shop.policy("nightly", spec -> spec.setMethods(List.of("logical", "metadata")));
        shop.awaitReady("nightly");
        shop.edit("nightly", p -> p.getMetadata().getAnnotations().put(BackupPolicyReconciler.BACKUP_NOW, "before-upgrade"));

        Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.jobs().size() == 2);
        Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.get("nightly").getMetadata().getAnnotations() == null
                || !shop.get("nightly").getMetadata().getAnnotations().containsKey(BackupPolicyReconciler.BACKUP_NOW));
        assertThat(shop.jobs()).extracting(j -> j.getMetadata().getName()).containsExactlyInAnyOrder(
                BackupNames.manualJob("nightly", "logical", "before-upgrade"),
                BackupNames.manualJob("nightly", "metadata", "before-upgrade"));
        Job job = shop.jobs().get(0);
        assertThat(job.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(o -> assertThat(o.getUid()).isEqualTo(shop.get("nightly").getMetadata().getUid()));
        assertThat(job.getMetadata().getLabels()).containsEntry(BackupNames.TRIGGER_LABEL, "backup-now");
        assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
                .anySatisfy(e -> assertThat(e.getName()).isEqualTo("PGPASSWORD"))
                .allSatisfy(e -> assertThat(String.valueOf(e.getValue())).doesNotContain(shop.password()));
        assertThat(shop.awaitEvent("nightly", "BackupRequested").getMessage()).contains("before-upgrade");
        assertThat(shop.get("nightly").getStatus().getLastScheduleTime()).isNotNull();

        // the same value again is the same Job (deterministic name): nothing new
        shop.edit("nightly", p -> p.getMetadata().getAnnotations().put(BackupPolicyReconciler.BACKUP_NOW, "before-upgrade"));
        Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> !shop.get("nightly").getMetadata().getAnnotations()
                .containsKey(BackupPolicyReconciler.BACKUP_NOW));
        assertThat(shop.jobs()).hasSize(2);
        // a new value: new Jobs
        shop.edit("nightly", p -> p.getMetadata().getAnnotations().put(BackupPolicyReconciler.BACKUP_NOW, "again"));
        Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.jobs().size() == 4);
    }

    @Test
    void jobSuccessAndFailureReachTheStatusEventsAndMetrics() {
        BackupFixture shop = BackupFixture.create(client, "results");
        shop.policy("nightly", spec -> spec.setRpoTarget("24h"));
        shop.awaitReady("nightly");

        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(5);
        Instant end = start.plusSeconds(4);
        String name = ts(start) + "-logical";
        shop.jobFromCronJob("nightly-logical", "nightly-logical-29000001");
        long rpoAtLeast = Duration.between(end, clock.instant()).toSeconds();
        shop.finishJob("nightly-logical-29000001", true,
                summary(name, "logical", "succeeded", true, start, end, 48213, null, "ok: sha256 of 1 file(s)"), start, end);

        TViewBackupPolicy ok = shop.awaitStatus("nightly", s -> s.getLastSuccessfulBackup() != null);
        BackupRecord last = ok.getStatus().getLastSuccessfulBackup();
        assertThat(last.getName()).isEqualTo(name);
        assertThat(last.getJob()).isEqualTo("nightly-logical-29000001");
        assertThat(last.getMethod()).isEqualTo("logical");
        assertThat(last.getResult()).isEqualTo("Succeeded");
        assertThat(last.getStartTime()).isEqualTo(start.toString());
        assertThat(last.getEndTime()).isEqualTo(end.toString());
        assertThat(last.getSizeBytes()).isEqualTo(48213L);
        assertThat(last.getSha256()).isEqualTo("9f2c00aa");
        assertThat(last.getServerVersion()).isEqualTo("15.18");
        assertThat(last.getVerified()).isTrue();
        assertThat(last.getTviews()).containsEntry("post", 50L).containsEntry("user", 20L);
        assertThat(ok.getStatus().getRecentBackups()).hasSize(1);
        assertThat(ok.getStatus().getConsecutiveFailures()).isZero();
        // evaluated between the Job's finish and now: bracketed by the clock, not by a guess of how long that took
        long rpoAtMost = Duration.between(end, clock.instant()).toSeconds() + 1;
        assertThat(ok.getStatus().getCurrentRPOSeconds()).isBetween(rpoAtLeast, rpoAtMost);
        assertThat(ok.getStatus().getLastScheduleTime()).isNotNull();
        assertThat(shop.awaitCondition("nightly", "LastBackupSucceeded", true, "Succeeded").getMessage()).contains(name);
        shop.awaitCondition("nightly", "RPOMet", true, "WithinTarget");
        shop.awaitEvent("nightly", "BackupSucceeded");
        assertThat(gauge("tview.backup.last.success.timestamp.seconds", shop, "logical")).isEqualTo(end.getEpochSecond());
        assertThat(gauge("tview.backup.size.bytes", shop, "logical")).isEqualTo(48213.0);
        assertThat(gauge("tview.backup.duration.seconds", shop, "logical")).isEqualTo(4.0);
        assertThat(gauge("tview.rpo.seconds", shop, "logical")).isBetween((double) rpoAtLeast,
                Duration.between(end, clock.instant()).toSeconds() + 1.0);

        // a failed run (connection refused): status within one reconcile, counted, Warning event, metric
        Instant start2 = end.plusSeconds(1);
        shop.jobFromCronJob("nightly-logical", "nightly-logical-29000002");
        shop.finishJob("nightly-logical-29000002", false, summary(ts(start2) + "-logical", "logical", "failed", false,
                start2, start2.plusSeconds(1), 0, "cannot connect to PostgreSQL at db:5432", null), start2, start2.plusSeconds(1));
        TViewBackupPolicy failed = shop.awaitStatus("nightly", s -> s.getConsecutiveFailures() == 1);
        assertThat(failed.getStatus().getRecentBackups()).hasSize(2);
        assertThat(failed.getStatus().getRecentBackups().get(0).getResult()).isEqualTo("Failed");
        assertThat(failed.getStatus().getLastSuccessfulBackup().getName()).isEqualTo(name);
        assertThat(shop.awaitCondition("nightly", "LastBackupSucceeded", false, "BackupFailed").getMessage())
                .contains("cannot connect").contains("1 consecutive failure");
        assertThat(shop.awaitEvent("nightly", "BackupFailed").getType()).isEqualTo("Warning");
        assertThat(registry.get("tview.backup.failures").tag("namespace", shop.namespace).tag("policy", "nightly")
                .tag("method", "logical").counter().count()).isEqualTo(1.0);

        // written but not verified (exit 3) is a failure too; a Job that died without a summary as well
        shop.jobFromCronJob("nightly-logical", "nightly-logical-29000003");
        shop.finishJob("nightly-logical-29000003", false, summary(ts(start2.plusSeconds(5)) + "-logical", "logical",
                "succeeded", false, start2.plusSeconds(5), start2.plusSeconds(6), 100, null,
                "checksum of dump.pgdump does not match"), start2.plusSeconds(5), start2.plusSeconds(6));
        assertThat(shop.awaitCondition("nightly", "LastBackupSucceeded", false, "VerificationFailed").getMessage())
                .contains("NOT verified").contains("checksum");
        shop.jobFromCronJob("nightly-logical", "nightly-logical-29000004");
        shop.finishJob("nightly-logical-29000004", false, "ERROR: pg_dump: error: out of memory", start2.plusSeconds(8),
                start2.plusSeconds(9));
        TViewBackupPolicy three = shop.awaitStatus("nightly", s -> s.getConsecutiveFailures() == 3);
        assertThat(three.getStatus().getRecentBackups().get(0).getMessage()).contains("without a backup summary")
                .contains("out of memory");

        // success again resets the count; the status does not count a Job twice on later reconciles
        Instant start3 = start2.plusSeconds(20);
        shop.jobFromCronJob("nightly-logical", "nightly-logical-29000005");
        shop.finishJob("nightly-logical-29000005", true, summary(ts(start3) + "-logical", "logical", "succeeded", true,
                start3, start3.plusSeconds(2), 50000, null, "ok"), start3, start3.plusSeconds(2));
        TViewBackupPolicy again = shop.awaitStatus("nightly", s -> s.getConsecutiveFailures() == 0 && s.getRecentBackups().size() == 5);
        assertThat(again.getStatus().getLastSuccessfulBackup().getName()).isEqualTo(ts(start3) + "-logical");
        shop.awaitCondition("nightly", "LastBackupSucceeded", true, "Succeeded");
        // later reconciles must not count any finished Job again: each spec edit is one more reconcile, observable
        // as observedGeneration reaching the new generation, and that reconcile's status carries its counts.
        // The Jobs are touched as well (a Job change is what reconciles a policy when a Job finishes).
        for (String rpo : List.of("25h", "26h")) {
            shop.jobs().forEach(j -> client.batch().v1().jobs().inNamespace(shop.namespace).withName(j.getMetadata().getName())
                    .edit(job -> {
                        job.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of("test/touched", rpo)));
                        return job;
                    }));
            shop.edit("nightly", p -> p.getSpec().setRpoTarget(rpo));
            shop.awaitCondition("nightly", "RPOMet", true, "WithinTarget");
            TViewBackupPolicy later = shop.get("nightly");
            assertThat(later.getStatus().getRecentBackups()).as("no Job counted twice").hasSize(5)
                    .extracting(BackupRecord::getJob).doesNotHaveDuplicates();
            assertThat(later.getStatus().getConsecutiveFailures()).isZero();
        }
        assertThat(registry.get("tview.backup.failures").tag("namespace", shop.namespace).tag("policy", "nightly")
                .tag("method", "logical").counter().count()).isEqualTo(3.0);
    }

    @Test
    void rpoTurnsFalseWhenTimePassesAndBackWithANewBackup() {
        BackupFixture shop = BackupFixture.create(client, "rpo");
        shop.policy("nightly", spec -> spec.setRpoTarget("2h"));
        shop.awaitReady("nightly");
        assertThat(shop.awaitCondition("nightly", "RPOMet", true, "NoBackupYet").getMessage()).contains("no verified backup");

        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3);
        shop.jobFromCronJob("nightly-logical", "nightly-logical-1");
        shop.finishJob("nightly-logical-1", true, summary(ts(start) + "-logical", "logical", "succeeded", true, start,
                start.plusSeconds(2), 1000, null, "ok"), start, start.plusSeconds(2));
        shop.awaitCondition("nightly", "RPOMet", true, "WithinTarget");

        clock.advance(Duration.ofHours(3));   // no event at all: the operator re-evaluates on time by itself
        var exceeded = shop.awaitCondition("nightly", "RPOMet", false, "RPOExceeded");
        assertThat(exceeded.getMessage()).contains("more than the target 2h (7200s)");
        assertThat(shop.get("nightly").getStatus().getCurrentRPOSeconds()).isGreaterThanOrEqualTo(3 * 3600L);
        assertThat(shop.awaitEvent("nightly", "RPOExceeded").getType()).isEqualTo("Warning");
        assertThat(gauge("tview.rpo.seconds", shop, "logical")).isGreaterThanOrEqualTo(3 * 3600.0);

        Instant later = clock.instant().truncatedTo(ChronoUnit.SECONDS).minusSeconds(2);
        shop.jobFromCronJob("nightly-logical", "nightly-logical-2");
        shop.finishJob("nightly-logical-2", true, summary(ts(later) + "-logical", "logical", "succeeded", true, later,
                later.plusSeconds(1), 1000, null, "ok"), later, later.plusSeconds(1));
        shop.awaitCondition("nightly", "RPOMet", true, "WithinTarget");
        assertThat(shop.awaitEvent("nightly", "RPOMet").getType()).isEqualTo("Normal");
    }

    @Test
    void withoutAnyBackupTheRpoIsExceededOnceThePolicyIsOlderThanTheTarget() {
        BackupFixture shop = BackupFixture.create(client, "rpo-none");
        shop.policy("weekly", spec -> spec.setRpoTarget("1h"));
        shop.awaitCondition("weekly", "RPOMet", true, "NoBackupYet");
        clock.advance(Duration.ofMinutes(61));
        assertThat(shop.awaitCondition("weekly", "RPOMet", false, "NoBackupYet").getMessage())
                .contains("no verified backup yet");
    }

    @Test
    void suspendPausesTheScheduleButBackupNowStillWorks() {
        BackupFixture shop = BackupFixture.create(client, "suspend");
        shop.policy("nightly", spec -> spec.setSuspend(true));
        var ready = shop.awaitCondition("nightly", Conditions.READY, true, "Suspended");
        assertThat(ready.getMessage()).contains("suspended");
        assertThat(shop.awaitCronJob("nightly-logical").getSpec().getSuspend()).isTrue();
        assertThat(shop.get("nightly").getStatus().getNextScheduleTime()).isNull();

        shop.edit("nightly", p -> p.getMetadata().getAnnotations().put(BackupPolicyReconciler.BACKUP_NOW, "manual-1"));
        Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.jobs().size() == 1);

        shop.edit("nightly", p -> p.getSpec().setSuspend(false));
        shop.awaitCondition("nightly", Conditions.READY, true, "Scheduled");
        Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> !shop.cronJob("nightly-logical").getSpec().getSuspend());
        assertThat(shop.get("nightly").getStatus().getNextScheduleTime()).isNotNull();
    }

    private double gauge(String name, BackupFixture shop, String method) {
        return registry.get(name).tag("namespace", shop.namespace).tag("policy", "nightly").tag("method", method)
                .gauge().value();
    }
}
