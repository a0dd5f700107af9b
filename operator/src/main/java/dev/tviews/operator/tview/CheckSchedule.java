package dev.tviews.operator.tview;

import dev.tviews.operator.api.CronSchedule;
import java.time.Duration;
import java.time.Instant;

/**
 * A consistency-check schedule: the spec's cron in its time zone, shifted by a deterministic per-resource jitter so
 * checks of many TViews do not all start at once.
 */
final class CheckSchedule {

    private final CronSchedule cron;
    private final Duration jitter;

    private CheckSchedule(CronSchedule cron, Duration jitter) {
        this.cron = cron;
        this.jitter = jitter;
    }

    /** Parses the schedule; throws {@link IllegalArgumentException} with a readable message when invalid. */
    static CheckSchedule parse(ConsistencyCheckSpec spec, String resourceUid, Duration jitterWindow) {
        ConsistencyCheckSpec effective = spec == null ? new ConsistencyCheckSpec() : spec;
        CronSchedule cron = CronSchedule.parse("consistencyCheck.schedule", effective.getSchedule(),
                "consistencyCheck.timeZone", effective.getTimeZone());
        long window = Math.max(0, jitterWindow.toMillis());
        long offset = window == 0 ? 0 : Math.floorMod((resourceUid == null ? "" : resourceUid).hashCode(), window);
        return new CheckSchedule(cron, Duration.ofMillis(offset));
    }

    /** The first due time strictly after {@code after}. */
    Instant nextAfter(Instant after) {
        return cron.nextAfter(after.minus(jitter)).plus(jitter);
    }
}
