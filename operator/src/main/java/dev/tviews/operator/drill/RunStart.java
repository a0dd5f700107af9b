package dev.tviews.operator.drill;

import dev.tviews.operator.drill.TViewDrillStatus.FailoverState;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** What starting a run came to. */
sealed interface RunStart {

    /** The spec, or what it references, must change; looked at again after {@code retry}, if any. */
    record Stalled(String reason, String message, Optional<Duration> retry) implements RunStart {
    }

    /** Something the run needs is not there yet; looked at again after the retry interval. */
    record Waiting(String reason, String message) implements RunStart {
    }

    /**
     * The run started at {@code time}: its Job (restore) or the switchover it requested (failover), followed after
     * {@code lookAgain}; a failover run refused before changing anything is {@code over} at once.
     */
    record Started(Instant time, String job, FailoverState failover, String message, Optional<DrillOutcome> over,
                   Duration lookAgain) implements RunStart {
    }
}
