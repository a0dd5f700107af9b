package dev.tviews.devmode;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A compact table of TViews: name, generation / observed generation, Ready, the reason that matters (Stalled or
 * Reconciling when true, else Ready's), rows, drift and a shortened message. Reads generic resources, so it keeps
 * working whatever the operator's status grows into.
 */
public final class StatusTable {

    /** One TView's line. */
    public record Row(String name, String generation, String ready, String reason, String rows, String drift,
                      String message) {
    }

    private StatusTable() {
    }

    public static List<Row> rows(List<GenericKubernetesResource> tviews) {
        List<Row> rows = new ArrayList<>();
        for (GenericKubernetesResource tv : tviews) {
            Map<String, Object> status = map(tv.getAdditionalProperties().get("status"));
            List<Map<String, Object>> conditions = new ArrayList<>();
            if (status.get("conditions") instanceof List<?> list) {
                list.forEach(c -> conditions.add(map(c)));
            }
            Map<String, Object> ready = find(conditions, "Ready");
            Map<String, Object> stalled = find(conditions, "Stalled");
            Map<String, Object> reconciling = find(conditions, "Reconciling");
            Map<String, Object> drifted = find(conditions, "Drifted");
            Map<String, Object> explaining = isTrue(stalled) ? stalled
                    : isTrue(reconciling) ? reconciling
                    : ready != null ? ready : Map.of();
            String gen = text(tv.getMetadata().getGeneration()) + "/" + text(status.get("observedGeneration"));
            String drift = text(status.get("driftRows"));
            if (isTrue(drifted) && "-".equals(drift)) {
                drift = "yes";
            }
            rows.add(new Row(tv.getMetadata().getName(), gen, ready == null ? "-" : text(ready.get("status")),
                    text(explaining.get("reason")), text(status.get("rowCount")), drift,
                    shorten(Objects.toString(explaining.get("message"), ""), 80)));
        }
        rows.sort(Comparator.comparing(Row::name));
        return rows;
    }

    public static String render(List<Row> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"NAME", "GEN/OBS", "READY", "REASON", "ROWS", "DRIFT", "MESSAGE"});
        rows.forEach(r -> cells.add(new String[] {r.name(), r.generation(), r.ready(), r.reason(), r.rows(), r.drift(),
                r.message()}));
        int[] width = new int[7];
        cells.forEach(c -> {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        });
        StringBuilder out = new StringBuilder();
        for (String[] c : cells) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < c.length; i++) {
                line.append(i == c.length - 1 ? c[i] : pad(c[i], width[i] + 2));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        if (rows.isEmpty()) {
            out.append("  (no TViews)\n");
        }
        return out.toString();
    }

    private static Map<String, Object> find(List<Map<String, Object>> conditions, String type) {
        return conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst().orElse(null);
    }

    private static boolean isTrue(Map<String, Object> condition) {
        return condition != null && "True".equals(condition.get("status"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String text(Object o) {
        return o == null || o.toString().isEmpty() ? "-" : o.toString();
    }

    private static String shorten(String s, int max) {
        String one = s.replaceAll("\\s+", " ").trim();
        return one.length() <= max ? one : one.substring(0, max - 1) + "…";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
