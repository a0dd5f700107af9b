package dev.tviews.operator.backup;

import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.Durations;
import java.util.HashSet;
import java.util.List;

/** Everything in a policy's spec the API server cannot check (or that the mock server does not). */
final class BackupSpecValidator {

    private BackupSpecValidator() {
    }

    /** The policy's schedule; throws {@link IllegalArgumentException} with a readable message. */
    static CronSchedule validate(BackupPolicySpec spec) {
        if (spec.getDatabase() == null || (spec.getDatabase().getSecretRef() == null) == (spec.getDatabase().getCluster() == null)) {
            throw new IllegalArgumentException("spec.database needs exactly one of secretRef or cluster");
        }
        CronSchedule schedule = CronSchedule.parse("spec.schedule", spec.getSchedule(), "spec.timeZone", spec.getTimeZone());
        validateMethods(spec.getMethods() == null ? List.of() : spec.getMethods());
        validateStorage(spec.getStorage());
        BackupPolicySpec.Retention retention = spec.retentionOrDefault();
        if (retention.getKeepLast() != null && retention.getKeepLast() < 1) {
            throw new IllegalArgumentException("spec.retention.keepLast must be at least 1 (got " + retention.getKeepLast() + ")");
        }
        if (retention.getMaxAge() != null) {
            Durations.parse("spec.retention.maxAge", retention.getMaxAge());
        }
        if (spec.getRpoTarget() != null) {
            Durations.parse("spec.rpoTarget", spec.getRpoTarget());
        }
        return schedule;
    }

    private static void validateMethods(List<String> methods) {
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("spec.methods is empty: name at least one of logical, metadata, physical");
        }
        for (String m : methods) {
            if (!BackupPolicySpec.METHODS.contains(m)) {
                throw new IllegalArgumentException("unknown method '" + m + "' in spec.methods: use logical, metadata or physical");
            }
        }
        if (new HashSet<>(methods).size() != methods.size()) {
            throw new IllegalArgumentException("spec.methods lists a method twice: " + methods);
        }
    }

    private static void validateStorage(BackupPolicySpec.Storage storage) {
        if (storage == null || storage.getPersistentVolumeClaim() == null
                || storage.getPersistentVolumeClaim().getClaimName() == null
                || storage.getPersistentVolumeClaim().getClaimName().isBlank()) {
            throw new IllegalArgumentException("spec.storage.persistentVolumeClaim.claimName is required");
        }
        String path = storage.getPath() == null ? "" : storage.getPath();
        if (path.startsWith("/") || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("spec.storage.path '" + path + "' must be relative and must not contain '..'");
        }
    }
}
