package dev.tviews.operator.backup;

import static dev.tviews.operator.backup.BackupFixture.summary;
import static dev.tviews.operator.backup.BackupFixture.ts;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Documented policy behaviour (docs/backup-policy.md) not covered elsewhere: lastSuccessByMethod, which methods count
 * for the RPO (metadata only when it is the only method), RetentionFailed, and the Job timing fields.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BackupPolicyDocumentedTest {

    @Inject
    KubernetesClient client;

    @Test
    void metadataCountsForTheRpoOnlyWhenItIsTheOnlyMethodAndEachMethodHasItsLastSuccess() {
        BackupFixture shop = BackupFixture.create(client, "methods");
        shop.policy("both", spec -> {
            spec.setMethods(List.of("logical", "metadata"));
            spec.setRpoTarget("2h");
        });
        shop.policy("meta", spec -> {
            spec.setMethods(List.of("metadata"));
            spec.setRpoTarget("2h");
        });
        shop.awaitReady("both");
        shop.awaitReady("meta");

        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(10);
        Instant metaEnd = start.plusSeconds(1);
        shop.jobFromCronJob("both-metadata", "both-metadata-1");
        shop.finishJob("both-metadata-1", true, summary(ts(start) + "-metadata", "metadata", "succeeded", true, start,
                metaEnd, 100, null, "ok"), start, metaEnd);
        TViewBackupPolicy afterMeta = shop.awaitStatus("both", s -> s.getLastSuccessByMethod().containsKey("metadata"));
        assertThat(afterMeta.getStatus().getLastSuccessByMethod()).containsExactly(java.util.Map.entry("metadata", metaEnd.toString()));
        assertThat(afterMeta.getStatus().getCurrentRPOSeconds()).as("a metadata backup does not restore the data").isNull();
        shop.awaitCondition("both", "RPOMet", true, "NoBackupYet");

        Instant logicalEnd = start.plusSeconds(3);
        shop.jobFromCronJob("both-logical", "both-logical-1");
        shop.finishJob("both-logical-1", true, summary(ts(start) + "-logical", "logical", "succeeded", true, start,
                logicalEnd, 1000, null, "ok"), start, logicalEnd);
        TViewBackupPolicy afterLogical = shop.awaitStatus("both", s -> s.getLastSuccessByMethod().size() == 2);
        assertThat(afterLogical.getStatus().getLastSuccessByMethod())
                .containsEntry("metadata", metaEnd.toString()).containsEntry("logical", logicalEnd.toString());
        shop.awaitCondition("both", "RPOMet", true, "WithinTarget");

        // a metadata-only policy: its metadata backups are what the RPO is measured on
        shop.jobFromCronJob("meta-metadata", "meta-metadata-1");
        shop.finishJob("meta-metadata-1", true, summary(ts(start) + "-metadata", "metadata", "succeeded", true, start,
                metaEnd, 100, null, "ok"), start, metaEnd);
        shop.awaitCondition("meta", "RPOMet", true, "WithinTarget");
        assertThat(shop.get("meta").getStatus().getCurrentRPOSeconds()).isNotNull();
    }

    @Test
    void aVerifiedBackupWhoseRetentionFailedIsASuccessWithARetentionFailedWarning() {
        BackupFixture shop = BackupFixture.create(client, "retention");
        shop.policy("nightly", spec -> { });
        shop.awaitReady("nightly");
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(5);
        String name = ts(start) + "-logical";
        shop.jobFromCronJob("nightly-logical", "nightly-logical-1");
        // backup.sh printed a verified summary, then retention.sh failed: the Job failed (exit code 4)
        shop.finishJob("nightly-logical-1", false, summary(name, "logical", "succeeded", true, start, start.plusSeconds(2),
                500, null, "ok"), start, start.plusSeconds(2));
        assertThat(shop.awaitCondition("nightly", "LastBackupSucceeded", true, "Succeeded").getMessage()).contains(name);
        var warning = shop.awaitEvent("nightly", "RetentionFailed");
        assertThat(warning.getType()).isEqualTo("Warning");
        assertThat(warning.getMessage()).contains(name).contains("nightly-logical-1");
        assertThat(shop.get("nightly").getStatus().getConsecutiveFailures()).isZero();
    }

    @Test
    void scheduledJobsMayStartAnHourLateAndBackupNowJobsAreDeletedAWeekAfterTheyFinish() {
        BackupFixture shop = BackupFixture.create(client, "timing");
        shop.policy("nightly", spec -> { });
        shop.awaitReady("nightly");
        assertThat(shop.awaitCronJob("nightly-logical").getSpec().getStartingDeadlineSeconds()).isEqualTo(3600L);
        shop.edit("nightly", p -> p.getMetadata().getAnnotations().put(BackupPolicyReconciler.BACKUP_NOW, "now"));
        Job manual = Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.jobs().stream().findFirst().orElse(null),
                j -> j != null);
        assertThat(manual.getSpec().getTtlSecondsAfterFinished()).isEqualTo(7 * 24 * 3600);
    }
}
