package dev.tviews.operator.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a TViewDrill: the current (or last) run, and for scheduled drills the history. Never holds credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TViewDrillStatus implements dev.tviews.operator.api.ConditionedStatus {

    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    /** Phases of a run. */
    public enum Phase { Pending, Running, Succeeded, Failed }

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready (last run succeeded), Reconciling (a run in progress or waiting), Stalled (spec cannot "
            + "be run as it is), Completed (the run finished), TargetsMet (measured RTO/RPO within targets).")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Phase of the current (or last) run: Pending, Running, Succeeded, Failed.")
    private Phase phase;

    @JsonPropertyDescription("Identifier of the current (or last) run: g<generation> for a one-shot drill, the due time "
            + "(yyyyMMddHHmm, UTC) for a scheduled one. The Job is <drill>-<runId>.")
    private String runId;

    @JsonPropertyDescription("The Job of the current (or last) restore run.")
    private String job;

    private String startTime;
    private String completionTime;
    private Double measuredRTOSeconds;
    private Double measuredRPOSeconds;

    @JsonPropertyDescription("Checks of the current (or last) run.")
    private List<DrillCheck> checks = new ArrayList<>();

    @JsonPropertyDescription("Name of the ConfigMap holding the Markdown report (key report.md) and the raw result "
            + "(key result.json) of the last completed run.")
    private String report;

    @JsonPropertyDescription("Failover scenario: the switchover this run requested.")
    private FailoverState failover;

    @JsonPropertyDescription("Scheduled drills: when the last run started.")
    private String lastRun;

    @JsonPropertyDescription("Scheduled drills: when the next run is due.")
    private String nextRun;

    @JsonPropertyDescription("Completed runs, newest first, at most spec.historyLimit.")
    private List<DrillRun> history = new ArrayList<>();

    /** One verification step of a run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DrillCheck(String name, boolean passed, String message, Double durationSeconds) {
    }

    /** A completed run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DrillRun(String runId, Phase phase, String startTime, String completionTime, Double measuredRTOSeconds,
                           Double measuredRPOSeconds, Boolean targetsMet, String report, String job, String failedChecks) {
    }

    /** The switchover requested by a failover run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FailoverState(String cluster, String fromPrimary, String targetPrimary, String requestedTime,
                                String promotedTime) {
    }

    public TViewDrillStatus copy() {
        return JSON.unmarshal(JSON.asJson(this), TViewDrillStatus.class);
    }

    public boolean sameAs(TViewDrillStatus other) {
        return other != null && JSON.asJson(this).equals(JSON.asJson(other));
    }

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long v) { observedGeneration = v; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> v) { conditions = v; }
    public Phase getPhase() { return phase; }
    public void setPhase(Phase v) { phase = v; }
    public String getRunId() { return runId; }
    public void setRunId(String v) { runId = v; }
    public String getJob() { return job; }
    public void setJob(String v) { job = v; }
    public String getStartTime() { return startTime; }
    public void setStartTime(String v) { startTime = v; }
    public String getCompletionTime() { return completionTime; }
    public void setCompletionTime(String v) { completionTime = v; }
    public Double getMeasuredRTOSeconds() { return measuredRTOSeconds; }
    public void setMeasuredRTOSeconds(Double v) { measuredRTOSeconds = v; }
    public Double getMeasuredRPOSeconds() { return measuredRPOSeconds; }
    public void setMeasuredRPOSeconds(Double v) { measuredRPOSeconds = v; }
    public List<DrillCheck> getChecks() { return checks; }
    public void setChecks(List<DrillCheck> v) { checks = v; }
    public String getReport() { return report; }
    public void setReport(String v) { report = v; }
    public FailoverState getFailover() { return failover; }
    public void setFailover(FailoverState v) { failover = v; }
    public String getLastRun() { return lastRun; }
    public void setLastRun(String v) { lastRun = v; }
    public String getNextRun() { return nextRun; }
    public void setNextRun(String v) { nextRun = v; }
    public List<DrillRun> getHistory() { return history; }
    public void setHistory(List<DrillRun> v) { history = v; }
}
