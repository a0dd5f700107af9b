package dev.tviews.operator.drill;

import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import dev.tviews.operator.jobs.DrillJobs;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Follows a running drill: the restore Job's result (its Pod's termination message), how it ended or overran its
 * deadline; or the failover drill's switchover (whose state it keeps in status).
 */
@ApplicationScoped
public class RunFollower {

    /** Extra time given to the Job controller to enforce activeDeadlineSeconds before the operator fails the run itself. */
    static final Duration DEADLINE_GRACE = Duration.ofMinutes(2);

    /** The run's outcome once it has one; until then, when to look again. */
    record Progress(Optional<DrillOutcome> outcome, Duration lookAgain) {
        static Progress over(DrillOutcome outcome) {
            return new Progress(Optional.of(outcome), Duration.ZERO);
        }
    }

    private final DrillJobs jobs;
    private final FailoverDrill failover;
    private final OperatorSettings settings;
    private final Clock clock;

    public RunFollower(DrillJobs jobs, FailoverDrill failover, OperatorSettings settings, Clock clock) {
        this.jobs = jobs;
        this.failover = failover;
        this.settings = settings;
        this.clock = clock;
    }

    Progress follow(TViewDrill drill, TViewDrillStatus status, DrillPlan plan) {
        Instant start = Instant.parse(status.getStartTime());
        return drill.getSpec().getScenario().restores() ? restore(drill, status.getJob(), start, plan)
                : switchover(drill, status, start, plan);
    }

    private Progress switchover(TViewDrill drill, TViewDrillStatus status, Instant start, DrillPlan plan) {
        if (status.getFailover() == null) {
            return Progress.over(FailoverDrill.refused("the run lost its switchover state", start, clock.instant(), null));
        }
        FailoverDrill.Progress p = failover.follow(drill.getMetadata().getNamespace(), status.getFailover(), start,
                start.plus(plan.deadline()), plan.targetRto());
        status.setFailover(p.state());
        return new Progress(p.outcome(), FailoverDrill.PROBE_INTERVAL);
    }

    private Progress restore(TViewDrill drill, String jobName, Instant start, DrillPlan plan) {
        Job job = jobs.job(drill, jobName);
        Optional<String> message = job == null ? Optional.empty() : jobs.terminationMessage(drill, jobName);
        Instant now = clock.instant();
        if (message.isPresent()) {
            try {
                return Progress.over(DrillOutcome.parse(message.get()));
            } catch (IllegalArgumentException e) {
                if (DrillJobs.finished(job).isPresent()) {
                    return failed(start, now, "result", "the drill container's termination message is not a drill "
                            + "result (" + e.getMessage() + "); see the Job's logs");
                }
            }
        }
        if (job == null) {
            return failed(start, now, "job", "Job " + jobName + " disappeared before reporting a result");
        }
        Optional<JobCondition> finished = DrillJobs.finished(job);
        if (finished.isPresent()) {
            return ended(drill, jobName, start, now, plan, finished.get());
        }
        if (now.isAfter(start.plus(plan.deadline()).plus(DEADLINE_GRACE))) {
            return failed(start, now, "deadline", "no result from Job " + jobName + " within the deadline "
                    + drill.getSpec().getDeadline() + " (+" + DEADLINE_GRACE.toMinutes() + "m grace)");
        }
        return new Progress(Optional.empty(), settings.retryInterval());
    }

    /** The Job finished without a drill result. */
    private static Progress ended(TViewDrill drill, String jobName, Instant start, Instant now, DrillPlan plan,
                                  JobCondition c) {
        String message = c.getMessage() == null ? "" : ": " + c.getMessage();
        if ("Failed".equals(c.getType()) && "DeadlineExceeded".equals(c.getReason())) {
            return failed(start, now, "deadline", "Job " + jobName + " exceeded its deadline of "
                    + drill.getSpec().getDeadline() + " (activeDeadlineSeconds " + plan.deadline().toSeconds() + ")" + message);
        }
        return failed(start, now, "job", "Job " + jobName + " " + c.getType() + " without a drill result"
                + (c.getReason() == null ? "" : " (" + c.getReason() + ")") + message + "; see the Job's logs");
    }

    private static Progress failed(Instant start, Instant end, String check, String message) {
        return Progress.over(new DrillOutcome(Phase.Failed, start.toString(), end.toString(), null, null, null,
                List.of(new DrillCheck(check, false, message, null)), new LinkedHashMap<>()));
    }
}
