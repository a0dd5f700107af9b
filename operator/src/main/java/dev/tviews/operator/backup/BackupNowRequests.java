package dev.tviews.operator.backup;

import dev.tviews.operator.events.EventRecorder;
import dev.tviews.operator.jobs.BackupJobs;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The {@value BackupPolicyReconciler#BACKUP_NOW} annotation: one Job per method, named after the request's value
 * (so a request starts its Jobs once), then the annotation is removed.
 */
@ApplicationScoped
public class BackupNowRequests {

    private static final Logger LOG = Logger.getLogger(BackupNowRequests.class);
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final EventRecorder events;
    private final Clock clock;

    public BackupNowRequests(EventRecorder events, Clock clock) {
        this.events = events;
        this.clock = clock;
    }

    void start(TViewBackupPolicy policy, KubernetesClient client, BackupJobs.Settings jobs,
               BackupPolicyStatusWriter status) {
        String request = policy.getMetadata().getAnnotations() == null ? null
                : policy.getMetadata().getAnnotations().get(BackupPolicyReconciler.BACKUP_NOW);
        if (request == null) {
            return;
        }
        List<String> started = new ArrayList<>();
        for (String method : policy.getSpec().methodsOrDefault()) {
            Job manual = BackupJobs.manualJob(policy, method, request, jobs);
            if (client.resource(manual).get() == null) {
                client.resource(manual).create();
                started.add(manual.getMetadata().getName());
            }
        }
        if (!started.isEmpty()) {
            status.status().setLastScheduleTime(clock.instant().toString());
            events.normal(policy, "BackupRequested", "backup-now '" + request + "': started Job(s) " + String.join(", ", started));
        }
        removeRequest(policy, client, request);
    }

    private static void removeRequest(TViewBackupPolicy policy, KubernetesClient client, String request) {
        String pointer = "/metadata/annotations/" + BackupPolicyReconciler.BACKUP_NOW.replace("~", "~0").replace("/", "~1");
        try {
            client.resources(TViewBackupPolicy.class).inNamespace(policy.namespace()).withName(policy.name())
                    .patch(PatchContext.of(PatchType.JSON), JSON.asJson(List.of(
                            Map.of("op", "test", "path", pointer, "value", request),
                            Map.of("op", "remove", "path", pointer))));
        } catch (KubernetesClientException e) {
            // a newer request replaced it (the test failed): that one triggers its own reconcile
            LOG.debugf("backup-now annotation of %s/%s not removed: %s", policy.namespace(), policy.name(), e.getMessage());
        }
    }
}
