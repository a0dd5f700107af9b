package dev.tviews.operator.drill;

import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import java.util.Map;

/** The readable Markdown report of one run, stored in the run's report ConfigMap. */
final class DrillReport {

    private DrillReport() {
    }

    static String markdown(TViewDrill drill, String runId, DrillOutcome o, Double targetRto, Double targetRpo) {
        StringBuilder md = new StringBuilder();
        md.append("# Disaster-recovery drill `").append(drill.getMetadata().getName()).append("`: ")
                .append(drill.getSpec().getScenario().value()).append(" — ").append(o.phase()).append("\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Namespace", drill.getMetadata().getNamespace());
        row(md, "Run", runId);
        row(md, "Scenario", "`" + drill.getSpec().getScenario().value() + "`");
        row(md, "Phase", "**" + o.phase() + "**");
        row(md, "Started / completed", o.startTime() + " / " + o.completionTime());
        row(md, "Measured RTO", seconds(o.rtoSeconds()) + " (target " + seconds(targetRto) + ")");
        row(md, "Measured RPO", seconds(o.rpoSeconds()) + " (target " + seconds(targetRpo) + ")");
        row(md, "Targets met", String.valueOf(o.targetsMet()));
        for (Map.Entry<String, Object> e : o.details().entrySet()) {
            if (e.getValue() != null) {
                row(md, e.getKey(), "`" + e.getValue() + "`");
            }
        }
        md.append("\n## Checks\n\n| Check | Result | Seconds | Message |\n|---|---|---|---|\n");
        for (DrillCheck c : o.checks()) {
            md.append("| ").append(c.name()).append(" | ").append(c.passed() ? "passed" : "**FAILED**").append(" | ")
                    .append(c.durationSeconds() == null ? "" : c.durationSeconds()).append(" | ")
                    .append(c.message() == null ? "" : c.message().replace("|", "\\|").replace("\n", " ")).append(" |\n");
        }
        md.append("\n");
        if (drill.getSpec().getScenario().restores()) {
            md.append("RTO = restore + recovery + verification time; RPO = drill start - backup endTime.\n");
        } else {
            md.append("RTO = time from the switchover request (Cluster status targetPrimary) to the first committed "
                    + "write on the new primary.\n");
        }
        md.append("The procedures executed are those of docs/operations/disaster-recovery.md.\n");
        return md.toString();
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private static String seconds(Double s) {
        return s == null ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f s", s);
    }
}
