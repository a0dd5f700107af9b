package dev.tviews.operator.database;

import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;

/** Reads {@code server_version_num} once (the default image of backup Jobs is postgres:<server major>). */
@ApplicationScoped
public class ServerVersionProbe {

    public int serverVersionNum(ConnectionSpec spec) throws SQLException {
        return ProbeConnections.serverVersionNum(spec);
    }

    /** The first number of the version: 150018 → 15; 90624 (9.6.24) → 9. */
    public static int major(int versionNum) {
        return ProbeConnections.major(versionNum);
    }
}
