package dev.tviews.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.jobs.BackupJobs;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The confused deputy: a policy's Jobs receive the database Secret, so a policy naming an image outside the
 * operator's allow-list (default: the official postgres images) is Stalled and nothing that would run it is created.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class BackupImageAllowListTest {

    @Inject
    KubernetesClient client;

    @Test
    void anAttackerImageIsRefusedAndNoCronJobOrJobIsCreated() {
        BackupFixture shop = BackupFixture.create(client, "evil-image");
        for (String image : new String[] {"evil/postgres:16", "postgres.evil.com/x:1"}) {
            String name = image.startsWith("evil") ? "hub" : "registry";
            shop.policy(name, s -> s.setImage(image));
            shop.edit(name, p -> p.getMetadata().setAnnotations(Map.of(BackupPolicyReconciler.BACKUP_NOW, "now")));
            var stalled = shop.awaitCondition(name, Conditions.STALLED, true, "ImageNotAllowed");
            assertThat(stalled.getMessage()).contains("spec.image '" + image + "'")
                    .contains("tview.operator.allowed-job-images").contains("jobs.allowedImages");
            assertThat(shop.awaitEvent(name, "ImageNotAllowed").getType()).isEqualTo("Warning");
            assertThat(shop.get(name).getStatus().getImage()).isNull();
        }
        assertThat(client.batch().v1().cronjobs().inNamespace(shop.namespace).list().getItems())
                .as("no CronJob would ever run the image with the Secret").isEmpty();
        assertThat(shop.jobs()).as("no backup-now Job either").isEmpty();
        assertThat(client.configMaps().inNamespace(shop.namespace).list().getItems()).as("nothing created at all").isEmpty();
    }

    @Test
    void aCronJobLeftWithAnImageTheListNoLongerAdmitsIsDeleted() {
        // as if the administrator narrowed the allow-list after this CronJob was created: the policy's own CronJob
        // (owned, labelled) runs an image that is not allowed any more
        BackupFixture shop = BackupFixture.create(client, "narrowed");
        TViewBackupPolicy policy = shop.policy("nightly", s -> s.setImage("registry.example.com/dba/pg:16"));
        shop.awaitCondition("nightly", Conditions.STALLED, true, "ImageNotAllowed");
        client.resource(new io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder()
                .withNewMetadata().withName("nightly-logical").withNamespace(shop.namespace)
                .withLabels(BackupJobs.labels(policy, "logical", null)).withOwnerReferences(BackupJobs.owner(policy))
                .endMetadata().withNewSpec().withSchedule("0 6 * * *").withNewJobTemplate().withNewSpec().withNewTemplate()
                .withNewSpec().addNewContainer().withName("backup").withImage("registry.example.com/dba/pg:16").endContainer()
                .withRestartPolicy("Never").endSpec().endTemplate().endSpec().endJobTemplate().endSpec().build()).create();
        // the next reconcile (resync) finds it
        org.awaitility.Awaitility.await().atMost(BackupFixture.TIMEOUT).until(() -> shop.cronJob("nightly-logical") == null);
        assertThat(shop.awaitEvent("nightly", "CronJobDeleted").getMessage()).contains("allow-list");
    }

    @Test
    void allowedImagesByTagOrDigestAreScheduled() {
        BackupFixture shop = BackupFixture.create(client, "good-image");
        String digest = "docker.io/library/postgres@sha256:" + "0123456789abcdef".repeat(4);
        shop.policy("tagged", s -> s.setImage("docker.io/library/postgres:" + shop.serverMajor()));
        shop.policy("pinned", s -> s.setImage(digest));
        shop.awaitReady("tagged");
        shop.awaitReady("pinned");
        assertThat(shop.cronJob("tagged-logical").getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo("docker.io/library/postgres:" + shop.serverMajor());
        assertThat(shop.cronJob("pinned-logical").getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo(digest);

        // switching an allowed policy to a refused image: Stalled, and the CronJob keeps the image it was allowed
        shop.edit("tagged", p -> p.getSpec().setImage("evil/postgres:" + shop.serverMajor()));
        shop.awaitCondition("tagged", Conditions.STALLED, true, "ImageNotAllowed");
        assertThat(shop.cronJob("tagged-logical").getSpec().getJobTemplate().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage()).isEqualTo("docker.io/library/postgres:" + shop.serverMajor());
    }
}
