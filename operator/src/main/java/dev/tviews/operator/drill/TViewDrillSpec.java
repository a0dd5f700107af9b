package dev.tviews.operator.drill;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.api.LocalObjectReference;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Desired state of a TViewDrill. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.scenario == 'failover' || has(self.backupPolicyRef)",
        message = "scenarios restore-latest, metadata-loss and tview-corruption require backupPolicyRef")
@ValidationRule(value = "self.scenario != 'failover' || (has(self.database) && has(self.database.cluster))",
        message = "scenario failover requires database.cluster (a CloudNativePG Cluster)")
public class TViewDrillSpec {

    /** What the drill exercises. */
    public enum Scenario {
        @JsonProperty("restore-latest") RESTORE_LATEST("restore-latest"),
        @JsonProperty("metadata-loss") METADATA_LOSS("metadata-loss"),
        @JsonProperty("tview-corruption") TVIEW_CORRUPTION("tview-corruption"),
        @JsonProperty("failover") FAILOVER("failover");

        private final String value;

        Scenario(String value) {
            this.value = value;
        }

        public String value() {
            return value;
        }

        public boolean restores() {
            return this != FAILOVER;
        }
    }

    /** When the scratch database of a restore drill is dropped. */
    public enum Cleanup { Always, OnSuccess }

    @Required
    @JsonPropertyDescription("restore-latest: restore the newest verified backup of backupPolicyRef into a scratch "
            + "database and verify it; metadata-loss: also damage and recover the TVIEW catalog there; "
            + "tview-corruption: also corrupt, detect and repair TVIEW rows there; failover: a planned switchover of "
            + "the CloudNativePG Cluster database.cluster (like kubectl cnpg promote), verified on the new primary.")
    private Scenario scenario;

    @JsonPropertyDescription("The TViewBackupPolicy whose backups are restored (restore scenarios).")
    private LocalObjectReference backupPolicyRef;

    @JsonPropertyDescription("For failover: database.cluster names the CloudNativePG Cluster to switch over.")
    private DatabaseRef database;

    @Default("")
    @JsonPropertyDescription("Empty: run once. A 5-field cron expression (minute hour day-of-month month day-of-week, "
            + "read in timeZone): run at each due time, keeping historyLimit results.")
    private String schedule = "";

    @Default("UTC")
    @JsonPropertyDescription("IANA time zone of schedule.")
    private String timeZone = "UTC";

    @Default("5")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("How many completed runs are kept in status.history (with their Jobs and report ConfigMaps).")
    private int historyLimit = 5;

    @JsonPropertyDescription("Recovery objectives the measured figures are compared with (condition TargetsMet).")
    private Targets targets;

    @Default("Always")
    @JsonPropertyDescription("Always: drop the scratch database after the drill; OnSuccess: keep it after a failed "
            + "drill for forensics.")
    private Cleanup cleanup = Cleanup.Always;

    @Default("30m")
    @Pattern("^[0-9]+(s|m|h|d)$")
    @JsonPropertyDescription("A run that takes longer fails with check 'deadline' (Job activeDeadlineSeconds).")
    private String deadline = "30m";

    @JsonPropertyDescription("Image of the drill Job; default: the backup policy's spec.image, else postgres:<server "
            + "major version>.")
    private String image;

    /** Recovery time and point objectives. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Targets {
        @Pattern("^[0-9]+(s|m|h|d)$")
        @JsonPropertyDescription("Recovery time objective, e.g. 15m.")
        private String rto;

        @Pattern("^[0-9]+(s|m|h|d)$")
        @JsonPropertyDescription("Recovery point objective, e.g. 24h.")
        private String rpo;

        public String getRto() {
            return rto;
        }

        public void setRto(String rto) {
            this.rto = rto;
        }

        public String getRpo() {
            return rpo;
        }

        public void setRpo(String rpo) {
            this.rpo = rpo;
        }
    }

    public Scenario getScenario() {
        return scenario;
    }

    public void setScenario(Scenario scenario) {
        this.scenario = scenario;
    }

    public LocalObjectReference getBackupPolicyRef() {
        return backupPolicyRef;
    }

    public void setBackupPolicyRef(LocalObjectReference backupPolicyRef) {
        this.backupPolicyRef = backupPolicyRef;
    }

    public DatabaseRef getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseRef database) {
        this.database = database;
    }

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

    public int getHistoryLimit() {
        return historyLimit;
    }

    public void setHistoryLimit(int historyLimit) {
        this.historyLimit = historyLimit;
    }

    public Targets getTargets() {
        return targets;
    }

    public void setTargets(Targets targets) {
        this.targets = targets;
    }

    public Cleanup getCleanup() {
        return cleanup;
    }

    public void setCleanup(Cleanup cleanup) {
        this.cleanup = cleanup;
    }

    public String getDeadline() {
        return deadline;
    }

    public void setDeadline(String deadline) {
        this.deadline = deadline;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    boolean scheduled() {
        return schedule != null && !schedule.isBlank();
    }
}
