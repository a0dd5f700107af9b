package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.Map;

/** Options of a TVIEW, passed as jsonb to the runtime; names follow the runtime's option keys. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class TViewOptions {

    /** What to do with a source whose changes cannot be traced to TVIEW keys. */
    public enum UncascadedPolicy {
        @JsonProperty("error") ERROR,
        @JsonProperty("full_refresh") FULL_REFRESH
    }

    /** When the writer's changes reach the TVIEW: at its commit (default) or after each of its statements. */
    public enum Refresh {
        @JsonProperty("commit") COMMIT,
        @JsonProperty("statement") STATEMENT
    }

    @Pattern("^[a-z_][a-z0-9_]{0,62}$")
    @JsonPropertyDescription("Key column of the TVIEW; defaults to pk_<entity>.")
    private String key;

    @JsonPropertyDescription("Explicit lineage: source table -> column of that table holding the affected TVIEW keys, "
            + "e.g. {\"tb_comment\": \"fk_post\"}.")
    private Map<String, String> keys;

    @JsonProperty("uncascaded_policy")
    @JsonPropertyDescription("error (default): refuse a query with a source whose changes cannot be traced to keys; "
            + "full_refresh: refresh the whole TVIEW when such a source changes.")
    private UncascadedPolicy uncascadedPolicy;

    @JsonPropertyDescription("commit (default): each affected row is recomputed once, when the writing transaction "
            + "commits (other sessions never see a stale row; the writer sees its own changes after pg_tviews_flush()); "
            + "statement: after every statement of the writer, for writers that read the TVIEW mid-transaction.")
    private Refresh refresh;

    @JsonPropertyDescription("Session settings the TVIEW's values are computed with when its query reads values whose text "
            + "depends on them (date/time, interval, float, bytea, money, xml; to_char(), to_tsvector(text)): TimeZone, DateStyle, "
            + "IntervalStyle, extra_float_digits, bytea_output, lc_monetary, lc_numeric, lc_time, xmlbinary, "
            + "default_text_search_config (e.g. {\"TimeZone\": \"UTC\"}); default: those of the operator's database session.")
    private Map<String, String> settings;

    public Map<String, String> getSettings() {
        return settings;
    }

    public void setSettings(Map<String, String> settings) {
        this.settings = settings;
    }

    public String getKey() {
        return key;
    }

    public void setKey(String key) {
        this.key = key;
    }

    public Map<String, String> getKeys() {
        return keys;
    }

    public void setKeys(Map<String, String> keys) {
        this.keys = keys;
    }

    public UncascadedPolicy getUncascadedPolicy() {
        return uncascadedPolicy;
    }

    public void setUncascadedPolicy(UncascadedPolicy uncascadedPolicy) {
        this.uncascadedPolicy = uncascadedPolicy;
    }

    public Refresh getRefresh() {
        return refresh;
    }

    public void setRefresh(Refresh refresh) {
        this.refresh = refresh;
    }
}
