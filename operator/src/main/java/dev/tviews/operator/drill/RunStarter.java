package dev.tviews.operator.drill;

import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.jobs.DrillJobs;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Starts a run: a restore scenario's Job, once its backup policy, Secret, image and scripts are there; or the failover
 * scenario's switchover request.
 */
@ApplicationScoped
public class RunStarter {

    private final KubernetesClient client;
    private final DrillJobs jobs;
    private final DrillImage image;
    private final FailoverDrill failover;
    private final OperatorSettings settings;
    private final Clock clock;

    public RunStarter(KubernetesClient client, DrillJobs jobs, DrillImage image, FailoverDrill failover,
                      OperatorSettings settings, Clock clock) {
        this.client = client;
        this.jobs = jobs;
        this.image = image;
        this.failover = failover;
        this.settings = settings;
        this.clock = clock;
    }

    RunStart start(TViewDrill drill, DrillPlan plan, String runId) {
        Instant now = clock.instant();
        return drill.getSpec().getScenario().restores() ? restore(drill, plan, runId, now) : failover(drill, now);
    }

    private RunStart restore(TViewDrill drill, DrillPlan plan, String runId, Instant now) {
        String ns = drill.getMetadata().getNamespace();
        String policyName = drill.getSpec().getBackupPolicyRef().getName();
        GenericKubernetesResource resource = client.genericKubernetesResources(BackupPolicyView.CONTEXT).inNamespace(ns)
                .withName(policyName).get();
        if (resource == null) {
            return new RunStart.Stalled("BackupPolicyNotFound", "TViewBackupPolicy " + ns + "/" + policyName
                    + " not found (looked for again every " + settings.retryInterval().toSeconds() + "s)",
                    Optional.of(settings.retryInterval()));
        }
        BackupPolicyView policy;
        try {
            policy = BackupPolicyView.of(resource);
        } catch (IllegalArgumentException e) {
            return new RunStart.Stalled("InvalidBackupPolicy", e.getMessage(), Optional.of(settings.retryInterval()));
        }
        Optional<String> secretProblem = jobs.secretProblem(ns, policy.secretName());
        if (secretProblem.isPresent()) {
            return new RunStart.Waiting("DatabaseSecretNotReady", secretProblem.get());
        }
        DrillImage.Choice chosen = image.choose(drill, policy);
        if (chosen.problem() != null) {
            return chosen.problem();
        }
        try {
            jobs.ensureScripts(drill);
        } catch (IllegalStateException e) {
            return new RunStart.Stalled("ScriptsMissing", e.getMessage(), Optional.empty());
        }
        Job job = jobs.ensureJob(drill, restoreJob(drill, plan, runId, policy, chosen.image()));
        String name = job.getMetadata().getName();
        return new RunStart.Started(now, name, null, "restore drill " + drill.getSpec().getScenario().value()
                + " of TViewBackupPolicy " + policyName + " started: Job " + name + " (image " + chosen.image() + ")",
                Optional.empty(), settings.retryInterval());
    }

    private DrillJobs.RestoreJob restoreJob(TViewDrill drill, DrillPlan plan, String runId, BackupPolicyView policy,
                                            String image) {
        String secret = policy.secretName();
        return new DrillJobs.RestoreJob(runId, drill.getSpec().getScenario().value(), drill.getSpec().getCleanup().name(),
                image, plan.deadline().toSeconds(), plan.targetRto(), plan.targetRpo(), secret,
                jobs.secretHasPort(drill.getMetadata().getNamespace(), secret), policy.backupRoot(), policy.claimName());
    }

    private RunStart failover(TViewDrill drill, Instant now) {
        String cluster = drill.getSpec().getDatabase().getCluster().getName();
        FailoverDrill.Start start = failover.start(drill.getMetadata().getNamespace(), cluster);
        if (start instanceof FailoverDrill.Start.ClusterMissing m) {
            return new RunStart.Stalled("ClusterNotFound", m.message(), Optional.of(settings.retryInterval()));
        }
        if (start instanceof FailoverDrill.Start.Refused r) {
            DrillOutcome refused = FailoverDrill.refused(r.message(), now, clock.instant(), cluster);
            return new RunStart.Started(now, null, null, "failover drill of Cluster " + cluster + " started",
                    Optional.of(refused), Duration.ZERO);
        }
        var requested = ((FailoverDrill.Start.Requested) start).state();
        return new RunStart.Started(now, null, requested, "failover drill started: switchover of Cluster " + cluster
                + " from " + requested.fromPrimary() + " to " + requested.targetPrimary() + " requested (status.targetPrimary)",
                Optional.empty(), Duration.ofMillis(1));
    }
}
