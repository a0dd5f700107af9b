package dev.tviews.operator.backup;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.tviews.operator.api.DatabaseRef;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a TViewBackupPolicy. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BackupPolicySpec {

    /** The backup methods, as written in spec.methods and passed to backup.sh. */
    public static final List<String> METHODS = List.of("logical", "metadata", "physical");
    static final String DURATION = dev.tviews.operator.api.Durations.PATTERN;

    @Required
    @JsonPropertyDescription("The database to back up: exactly one of secretRef (keys host, port, dbname, username, "
            + "password) or cluster (a CloudNativePG Cluster: its <name>-app Secret and <name>-rw Service).")
    private DatabaseRef database;

    @Required
    @ValidationRule(value = "self.matches('^\\\\s*(\\\\S+\\\\s+){4}\\\\S+\\\\s*$')",
            message = "schedule is a standard 5-field cron expression (minute hour day-of-month month day-of-week)")
    @JsonPropertyDescription("When backups run: a standard 5-field cron expression (minute hour day-of-month month "
            + "day-of-week), read in timeZone. Every method runs on this schedule, each in its own CronJob.")
    private String schedule;

    @Default("UTC")
    @JsonPropertyDescription("IANA time zone the schedule is read in, e.g. UTC or Europe/Paris (CronJob.spec.timeZone).")
    private String timeZone = "UTC";

    @Size(min = 1, max = 3)
    @ValidationRule(value = "self.all(m, m in ['logical', 'metadata', 'physical'])",
            message = "methods are logical, metadata or physical")
    @ValidationRule(value = "self.all(m, self.exists_one(x, x == m))", message = "methods must be unique")
    @JsonPropertyDescription("What to back up: logical (pg_dump -Fc of the database), metadata (the TVIEW runtime "
            + "catalog only: pg_tview_meta, pg_tview_helpers, pg_tview_audit_log), physical (pg_basebackup of the whole "
            + "cluster; the role needs REPLICATION). One CronJob per method.")
    private List<String> methods = new ArrayList<>(List.of("logical"));

    @Required
    @JsonPropertyDescription("Where backups are written: <path>/<policy name>/<UTC timestamp>-<method>/ on the volume.")
    private Storage storage;

    @JsonPropertyDescription("Which backups are kept, applied by every successful run, per method. The newest verified "
            + "backup is never deleted. Default: keepLast 30, maxAge 30d.")
    private Retention retention;

    @JsonPropertyDescription("Verification of every backup. Checksums and a structural check (pg_restore -l, "
            + "pg_verifybackup) always run; restoreTest adds a restore into a scratch database.")
    private Verify verify;

    @Pattern(DURATION)
    @JsonPropertyDescription("Recovery point objective, e.g. 24h or 90m (units s, m, h, d, w). RPOMet turns False and a "
            + "Warning Event is recorded when the newest verified backup is older than this. Unset: RPO is reported "
            + "but not judged.")
    private String rpoTarget;

    @JsonPropertyDescription("Container image of the backup Jobs; it must provide sh, psql, pg_dump, pg_basebackup and "
            + "pg_verifybackup at least as new as the server. Default: postgres:<server major version>, detected by "
            + "connecting to the database.")
    private String image;

    @Default("false")
    @JsonPropertyDescription("Pause the schedule (CronJob.spec.suspend). Results, RPO and backup-now requests are "
            + "still handled.")
    private boolean suspend;

    public List<String> methodsOrDefault() {
        return methods == null || methods.isEmpty() ? List.of() : methods;
    }

    public Retention retentionOrDefault() {
        return retention == null ? new Retention() : retention;
    }

    public boolean restoreTest() {
        return verify != null && verify.isRestoreTest();
    }

    public DatabaseRef getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseRef database) {
        this.database = database;
    }

    public String getSchedule() {
        return schedule;
    }

    public void setSchedule(String schedule) {
        this.schedule = schedule;
    }

    public String getTimeZone() {
        return timeZone;
    }

    public void setTimeZone(String timeZone) {
        this.timeZone = timeZone;
    }

    public List<String> getMethods() {
        return methods;
    }

    public void setMethods(List<String> methods) {
        this.methods = methods;
    }

    public Storage getStorage() {
        return storage;
    }

    public void setStorage(Storage storage) {
        this.storage = storage;
    }

    public Retention getRetention() {
        return retention;
    }

    public void setRetention(Retention retention) {
        this.retention = retention;
    }

    public Verify getVerify() {
        return verify;
    }

    public void setVerify(Verify verify) {
        this.verify = verify;
    }

    public String getRpoTarget() {
        return rpoTarget;
    }

    public void setRpoTarget(String rpoTarget) {
        this.rpoTarget = rpoTarget;
    }

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public boolean isSuspend() {
        return suspend;
    }

    public void setSuspend(boolean suspend) {
        this.suspend = suspend;
    }

    /** The volume backups are written to. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Storage {

        @Required
        @JsonPropertyDescription("The PersistentVolumeClaim (same namespace) mounted at /backups in every backup Job. "
                + "Use a ReadWriteMany claim when methods run at the same time on different nodes.")
        private ClaimRef persistentVolumeClaim;

        @ValidationRule(value = "!self.contains('..') && !self.startsWith('/')",
                message = "path is relative to the volume and must not contain '..'")
        @JsonPropertyDescription("Directory on the volume, relative to its root; backups go to <path>/<policy name>/.")
        private String path = "";

        public ClaimRef getPersistentVolumeClaim() {
            return persistentVolumeClaim;
        }

        public void setPersistentVolumeClaim(ClaimRef persistentVolumeClaim) {
            this.persistentVolumeClaim = persistentVolumeClaim;
        }

        public String getPath() {
            return path;
        }

        public void setPath(String path) {
            this.path = path;
        }
    }

    /** A PersistentVolumeClaim by name. */
    public static class ClaimRef {

        @Required
        @JsonPropertyDescription("Name of the PersistentVolumeClaim in the policy's namespace.")
        private String claimName;

        public ClaimRef() {
        }

        public ClaimRef(String claimName) {
            this.claimName = claimName;
        }

        public String getClaimName() {
            return claimName;
        }

        public void setClaimName(String claimName) {
            this.claimName = claimName;
        }
    }

    /** Retention (retention.sh: KEEP_LAST, MAX_AGE). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Retention {

        @Min(1)
        @JsonPropertyDescription("Keep the newest N successful backups of each method (default 30). Older ones are "
                + "deleted once they are also older than maxAge (or at once without maxAge).")
        private Integer keepLast = 30;

        @Pattern(DURATION)
        @JsonPropertyDescription("Delete successful backups beyond keepLast that are older than this, e.g. 30d "
                + "(units s, m, h, d, w; default 30d).")
        private String maxAge = "30d";

        public Integer getKeepLast() {
            return keepLast;
        }

        public void setKeepLast(Integer keepLast) {
            this.keepLast = keepLast;
        }

        public String getMaxAge() {
            return maxAge;
        }

        public void setMaxAge(String maxAge) {
            this.maxAge = maxAge;
        }
    }

    /** Verification options. */
    public static class Verify {

        @Default("false")
        @JsonPropertyDescription("Also restore every logical backup into a scratch database on the same server and run "
                + "pg_tviews_health_check() and pg_tviews_check_consistency() for every TVIEW (the role needs CREATEDB).")
        private boolean restoreTest;

        public boolean isRestoreTest() {
            return restoreTest;
        }

        public void setRestoreTest(boolean restoreTest) {
            this.restoreTest = restoreTest;
        }
    }
}
