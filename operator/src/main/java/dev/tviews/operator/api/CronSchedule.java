package dev.tviews.operator.api;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;

/**
 * A standard 5-field cron expression (minute hour day-of-month month day-of-week, as CronJob.spec.schedule reads it)
 * in an IANA time zone. Every resource with a schedule parses it here, so they accept and reject the same things.
 */
public final class CronSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final String FIELDS = "use 5 fields: minute hour day-of-month month day-of-week";

    private final ExecutionTime executionTime;
    private final ZoneId zone;

    private CronSchedule(ExecutionTime executionTime, ZoneId zone) {
        this.executionTime = executionTime;
        this.zone = zone;
    }

    /**
     * Parses {@code schedule} and {@code timeZone} (blank: UTC); throws {@link IllegalArgumentException} with a
     * readable message naming the fields, e.g. {@code spec.schedule} and {@code spec.timeZone}.
     */
    public static CronSchedule parse(String scheduleField, String schedule, String timeZoneField, String timeZone) {
        if (schedule == null || schedule.isBlank()) {
            throw new IllegalArgumentException(scheduleField + " is required (" + FIELDS + ")");
        }
        String trimmed = schedule.trim();
        if (trimmed.split("\\s+").length != 5) {
            throw new IllegalArgumentException("invalid " + scheduleField + " '" + schedule + "': " + FIELDS);
        }
        ExecutionTime execution;
        try {
            execution = ExecutionTime.forCron(PARSER.parse(trimmed));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid " + scheduleField + " '" + schedule + "': " + e.getMessage()
                    + " (" + FIELDS + ")");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("invalid " + timeZoneField + " '" + timeZone
                    + "': use an IANA name such as UTC or Europe/Paris");
        }
        if (execution.nextExecution(Instant.now().atZone(zone)).isEmpty()) {
            throw new IllegalArgumentException("invalid " + scheduleField + " '" + schedule + "': it never fires");
        }
        return new CronSchedule(execution, zone);
    }

    /** The first due time strictly after {@code after}. */
    public Instant nextAfter(Instant after) {
        return executionTime.nextExecution(after.atZone(zone)).orElseThrow().toInstant();
    }
}
