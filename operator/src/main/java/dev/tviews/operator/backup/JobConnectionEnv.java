package dev.tviews.operator.backup;

import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.database.ConnectionSpec;
import dev.tviews.operator.jobs.BackupJobs;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * libpq variables for the Jobs, every one taken from the Secret's keys through secretKeyRef when the key exists
 * (the password always); non-secret values missing from the Secret (a 'uri'-only Secret) are literal. For a
 * CloudNativePG cluster: its {@code <name>-app} Secret and host {@code <name>-rw}.
 */
final class JobConnectionEnv {

    private JobConnectionEnv() {
    }

    /**
     * Reads the policy's Secret; {@code connection} (null during a switchover) supplies the literal values.
     * Throws {@link IllegalArgumentException} when the Secret is missing or gives no password or no value.
     */
    static List<EnvVar> of(TViewBackupPolicy policy, KubernetesClient client, ConnectionSpec connection) {
        DatabaseRef ref = policy.getSpec().getDatabase();
        boolean cluster = ref.getCluster() != null;
        String secretName = cluster ? ref.getCluster().getName() + "-app" : ref.getSecretRef().getName();
        Set<String> keys = keys(policy, client, secretName);
        List<EnvVar> env = new ArrayList<>();
        if (cluster) {
            env.add(BackupJobs.literal("PGHOST", ref.getCluster().getName() + "-rw"));
        } else {
            env.add(keyOr("PGHOST", secretName, keys, "host", connection == null ? null : connection.host()));
        }
        env.add(keyOr("PGPORT", secretName, keys, "port", connection == null ? "5432" : String.valueOf(connection.port())));
        env.add(keyOr("PGDATABASE", secretName, keys, "dbname", connection == null ? null : connection.database()));
        env.add(keys.contains("username") ? BackupJobs.fromSecret("PGUSER", secretName, "username")
                : keyOr("PGUSER", secretName, keys, "user", connection == null ? null : connection.user()));
        env.add(BackupJobs.fromSecret("PGPASSWORD", secretName, "password"));
        for (EnvVar e : env) {
            if (e.getValueFrom() == null && (e.getValue() == null || e.getValue().isEmpty())) {
                throw new IllegalArgumentException("Secret " + policy.namespace() + "/" + secretName + " gives no value for "
                        + e.getName() + " (keys host, port, dbname, username, password)");
            }
        }
        return env;
    }

    private static Set<String> keys(TViewBackupPolicy policy, KubernetesClient client, String secretName) {
        Secret secret = client.secrets().inNamespace(policy.namespace()).withName(secretName).get();
        if (secret == null) {
            throw new IllegalArgumentException("Secret " + policy.namespace() + "/" + secretName + " not found");
        }
        Set<String> keys = new HashSet<>();
        Optional.ofNullable(secret.getData()).ifPresent(d -> keys.addAll(d.keySet()));
        Optional.ofNullable(secret.getStringData()).ifPresent(d -> keys.addAll(d.keySet()));
        if (!keys.contains("password")) {
            throw new IllegalArgumentException("Secret " + policy.namespace() + "/" + secretName + " has no key 'password': "
                    + "backup Jobs read PGPASSWORD from it (secretKeyRef) and never receive a literal password");
        }
        return keys;
    }

    private static EnvVar keyOr(String variable, String secret, Set<String> keys, String key, String literal) {
        return keys.contains(key) ? BackupJobs.fromSecret(variable, secret, key) : BackupJobs.literal(variable, literal);
    }
}
