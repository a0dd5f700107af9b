package dev.tviews.operator.drill;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.Durations;
import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.JobImages;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.drill.TViewDrillStatus.DrillRun;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import dev.tviews.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Reconciles a TViewDrill: starts a run when one is due (once per generation, or at each scheduled time), follows it
 * (restore Job, or CloudNativePG switchover) and records its outcome: status, report ConfigMap, events, metrics,
 * history. Status is patched only when it changed; the next look is a reschedule, never a blocking wait (except the
 * bounded follow of a switchover, which keeps the RTO measurement precise).
 */
@ControllerConfiguration(name = DrillReconciler.NAME)
public class DrillReconciler implements Reconciler<TViewDrill> {

    public static final String NAME = "tviewdrill";
    private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMddHHmm").withZone(ZoneOffset.UTC);
    /** Extra time given to the Job controller to enforce activeDeadlineSeconds before the operator fails the run itself. */
    static final Duration DEADLINE_GRACE = Duration.ofMinutes(2);
    /** Stalled reason: the Job's image is not in the operator's allow-list ({@link JobImages}). */
    public static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";

    private final KubernetesClient client;
    private final DrillJobs jobs;
    private final FailoverDrill failover;
    private final DatabaseResolver resolver;
    private final DrillMetrics metrics;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final JobImages images;
    private final Clock clock;

    public DrillReconciler(KubernetesClient client, DrillJobs jobs, FailoverDrill failover, DatabaseResolver resolver,
                           DrillMetrics metrics, EventRecorder events, OperatorSettings settings, JobImages images,
                           Clock clock) {
        this.client = client;
        this.jobs = jobs;
        this.failover = failover;
        this.resolver = resolver;
        this.metrics = metrics;
        this.events = events;
        this.settings = settings;
        this.images = images;
        this.clock = clock;
    }

    /** Validated spec values. */
    private record Plan(Duration deadline, Double targetRto, Double targetRpo, CronSchedule schedule) {
    }

    @Override
    public UpdateControl<TViewDrill> reconcile(TViewDrill cached, Context<TViewDrill> context) {
        TViewDrill drill = latestUnlessRunning(cached, context);
        DrillStatusWriter w = new DrillStatusWriter(drill.getStatus(), drill.getMetadata().getGeneration(), clock);
        Optional<Duration> next = step(drill, w);
        if (!w.status().sameAs(drill.getStatus())) {
            StatusPatcher.patch(context.getClient(), TViewDrill.class, drill, w.status());
        }
        UpdateControl<TViewDrill> control = UpdateControl.noUpdate();
        next.ifPresent(d -> control.rescheduleAfter(Math.max(1, d.toMillis())));
        return control;
    }

    /**
     * Starting a run has effects outside the drill (a Job, a switchover request), so that decision is taken on the
     * drill as the API server has it: the informer cache may not show yet the run this operator just started.
     */
    private static TViewDrill latestUnlessRunning(TViewDrill cached, Context<TViewDrill> context) {
        if (cached.getStatus() != null && cached.getStatus().getPhase() == Phase.Running) {
            return cached;
        }
        TViewDrill latest = context.getClient().resources(TViewDrill.class)
                .inNamespace(cached.getMetadata().getNamespace()).withName(cached.getMetadata().getName()).get();
        return latest == null ? cached : latest;
    }

    private Optional<Duration> step(TViewDrill drill, DrillStatusWriter w) {
        Plan plan;
        try {
            plan = plan(drill.getSpec());
        } catch (IllegalArgumentException e) {
            return stalled(drill, w, "InvalidSpec", e.getMessage(), Optional.empty());
        }
        TViewDrillStatus s = w.status();
        if (s.getPhase() == Phase.Running) {
            return advance(drill, w, plan);
        }
        Instant now = clock.instant();
        String runId;
        if (plan.schedule() == null) {
            runId = "g" + drill.getMetadata().getGeneration();
            if (runId.equals(s.getRunId()) && (s.getPhase() == Phase.Succeeded || s.getPhase() == Phase.Failed)) {
                return Optional.empty();
            }
        } else {
            if (s.getNextRun() == null) {
                s.setNextRun(plan.schedule().nextAfter(now).toString());
            }
            Instant due = Instant.parse(s.getNextRun());
            if (now.isBefore(due)) {
                if (s.getPhase() == null || s.getPhase() == Phase.Pending) {
                    w.reconciling("WaitingForSchedule", "first run due at " + s.getNextRun());
                } else {
                    w.idle("next run due at " + s.getNextRun());
                }
                return Optional.of(min(Duration.between(now, due), settings.resyncInterval()));
            }
            runId = RUN_ID.format(due);
        }
        return startRun(drill, w, plan, runId);
    }

    private Optional<Duration> startRun(TViewDrill drill, DrillStatusWriter w, Plan plan, String runId) {
        TViewDrillStatus s = w.status();
        String ns = drill.getMetadata().getNamespace();
        if (!Objects.equals(runId, s.getRunId())) {
            s.setRunId(runId);
            s.setPhase(Phase.Pending);
        }
        Instant now = clock.instant();
        if (drill.getSpec().getScenario().restores()) {
            String policyName = drill.getSpec().getBackupPolicyRef().getName();
            GenericKubernetesResource resource = client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns)
                    .withName(policyName).get();
            if (resource == null) {
                return stalled(drill, w, "BackupPolicyNotFound", "TViewBackupPolicy " + ns + "/" + policyName
                        + " not found (looked for again every " + settings.retryInterval().toSeconds() + "s)",
                        Optional.of(settings.retryInterval()));
            }
            BackupPolicyView policy;
            try {
                policy = BackupPolicyView.of(resource);
            } catch (IllegalArgumentException e) {
                return stalled(drill, w, "InvalidBackupPolicy", e.getMessage(), Optional.of(settings.retryInterval()));
            }
            Optional<String> secretProblem = jobs.secretProblem(ns, policy.secretName());
            if (secretProblem.isPresent()) {
                return waiting(drill, w, "DatabaseSecretNotReady", secretProblem.get());
            }
            boolean ownImage = drill.getSpec().getImage() != null && !drill.getSpec().getImage().isBlank();
            String image = ownImage ? drill.getSpec().getImage().trim() : policy.image() == null ? null : policy.image().trim();
            String imageSource = ownImage ? "spec.image" : "TViewBackupPolicy " + policyName + "'s spec.image";
            if (image != null) {
                Optional<String> problem = images.problem(imageSource, image);
                if (problem.isPresent()) {
                    // the Job would carry the database Secret into an image nobody vetted: no Job is created
                    return stalled(drill, w, IMAGE_NOT_ALLOWED, problem.get(),
                            ownImage ? Optional.empty() : Optional.of(settings.retryInterval()));
                }
            }
            if (image == null) {
                Resolution r = resolver.resolve(ns, policy.database());
                if (!(r instanceof Resolution.Available a)) {
                    return waiting(drill, w, "DatabaseUnavailable", "cannot detect the server version for the drill image: "
                            + describe(r));
                }
                try (Connection c = FailoverDrill.connect(a.connection()); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SHOW server_version_num")) {
                    rs.next();
                    image = "postgres:" + (Integer.parseInt(rs.getString(1)) / 10000);
                } catch (SQLException e) {
                    return waiting(drill, w, "DatabaseUnreachable", "cannot detect the server version for the drill image ("
                            + a.connection().describe() + "): " + e.getMessage());
                }
                Optional<String> problem = images.problem("the default image", image);
                if (problem.isPresent()) {
                    return stalled(drill, w, IMAGE_NOT_ALLOWED, problem.get() + "; or set spec.image",
                            Optional.of(settings.retryInterval()));
                }
            }
            try {
                jobs.ensureScripts(drill);
            } catch (IllegalStateException e) {
                return stalled(drill, w, "ScriptsMissing", e.getMessage(), Optional.empty());
            }
            Job job = jobs.ensureJob(drill, runId, policy, image, plan.deadline().toSeconds(), plan.targetRto(),
                    plan.targetRpo(), jobs.secretHasPort(ns, policy.secretName()));
            running(drill, w, plan, now, job.getMetadata().getName(), "restore drill " + drill.getSpec().getScenario().value()
                    + " of TViewBackupPolicy " + policyName + " started: Job " + job.getMetadata().getName() + " (image " + image + ")");
            return Optional.of(settings.retryInterval());
        }
        String cluster = drill.getSpec().getDatabase().getCluster().getName();
        FailoverDrill.Start start = failover.start(ns, cluster);
        if (start instanceof FailoverDrill.Start.ClusterMissing m) {
            return stalled(drill, w, "ClusterNotFound", m.message(), Optional.of(settings.retryInterval()));
        }
        if (start instanceof FailoverDrill.Start.Refused r) {
            running(drill, w, plan, now, null, "failover drill of Cluster " + cluster + " started");
            return complete(drill, w, plan, FailoverDrill.refused(r.message(), now, clock.instant(), cluster));
        }
        var requested = ((FailoverDrill.Start.Requested) start).state();
        running(drill, w, plan, now, null, "failover drill started: switchover of Cluster " + cluster + " from "
                + requested.fromPrimary() + " to " + requested.targetPrimary() + " requested (status.targetPrimary)");
        w.status().setFailover(requested);
        return Optional.of(Duration.ofMillis(1));
    }

    private void running(TViewDrill drill, DrillStatusWriter w, Plan plan, Instant now, String job, String message) {
        TViewDrillStatus s = w.status();
        s.setPhase(Phase.Running);
        s.setJob(job);
        s.setStartTime(now.toString());
        s.setCompletionTime(null);
        s.setMeasuredRTOSeconds(null);
        s.setMeasuredRPOSeconds(null);
        s.setChecks(new ArrayList<>());
        s.setFailover(null);
        if (plan.schedule() != null) {
            s.setLastRun(now.toString());
            s.setNextRun(plan.schedule().nextAfter(now).toString());
        }
        w.runStarted();
        w.reconciling("Running", message);
        events.normal(drill, "DrillStarted", message);
    }

    private Optional<Duration> advance(TViewDrill drill, DrillStatusWriter w, Plan plan) {
        TViewDrillStatus s = w.status();
        Instant start = Instant.parse(s.getStartTime());
        if (!drill.getSpec().getScenario().restores()) {
            if (s.getFailover() == null) {
                return complete(drill, w, plan, FailoverDrill.refused("the run lost its switchover state", start,
                        clock.instant(), null));
            }
            FailoverDrill.Progress p = failover.follow(drill.getMetadata().getNamespace(), s.getFailover(), start,
                    start.plus(plan.deadline()), plan.targetRto());
            s.setFailover(p.state());
            return p.outcome().map(o -> complete(drill, w, plan, o)).orElse(Optional.of(Duration.ofMillis(1)));
        }
        String jobName = s.getJob();
        Job job = jobs.job(drill, jobName);
        Optional<String> message = job == null ? Optional.empty() : jobs.terminationMessage(drill, jobName);
        Instant now = clock.instant();
        if (message.isPresent()) {
            try {
                return complete(drill, w, plan, DrillOutcome.parse(message.get()));
            } catch (IllegalArgumentException e) {
                if (DrillJobs.finished(job).isPresent()) {
                    return complete(drill, w, plan, failed(start, now, "result", "the drill container's termination message "
                            + "is not a drill result (" + e.getMessage() + "); see the Job's logs"));
                }
            }
        }
        if (job == null) {
            return complete(drill, w, plan, failed(start, now, "job", "Job " + jobName + " disappeared before reporting a result"));
        }
        var finished = DrillJobs.finished(job);
        if (finished.isPresent()) {
            var c = finished.get();
            if ("Failed".equals(c.getType()) && "DeadlineExceeded".equals(c.getReason())) {
                return complete(drill, w, plan, failed(start, now, "deadline", "Job " + jobName + " exceeded its deadline of "
                        + drill.getSpec().getDeadline() + " (activeDeadlineSeconds " + plan.deadline().toSeconds() + ")"
                        + (c.getMessage() == null ? "" : ": " + c.getMessage())));
            }
            return complete(drill, w, plan, failed(start, now, "job", "Job " + jobName + " " + c.getType()
                    + " without a drill result" + (c.getReason() == null ? "" : " (" + c.getReason() + ")")
                    + (c.getMessage() == null ? "" : ": " + c.getMessage()) + "; see the Job's logs"));
        }
        if (now.isAfter(start.plus(plan.deadline()).plus(DEADLINE_GRACE))) {
            return complete(drill, w, plan, failed(start, now, "deadline", "no result from Job " + jobName + " within the deadline "
                    + drill.getSpec().getDeadline() + " (+" + DEADLINE_GRACE.toMinutes() + "m grace)"));
        }
        return Optional.of(settings.retryInterval());
    }

    private static DrillOutcome failed(Instant start, Instant end, String check, String message) {
        return new DrillOutcome(Phase.Failed, start.toString(), end.toString(), null, null, null,
                List.of(new DrillCheck(check, false, message, null)), new java.util.LinkedHashMap<>());
    }

    private Optional<Duration> complete(TViewDrill drill, DrillStatusWriter w, Plan plan, DrillOutcome o) {
        TViewDrillStatus s = w.status();
        String runId = s.getRunId();
        boolean succeeded = o.phase() == Phase.Succeeded;
        s.setPhase(o.phase());
        if (o.startTime() != null) {
            s.setStartTime(o.startTime());
        }
        s.setCompletionTime(o.completionTime() != null ? o.completionTime() : clock.instant().toString());
        s.setMeasuredRTOSeconds(o.rtoSeconds());
        s.setMeasuredRPOSeconds(o.rpoSeconds());
        s.setChecks(new ArrayList<>(o.checks()));
        String report = DrillJobs.reportName(drill, runId);
        jobs.writeReport(drill, runId, DrillReport.markdown(drill, runId, o, plan.targetRto(), plan.targetRpo()), o.json());
        s.setReport(report);
        w.targets(o.targetsMet(), targetsMessage(o, plan));
        String figures = String.format(Locale.ROOT, "RTO %s, RPO %s", secs(o.rtoSeconds()), secs(o.rpoSeconds()));
        List<DrillCheck> failedChecks = o.failedChecks();
        String summary = "run " + runId + " " + o.phase() + ": " + figures
                + (failedChecks.isEmpty() ? "" : "; failed: " + String.join(", ", failedChecks.stream().map(DrillCheck::name).toList()))
                + "; report in ConfigMap " + report;
        w.completed(succeeded, summary);
        for (DrillCheck c : failedChecks) {
            events.warning(drill, "CheckFailed", c.name() + ": " + c.message());
        }
        if (succeeded) {
            events.normal(drill, "DrillSucceeded", summary);
        } else {
            events.warning(drill, "DrillFailed", summary);
        }
        metrics.completed(drill, o.rtoSeconds(), o.rpoSeconds(), succeeded);
        List<DrillRun> history = new ArrayList<>();
        history.add(new DrillRun(runId, o.phase(), s.getStartTime(), s.getCompletionTime(), o.rtoSeconds(), o.rpoSeconds(),
                o.targetsMet(), report, s.getJob(), failedChecks.isEmpty() ? null
                : String.join(",", failedChecks.stream().map(DrillCheck::name).toList())));
        for (DrillRun r : s.getHistory() == null ? List.<DrillRun>of() : s.getHistory()) {
            if (!r.runId().equals(runId)) {
                history.add(r);
            }
        }
        int limit = Math.max(1, drill.getSpec().getHistoryLimit());
        while (history.size() > limit) {
            DrillRun dropped = history.remove(history.size() - 1);
            jobs.prune(drill, dropped.runId());
        }
        s.setHistory(history);
        if (plan.schedule() == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Instant next = Instant.parse(s.getNextRun());
        return Optional.of(min(now.isBefore(next) ? Duration.between(now, next) : Duration.ofMillis(1), settings.resyncInterval()));
    }

    private static String targetsMessage(DrillOutcome o, Plan plan) {
        if (plan.targetRto() == null && plan.targetRpo() == null) {
            return "no targets set (spec.targets)";
        }
        return String.format(Locale.ROOT, "RTO %s (target %s), RPO %s (target %s)", secs(o.rtoSeconds()), secs(plan.targetRto()),
                secs(o.rpoSeconds()), secs(plan.targetRpo()));
    }

    private static String secs(Double d) {
        return d == null ? "n/a" : String.format(Locale.ROOT, "%.3fs", d);
    }

    private Plan plan(TViewDrillSpec spec) {
        if (spec.getScenario() == null) {
            throw new IllegalArgumentException("spec.scenario is required: restore-latest, metadata-loss, tview-corruption or failover");
        }
        if (spec.getScenario().restores() && (spec.getBackupPolicyRef() == null || spec.getBackupPolicyRef().getName() == null)) {
            throw new IllegalArgumentException("scenario " + spec.getScenario().value() + " requires spec.backupPolicyRef");
        }
        if (!spec.getScenario().restores() && (spec.getDatabase() == null || spec.getDatabase().getCluster() == null)) {
            throw new IllegalArgumentException("scenario failover requires spec.database.cluster (a CloudNativePG Cluster)");
        }
        Duration deadline = Durations.parse("spec.deadline", spec.getDeadline() == null ? "30m" : spec.getDeadline());
        if (deadline.isZero()) {
            throw new IllegalArgumentException("spec.deadline must be positive");
        }
        Double rto = null;
        Double rpo = null;
        if (spec.getTargets() != null) {
            if (spec.getTargets().getRto() != null) {
                rto = (double) Durations.parse("spec.targets.rto", spec.getTargets().getRto()).toSeconds();
            }
            if (spec.getTargets().getRpo() != null) {
                rpo = (double) Durations.parse("spec.targets.rpo", spec.getTargets().getRpo()).toSeconds();
            }
        }
        CronSchedule schedule = spec.scheduled()
                ? CronSchedule.parse("spec.schedule", spec.getSchedule(), "spec.timeZone", spec.getTimeZone()) : null;
        return new Plan(deadline, rto, rpo, schedule);
    }

    private Optional<Duration> stalled(TViewDrill drill, DrillStatusWriter w, String reason, String message,
                                       Optional<Duration> retry) {
        if (!Objects.equals(message, conditionMessage(drill, "Stalled"))) {
            events.warning(drill, reason, message);
        }
        w.stalled(reason, message);
        return retry;
    }

    private Optional<Duration> waiting(TViewDrill drill, DrillStatusWriter w, String reason, String message) {
        if (!Objects.equals(message, conditionMessage(drill, "Reconciling"))) {
            events.warning(drill, reason, message);
        }
        w.reconciling(reason, message);
        return Optional.of(settings.retryInterval());
    }

    private static String conditionMessage(TViewDrill drill, String type) {
        return drill.getStatus() == null ? null : dev.tviews.operator.api.Conditions.find(drill.getStatus().getConditions(), type)
                .filter(c -> "True".equals(c.getStatus())).map(c -> c.getMessage()).orElse(null);
    }

    private static String describe(Resolution r) {
        if (r instanceof Resolution.Unavailable u) {
            return u.message();
        }
        if (r instanceof Resolution.SwitchoverInProgress s) {
            return s.message();
        }
        return String.valueOf(r);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    @Override
    public ErrorStatusUpdateControl<TViewDrill> updateErrorStatus(TViewDrill drill, Context<TViewDrill> context, Exception e) {
        DrillStatusWriter w = new DrillStatusWriter(drill.getStatus(), drill.getMetadata().getGeneration(), clock);
        w.reconciling("ReconcileError", String.valueOf(e.getMessage()));
        if (!w.status().sameAs(drill.getStatus())) {
            try {
                StatusPatcher.patch(context.getClient(), TViewDrill.class, drill, w.status());
            } catch (RuntimeException ignored) {
                // the API server may be what failed; the retry will try again
            }
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
