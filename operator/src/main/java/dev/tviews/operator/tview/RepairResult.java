package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One repair of drifted rows (pg_tviews_repair). */
public record RepairResult(
        @JsonPropertyDescription("When the repair ran.") String time,
        @JsonPropertyDescription("Rows rewritten, inserted or deleted.") long rowsRepaired,
        @JsonPropertyDescription("Why it ran: Drift (onDrift Repair) or SelfHeal.") String reason) {
}
