package dev.tviews.operator.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The failover drill's write test, in one transaction that is rolled back: change a text column the definition reads
 * on one row of the base source of the TVIEW with most dependents, apply the queued maintenance, and read the TVIEW
 * row before and after, and its drift.
 *
 * <p>Names of tables and columns come from the catalog and may hold any character: statements that name them are
 * {@code format()} templates whose identifiers PostgreSQL quotes ({@code %I}, names bound as parameters,
 * {@link #FORMAT}); the text it returns is then prepared with the key value bound. No text is spliced into SQL here.
 */
public final class RolledBackWrite {

    /**
     * The base-table source of the TVIEW with most dependents: its quoted names (for messages) then the raw ones
     * (tview schema, table, key column; source schema, table, key column).
     */
    static final String PICK = """
            SELECT m.entity, quote_ident(m.schema_name) || '.' || quote_ident(m.table_name), quote_ident(m.key_column),
                   quote_ident(d->>'schema') || '.' || quote_ident(d->>'table'),
                   quote_ident(coalesce(d->>'source_column', pth.x->>'key')), m.definition,
                   m.schema_name, m.table_name, m.key_column, d->>'schema', d->>'table',
                   coalesce(d->>'source_column', pth.x->>'key')
              FROM pg_tview_meta m
             CROSS JOIN jsonb_array_elements(m.dependencies) d
              LEFT JOIN LATERAL (SELECT x FROM jsonb_array_elements(coalesce(d->'paths', '[]')) x
                                  WHERE jsonb_array_length(x->'hops') = 0 LIMIT 1) pth ON true
             WHERE d->>'kind' IN ('direct', 'keyed') AND d->>'tview' IS NULL
               AND coalesce(d->>'source_column', pth.x->>'key') IS NOT NULL
             ORDER BY (SELECT count(*) FROM pg_tview_meta x WHERE m.entity = ANY(x.dependent_on)) DESC,
                      cardinality(m.dependent_on), m.entity
             LIMIT 1
            """;
    /** The source's unindexed, not generated text columns (quoted, raw), in table order. */
    static final String TEXT_COLUMNS = """
            SELECT quote_ident(a.attname), a.attname FROM pg_attribute a
             WHERE a.attrelid = format('%I.%I', ?::text, ?::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attgenerated = '' AND a.atttypid IN ('text'::regtype, 'varchar'::regtype)
               AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY(i.indkey))
             ORDER BY a.attnum
            """;
    /** Fills a template's {@code %I} (and {@code %n$I}) with the bound names, quoted by PostgreSQL. */
    static final String FORMAT = "SELECT format(?, VARIADIC ?::text[])";
    /** Template (source key column, source schema, source table, text column): the first key that has a row to write. */
    static final String KEY_VALUE = "SELECT %1$I::text FROM %2$I.%3$I WHERE %1$I IS NOT NULL AND %4$I IS NOT NULL "
            + "ORDER BY %1$I LIMIT 1";
    /** Template (tview schema, tview table, tview key column), then the key value bound: the TVIEW rows' digest. */
    static final String FINGERPRINT = "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'none') "
            + "FROM %1$I.%2$I t WHERE %3$I::text = ?";
    /** Template (source schema, source table, text column, source key column), then the key value bound. */
    static final String UPDATE = "UPDATE %1$I.%2$I SET %3$I = %3$I || ' [drill]' WHERE ctid = "
            + "(SELECT ctid FROM %1$I.%2$I WHERE %4$I::text = ? ORDER BY ctid LIMIT 1)";
    /** Applies the transaction's queued TVIEW maintenance (runtime 0.3: maintenance otherwise runs at commit). */
    static final String FLUSH = "SELECT public.pg_tviews_flush()";
    static final int UPDATE_ATTEMPTS = 5;
    static final String DRIFT = "SELECT missing + extra + different FROM pg_tviews_check_consistency(?)";

    /** What the write test came to. Names are quoted identifiers, for messages. */
    public sealed interface Result {
        /** No TVIEW reads a base table through a traceable key. */
        record NoSource() implements Result {
        }

        /** The source has no text column the definition reads. */
        record NoTextColumn(String source, String tview) implements Result {
        }

        record NoRow(String source, String tview) implements Result {
        }

        /** The UPDATE ran: how many rows it changed, whether the TVIEW row changed, the drift after it. */
        record Written(String source, String textColumn, String column, String keyValue, String tview, String key,
                       int updated, boolean changed, String drift) implements Result {
        }
    }

    /** The picked TVIEW and source: quoted names for messages, raw ones for the templates. */
    private record Target(String entity, String tview, String key, String source, String column, String definition,
                          String tviewSchema, String tviewTable, String keyColumn, String sourceSchema,
                          String sourceTable, String sourceColumn) {
    }

    private record TextColumn(String quoted, String name) {
    }

    private final Connection connection;

    RolledBackWrite(Connection connection) {
        this.connection = connection;
    }

    Result run() throws SQLException {
        connection.setAutoCommit(false);
        try {
            return write();
        } finally {
            connection.rollback();
            connection.setAutoCommit(true);
        }
    }

    private Result write() throws SQLException {
        Optional<Target> picked = pick();
        if (picked.isEmpty()) {
            return new Result.NoSource();
        }
        Target t = picked.get();
        Optional<TextColumn> text = textColumn(t);
        if (text.isEmpty()) {
            return new Result.NoTextColumn(t.source(), t.tview());
        }
        String column = text.get().name();
        Optional<String> keyValue = firstString(
                statement(KEY_VALUE, t.sourceColumn(), t.sourceSchema(), t.sourceTable(), column), null);
        if (keyValue.isEmpty()) {
            return new Result.NoRow(t.source(), t.tview());
        }
        String kv = keyValue.get();
        String fingerprint = statement(FINGERPRINT, t.tviewSchema(), t.tviewTable(), t.keyColumn());
        String before = firstString(fingerprint, kv).orElseThrow();
        String update = statement(UPDATE, t.sourceSchema(), t.sourceTable(), column, t.sourceColumn());
        int updated = 0;
        for (int attempt = 0; attempt < UPDATE_ATTEMPTS && updated == 0; attempt++) {
            // a writer that updates the row between the ctid lookup and the write moves it: the write then matches
            // nothing (under write load a drill failed on that); the next statement looks the row up again
            updated = update(update, kv);
        }
        try (PreparedStatement flush = connection.prepareStatement(FLUSH)) {
            flush.execute();   // maintenance runs at commit; read our own write now
        }
        String after = firstString(fingerprint, kv).orElseThrow();
        String drift = firstString(DRIFT, t.entity()).orElse(null);
        return new Result.Written(t.source(), text.get().quoted(), t.column(), kv, t.tview(), t.key(), updated,
                !before.equals(after), drift);
    }

    private Optional<Target> pick() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(PICK); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new Target(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                    rs.getString(10), rs.getString(11), rs.getString(12)));
        }
    }

    /** The first text column whose name the definition mentions as a word. */
    private Optional<TextColumn> textColumn(Target t) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(TEXT_COLUMNS)) {
            ps.setString(1, t.sourceSchema());
            ps.setString(2, t.sourceTable());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (t.definition().matches("(?s).*\\b" + Pattern.quote(rs.getString(2)) + "\\b.*")) {
                        return Optional.of(new TextColumn(rs.getString(1), rs.getString(2)));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The statement PostgreSQL makes of {@code template}, its identifiers quoted with format('%I'). */
    private String statement(String template, String... identifiers) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(FORMAT)) {
            ps.setString(1, template);
            ps.setArray(2, connection.createArrayOf("text", identifiers));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The first column of the first row, if any; {@code value} (when not null) is bound to the one parameter. */
    private Optional<String> firstString(String sql, String value) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            if (value != null) {
                ps.setString(1, value);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
    }

    private int update(String sql, String keyValue) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, keyValue);
            return ps.executeUpdate();
        }
    }
}
