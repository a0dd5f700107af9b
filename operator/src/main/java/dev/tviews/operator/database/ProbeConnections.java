package dev.tviews.operator.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Connections outside the pools, each opened for one probe and closed: a drill probes a server that may be
 * switching over, where a pooled connection could still point at the old primary, and a backup policy reads the
 * server's version once per change.
 */
public final class ProbeConnections {

    static final String SERVER_VERSION = "SHOW server_version_num";

    private ProbeConnections() {
    }

    static Connection open(ConnectionSpec spec) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", spec.user());
        p.setProperty("password", spec.password() == null ? "" : spec.password());
        p.setProperty("connectTimeout", "5");
        p.setProperty("loginTimeout", "10");
        p.setProperty("socketTimeout", "60");
        // (the driver itself, not DriverManager: the caller's class loader need not see it)
        return new org.postgresql.Driver().connect(spec.jdbcUrl(), p);
    }

    /** server_version_num, e.g. 150018. */
    public static int serverVersionNum(ConnectionSpec spec) throws SQLException {
        try (Connection c = open(spec); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(SERVER_VERSION)) {
            rs.next();
            return Integer.parseInt(rs.getString(1).trim());
        }
    }

    /** The server's major version: server_version_num 150018 → 15. */
    public static int serverMajorVersion(ConnectionSpec spec) throws SQLException {
        return major(serverVersionNum(spec));
    }

    /** The first number of a version: 150018 → 15; 90624 (9.6.24) → 9. */
    public static int major(int versionNum) {
        return versionNum / 10000;
    }
}
