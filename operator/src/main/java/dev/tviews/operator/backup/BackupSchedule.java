package dev.tviews.operator.backup;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;

/** A backup schedule: standard 5-field (UNIX) cron read in a time zone, as CronJob.spec.schedule/timeZone read it. */
final class BackupSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile(BackupPolicySpec.DURATION);

    private final ExecutionTime executionTime;
    private final ZoneId zone;

    private BackupSchedule(ExecutionTime executionTime, ZoneId zone) {
        this.executionTime = executionTime;
        this.zone = zone;
    }

    /** Parses schedule and time zone; throws {@link IllegalArgumentException} with a readable message. */
    static BackupSchedule parse(String schedule, String timeZone) {
        if (schedule == null || schedule.isBlank()) {
            throw new IllegalArgumentException("spec.schedule is required (5 fields: minute hour day-of-month month day-of-week)");
        }
        String trimmed = schedule.trim();
        if (trimmed.split("\\s+").length != 5) {
            throw new IllegalArgumentException("invalid spec.schedule '" + schedule
                    + "': use 5 fields: minute hour day-of-month month day-of-week");
        }
        ExecutionTime execution;
        try {
            execution = ExecutionTime.forCron(PARSER.parse(trimmed));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid spec.schedule '" + schedule + "': " + e.getMessage()
                    + " (use 5 fields: minute hour day-of-month month day-of-week)");
        }
        ZoneId zone;
        try {
            zone = ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("invalid spec.timeZone '" + timeZone
                    + "': use an IANA name such as UTC or Europe/Paris");
        }
        return new BackupSchedule(execution, zone);
    }

    /** The first run strictly after {@code after}. */
    Optional<Instant> nextAfter(Instant after) {
        return executionTime.nextExecution(after.atZone(zone)).map(t -> t.toInstant());
    }

    /** The newest run at or before {@code at}. */
    Optional<Instant> lastAtOrBefore(Instant at) {
        return executionTime.lastExecution(at.plusSeconds(1).atZone(zone)).map(t -> t.toInstant());
    }

    /** Parses 90s, 45m, 12h, 30d, 2w; throws {@link IllegalArgumentException} naming {@code field}. */
    static Duration duration(String field, String text) {
        Matcher m = text == null ? null : DURATION.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid " + field + " '" + text
                    + "': use a number and a unit s, m, h, d or w, e.g. 24h or 30d");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        long n;
        try {
            n = Long.parseLong(t.substring(0, t.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + field + " '" + text + "': number too large");
        }
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }
}
