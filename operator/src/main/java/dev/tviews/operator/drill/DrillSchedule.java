package dev.tviews.operator.drill;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/** The schedule of a repeated drill: standard 5-field (UNIX) cron read in a time zone. */
final class DrillSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final ExecutionTime execution;
    private final ZoneId zone;

    private DrillSchedule(ExecutionTime execution, ZoneId zone) {
        this.execution = execution;
        this.zone = zone;
    }

    static DrillSchedule parse(String schedule, String timeZone) {
        ExecutionTime execution;
        try {
            execution = ExecutionTime.forCron(PARSER.parse(schedule.trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid schedule '" + schedule + "': " + e.getMessage()
                    + " (use 5 fields: minute hour day-of-month month day-of-week)");
        }
        try {
            return new DrillSchedule(execution, ZoneId.of(timeZone == null ? "UTC" : timeZone));
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("invalid timeZone '" + timeZone + "': use an IANA name such as UTC");
        }
    }

    Instant nextAfter(Instant after) {
        return execution.nextExecution(after.atZone(zone)).map(t -> t.toInstant()).orElse(after.plus(Duration.ofDays(365)));
    }

    /** The latest due time at or before {@code now}, if it is after {@code since}. */
    Optional<Instant> dueSince(Instant since, Instant now) {
        Optional<Instant> last = execution.lastExecution(now.plusMillis(1).atZone(zone)).map(t -> t.toInstant());
        return last.filter(t -> t.isAfter(since) && !t.isAfter(now));
    }
}
