package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.generator.annotation.Required;

/** Desired state of a TView. */
public class TViewSpec {

    @Required
    @JsonPropertyDescription("The database holding the TVIEW and its source tables.")
    private DatabaseRef database;

    @JsonPropertyDescription("Entity name: the TVIEW table is tv_<entity>. Defaults to metadata.name.")
    private String entity;

    @JsonPropertyDescription("Schema of the TVIEW table. Defaults to public.")
    private String schema;

    @Required
    @JsonPropertyDescription("The SELECT the TVIEW is kept equal to. Must yield the key column pk_<entity> (or options.key).")
    private String query;

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
}
