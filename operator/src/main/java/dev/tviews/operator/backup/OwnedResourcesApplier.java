package dev.tviews.operator.backup;

import dev.tviews.operator.config.JobImages;
import dev.tviews.operator.events.EventRecorder;
import dev.tviews.operator.jobs.BackupJobs;
import dev.tviews.operator.jobs.BackupNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Applies what a policy owns: the scripts ConfigMap and one CronJob per method, each created, or updated only
 * when its content (spec-hash annotation), owner or labels changed. Deletes the policy's CronJobs of methods no
 * longer in the spec, and on request those that run an image the allow-list no longer admits.
 */
@ApplicationScoped
public class OwnedResourcesApplier {

    private final EventRecorder events;
    private final JobImages images;

    public OwnedResourcesApplier(EventRecorder events, JobImages images) {
        this.events = events;
        this.images = images;
    }

    void apply(TViewBackupPolicy policy, KubernetesClient client, BackupJobs.Settings jobs) {
        applyOwned(client, BackupJobs.scripts(policy));
        String timeZone = BackupJobs.timeZone(policy.getSpec());
        Set<String> wanted = new HashSet<>();
        for (String method : policy.getSpec().methodsOrDefault()) {
            CronJob cronJob = BackupJobs.cronJob(policy, method, timeZone, jobs);
            wanted.add(cronJob.getMetadata().getName());
            applyOwned(client, cronJob);
        }
        ownedCronJobs(policy, client)
                .filter(c -> !wanted.contains(c.getMetadata().getName()))
                .forEach(c -> {
                    client.resource(c).delete();
                    events.normal(policy, "CronJobDeleted", "deleted CronJob " + c.getMetadata().getName()
                            + " (its method is no longer in spec.methods)");
                });
    }

    /**
     * CronJobs this policy created earlier with an image the allow-list no longer admits (the administrator narrowed
     * it): deleted, so that no further Job carries the Secret into that image.
     */
    void deleteCronJobsWithDisallowedImages(TViewBackupPolicy policy, KubernetesClient client) {
        ownedCronJobs(policy, client)
                .filter(c -> c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().stream()
                        .anyMatch(container -> images.problem("image", container.getImage()).isPresent()))
                .forEach(c -> {
                    client.resource(c).delete();
                    events.warning(policy, "CronJobDeleted", "deleted CronJob " + c.getMetadata().getName()
                            + ": its image is not in the operator's allow-list of Job images");
                });
    }

    private static Stream<CronJob> ownedCronJobs(TViewBackupPolicy policy, KubernetesClient client) {
        return client.batch().v1().cronjobs().inNamespace(policy.namespace())
                .withLabel(BackupNames.POLICY_LABEL, policy.name()).list().getItems().stream()
                .filter(c -> ownedBy(c, policy));
    }

    private static <T extends HasMetadata> void applyOwned(KubernetesClient client, T desired) {
        T existing = client.resource(desired).get();
        if (existing == null) {
            client.resource(desired).create();
            return;
        }
        if (Objects.equals(hash(existing), hash(desired))
                && Objects.equals(existing.getMetadata().getOwnerReferences(), desired.getMetadata().getOwnerReferences())
                && Objects.equals(existing.getMetadata().getLabels(), desired.getMetadata().getLabels())) {
            return;
        }
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        client.resource(desired).update();
    }

    private static String hash(HasMetadata object) {
        return object.getMetadata().getAnnotations() == null ? null
                : object.getMetadata().getAnnotations().get(BackupNames.SPEC_HASH);
    }

    private static boolean ownedBy(HasMetadata object, TViewBackupPolicy policy) {
        return object.getMetadata().getOwnerReferences() != null && object.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> Objects.equals(o.getUid(), policy.getMetadata().getUid()));
    }
}
