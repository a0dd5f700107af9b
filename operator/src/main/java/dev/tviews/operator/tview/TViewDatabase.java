package dev.tviews.operator.tview;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The runtime calls the operator makes for one TVIEW, on one connection. Every value is bound; identifiers
 * are quoted by the runtime ({@code format('%I')}).
 */
final class TViewDatabase {

    static final String CREATE_OR_REPLACE = "SELECT public.pg_tviews_create_or_replace(?, ?, ?::jsonb)";
    static final String CONVERT_EXISTING = "SELECT public.pg_tviews_convert_existing_table(?, ?, ?::jsonb)";
    static final String DROP = "SELECT public.pg_tviews_drop(?, true, false)";
    static final String REFRESH = "SELECT public.pg_tviews_refresh(?, false)";
    static final String REINSTALL_TRIGGERS = "SELECT public.pg_tviews_reinstall_triggers(?)";
    static final String CHECK = "SELECT missing, extra, different, sample_keys, checked_rows, duration_ms "
            + "FROM public.pg_tviews_check_consistency(?)";
    static final String REPAIR = "SELECT public.pg_tviews_repair(?)";
    static final String META = "SELECT m.table_name, m.definition = ? AND m.options = ?::jsonb, "
            + "to_regclass(format('%I.%I', m.schema_name, m.table_name)) IS NOT NULL "
            + "FROM public.pg_tview_meta m WHERE m.entity = ?";
    static final String TABLE_EXISTS = "SELECT to_regclass(format('%I.%I', ?::text, ?::text)) IS NOT NULL";
    /**
     * This TVIEW's generated functions and triggers that are missing or disabled (the same facts
     * pg_tviews_health_check() reports, for one TVIEW only, so a reconcile costs the same with 5 or 500 TVIEWs).
     */
    static final String PROBLEMS = """
            SELECT h.kind, h.object_name, h.schema_name, h.on_table,
                   CASE WHEN h.kind = 'function'
                        THEN to_regprocedure(format('%I.%I(%s)', h.schema_name, h.object_name, h.signature)) IS NULL
                        ELSE t.oid IS NULL END AS missing,
                   coalesce(t.tgenabled = 'D', false) AS disabled
              FROM public.pg_tview_helpers h
              LEFT JOIN pg_trigger t ON h.kind = 'trigger' AND t.tgname = h.object_name
                   AND t.tgrelid = to_regclass(format('%I.%I', h.schema_name, h.on_table))
             WHERE h.entity = ?
            UNION ALL
            SELECT 'function', 'maintenance functions', '', '', true, false
             WHERE NOT EXISTS (SELECT 1 FROM public.pg_tview_helpers h WHERE h.entity = ? AND h.kind = 'function')
            """;

    /**
     * ERROR rows of pg_tviews_health_check() that concern this TVIEW (its table, definition, functions, sources) or
     * the runtime as a whole (runtime_objects): states that break maintenance and that self-healing did not fix.
     */
    static final String HEALTH_ERRORS = """
            SELECT h.component, h.message FROM public.pg_tviews_health_check() h
             WHERE h.status = 'ERROR'
               AND (h.component IN ('runtime_objects', 'tview:' || ?, 'definition:' || ?, 'functions:' || ?, 'queue:' || ?)
                    OR starts_with(h.component, 'source:' || ? || ':'))
             ORDER BY h.component
            """;

    /** What {@code pg_tview_meta} says about the TVIEW, and whether it holds exactly the spec's definition. */
    record Meta(String tableName, boolean sameDefinition, boolean tableExists) {
    }

    /** A generated function or trigger of this TVIEW that is missing or disabled. */
    record Problem(String kind, String name, String schema, String table, boolean missing) {
        String message() {
            String what = "trigger".equals(kind) ? "trigger " + name + " on " + schema + "." + table : kind + " " + name;
            return what + (missing ? " missing" : " disabled");
        }
    }

    private final Connection connection;
    private final String schema;
    private final String entity;

    TViewDatabase(Connection connection, String schema, String entity) {
        this.connection = connection;
        this.schema = schema;
        this.entity = entity;
    }

    /** The runtime's key for this TVIEW in pg_tview_meta: the entity in public, else schema.entity. */
    String catalogEntity() {
        return "public".equals(schema) ? entity : schema + "." + entity;
    }

    String qualifiedName() {
        return schema + ".tv_" + entity;
    }

    String tableName() {
        return "tv_" + entity;
    }

    /** created | unchanged | altered | rebuilt */
    String createOrReplace(String query, String optionsJson) throws SQLException {
        return queryString(CREATE_OR_REPLACE, qualifiedName(), query, optionsJson);
    }

    void convertExisting(String query, String optionsJson) throws SQLException {
        queryString(CONVERT_EXISTING, qualifiedName(), query, optionsJson);
    }

    void drop() throws SQLException {
        execute(DROP, qualifiedName());
    }

    void refresh() throws SQLException {
        execute(REFRESH, qualifiedName());
    }

    void reinstallTriggers() throws SQLException {
        execute(REINSTALL_TRIGGERS, qualifiedName());
    }

    Optional<Meta> meta(String query, String optionsJson) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(META)) {
            ps.setString(1, query);
            ps.setString(2, optionsJson);
            ps.setString(3, catalogEntity());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Meta(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3))) : Optional.empty();
            }
        }
    }

    boolean tableExists() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(TABLE_EXISTS)) {
            ps.setString(1, schema);
            ps.setString(2, tableName());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** "component: message" of every health-check ERROR row about this TVIEW or the runtime; empty when healthy. */
    List<String> healthErrors() throws SQLException {
        List<String> errors = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(HEALTH_ERRORS)) {
            for (int i = 1; i <= 5; i++) {
                ps.setString(i, catalogEntity());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    errors.add(rs.getString(1) + ": " + rs.getString(2));
                }
            }
        }
        return errors;
    }

    List<Problem> problems() throws SQLException {
        List<Problem> problems = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(PROBLEMS)) {
            ps.setString(1, catalogEntity());
            ps.setString(2, catalogEntity());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(5) || rs.getBoolean(6)) {
                        problems.add(new Problem(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getBoolean(5)));
                    }
                }
            }
        }
        return problems;
    }

    long rowCount() throws SQLException {
        String sql = "SELECT count(*) FROM " + quoteIdent(schema) + "." + quoteIdent(tableName());
        try (PreparedStatement ps = connection.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    ConsistencyCheckResult checkConsistency(String now) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(CHECK)) {
            ps.setString(1, qualifiedName());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Array keys = rs.getArray(4);
                List<String> sample = keys == null ? List.of() : Arrays.asList((String[]) keys.getArray());
                return new ConsistencyCheckResult(now, rs.getLong(1), rs.getLong(2), rs.getLong(3), sample,
                        rs.getLong(5), rs.getDouble(6) / 1000.0);
            }
        }
    }

    long repair() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(REPAIR)) {
            ps.setString(1, qualifiedName());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private String queryString(String sql, String... args) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private void execute(String sql, String arg) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, arg);
            ps.execute();
        }
    }

    /** Quotes an identifier the way PostgreSQL's quote_ident does (names here are also CRD-validated). */
    static String quoteIdent(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
