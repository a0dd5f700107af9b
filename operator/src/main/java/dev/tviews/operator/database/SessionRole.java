package dev.tviews.operator.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The role the operator is connected as. The role in a resource's Secret should own the TVIEWs and need no
 * superuser: a superuser connection runs every stored definition with every privilege (docs/security.md).
 */
public final class SessionRole {

    static final String SUPERUSER = "SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user";

    private SessionRole() {
    }

    /** The role's name when it is a superuser, else empty. */
    public static Optional<String> superuser(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SUPERUSER)) {
            return rs.next() && rs.getBoolean(2) ? Optional.of(rs.getString(1)) : Optional.empty();
        }
    }
}
