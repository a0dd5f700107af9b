package dev.tviews.operator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/** Operator tunables ({@code tview.operator.*} in application.properties or env TVIEW_OPERATOR_*). */
@ConfigMapping(prefix = "tview.operator")
public interface OperatorSettings {

    /** How often a Ready TView is re-observed (self-healing of triggers, row count) between consistency checks. */
    @WithDefault("5m")
    Duration resyncInterval();

    /** Delay before retrying when the database or its credentials are not available yet. */
    @WithDefault("15s")
    Duration retryInterval();

    /** Delay between looks at TViews this one waits for. */
    @WithDefault("5s")
    Duration dependencyPollInterval();

    /** Delay between looks at a CloudNativePG cluster during a switchover. */
    @WithDefault("5s")
    Duration switchoverPollInterval();

    /** Upper bound of the retry delay, which grows with how long a resource has been waiting. */
    @WithDefault("5m")
    Duration maxRetryInterval();

    /** Consistency checks are spread over this window (per-resource deterministic jitter). */
    @WithDefault("60s")
    Duration checkJitter();

    /**
     * How long an install or upgrade of the TVIEW runtime waits for one lock (PostgreSQL {@code lock_timeout}). An
     * upgrade regenerates every TVIEW's triggers, so it waits for transactions holding a source (a forgotten prepared
     * transaction holds one until it is resolved) while holding the runtime's catalog, which blocks writers of every
     * TVIEW. Past this wait it fails changing nothing (status RuntimeInstallFailed) and is retried.
     */
    @WithDefault("30s")
    Duration runtimeInstallLockTimeout();

    /** Maximum connections of each database's pool (shared by every TView on that database). */
    @WithDefault("4")
    int poolMaxSize();

    /**
     * Repositories backup and drill Jobs may run (any tag or digest): those Jobs receive the database Secret, so
     * their image must be one the operator's administrator trusts. {@code postgres} is Docker Hub's official image
     * (docker.io/library/postgres); an entry ending in {@code /*} allows every repository under it. See
     * {@link JobImages}.
     */
    @WithDefault("postgres")
    List<String> allowedJobImages();

    /**
     * Classpath directory holding the drill Jobs' scripts (lib.sh, backup.sh, verify.sh, restore.sh, retention.sh,
     * drill.sh), packaged from src/scripts by the tview-runtime jar. A drill whose scripts are not found there is
     * Stalled with reason ScriptsMissing. Only the tests change it (to a directory without the scripts).
     */
    @WithDefault("dev/tviews/runtime/scripts/")
    String drillScriptsResource();
}
