package dev.tviews.operator.database;

import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.runtime.TviewsRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Installs the TVIEW runtime into a database, or upgrades it, when the installed version is older than the
 * operator's. The script takes an advisory lock, so installs from several operator replicas are serialized, and
 * runs under a bounded {@code lock_timeout} ({@link OperatorSettings#runtimeInstallLockTimeout()}).
 */
@ApplicationScoped
public class RuntimeInstaller {

    private static final Logger LOG = Logger.getLogger(RuntimeInstaller.class);
    private static final String IS_INSTALLED = "SELECT to_regprocedure('public.pg_tviews_version()') IS NOT NULL";
    private static final String INSTALLED_VERSION = "SELECT public.pg_tviews_version()";
    private static final String SET_LOCK_TIMEOUT = "SELECT set_config('lock_timeout', ?, false)";
    private static final String RESET_LOCK_TIMEOUT = "RESET lock_timeout";
    private static final String ROLLBACK = "ROLLBACK";

    /** The runtime could not be installed or upgraded (not a problem of any one TView's definition). */
    public static final class InstallFailed extends SQLException {
        InstallFailed(SQLException cause) {
            super("installing the TVIEW runtime " + TviewsRuntime.version() + " failed: " + cause.getMessage(),
                    null, cause);
        }
    }

    /** One lock per database URL: TViews of one database reconciled at once install the runtime once. */
    private final Map<String, Object> installLocks = new ConcurrentHashMap<>();
    private final OperatorSettings settings;

    public RuntimeInstaller(OperatorSettings settings) {
        this.settings = settings;
    }

    /** Makes sure the operator's runtime version (or newer) is installed; returns the installed version. */
    public String ensureCurrent(Connection c) throws SQLException {
        try {
            Optional<String> installed = installedVersion(c);
            if (isCurrent(installed)) {
                return installed.get();
            }
            synchronized (installLocks.computeIfAbsent(c.getMetaData().getURL(), url -> new Object())) {
                installed = installedVersion(c);
                if (isCurrent(installed)) {
                    return installed.get();
                }
                LOG.infof("Installing TVIEW runtime %s (installed: %s)", TviewsRuntime.version(), installed.orElse("none"));
                runInstallScript(c);
            }
            return installedVersion(c).orElseThrow(() -> new SQLException("runtime install left no pg_tviews_version()"));
        } catch (SQLException e) {
            if (SqlErrors.isConnectionProblem(e)) {
                throw e;
            }
            throw new InstallFailed(e);
        }
    }

    /**
     * The script, each of its lock waits bounded. A failed script leaves its transaction aborted: it is rolled back
     * and the session's setting restored, so the pooled connection goes back as it came.
     */
    private void runInstallScript(Connection c) throws SQLException {
        try (PreparedStatement timeout = c.prepareStatement(SET_LOCK_TIMEOUT); Statement s = c.createStatement()) {
            timeout.setString(1, settings.runtimeInstallLockTimeout().toMillis() + "ms");
            timeout.execute();
            try {
                s.execute(TviewsRuntime.installScript());
            } catch (SQLException failed) {
                if (!SqlErrors.isConnectionProblem(failed)) {
                    s.execute(ROLLBACK);
                }
                throw failed;
            } finally {
                if (!c.isClosed()) {
                    s.execute(RESET_LOCK_TIMEOUT);
                }
            }
        }
    }

    private static boolean isCurrent(Optional<String> installed) {
        return installed.isPresent() && compare(installed.get(), TviewsRuntime.version()) >= 0;
    }

    static Optional<String> installedVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery(IS_INSTALLED)) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return Optional.empty();
                }
            }
            try (ResultSet rs = s.executeQuery(INSTALLED_VERSION)) {
                rs.next();
                return Optional.ofNullable(rs.getString(1));
            }
        }
    }

    /** Compares dotted numeric versions (1.10.0 > 1.9.3); non-numeric parts compare as text. */
    static int compare(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int cmp = p.matches("\\d+") && q.matches("\\d+")
                    ? Long.compare(Long.parseLong(p), Long.parseLong(q)) : p.compareTo(q);
            if (cmp != 0) {
                return cmp;
            }
        }
        return 0;
    }
}
