package dev.tviews.operator.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic names and labels of what a backup policy owns. */
public final class BackupNames {

    /** Label on every CronJob, Job (and so Pod) and ConfigMap a policy owns: the policy's name. */
    public static final String POLICY_LABEL = "tviews.dev/backup-policy";
    public static final String METHOD_LABEL = "tviews.dev/backup-method";
    public static final String TRIGGER_LABEL = "tviews.dev/backup-trigger";
    public static final String SPEC_HASH = "tviews.dev/spec-hash";
    /** CronJob names are limited to 52 characters (the controller appends an 11-character suffix to Job names). */
    static final int CRONJOB_MAX = 52;
    static final int JOB_MAX = 63;

    private BackupNames() {
    }

    public static String scriptsConfigMap(String policy) {
        return fit(policy, "-scripts", 253);
    }

    public static String cronJob(String policy, String method) {
        return fit(policy, "-" + method, CRONJOB_MAX);
    }

    /** The Job of one backup-now request: the same request value always gives the same name. */
    public static String manualJob(String policy, String method, String requestValue) {
        return fit(policy, "-" + method + "-now-" + hash(requestValue, 8), JOB_MAX);
    }

    /** {@code base + suffix}, shortened with a hash of {@code base} when longer than {@code max}. */
    static String fit(String base, String suffix, int max) {
        String name = base + suffix;
        if (name.length() <= max) {
            return name;
        }
        String h = hash(base, 6);
        int keep = Math.max(1, max - suffix.length() - h.length() - 1);
        String prefix = base.substring(0, Math.min(keep, base.length())).replaceAll("[-.]+$", "");
        return prefix + "-" + h + suffix;
    }

    static String hash(String text, int hexChars) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
