package dev.tviews.operator.backup;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.util.Objects;

/**
 * Reconcile a policy on updates that matter: a new generation (spec), a backup-now request, or deletion.
 * Status-only updates, including the operator's own status patches, do not trigger a reconcile.
 */
public class PolicyChanged implements OnUpdateFilter<TViewBackupPolicy> {

    @Override
    public boolean accept(TViewBackupPolicy updated, TViewBackupPolicy old) {
        return !Objects.equals(updated.getMetadata().getGeneration(), old.getMetadata().getGeneration())
                || !Objects.equals(request(updated), request(old))
                || updated.getMetadata().getDeletionTimestamp() != null;
    }

    private static String request(TViewBackupPolicy p) {
        return p.getMetadata().getAnnotations() == null ? null
                : p.getMetadata().getAnnotations().get(BackupPolicyReconciler.BACKUP_NOW);
    }
}
