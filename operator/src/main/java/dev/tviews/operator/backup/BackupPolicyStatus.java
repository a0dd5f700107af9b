package dev.tviews.operator.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Observed state of a TViewBackupPolicy. Never holds credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupPolicyStatus implements dev.tviews.operator.api.ConditionedStatus {

    /** How many results recentBackups keeps (newest first). */
    public static final int RECENT_LIMIT = 10;

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Reconciling, Stalled (kstatus), LastBackupSucceeded and RPOMet.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("When a backup Job was last started (by the schedule or backup-now).")
    private String lastScheduleTime;

    @JsonPropertyDescription("When the schedule starts the next backups (none while suspended).")
    private String nextScheduleTime;

    @JsonPropertyDescription("The newest backup that was written and verified.")
    private BackupRecord lastSuccessfulBackup;

    @JsonPropertyDescription("End time of the newest verified backup of each method (method -> RFC 3339 time).")
    private Map<String, String> lastSuccessByMethod = new LinkedHashMap<>();

    @JsonPropertyDescription("The most recent backup results, newest first (at most 10).")
    private List<BackupRecord> recentBackups = new ArrayList<>();

    @JsonPropertyDescription("Failed (or unverified) backups since the last successful one.")
    private Integer consecutiveFailures = 0;

    @JsonPropertyDescription("Seconds between the last reconcile and the end of the newest verified backup that can "
            + "restore the data (logical or physical; metadata only when it is the sole method).")
    private Long currentRPOSeconds;

    @JsonPropertyDescription("The image the backup Jobs run.")
    private String image;

    @JsonPropertyDescription("Server version detected when the policy was last applied (server_version_num).")
    private Integer serverVersionNum;

    /** A copy with the same values, to compute a new status without touching the observed one. */
    public BackupPolicyStatus copy() {
        BackupPolicyStatus c = new BackupPolicyStatus();
        c.observedGeneration = observedGeneration;
        c.conditions = new ArrayList<>(conditions == null ? List.of() : conditions);
        c.lastScheduleTime = lastScheduleTime;
        c.nextScheduleTime = nextScheduleTime;
        c.lastSuccessfulBackup = lastSuccessfulBackup;
        c.lastSuccessByMethod = new LinkedHashMap<>(lastSuccessByMethod == null ? Map.of() : lastSuccessByMethod);
        c.recentBackups = new ArrayList<>(recentBackups == null ? List.of() : recentBackups);
        c.consecutiveFailures = consecutiveFailures;
        c.currentRPOSeconds = currentRPOSeconds;
        c.image = image;
        c.serverVersionNum = serverVersionNum;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof BackupPolicyStatus s)) {
            return false;
        }
        return Objects.equals(observedGeneration, s.observedGeneration)
                && dev.tviews.operator.api.Conditions.same(conditions, s.conditions)
                && Objects.equals(lastScheduleTime, s.lastScheduleTime)
                && Objects.equals(nextScheduleTime, s.nextScheduleTime)
                && Objects.equals(lastSuccessfulBackup, s.lastSuccessfulBackup)
                && Objects.equals(lastSuccessByMethod, s.lastSuccessByMethod)
                && Objects.equals(recentBackups, s.recentBackups)
                && Objects.equals(consecutiveFailures, s.consecutiveFailures)
                && Objects.equals(currentRPOSeconds, s.currentRPOSeconds)
                && Objects.equals(image, s.image)
                && Objects.equals(serverVersionNum, s.serverVersionNum);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, lastScheduleTime, nextScheduleTime, consecutiveFailures);
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public String getLastScheduleTime() {
        return lastScheduleTime;
    }

    public void setLastScheduleTime(String lastScheduleTime) {
        this.lastScheduleTime = lastScheduleTime;
    }

    public String getNextScheduleTime() {
        return nextScheduleTime;
    }

    public void setNextScheduleTime(String nextScheduleTime) {
        this.nextScheduleTime = nextScheduleTime;
    }

    public BackupRecord getLastSuccessfulBackup() {
        return lastSuccessfulBackup;
    }

    public void setLastSuccessfulBackup(BackupRecord lastSuccessfulBackup) {
        this.lastSuccessfulBackup = lastSuccessfulBackup;
    }

    public Map<String, String> getLastSuccessByMethod() {
        return lastSuccessByMethod;
    }

    public void setLastSuccessByMethod(Map<String, String> lastSuccessByMethod) {
        this.lastSuccessByMethod = lastSuccessByMethod;
    }

    public List<BackupRecord> getRecentBackups() {
        return recentBackups;
    }

    public void setRecentBackups(List<BackupRecord> recentBackups) {
        this.recentBackups = recentBackups;
    }

    public Integer getConsecutiveFailures() {
        return consecutiveFailures;
    }

    public void setConsecutiveFailures(Integer consecutiveFailures) {
        this.consecutiveFailures = consecutiveFailures;
    }

    @com.fasterxml.jackson.annotation.JsonProperty("currentRPOSeconds")
    public Long getCurrentRPOSeconds() {
        return currentRPOSeconds;
    }

    @com.fasterxml.jackson.annotation.JsonProperty("currentRPOSeconds")
    public void setCurrentRPOSeconds(Long currentRPOSeconds) {
        this.currentRPOSeconds = currentRPOSeconds;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public Integer getServerVersionNum() {
        return serverVersionNum;
    }

    public void setServerVersionNum(Integer serverVersionNum) {
        this.serverVersionNum = serverVersionNum;
    }
}
