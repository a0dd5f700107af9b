package dev.tviews.operator.tview;

import dev.tviews.operator.api.Conditions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the TViews a TView waits for: those whose table its query reads ({@code tv_*} names, optionally
 * schema-qualified) and those listed in {@code spec.dependsOn}, among the TViews of its namespace.
 */
final class DependencyFinder {

    private static final Pattern TV_REFERENCE =
            Pattern.compile("(?i)(?:\"?([a-z_][a-z0-9_$]*)\"?\\s*\\.\\s*)?\"?(tv_[a-z0-9_$]+)\"?");

    private DependencyFinder() {
    }

    /** Names of the dependencies that are not Ready for their current generation (or do not exist). */
    static List<String> notReady(TView tview, Stream<TView> namespaceTViews) {
        List<TView> others = namespaceTViews.filter(t -> !t.getMetadata().getName().equals(tview.getMetadata().getName()))
                .toList();
        Set<String> waiting = new LinkedHashSet<>();
        Set<String> tables = referencedTables(tview.getSpec().getQuery());
        for (TView other : others) {
            boolean read = tables.contains(schemaOf(other) + "." + "tv_" + other.entity())
                    || tables.contains("." + "tv_" + other.entity());
            if ((read || tview.getSpec().getDependsOn().contains(other.getMetadata().getName())) && !isReady(other)) {
                waiting.add(other.getMetadata().getName());
            }
        }
        for (String named : tview.getSpec().getDependsOn()) {
            if (others.stream().noneMatch(o -> o.getMetadata().getName().equals(named))) {
                waiting.add(named + " (not found)");
            }
        }
        return new ArrayList<>(waiting);
    }

    /** "schema.tv_x" for qualified references, ".tv_x" for unqualified ones. */
    static Set<String> referencedTables(String query) {
        Set<String> tables = new LinkedHashSet<>();
        Matcher m = TV_REFERENCE.matcher(query == null ? "" : query);
        while (m.find()) {
            String schema = m.group(1) == null ? "" : m.group(1).toLowerCase(Locale.ROOT);
            tables.add(schema + "." + m.group(2).toLowerCase(Locale.ROOT));
        }
        return tables;
    }

    static boolean isReady(TView t) {
        return t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY)
                && Objects.equals(t.getStatus().getObservedGeneration(), t.getMetadata().getGeneration());
    }

    private static String schemaOf(TView t) {
        return t.getSpec().getSchema() == null ? "public" : t.getSpec().getSchema();
    }
}
