package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Desired state of a TView. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TViewSpec {

    /** How the TView's table is handled when the resource is deleted. */
    public enum DeletionPolicy { Retain, Delete }

    @Required
    @JsonPropertyDescription("The database holding the TVIEW and its source tables: exactly one of secretRef or cluster.")
    private DatabaseRef database;

    @Pattern("^[a-z_][a-z0-9_]{0,59}$")
    @JsonPropertyDescription("Entity name: the TVIEW table is tv_<entity> and its key pk_<entity>. Defaults to "
            + "metadata.name with '-' replaced by '_'.")
    private String entity;

    @Default("public")
    @Pattern("^[a-z_][a-z0-9_$]{0,62}$")
    @JsonPropertyDescription("Schema of the TVIEW table.")
    private String schema = "public";

    @Required
    @Size(min = 1)
    @JsonPropertyDescription("The SELECT the TVIEW is kept equal to. It must yield the key column pk_<entity> (or "
            + "options.key), unique and not null. Exactly one SELECT (or WITH ... SELECT): a ';', a data-modifying "
            + "statement (WITH x AS (DELETE ...)), SELECT ... INTO or a FOR UPDATE/SHARE clause outside strings and "
            + "comments is refused before anything reaches the database (Stalled, InvalidDefinition).")
    private String query;

    @JsonPropertyDescription("Options passed to the runtime (pg_tviews_create_or_replace).")
    private TViewOptions options;

    @ValidationRule(value = "self.all(d, d.matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$'))",
            message = "dependsOn holds TView names")
    @JsonPropertyDescription("Other TViews (names in this namespace) to wait for before applying, in addition to the "
            + "TVIEWs the query is detected to read.")
    private List<String> dependsOn = new ArrayList<>();

    @JsonPropertyDescription("When and how the TVIEW is compared with its query.")
    private ConsistencyCheckSpec consistencyCheck;

    @Default("Retain")
    @JsonPropertyDescription("On deletion of this resource: Retain leaves the TVIEW in the database, Delete drops it "
            + "(refused while other TVIEWs read it). A TVIEW this resource did not create is never dropped.")
    private DeletionPolicy deletionPolicy = DeletionPolicy.Retain;

    @Default("false")
    @JsonPropertyDescription("Pause reconciliation: no changes, checks or repairs until unset. Maintenance triggers in "
            + "the database keep running.")
    private boolean suspend;

    /** The entity this spec names: {@code entity}, else the resource name made into an identifier. */
    public String entityOr(String resourceName) {
        if (entity != null && !entity.isBlank()) {
            return entity;
        }
        return resourceName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    }

    public DatabaseRef getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseRef database) {
        this.database = database;
    }

    public String getEntity() {
        return entity;
    }

    public void setEntity(String entity) {
        this.entity = entity;
    }

    public String getSchema() {
        return schema;
    }

    public void setSchema(String schema) {
        this.schema = schema;
    }

    public String getQuery() {
        return query;
    }

    public void setQuery(String query) {
        this.query = query;
    }

    public TViewOptions getOptions() {
        return options;
    }

    public void setOptions(TViewOptions options) {
        this.options = options;
    }

    public List<String> getDependsOn() {
        return dependsOn;
    }

    public void setDependsOn(List<String> dependsOn) {
        this.dependsOn = dependsOn == null ? new ArrayList<>() : dependsOn;
    }

    public ConsistencyCheckSpec getConsistencyCheck() {
        return consistencyCheck;
    }

    public void setConsistencyCheck(ConsistencyCheckSpec consistencyCheck) {
        this.consistencyCheck = consistencyCheck;
    }

    public DeletionPolicy getDeletionPolicy() {
        return deletionPolicy;
    }

    public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
        this.deletionPolicy = deletionPolicy == null ? DeletionPolicy.Retain : deletionPolicy;
    }

    public boolean isSuspend() {
        return suspend;
    }

    public void setSuspend(boolean suspend) {
        this.suspend = suspend;
    }
}
