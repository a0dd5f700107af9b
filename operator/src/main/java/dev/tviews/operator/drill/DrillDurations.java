package dev.tviews.operator.drill;

import java.time.Duration;
import java.util.regex.Matcher;

/** Durations of the drill spec: a number and a unit, {@code s}, {@code m}, {@code h} or {@code d} (e.g. 15m, 24h). */
final class DrillDurations {

    private static final java.util.regex.Pattern FORMAT = java.util.regex.Pattern.compile("^([0-9]+)(s|m|h|d)$");

    private DrillDurations() {
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming {@code field} when invalid. */
    static Duration parse(String field, String text) {
        Matcher m = text == null ? null : FORMAT.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(field + " '" + text + "' is not a duration such as 90s, 15m, 24h or 7d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
