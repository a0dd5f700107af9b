package dev.tviews.operator.drill;

import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.drill.TViewDrillStatus.Phase;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of one run: from drill.sh's JSON line (restore scenarios) or from the operator (failover, deadline).
 * {@code details} holds the other fields of the result (backup, scratchDatabase, ...) for the report.
 */
record DrillOutcome(Phase phase, String startTime, String completionTime, Double rtoSeconds, Double rpoSeconds,
                    Boolean targetsMet, List<DrillCheck> checks, Map<String, Object> details) {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    /** Parses drill.sh's result line; throws {@link IllegalArgumentException} when it is not one. */
    @SuppressWarnings("unchecked")
    static DrillOutcome parse(String json) {
        Map<String, Object> m;
        try {
            m = JSON.unmarshal(json.trim(), Map.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a drill result: " + e.getMessage());
        }
        if (m == null || !(m.get("phase") instanceof String p) || !(m.get("checks") instanceof List<?> raw)) {
            throw new IllegalArgumentException("not a drill result (no phase/checks)");
        }
        List<DrillCheck> checks = new ArrayList<>();
        for (Object o : raw) {
            Map<String, Object> c = (Map<String, Object>) o;
            checks.add(new DrillCheck(String.valueOf(c.get("name")), Boolean.TRUE.equals(c.get("passed")),
                    c.get("message") == null ? "" : c.get("message").toString(), number(c.get("durationSeconds"))));
        }
        Map<String, Object> details = new LinkedHashMap<>(m);
        details.keySet().removeAll(List.of("phase", "checks", "startTime", "completionTime", "measuredRTOSeconds",
                "measuredRPOSeconds", "targetsMet"));
        Phase phase = "Succeeded".equals(p) ? Phase.Succeeded : Phase.Failed;
        Object tm = m.get("targetsMet");
        return new DrillOutcome(phase, text(m.get("startTime")), text(m.get("completionTime")),
                number(m.get("measuredRTOSeconds")), number(m.get("measuredRPOSeconds")),
                tm instanceof Boolean b ? b : null, checks, details);
    }

    String json() {
        Map<String, Object> m = new LinkedHashMap<>(details);
        m.put("phase", phase.name());
        m.put("startTime", startTime);
        m.put("completionTime", completionTime);
        m.put("measuredRTOSeconds", rtoSeconds);
        m.put("measuredRPOSeconds", rpoSeconds);
        m.put("targetsMet", targetsMet);
        m.put("checks", checks);
        return JSON.asJson(m);
    }

    List<DrillCheck> failedChecks() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    private static Double number(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o instanceof String s && !s.isBlank()) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }
}
