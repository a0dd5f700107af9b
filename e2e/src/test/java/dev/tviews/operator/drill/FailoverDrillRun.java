package dev.tviews.operator.drill;

import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.drill.TViewDrillStatus.FailoverState;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Test access (e2e) to the operator's failover drill: the same {@link FailoverDrill#start} and
 * {@link FailoverDrill#follow} calls {@link RunStarter} and {@link RunFollower} make for a {@code failover} run, without
 * the reconciler around them (no TViewDrill resource, no status writes). Lives in the operator's package because those
 * methods are package-private.
 */
public final class FailoverDrillRun {

    /** The run's outcome as the reconciler would record it. */
    public record Result(String phase, Double rtoSeconds, Boolean targetsMet, List<DrillCheck> checks, FailoverState state,
                         String json) {
    }

    private FailoverDrillRun() {
    }

    /** Requests the switchover of {@code cluster} and follows it until the drill has an outcome or fails its deadline. */
    public static Result run(KubernetesClient client, String namespace, String cluster, java.time.Duration deadline,
                             Double targetRto) {
        Clock clock = Clock.systemUTC();
        FailoverDrill drill = new FailoverDrill(client, new DatabaseResolver(client), clock);
        Instant start = clock.instant();
        FailoverDrill.Start s = drill.start(namespace, cluster);
        if (!(s instanceof FailoverDrill.Start.Requested requested)) {
            throw new AssertionError("the failover drill did not request a switchover: " + s);
        }
        FailoverState state = requested.state();
        while (true) {
            FailoverDrill.Progress p = drill.follow(namespace, state, start, start.plus(deadline), targetRto);
            state = p.state();
            Optional<DrillOutcome> o = p.outcome();
            if (o.isPresent()) {
                DrillOutcome outcome = o.get();
                return new Result(outcome.phase().name(), outcome.rtoSeconds(), outcome.targetsMet(), outcome.checks(),
                        state, outcome.json());
            }
            // the reconciler looks again after this interval (a reschedule)
            java.util.concurrent.locks.LockSupport.parkNanos(FailoverDrill.PROBE_INTERVAL.toNanos());
        }
    }
}
