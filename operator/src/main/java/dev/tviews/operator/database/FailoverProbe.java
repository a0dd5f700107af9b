package dev.tviews.operator.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The failover drill's SQL, on connections of its own ({@link ProbeConnections}): the write probe that tells the new
 * primary from a standby, and the verification of that primary on one connection (health check, consistency of every
 * TVIEW, {@link RolledBackWrite}). It reports what it read; the drill judges it.
 */
public final class FailoverProbe implements AutoCloseable {

    static final String READ_WRITE = "SET TRANSACTION READ WRITE";
    static final String TXID = "SELECT txid_current()";
    static final String HEALTH = "SELECT status, component, message FROM pg_tviews_health_check()";
    static final String ENTITIES = "SELECT entity FROM pg_tview_meta ORDER BY entity";
    static final String CONSISTENCY = "SELECT missing, extra, different, checked_rows FROM pg_tviews_check_consistency(?)";

    /** pg_tviews_health_check(): how many rows, and "component: message" of each ERROR row. */
    public record Health(int rows, List<String> errors) {
    }

    /** pg_tviews_check_consistency() of one TVIEW. */
    public record Consistency(String entity, long missing, long extra, long different, long checkedRows) {
        public long drift() {
            return missing + extra + different;
        }
    }

    private final Connection connection;

    private FailoverProbe(Connection connection) {
        this.connection = connection;
    }

    /** A write transaction: succeeds only on a primary. Changes nothing but consumes a transaction id. */
    public static void writeProbe(ConnectionSpec spec) throws SQLException {
        try (Connection c = ProbeConnections.open(spec); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute(READ_WRITE);
            s.executeQuery(TXID).close();
            c.commit();
        }
    }

    /** Connects to the (new) primary for the verification queries; the caller closes it. */
    public static FailoverProbe open(ConnectionSpec spec) throws SQLException {
        return new FailoverProbe(ProbeConnections.open(spec));
    }

    public Health health() throws SQLException {
        List<String> errors = new ArrayList<>();
        int rows = 0;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(HEALTH)) {
            while (rs.next()) {
                rows++;
                if ("ERROR".equalsIgnoreCase(rs.getString(1))) {
                    errors.add(rs.getString(2) + ": " + rs.getString(3));
                }
            }
        }
        return new Health(rows, errors);
    }

    /** Every TVIEW of pg_tview_meta, by entity. */
    public List<Consistency> consistency() throws SQLException {
        List<Consistency> result = new ArrayList<>();
        for (String entity : entities()) {
            try (PreparedStatement ps = connection.prepareStatement(CONSISTENCY)) {
                ps.setString(1, entity);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    result.add(new Consistency(entity, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
                }
            }
        }
        return result;
    }

    public RolledBackWrite.Result writeMaintenance() throws SQLException {
        return new RolledBackWrite(connection).run();
    }

    private List<String> entities() throws SQLException {
        List<String> entities = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(ENTITIES)) {
            while (rs.next()) {
                entities.add(rs.getString(1));
            }
        }
        return entities;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
