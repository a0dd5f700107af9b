package dev.tviews.operator.tview;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * A consistency-check schedule: a standard 5-field (UNIX) cron expression read in a time zone, plus a
 * deterministic per-resource jitter so checks of many TViews do not all start at once.
 */
final class CheckSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final ExecutionTime executionTime;
    private final ZoneId zone;
    private final Duration jitter;

    private CheckSchedule(ExecutionTime executionTime, ZoneId zone, Duration jitter) {
        this.executionTime = executionTime;
        this.zone = zone;
        this.jitter = jitter;
    }

    /** Parses the schedule; throws {@link IllegalArgumentException} with a readable message when invalid. */
    static CheckSchedule parse(ConsistencyCheckSpec spec, String resourceUid, Duration jitterWindow) {
        ConsistencyCheckSpec effective = spec == null ? new ConsistencyCheckSpec() : spec;
        ExecutionTime execution;
        try {
            execution = ExecutionTime.forCron(PARSER.parse(effective.getSchedule().trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid consistencyCheck.schedule '" + effective.getSchedule()
                    + "': " + e.getMessage() + " (use 5 fields: minute hour day-of-month month day-of-week)");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(effective.getTimeZone());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("invalid consistencyCheck.timeZone '" + effective.getTimeZone()
                    + "': use an IANA name such as UTC or Europe/Paris");
        }
        long window = Math.max(0, jitterWindow.toMillis());
        long offset = window == 0 ? 0 : Math.floorMod((resourceUid == null ? "" : resourceUid).hashCode(), window);
        return new CheckSchedule(execution, zone, Duration.ofMillis(offset));
    }

    /** The first due time strictly after {@code after}. */
    Instant nextAfter(Instant after) {
        ZonedDateTime from = after.minus(jitter).atZone(zone);
        return executionTime.nextExecution(from).map(t -> t.toInstant().plus(jitter))
                .orElse(after.plus(Duration.ofDays(365)));
    }
}
