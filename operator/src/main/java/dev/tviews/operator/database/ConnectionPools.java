package dev.tviews.operator.database;

import dev.tviews.operator.config.OperatorSettings;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration.ConnectionValidator;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One Agroal connection pool per database (server, database and credentials), shared by every resource that
 * uses it. Each resource registers as a user of one pool; a pool with no users left is closed.
 */
@ApplicationScoped
public class ConnectionPools {

    private static final Logger LOG = Logger.getLogger(ConnectionPools.class);

    private final OperatorSettings settings;
    private final Map<String, AgroalDataSource> pools = new HashMap<>();
    private final Map<String, String> poolOfUser = new HashMap<>();

    public ConnectionPools(OperatorSettings settings) {
        this.settings = settings;
    }

    /** The pool for {@code spec}, recording {@code user} (e.g. namespace/kind/name) as one of its users. */
    public synchronized AgroalDataSource acquire(String user, ConnectionSpec spec) throws SQLException {
        String key = spec.poolKey();
        String previous = poolOfUser.put(user, key);
        if (previous != null && !previous.equals(key)) {
            closeIfUnused(previous);
        }
        AgroalDataSource pool = pools.get(key);
        if (pool == null) {
            pool = AgroalDataSource.from(configuration(spec));
            pools.put(key, pool);
            LOG.infof("Opened connection pool for %s", spec.describe());
        }
        return pool;
    }

    /** Forgets {@code user}; closes its pool when nobody else uses it. */
    public synchronized void release(String user) {
        String key = poolOfUser.remove(user);
        if (key != null) {
            closeIfUnused(key);
        }
    }

    public synchronized int openPools() {
        return pools.size();
    }

    public synchronized Set<String> usersOf(ConnectionSpec spec) {
        return poolOfUser.entrySet().stream().filter(e -> e.getValue().equals(spec.poolKey()))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    @PreDestroy
    synchronized void closeAll() {
        pools.values().forEach(AgroalDataSource::close);
        pools.clear();
        poolOfUser.clear();
    }

    private void closeIfUnused(String key) {
        if (!poolOfUser.containsValue(key)) {
            AgroalDataSource pool = pools.remove(key);
            if (pool != null) {
                pool.close();
                LOG.infof("Closed connection pool %s: no resource uses it", key.substring(0, key.indexOf('#')));
            }
        }
    }

    private AgroalDataSourceConfigurationSupplier configuration(ConnectionSpec spec) {
        return new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool
                        .initialSize(0)
                        .minSize(0)
                        .maxSize(settings.poolMaxSize())
                        .acquisitionTimeout(Duration.ofSeconds(10))
                        .validationTimeout(Duration.ofSeconds(30))
                        .reapTimeout(Duration.ofMinutes(5))
                        .maxLifetime(Duration.ofMinutes(30))
                        .connectionValidator(ConnectionValidator.defaultValidator())
                        .connectionFactoryConfiguration(factory -> factory
                                .jdbcUrl(spec.jdbcUrl())
                                .connectionProviderClass(org.postgresql.Driver.class)
                                .loginTimeout(Duration.ofSeconds(10))
                                .principal(new NamePrincipal(spec.user()))
                                .credential(new SimplePassword(spec.password()))));
    }
}
