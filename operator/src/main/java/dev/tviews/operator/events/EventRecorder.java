package dev.tviews.operator.events;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/** Records Kubernetes Events (core/v1) on a resource: Normal on progress, Warning on problems. */
@ApplicationScoped
public class EventRecorder {

    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final KubernetesClient client;
    private final Clock clock;

    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata resource, String reason, String message) {
        record(resource, NORMAL, reason, message);
    }

    public void warning(HasMetadata resource, String reason, String message) {
        record(resource, WARNING, reason, message);
    }

    private void record(HasMetadata resource, String type, String reason, String message) {
        String now = Instant.now(clock).toString();
        String name = resource.getMetadata().getName() + "." + Long.toHexString(System.currentTimeMillis())
                + Long.toHexString(SEQUENCE.incrementAndGet());
        try {
            client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(resource.getMetadata().getNamespace()).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(resource.getApiVersion()).withKind(resource.getKind())
                            .withName(resource.getMetadata().getName()).withNamespace(resource.getMetadata().getNamespace())
                            .withUid(resource.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(truncate(message))
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent("tview-operator").endSource()
                    .withReportingComponent("tview-operator")
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not record event %s on %s/%s: %s", reason, resource.getMetadata().getNamespace(),
                    resource.getMetadata().getName(), e.getMessage());
        }
    }

    private static String truncate(String message) {
        return message == null ? "" : message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
    }
}
