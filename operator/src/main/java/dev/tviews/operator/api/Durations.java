package dev.tviews.operator.api;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in specs: a whole number and a unit s, m, h, d or w (90s, 15m, 24h, 30d, 2w). */
public final class Durations {

    /** The CRD pattern of such fields. */
    public static final String PATTERN = "^[0-9]+(s|m|h|d|w)$";
    private static final Pattern FORMAT = Pattern.compile("^([0-9]+)(s|m|h|d|w)$");

    private Durations() {
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} naming {@code field} when invalid. */
    public static Duration parse(String field, String text) {
        Matcher m = text == null ? null : FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid " + field + " '" + text
                    + "': use a number and a unit s, m, h, d or w, e.g. 90s, 15m, 24h or 30d");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + field + " '" + text + "': number too large");
        }
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofDays(7 * n);
        };
    }
}
