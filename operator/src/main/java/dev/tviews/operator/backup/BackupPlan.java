package dev.tviews.operator.backup;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.jobs.BackupJobs;

/** What one reconcile decided: the Jobs to schedule, or why nothing is applied. */
sealed interface BackupPlan {

    /** Schedule Jobs with these settings; {@code serverVersionNum} may be the one found earlier. */
    record Apply(CronSchedule schedule, BackupJobs.Settings jobs, Integer serverVersionNum) implements BackupPlan {
    }

    /**
     * Nothing is created or updated. {@code disallowedImage}: the image is refused, so the CronJobs that run an
     * image the allow-list no longer admits are deleted too.
     */
    record Blocked(Kind kind, String reason, String message, boolean disallowedImage) implements BackupPlan {

        static Blocked stalled(String reason, String message) {
            return new Blocked(Kind.STALLED, reason, message, false);
        }

        static Blocked stalledRetrying(String reason, String message) {
            return new Blocked(Kind.STALLED_RETRYING, reason, message, false);
        }

        static Blocked waiting(String reason, String message) {
            return new Blocked(Kind.WAITING, reason, message, false);
        }

        static Blocked imageNotAllowed(Kind kind, String message) {
            return new Blocked(kind, BackupPolicyReconciler.IMAGE_NOT_ALLOWED, message, true);
        }
    }

    enum Kind {
        /** Bad input (Stalled): looked at again when the spec changes or at the resync. */
        STALLED,
        /** Bad input (Stalled), re-checked after the backoff: with GitOps what is missing may come later. */
        STALLED_RETRYING,
        /** Not possible yet (Reconciling), re-checked after the backoff. */
        WAITING
    }
}
