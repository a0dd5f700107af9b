package dev.tviews.operator.backup;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.JobImages;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.events.EventRecorder;
import dev.tviews.operator.jobs.BackupJobs;
import dev.tviews.operator.jobs.BackupNames;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reconciles a TViewBackupPolicy: observe (Job results) → decide (spec, storage, database, image) → act
 * (scripts ConfigMap, one CronJob per method, backup-now Jobs) → status (RPO), patched only when it changed,
 * rescheduled at the next due time (next schedule, or the moment the RPO target will be exceeded). Everything
 * created is owned by the policy (ownerReferences), so Kubernetes garbage collection removes it with the policy:
 * no finalizer. Backups on the volume are never deleted by deleting the policy.
 */
@ControllerConfiguration(name = BackupPolicyReconciler.NAME, generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = PolicyChanged.class))
public class BackupPolicyReconciler implements Reconciler<TViewBackupPolicy> {

    public static final String NAME = "tviewbackuppolicy";
    /** Annotation: any value runs one backup of every method at once; the operator then removes it. */
    public static final String BACKUP_NOW = "tviews.dev/backup-now";

    /** Stalled reason: the Jobs' image is not in the operator's allow-list ({@link JobImages}). */
    public static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";

    private final BackupResultRecorder results;
    private final BackupPlanner planner;
    private final OwnedResourcesApplier owned;
    private final BackupNowRequests backupNow;
    private final RpoEvaluator rpo;
    private final ProblemReporter problems;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public BackupPolicyReconciler(BackupResultRecorder results, BackupPlanner planner, OwnedResourcesApplier owned,
                                  BackupNowRequests backupNow, RpoEvaluator rpo, ProblemReporter problems,
                                  EventRecorder events, OperatorSettings settings, Clock clock) {
        this.results = results;
        this.planner = planner;
        this.owned = owned;
        this.backupNow = backupNow;
        this.rpo = rpo;
        this.problems = problems;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    /** Jobs of every policy (scheduled and backup-now) carry the policy label: a Job change reconciles its policy. */
    @Override
    public List<EventSource<?, TViewBackupPolicy>> prepareEventSources(EventSourceContext<TViewBackupPolicy> context) {
        var config = InformerEventSourceConfiguration.from(Job.class, TViewBackupPolicy.class)
                .withName("backup-jobs")
                .withLabelSelector(BackupNames.POLICY_LABEL)
                .withSecondaryToPrimaryMapper((Job job) -> Set.of(new ResourceID(
                        job.getMetadata().getLabels().get(BackupNames.POLICY_LABEL), job.getMetadata().getNamespace())))
                .build();
        return List.of(new InformerEventSource<>(config, context));
    }

    @Override
    public UpdateControl<TViewBackupPolicy> reconcile(TViewBackupPolicy cached, Context<TViewBackupPolicy> context) {
        KubernetesClient client = context.getClient();
        TViewBackupPolicy policy = latest(cached, client);
        Instant now = clock.instant();
        BackupPolicyStatusWriter status = new BackupPolicyStatusWriter(policy.getStatus(),
                policy.getMetadata().getGeneration(), clock);
        results.record(policy, client, status);
        Optional<Duration> applyNext = apply(policy, client, status, now);
        Optional<Duration> rpoNext = rpo.evaluate(policy, status, now);
        Duration next = Stream.of(applyNext, rpoNext, Optional.of(settings.resyncInterval()))
                .flatMap(Optional::stream).min(Comparator.naturalOrder()).orElseThrow();
        if (!status.status().equals(policy.getStatus())) {
            StatusPatcher.patch(client, TViewBackupPolicy.class, policy, status.status());
        }
        UpdateControl<TViewBackupPolicy> control = UpdateControl.noUpdate();
        return control.rescheduleAfter(Math.max(1, next.toMillis()));
    }

    /**
     * Job results are counted once, against status.recentBackups: the status as the API server has it, since the
     * informer cache may not show yet the results this operator has just recorded.
     */
    private static TViewBackupPolicy latest(TViewBackupPolicy cached, KubernetesClient client) {
        TViewBackupPolicy latest = client.resources(TViewBackupPolicy.class)
                .inNamespace(cached.getMetadata().getNamespace()).withName(cached.getMetadata().getName()).get();
        return latest == null ? cached : latest;
    }

    /** Spec → ConfigMap, CronJobs, backup-now Jobs; returns when to look again. */
    private Optional<Duration> apply(TViewBackupPolicy policy, KubernetesClient client, BackupPolicyStatusWriter status,
                                     Instant now) {
        BackupPlan plan = planner.plan(policy, client, status.status().getServerVersionNum());
        if (plan instanceof BackupPlan.Blocked blocked) {
            if (blocked.disallowedImage()) {
                owned.deleteCronJobsWithDisallowedImages(policy, client);
            }
            return problems.report(policy, status, blocked);
        }
        BackupPlan.Apply ready = (BackupPlan.Apply) plan;
        status.status().setServerVersionNum(ready.serverVersionNum());
        status.status().setImage(ready.jobs().image());
        owned.apply(policy, client, ready.jobs());
        backupNow.start(policy, client, ready.jobs(), status);
        return scheduled(policy, status, ready, now);
    }

    private Optional<Duration> scheduled(TViewBackupPolicy policy, BackupPolicyStatusWriter status,
                                         BackupPlan.Apply plan, Instant now) {
        BackupPolicySpec spec = policy.getSpec();
        boolean wasReady = policy.getStatus() != null && Conditions.isTrue(policy.getStatus().getConditions(), Conditions.READY);
        BackupJobs.Settings jobs = plan.jobs();
        String what = String.join(", ", spec.methodsOrDefault()) + " to " + jobs.claimName() + ":" + jobs.backupRoot()
                + " with image " + jobs.image();
        if (spec.isSuspend()) {
            status.status().setNextScheduleTime(null);
            status.ready("Suspended", "schedule suspended (spec.suspend); backup-now still works: " + what);
            return Optional.empty();
        }
        Instant next = plan.schedule().nextAfter(now);
        status.status().setNextScheduleTime(next.toString());
        status.ready("Scheduled", "'" + spec.getSchedule().trim() + "' (" + BackupJobs.timeZone(spec) + "): " + what);
        if (!wasReady) {
            events.normal(policy, "Scheduled", "backups scheduled: " + what);
        }
        return Optional.of(Duration.between(now, next).plusMillis(500));
    }

    /** An unexpected failure (API server, bug): say so in status; JOSDK retries with backoff. */
    @Override
    public ErrorStatusUpdateControl<TViewBackupPolicy> updateErrorStatus(TViewBackupPolicy policy,
                                                                         Context<TViewBackupPolicy> context, Exception e) {
        BackupPolicyStatusWriter status = new BackupPolicyStatusWriter(policy.getStatus(),
                policy.getMetadata().getGeneration(), clock);
        status.reconciling("ReconcileError", String.valueOf(e.getMessage()));
        if (!status.status().equals(policy.getStatus())) {
            try {
                StatusPatcher.patch(context.getClient(), TViewBackupPolicy.class, policy, status.status());
            } catch (RuntimeException ignored) {
                // the API server may be what failed; the retry will try again
            }
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
