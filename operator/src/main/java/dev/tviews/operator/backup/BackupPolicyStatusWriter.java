package dev.tviews.operator.backup;

import static dev.tviews.operator.api.Conditions.READY;
import static dev.tviews.operator.api.Conditions.RECONCILING;
import static dev.tviews.operator.api.Conditions.STALLED;

import dev.tviews.operator.api.Conditions;
import java.time.Clock;

/**
 * The one place TViewBackupPolicy conditions are written. The kstatus trio says whether the policy is applied
 * (ConfigMap and CronJobs in place); LastBackupSucceeded and RPOMet say how the backups themselves are doing.
 */
final class BackupPolicyStatusWriter {

    static final String LAST_BACKUP_SUCCEEDED = "LastBackupSucceeded";
    static final String RPO_MET = "RPOMet";

    private final BackupPolicyStatus status;
    private final Long generation;
    private final Clock clock;

    BackupPolicyStatusWriter(BackupPolicyStatus observed, Long generation, Clock clock) {
        this.status = observed == null ? new BackupPolicyStatus() : observed.copy();
        this.generation = generation;
        this.clock = clock;
        this.status.setObservedGeneration(generation);
    }

    BackupPolicyStatus status() {
        return status;
    }

    void ready(String reason, String message) {
        set(READY, true, reason, message);
        set(RECONCILING, false, reason, "");
        set(STALLED, false, reason, "");
    }

    /** Waiting for something that will come (the Secret, the Cluster, the database). */
    void reconciling(String reason, String message) {
        set(READY, false, reason, message);
        set(RECONCILING, true, reason, message);
        set(STALLED, false, reason, "");
    }

    /** The spec (or what it points at) is wrong: nothing is scheduled until it is fixed. */
    void stalled(String reason, String message) {
        set(READY, false, reason, message);
        set(RECONCILING, false, reason, "");
        set(STALLED, true, reason, message);
    }

    void lastBackup(BackupRecord newest) {
        if (newest.succeeded()) {
            set(LAST_BACKUP_SUCCEEDED, true, "Succeeded", "backup " + newest.getName() + " (" + newest.getMethod()
                    + ") written and verified" + (newest.getEndTime() == null ? "" : " at " + newest.getEndTime()));
        } else {
            String reason = newest.getMessage() != null && newest.getMessage().startsWith(JobResults.NOT_VERIFIED)
                    ? "VerificationFailed" : "BackupFailed";
            set(LAST_BACKUP_SUCCEEDED, false, reason, "backup " + newest.getName() + " (" + newest.getMethod() + ") failed: "
                    + newest.getMessage() + "; " + status.getConsecutiveFailures() + " consecutive failure(s)");
        }
    }

    void rpo(boolean met, String reason, String message) {
        set(RPO_MET, met, reason, message);
    }

    void noRpoTarget() {
        status.setConditions(Conditions.remove(status.getConditions(), RPO_MET));
    }

    private void set(String type, boolean value, String reason, String message) {
        status.setConditions(Conditions.set(status.getConditions(), type, value, reason, message, generation, clock));
    }
}
