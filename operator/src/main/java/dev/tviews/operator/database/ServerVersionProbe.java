package dev.tviews.operator.database;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** Connects once to read {@code server_version_num} (the default image of backup Jobs is postgres:<server major>). */
@ApplicationScoped
public class ServerVersionProbe {

    static final String SERVER_VERSION_NUM = "SHOW server_version_num";

    public int serverVersionNum(ConnectionSpec spec) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", spec.user());
        props.setProperty("password", spec.password() == null ? "" : spec.password());
        props.setProperty("connectTimeout", "10");
        props.setProperty("loginTimeout", "10");
        props.setProperty("socketTimeout", "30");
        try (Connection c = new org.postgresql.Driver().connect(spec.jdbcUrl(), props);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(SERVER_VERSION_NUM)) {
            rs.next();
            return Integer.parseInt(rs.getString(1).trim());
        }
    }

    /** The first number of the version: 150018 → 15; 90624 (9.6.24) → 9. */
    public static int major(int versionNum) {
        return versionNum / 10000;
    }
}
