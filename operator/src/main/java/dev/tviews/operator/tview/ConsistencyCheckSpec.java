package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** When a TVIEW is compared with its query, and what happens on drift. */
public class ConsistencyCheckSpec {

    /** What to do when rows differ from the query. */
    public enum OnDrift { Report, Repair }

    @Default("'*/30 * * * *'")
    @ValidationRule(value = "self.matches('^\\\\s*(\\\\S+\\\\s+){4}\\\\S+\\\\s*$')",
            message = "schedule is a standard 5-field cron expression (minute hour day-of-month month day-of-week)")
    @JsonPropertyDescription("Standard 5-field cron expression (minute hour day-of-month month day-of-week). Checks of "
            + "many TViews are spread over up to a minute (jitter).")
    private String schedule = "*/30 * * * *";

    @Default("UTC")
    @JsonPropertyDescription("IANA time zone the schedule is read in, e.g. UTC or Europe/Paris.")
    private String timeZone = "UTC";

    @Default("Report")
    @JsonPropertyDescription("Report: set Drifted=True with counts and sample keys. Repair: also rewrite the differing rows.")
    private OnDrift onDrift = OnDrift.Report;

    public String getSchedule() {
        return schedule;
    }

    public void setSchedule(String schedule) {
        this.schedule = schedule;
    }

    public String getTimeZone() {
        return timeZone;
    }

    public void setTimeZone(String timeZone) {
        this.timeZone = timeZone;
    }

    public OnDrift getOnDrift() {
        return onDrift;
    }

    public void setOnDrift(OnDrift onDrift) {
        this.onDrift = onDrift;
    }
}
