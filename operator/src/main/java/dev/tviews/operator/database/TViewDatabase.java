package dev.tviews.operator.database;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The runtime calls the operator makes for one TVIEW, on one pooled connection it holds until closed. Every value is
 * bound; identifiers are quoted by PostgreSQL ({@code format('%I')}), never in Java.
 */
public final class TViewDatabase implements AutoCloseable {

    static final String CREATE_OR_REPLACE = "SELECT public.pg_tviews_create_or_replace(?, ?, ?::jsonb)";
    static final String CONVERT_EXISTING = "SELECT public.pg_tviews_convert_existing_table(?, ?, ?::jsonb)";
    static final String DROP = "SELECT public.pg_tviews_drop(?, true, false)";
    static final String REFRESH = "SELECT public.pg_tviews_refresh(?, false)";
    static final String REINSTALL_TRIGGERS = "SELECT public.pg_tviews_reinstall_triggers(?)";
    static final String CHECK = "SELECT missing, extra, different, sample_keys, checked_rows, duration_ms "
            + "FROM public.pg_tviews_check_consistency(?)";
    static final String REPAIR = "SELECT public.pg_tviews_repair(?)";
    /** The row count statement for the TVIEW's table (schema, table bound), its names quoted by PostgreSQL. */
    static final String ROW_COUNT = "SELECT format('SELECT count(*) FROM %I.%I', ?::text, ?::text)";
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
     * ERROR rows of the runtime's health check of this TVIEW (pg_tviews_health_check(entity): its table, definition,
     * functions, queue, sources, partitions that left or were dropped; components "kind:entity...") or of the runtime
     * as a whole (runtime_objects): states that break maintenance and that self-healing did not fix. Other database-wide
     * rows (unregistered_tables, orphans) are not this TVIEW's. The one-TVIEW check costs the same with 5 or 500 TVIEWs.
     */
    static final String HEALTH_ERRORS = """
            SELECT h.component, h.message FROM public.pg_tviews_health_check(?) h
             WHERE h.status = 'ERROR' AND (h.component = 'runtime_objects' OR strpos(h.component, ':') > 0)
             ORDER BY h.component
            """;

    /** What {@code pg_tview_meta} says about the TVIEW, and whether it holds exactly the spec's definition. */
    public record Meta(String tableName, boolean sameDefinition, boolean tableExists) {
    }

    /** A generated function or trigger of this TVIEW that is missing or disabled. */
    public record Problem(String kind, String name, String schema, String table, boolean missing) {
        public String message() {
            String what = "trigger".equals(kind) ? "trigger " + name + " on " + schema + "." + table : kind + " " + name;
            return what + (missing ? " missing" : " disabled");
        }
    }

    /** What pg_tviews_check_consistency found: drifted rows by kind, up to 10 sample keys, rows compared. */
    public record Consistency(long missing, long extra, long different, List<String> sampleKeys, long checkedRows,
                              double durationSeconds) {
    }

    private final Connection connection;
    private final String schema;
    private final String entity;

    TViewDatabase(Connection connection, String schema, String entity) {
        this.connection = connection;
        this.schema = schema;
        this.entity = entity;
    }

    /** Takes a connection from {@code pool} (autocommit) for the TVIEW {@code schema.tv_<entity>}; close to return it. */
    public static TViewDatabase open(DataSource pool, String schema, String entity) throws SQLException {
        Connection connection = pool.getConnection();
        try {
            connection.setAutoCommit(true);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return new TViewDatabase(connection, schema, entity);
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    /** Installs or upgrades the runtime on this connection's database; returns the runtime version. */
    public String ensureRuntime(RuntimeInstaller installer) throws SQLException {
        return installer.ensureCurrent(connection);
    }

    /** The superuser this connection's session runs as, if it is one. */
    public Optional<String> superuser() throws SQLException {
        return SessionRole.superuser(connection);
    }

    /** The runtime's key for this TVIEW in pg_tview_meta: the entity in public, else schema.entity. */
    String catalogEntity() {
        return "public".equals(schema) ? entity : schema + "." + entity;
    }

    public String qualifiedName() {
        return schema + ".tv_" + entity;
    }

    String tableName() {
        return "tv_" + entity;
    }

    /** created | unchanged | altered | rebuilt */
    public String createOrReplace(String query, String optionsJson) throws SQLException {
        return queryString(CREATE_OR_REPLACE, qualifiedName(), query, optionsJson);
    }

    public void convertExisting(String query, String optionsJson) throws SQLException {
        queryString(CONVERT_EXISTING, qualifiedName(), query, optionsJson);
    }

    public void drop() throws SQLException {
        execute(DROP, qualifiedName());
    }

    public void refresh() throws SQLException {
        execute(REFRESH, qualifiedName());
    }

    public void reinstallTriggers() throws SQLException {
        execute(REINSTALL_TRIGGERS, qualifiedName());
    }

    public Optional<Meta> meta(String query, String optionsJson) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(META)) {
            ps.setString(1, query);
            ps.setString(2, optionsJson);
            ps.setString(3, catalogEntity());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Meta(rs.getString(1), rs.getBoolean(2), rs.getBoolean(3))) : Optional.empty();
            }
        }
    }

    public boolean tableExists() throws SQLException {
        return first(TABLE_EXISTS, rs -> rs.getBoolean(1), schema, tableName());
    }

    /** "component: message" of every health-check ERROR row about this TVIEW or the runtime; empty when healthy. */
    public List<String> healthErrors() throws SQLException {
        List<String> errors = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(HEALTH_ERRORS)) {
            ps.setString(1, catalogEntity());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    errors.add(rs.getString(1) + ": " + rs.getString(2));
                }
            }
        }
        return errors;
    }

    public List<Problem> problems() throws SQLException {
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

    /** The TVIEW table's row count: PostgreSQL quotes the names into the statement, which then runs. */
    public long rowCount() throws SQLException {
        return queryLong(queryString(ROW_COUNT, schema, tableName()));
    }

    public Consistency checkConsistency() throws SQLException {
        return first(CHECK, rs -> {
            Array keys = rs.getArray(4);
            List<String> sample = keys == null ? List.of() : Arrays.asList((String[]) keys.getArray());
            return new Consistency(rs.getLong(1), rs.getLong(2), rs.getLong(3), sample, rs.getLong(5),
                    rs.getDouble(6) / 1000.0);
        }, qualifiedName());
    }

    public long repair() throws SQLException {
        return queryLong(REPAIR, qualifiedName());
    }

    private String queryString(String sql, String... args) throws SQLException {
        return first(sql, rs -> rs.getString(1), args);
    }

    private long queryLong(String sql, String... args) throws SQLException {
        return first(sql, rs -> rs.getLong(1), args);
    }

    /** What {@code row} reads of the first row {@code sql} returns, every argument bound as text. */
    private <T> T first(String sql, Row<T> row, String... args) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return row.read(rs);
            }
        }
    }

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private void execute(String sql, String arg) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, arg);
            ps.execute();
        }
    }
}
