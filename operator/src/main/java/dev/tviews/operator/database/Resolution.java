package dev.tviews.operator.database;

/** The outcome of resolving a {@code DatabaseRef}. */
public sealed interface Resolution {

    /** The database can be used. {@code currentPrimary} is set for CloudNativePG clusters. */
    record Available(ConnectionSpec connection, String currentPrimary) implements Resolution {
    }

    /** Not usable yet (missing Secret or Cluster, incomplete Secret): retry later. */
    record Unavailable(String reason, String message) implements Resolution {
    }

    /** A CloudNativePG switchover is in progress: hold all work until it completes. */
    record SwitchoverInProgress(String currentPrimary, String targetPrimary) implements Resolution {
        public String message() {
            return "CloudNativePG switchover in progress: currentPrimary=" + currentPrimary
                    + ", targetPrimary=" + targetPrimary + "; waiting before touching the database";
        }
    }
}
