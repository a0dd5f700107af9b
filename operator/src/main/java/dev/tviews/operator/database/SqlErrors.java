package dev.tviews.operator.database;

import java.sql.SQLException;

/** Sorts database errors into "fix the spec" and "try again later", and makes messages safe to publish. */
public final class SqlErrors {

    private SqlErrors() {
    }

    /**
     * True for errors that the spec causes and that retrying will not fix: syntax and name errors (class 42),
     * data errors such as duplicate or null keys (22, 23), refused features (0A), dependent objects (2B), and
     * errors the runtime raises with a message (P0001).
     */
    public static boolean isDefinitionError(SQLException e) {
        String state = e.getSQLState();
        if (state == null) {
            return false;
        }
        return state.startsWith("42") || state.startsWith("22") || state.startsWith("23") || state.startsWith("0A")
                || state.startsWith("2B") || state.equals("P0001");
    }

    /**
     * A relation or schema the query reads does not exist (yet): with GitOps, sources and TViews arrive in any
     * order, so this is waited for, not a stalled spec.
     */
    public static boolean isMissingSource(SQLException e) {
        return "42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState());
    }

    /** Connection, authentication and availability problems. */
    public static boolean isConnectionProblem(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.startsWith("28") || state.startsWith("57P")
                || state.startsWith("53") || state.equals("3D000");
    }

    /** The server's message, detail and hint, with any occurrence of the password removed. */
    public static String describe(SQLException e, ConnectionSpec connection) {
        return describe(e, connection, null);
    }

    /**
     * As {@link #describe(SQLException, ConnectionSpec)}, locating an error position inside {@code query} even when
     * the runtime raised it while executing a statement built around the query (an internal position).
     */
    public static String describe(SQLException e, ConnectionSpec connection, String query) {
        StringBuilder text = new StringBuilder(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        if (e instanceof org.postgresql.util.PSQLException p && p.getServerErrorMessage() != null) {
            var server = p.getServerErrorMessage();
            text.setLength(0);
            text.append(server.getMessage());
            if (server.getDetail() != null) {
                text.append(" DETAIL: ").append(server.getDetail());
            }
            if (server.getHint() != null) {
                text.append(" HINT: ").append(server.getHint());
            }
            position(server, query).ifPresent(at -> text.append(" (at character ").append(at).append(" of the query)"));
        }
        if (e.getSQLState() != null) {
            text.append(" [SQLSTATE ").append(e.getSQLState()).append(']');
        }
        return redact(text.toString(), connection);
    }

    private static java.util.Optional<Integer> position(org.postgresql.util.ServerErrorMessage server, String query) {
        if (query != null && server.getInternalPosition() > 0 && server.getInternalQuery() != null) {
            int start = server.getInternalQuery().indexOf(query.strip().replaceAll("[;\\s]+$", ""));
            if (start >= 0) {
                return java.util.Optional.of(Math.max(1, server.getInternalPosition() - start));
            }
        }
        return server.getPosition() > 0 ? java.util.Optional.of(server.getPosition()) : java.util.Optional.empty();
    }

    public static String redact(String message, ConnectionSpec connection) {
        if (connection == null || connection.password() == null || connection.password().isEmpty()) {
            return message;
        }
        return message.replace(connection.password(), "******");
    }
}
