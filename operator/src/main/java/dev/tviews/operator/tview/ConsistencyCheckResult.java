package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What one consistency check found (pg_tviews_check_consistency). */
public record ConsistencyCheckResult(
        @JsonPropertyDescription("When the check ran.") String time,
        @JsonPropertyDescription("Keys the query yields that the table lacks.") long missing,
        @JsonPropertyDescription("Keys in the table the query no longer yields.") long extra,
        @JsonPropertyDescription("Keys present in both whose row differs.") long different,
        @JsonPropertyDescription("Up to 10 keys of drifted rows.") List<String> sampleKeys,
        @JsonPropertyDescription("Rows compared.") long checkedRows,
        @JsonPropertyDescription("How long the check took, in seconds.") double durationSeconds) {

    public long driftRows() {
        return missing + extra + different;
    }
}
