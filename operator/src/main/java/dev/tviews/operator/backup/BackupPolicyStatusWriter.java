package dev.tviews.operator.backup;


import dev.tviews.operator.api.StatusWriter;
import java.time.Clock;

/**
 * The one place TViewBackupPolicy conditions are written. The kstatus trio says whether the policy is applied
 * (ConfigMap and CronJobs in place); LastBackupSucceeded and RPOMet say how the backups themselves are doing.
 */
final class BackupPolicyStatusWriter extends StatusWriter<BackupPolicyStatus> {

    static final String LAST_BACKUP_SUCCEEDED = "LastBackupSucceeded";
    static final String RPO_MET = "RPOMet";

    BackupPolicyStatusWriter(BackupPolicyStatus observed, Long generation, Clock clock) {
        super(observed == null ? new BackupPolicyStatus() : observed.copy(), generation, clock);
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
        remove(RPO_MET);
    }

}
