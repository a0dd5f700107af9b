package dev.tviews.testkit;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One database on a {@link PgServer}; test classes get their own through {@link PostgresExtension}. */
public record PgDatabase(PgServer server, String name) {

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    public Connection connect() throws SQLException {
        return server.connect(name);
    }

    public Map<String, String> libpqEnv() {
        return server.libpqEnv(name);
    }

    /** Executes SQL (may hold several statements) in autocommit mode. */
    public void execute(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nSQL: " + sql, e);
        }
    }

    /** The first column of the first row, or null. */
    public Object queryValue(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getObject(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nSQL: " + sql, e);
        }
    }

    /** Every row as a list of column values. */
    public List<List<Object>> queryRows(String sql) {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + "\nSQL: " + sql, e);
        }
    }

    /** Runs a SQL file with psql and {@code ON_ERROR_STOP=1}, returning exit code and output. */
    public OsCommand.Result psqlFile(Path file) {
        return psql(List.of("-v", "ON_ERROR_STOP=1", "-X", "-q", "-f", file.toString()));
    }

    /** Runs psql with the given arguments against this database. */
    public OsCommand.Result psql(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(server.bin("psql")));
        cmd.addAll(args);
        return OsCommand.run(cmd, libpqEnv(), null, 600);
    }
}
