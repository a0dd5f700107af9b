package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Observed state of a TView. Never holds credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TViewStatus implements dev.tviews.operator.api.ConditionedStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready, Reconciling, Stalled (kstatus) and Drifted.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The TVIEW table, schema-qualified, e.g. public.tv_post.")
    private String table;

    @JsonPropertyDescription("Rows in the TVIEW table at the last reconcile.")
    private Long rowCount;

    @JsonPropertyDescription("Version of the TVIEW runtime installed in the database.")
    private String runtimeVersion;

    @JsonPropertyDescription("Hash of the applied query and options; changes when the definition changes.")
    private String definitionHash;

    @JsonPropertyDescription("When the current definition was last applied to the database.")
    private String lastAppliedTime;

    @JsonPropertyDescription("The generation whose spec was last applied successfully (Ready=True).")
    private Long lastAppliedGeneration;

    @JsonPropertyDescription("The last value of the tviews.dev/check-now annotation acted on.")
    private String lastCheckRequest;

    @JsonPropertyDescription("Whether this resource created the TVIEW (only then may deletionPolicy Delete drop it).")
    private Boolean createdByOperator;

    @JsonPropertyDescription("Result of the last consistency check.")
    private ConsistencyCheckResult lastConsistencyCheck;

    @JsonPropertyDescription("When the next consistency check is due.")
    private String nextConsistencyCheck;

    @JsonPropertyDescription("Rows found differing from the query at the last check (missing + extra + different).")
    private Long driftRows;

    @JsonPropertyDescription("The last repair of drifted rows.")
    private RepairResult lastRepair;

    @JsonPropertyDescription("For a CloudNativePG cluster: the primary instance the TVIEW was last reconciled on.")
    private String currentPrimary;

    /** A copy with the same values, to compute a new status without touching the observed one. */
    public TViewStatus copy() {
        TViewStatus c = new TViewStatus();
        c.observedGeneration = observedGeneration;
        c.conditions = new ArrayList<>(conditions == null ? List.of() : conditions);
        c.table = table;
        c.rowCount = rowCount;
        c.runtimeVersion = runtimeVersion;
        c.definitionHash = definitionHash;
        c.lastAppliedTime = lastAppliedTime;
        c.createdByOperator = createdByOperator;
        c.lastAppliedGeneration = lastAppliedGeneration;
        c.lastCheckRequest = lastCheckRequest;
        c.lastConsistencyCheck = lastConsistencyCheck;
        c.nextConsistencyCheck = nextConsistencyCheck;
        c.driftRows = driftRows;
        c.lastRepair = lastRepair;
        c.currentPrimary = currentPrimary;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TViewStatus s)) {
            return false;
        }
        return Objects.equals(observedGeneration, s.observedGeneration)
                && dev.tviews.operator.api.Conditions.same(conditions, s.conditions)
                && Objects.equals(table, s.table) && Objects.equals(rowCount, s.rowCount)
                && Objects.equals(runtimeVersion, s.runtimeVersion) && Objects.equals(definitionHash, s.definitionHash)
                && Objects.equals(lastAppliedTime, s.lastAppliedTime)
                && Objects.equals(createdByOperator, s.createdByOperator)
                && Objects.equals(lastAppliedGeneration, s.lastAppliedGeneration)
                && Objects.equals(lastCheckRequest, s.lastCheckRequest)
                && Objects.equals(lastConsistencyCheck, s.lastConsistencyCheck)
                && Objects.equals(nextConsistencyCheck, s.nextConsistencyCheck)
                && Objects.equals(driftRows, s.driftRows) && Objects.equals(lastRepair, s.lastRepair)
                && Objects.equals(currentPrimary, s.currentPrimary);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, table, rowCount, definitionHash);
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
        this.conditions = conditions == null ? new ArrayList<>() : conditions;
    }

    public String getTable() {
        return table;
    }

    public void setTable(String table) {
        this.table = table;
    }

    public Long getRowCount() {
        return rowCount;
    }

    public void setRowCount(Long rowCount) {
        this.rowCount = rowCount;
    }

    public String getRuntimeVersion() {
        return runtimeVersion;
    }

    public void setRuntimeVersion(String runtimeVersion) {
        this.runtimeVersion = runtimeVersion;
    }

    public String getDefinitionHash() {
        return definitionHash;
    }

    public void setDefinitionHash(String definitionHash) {
        this.definitionHash = definitionHash;
    }

    public String getLastAppliedTime() {
        return lastAppliedTime;
    }

    public void setLastAppliedTime(String lastAppliedTime) {
        this.lastAppliedTime = lastAppliedTime;
    }

    public Long getLastAppliedGeneration() {
        return lastAppliedGeneration;
    }

    public void setLastAppliedGeneration(Long lastAppliedGeneration) {
        this.lastAppliedGeneration = lastAppliedGeneration;
    }

    public String getLastCheckRequest() {
        return lastCheckRequest;
    }

    public void setLastCheckRequest(String lastCheckRequest) {
        this.lastCheckRequest = lastCheckRequest;
    }

    public Boolean getCreatedByOperator() {
        return createdByOperator;
    }

    public void setCreatedByOperator(Boolean createdByOperator) {
        this.createdByOperator = createdByOperator;
    }

    public ConsistencyCheckResult getLastConsistencyCheck() {
        return lastConsistencyCheck;
    }

    public void setLastConsistencyCheck(ConsistencyCheckResult lastConsistencyCheck) {
        this.lastConsistencyCheck = lastConsistencyCheck;
    }

    public String getNextConsistencyCheck() {
        return nextConsistencyCheck;
    }

    public void setNextConsistencyCheck(String nextConsistencyCheck) {
        this.nextConsistencyCheck = nextConsistencyCheck;
    }

    public Long getDriftRows() {
        return driftRows;
    }

    public void setDriftRows(Long driftRows) {
        this.driftRows = driftRows;
    }

    public RepairResult getLastRepair() {
        return lastRepair;
    }

    public void setLastRepair(RepairResult lastRepair) {
        this.lastRepair = lastRepair;
    }

    public String getCurrentPrimary() {
        return currentPrimary;
    }

    public void setCurrentPrimary(String currentPrimary) {
        this.currentPrimary = currentPrimary;
    }
}
