package dev.tviews.operator.backup;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.backup.BackupPlan.Blocked;
import dev.tviews.operator.config.JobImages;
import dev.tviews.operator.database.ConnectionSpec;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.database.ProbeConnections;
import dev.tviews.operator.database.SqlErrors;
import dev.tviews.operator.jobs.BackupJobs;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Decides what a policy's Jobs look like from its spec and what it refers to (volume claim, database, Secret,
 * server version, allowed images), or why none can be scheduled. Creates nothing.
 */
@ApplicationScoped
public class BackupPlanner {

    private static final Logger LOG = Logger.getLogger(BackupPlanner.class);
    private static final Pattern POSTGRES_IMAGE = Pattern.compile("(?:^|/)postgres:(\\d+)");

    private final DatabaseResolver resolver;
    private final JobImages images;

    public BackupPlanner(DatabaseResolver resolver, JobImages images) {
        this.resolver = resolver;
        this.images = images;
    }

    /** {@code knownVersionNum}: the server version found before, used when the database cannot be asked now. */
    BackupPlan plan(TViewBackupPolicy policy, KubernetesClient client, Integer knownVersionNum) {
        BackupPolicySpec spec = policy.getSpec();
        CronSchedule schedule;
        try {
            schedule = BackupSpecValidator.validate(spec);
        } catch (IllegalArgumentException e) {
            return Blocked.stalled("InvalidSpec", e.getMessage());
        }
        Optional<String> givenImage = Optional.ofNullable(spec.getImage()).filter(i -> !i.isBlank()).map(String::trim);
        Optional<String> imageProblem = givenImage.flatMap(i -> images.problem("spec.image", i));
        if (imageProblem.isPresent()) {
            // the Jobs would carry the database Secret into an image nobody vetted: nothing is created or updated
            return Blocked.imageNotAllowed(BackupPlan.Kind.STALLED, imageProblem.get());
        }
        String claim = spec.getStorage().getPersistentVolumeClaim().getClaimName();
        if (client.persistentVolumeClaims().inNamespace(policy.namespace()).withName(claim).get() == null) {
            return Blocked.stalledRetrying("StorageNotFound", "PersistentVolumeClaim " + policy.namespace() + "/" + claim
                    + " not found: create it (backups are written to it)");
        }
        Resolution resolution = resolver.resolve(policy.namespace(), spec.getDatabase());
        if (resolution instanceof Resolution.Unavailable u) {
            // bad input per the policy contract (Stalled), but re-checked: with GitOps the Secret may come later
            return Blocked.stalledRetrying(u.reason(), u.message());
        }
        ConnectionSpec connection = resolution instanceof Resolution.Available a ? a.connection() : null;
        List<EnvVar> env;
        try {
            env = JobConnectionEnv.of(policy, client, connection);
        } catch (IllegalArgumentException e) {
            return Blocked.stalledRetrying("InvalidSecret", e.getMessage());
        }
        ServerVersion version = serverVersion(resolution, knownVersionNum);
        if (version.num() == null && givenImage.isEmpty()) {
            return Blocked.waiting(connection == null ? "SwitchoverInProgress" : "DatabaseUnreachable",
                    "cannot detect the server version for the default image postgres:<major> (set spec.image to skip): "
                            + version.problem());
        }
        if (version.problem() != null) {
            LOG.debugf("policy %s/%s: server version not re-detected: %s", policy.namespace(), policy.name(), version.problem());
        }
        return givenImage.isPresent() ? withGivenImage(policy, schedule, givenImage.get(), version.num(), env)
                : withDefaultImage(policy, schedule, version.num(), env);
    }

    /** The server version, or the one known before and why it could not be read now. */
    private record ServerVersion(Integer num, String problem) {
    }

    private ServerVersion serverVersion(Resolution resolution, Integer knownVersionNum) {
        if (!(resolution instanceof Resolution.Available available)) {
            return new ServerVersion(knownVersionNum, ((Resolution.SwitchoverInProgress) resolution).message());
        }
        ConnectionSpec connection = available.connection();
        try {
            return new ServerVersion(ProbeConnections.serverVersionNum(connection), null);
        } catch (SQLException e) {
            return new ServerVersion(knownVersionNum,
                    "database " + connection.describe() + ": " + SqlErrors.describe(e, connection));
        }
    }

    private BackupPlan withGivenImage(TViewBackupPolicy policy, CronSchedule schedule, String image, Integer versionNum,
                                      List<EnvVar> env) {
        Matcher m = POSTGRES_IMAGE.matcher(image);
        if (versionNum != null && m.find() && Integer.parseInt(m.group(1)) < ProbeConnections.major(versionNum)) {
            int major = ProbeConnections.major(versionNum);
            return Blocked.stalled("ImageTooOld", "spec.image " + image + " has pg_dump " + m.group(1)
                    + ", older than the server (" + major + "): pg_dump and pg_basebackup cannot back up a newer server;"
                    + " use postgres:" + major + " or newer, or leave spec.image empty");
        }
        return new BackupPlan.Apply(schedule, BackupJobs.settings(policy, image, env), versionNum);
    }

    private BackupPlan withDefaultImage(TViewBackupPolicy policy, CronSchedule schedule, int versionNum,
                                        List<EnvVar> env) {
        String image = "postgres:" + ProbeConnections.major(versionNum);
        Optional<String> problem = images.problem("the default image", image);
        if (problem.isPresent()) {
            return Blocked.imageNotAllowed(BackupPlan.Kind.STALLED_RETRYING, problem.get() + "; or set spec.image");
        }
        return new BackupPlan.Apply(schedule, BackupJobs.settings(policy, image, env), versionNum);
    }
}
