package dev.tviews.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Access to the TVIEW runtime install script ({@code src/sql/tviews.sql}) packaged on the classpath. */
public final class TviewsRuntime {

    /** Classpath location of the install script. */
    public static final String RESOURCE = "dev/tviews/runtime/sql/tviews.sql";

    private static final Pattern MARKER = Pattern.compile("^-- tviews-runtime-version: (\\S+)");

    private TviewsRuntime() {
    }

    /** The idempotent install/upgrade script (one transaction; run it as a whole). */
    public static String installScript() {
        try (InputStream in = TviewsRuntime.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " not found");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The runtime version, parsed from the script's first-line marker; equals {@code pg_tviews_version()}. */
    public static String version() {
        String script = installScript();
        int nl = script.indexOf('\n');
        Matcher m = MARKER.matcher(nl < 0 ? script : script.substring(0, nl));
        if (!m.find()) {
            throw new IllegalStateException("missing '-- tviews-runtime-version:' marker on the first line of " + RESOURCE);
        }
        return m.group(1);
    }
}
