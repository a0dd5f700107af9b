package dev.tviews.operator.backup;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.CronSchedule;
import dev.tviews.operator.api.Durations;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.JobImages;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.ConnectionSpec;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.database.SqlErrors;
import dev.tviews.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Reconciles a TViewBackupPolicy: observe (Job results, spec, storage, database) → act (scripts ConfigMap, one
 * CronJob per method, backup-now Jobs) → status, patched only when it changed, rescheduled at the next due time
 * (next schedule, or the moment the RPO target will be exceeded). Everything created is owned by the policy
 * (ownerReferences), so Kubernetes garbage collection removes it with the policy: no finalizer. Backups on the
 * volume are never deleted by deleting the policy.
 */
@ControllerConfiguration(name = BackupPolicyReconciler.NAME, generationAwareEventProcessing = false,
        informer = @Informer(onUpdateFilter = PolicyChanged.class))
public class BackupPolicyReconciler implements Reconciler<TViewBackupPolicy> {

    public static final String NAME = "tviewbackuppolicy";
    /** Annotation: any value runs one backup of every method at once; the operator then removes it. */
    public static final String BACKUP_NOW = "tviews.dev/backup-now";

    /** Stalled reason: the Jobs' image is not in the operator's allow-list ({@link JobImages}). */
    public static final String IMAGE_NOT_ALLOWED = "ImageNotAllowed";

    private static final Logger LOG = Logger.getLogger(BackupPolicyReconciler.class);
    private static final Pattern POSTGRES_IMAGE = Pattern.compile("(?:^|/)postgres:(\\d+)");
    private static final KubernetesSerialization JSON = new KubernetesSerialization();

    private final DatabaseResolver resolver;
    private final ServerVersionProbe probe;
    private final BackupMetrics metrics;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final JobImages images;
    private final Clock clock;

    public BackupPolicyReconciler(DatabaseResolver resolver, ServerVersionProbe probe, BackupMetrics metrics,
                                  EventRecorder events, OperatorSettings settings, JobImages images, Clock clock) {
        this.resolver = resolver;
        this.probe = probe;
        this.metrics = metrics;
        this.events = events;
        this.settings = settings;
        this.images = images;
        this.clock = clock;
    }

    /** Jobs of every policy (scheduled and backup-now) carry the policy label: a Job change reconciles its policy. */
    @Override
    public List<EventSource<?, TViewBackupPolicy>> prepareEventSources(EventSourceContext<TViewBackupPolicy> context) {
        var config = InformerEventSourceConfiguration.from(Job.class, TViewBackupPolicy.class)
                .withName("backup-jobs")
                .withLabelSelector(BackupNames.POLICY_LABEL)
                .withSecondaryToPrimaryMapper((Job job) -> Set.of(new ResourceID(
                        job.getMetadata().getLabels().get(BackupNames.POLICY_LABEL), job.getMetadata().getNamespace())))
                .build();
        return List.of(new InformerEventSource<>(config, context));
    }

    @Override
    public UpdateControl<TViewBackupPolicy> reconcile(TViewBackupPolicy cached, Context<TViewBackupPolicy> context) {
        // Job results are counted once, against status.recentBackups: read the status as the API server has it,
        // since the informer cache may not show yet the results this operator has just recorded.
        TViewBackupPolicy latest = context.getClient().resources(TViewBackupPolicy.class)
                .inNamespace(cached.getMetadata().getNamespace()).withName(cached.getMetadata().getName()).get();
        TViewBackupPolicy policy = latest == null ? cached : latest;
        Instant now = clock.instant();
        BackupPolicyStatusWriter status = new BackupPolicyStatusWriter(policy.getStatus(),
                policy.getMetadata().getGeneration(), clock);
        KubernetesClient client = context.getClient();
        collectResults(policy, client, status);
        Optional<Duration> applyNext = apply(policy, client, status, now);
        Optional<Duration> rpoNext = evaluateRpo(policy, status, now);
        Duration next = Stream.of(applyNext, rpoNext, Optional.of(settings.resyncInterval()))
                .flatMap(Optional::stream).min(Comparator.naturalOrder()).orElseThrow();
        if (!status.status().equals(policy.getStatus())) {
            StatusPatcher.patch(client, TViewBackupPolicy.class, policy, status.status());
        }
        UpdateControl<TViewBackupPolicy> control = UpdateControl.noUpdate();
        return control.rescheduleAfter(Math.max(1, next.toMillis()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Results of finished Jobs

    private void collectResults(TViewBackupPolicy policy, KubernetesClient client, BackupPolicyStatusWriter writer) {
        BackupPolicyStatus status = writer.status();
        seedMetrics(policy, status);
        List<Job> jobs = JobResults.jobsOf(client, policy);
        jobs.stream().map(JobResults::startTime).flatMap(Optional::stream).max(Comparator.naturalOrder())
                .filter(t -> status.getLastScheduleTime() == null || t.isAfter(Instant.parse(status.getLastScheduleTime())))
                .ifPresent(t -> status.setLastScheduleTime(t.toString()));

        Set<String> seen = new HashSet<>();
        status.getRecentBackups().forEach(r -> seen.add(r.getJob()));
        Optional<Instant> oldestKept = status.getRecentBackups().size() < BackupPolicyStatus.RECENT_LIMIT ? Optional.empty()
                : status.getRecentBackups().stream().map(BackupRecord::getEndTime).filter(Objects::nonNull)
                .map(Instant::parse).min(Comparator.naturalOrder());
        List<Job> fresh = jobs.stream().filter(JobResults::finished)
                .filter(j -> !seen.contains(j.getMetadata().getName()))
                .filter(j -> oldestKept.isEmpty() || JobResults.finishTime(j).map(t -> t.isAfter(oldestKept.get())).orElse(true))
                .sorted(Comparator.comparing((Job j) -> JobResults.finishTime(j).orElse(Instant.MAX)))
                .toList();
        for (Job job : fresh) {
            BackupRecord record = JobResults.record(job, JobResults.terminationMessage(client, job));
            List<BackupRecord> recent = new ArrayList<>(status.getRecentBackups());
            recent.add(0, record);
            status.setRecentBackups(new ArrayList<>(recent.subList(0, Math.min(recent.size(), BackupPolicyStatus.RECENT_LIMIT))));
            if (record.succeeded()) {
                succeeded(policy, status, record);
                if (JobResults.retentionFailed(job, record)) {
                    events.warning(policy, "RetentionFailed", "backup " + record.getName()
                            + " is verified but retention.sh failed in Job " + record.getJob() + "; see its logs");
                }
            } else {
                status.setConsecutiveFailures((status.getConsecutiveFailures() == null ? 0 : status.getConsecutiveFailures()) + 1);
                metrics.failure(policy, record.getMethod());
                events.warning(policy, "BackupFailed", "Job " + record.getJob() + " (" + record.getMethod() + "): "
                        + record.getMessage());
            }
            writer.lastBackup(record);
        }
    }

    private void succeeded(TViewBackupPolicy policy, BackupPolicyStatus status, BackupRecord record) {
        status.setConsecutiveFailures(0);
        Instant end = record.getEndTime() == null ? clock.instant() : Instant.parse(record.getEndTime());
        BackupRecord last = status.getLastSuccessfulBackup();
        if (last == null || last.getEndTime() == null || !Instant.parse(last.getEndTime()).isAfter(end)) {
            status.setLastSuccessfulBackup(record);
        }
        Map<String, String> byMethod = new LinkedHashMap<>(status.getLastSuccessByMethod());
        String previous = byMethod.get(record.getMethod());
        if (previous == null || Instant.parse(previous).isBefore(end)) {
            byMethod.put(record.getMethod(), end.toString());
        }
        status.setLastSuccessByMethod(byMethod);
        metrics.success(policy, record.getMethod(), end, record.getSizeBytes(), durationSeconds(record));
        events.normal(policy, "BackupSucceeded", "backup " + record.getName() + " (" + record.getMethod()
                + ", " + record.getSizeBytes() + " bytes) written and verified by Job " + record.getJob());
    }

    private static Long durationSeconds(BackupRecord r) {
        if (r.getStartTime() == null || r.getEndTime() == null) {
            return null;
        }
        return Duration.between(Instant.parse(r.getStartTime()), Instant.parse(r.getEndTime())).toSeconds();
    }

    /** After a restart the gauges come back from the status. */
    private void seedMetrics(TViewBackupPolicy policy, BackupPolicyStatus status) {
        policy.getSpec().methodsOrDefault().stream().filter(BackupPolicySpec.METHODS::contains)
                .forEach(m -> metrics.declare(policy, m));
        status.getLastSuccessByMethod().forEach((m, t) -> metrics.success(policy, m, Instant.parse(t), null, null));
        BackupRecord last = status.getLastSuccessfulBackup();
        if (last != null && last.getEndTime() != null && last.getMethod() != null) {
            metrics.success(policy, last.getMethod(), Instant.parse(last.getEndTime()), last.getSizeBytes(), durationSeconds(last));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Spec → ConfigMap, CronJobs, backup-now Jobs

    private Optional<Duration> apply(TViewBackupPolicy policy, KubernetesClient client, BackupPolicyStatusWriter status,
                                     Instant now) {
        BackupPolicySpec spec = policy.getSpec();
        CronSchedule schedule;
        try {
            schedule = validate(spec);
        } catch (IllegalArgumentException e) {
            return stalled(policy, status, "InvalidSpec", e.getMessage(), Optional.empty());
        }
        boolean imageGiven = spec.getImage() != null && !spec.getImage().isBlank();
        Optional<String> imageProblem = imageGiven ? images.problem("spec.image", spec.getImage().trim()) : Optional.empty();
        if (imageProblem.isPresent()) {
            // the Jobs would carry the database Secret into an image nobody vetted: nothing is created or updated
            deleteCronJobsWithDisallowedImages(policy, client);
            return stalled(policy, status, IMAGE_NOT_ALLOWED, imageProblem.get(), Optional.empty());
        }
        String claim = spec.getStorage().getPersistentVolumeClaim().getClaimName();
        if (client.persistentVolumeClaims().inNamespace(policy.namespace()).withName(claim).get() == null) {
            return stalled(policy, status, "StorageNotFound", "PersistentVolumeClaim " + policy.namespace() + "/" + claim
                    + " not found: create it (backups are written to it)", Optional.of(backoff(policy, "StorageNotFound")));
        }

        Resolution resolution = resolver.resolve(policy.namespace(), spec.getDatabase());
        if (resolution instanceof Resolution.Unavailable u) {
            // bad input per the policy contract (Stalled), but re-checked: with GitOps the Secret may come later
            return stalled(policy, status, u.reason(), u.message(), Optional.of(backoff(policy, u.reason())));
        }
        ConnectionSpec connection = resolution instanceof Resolution.Available a ? a.connection() : null;
        List<EnvVar> env;
        try {
            env = connectionEnv(policy, client, connection);
        } catch (IllegalArgumentException e) {
            return stalled(policy, status, "InvalidSecret", e.getMessage(), Optional.of(backoff(policy, "InvalidSecret")));
        }

        Integer versionNum = status.status().getServerVersionNum();
        String probeProblem = null;
        if (connection != null) {
            try {
                versionNum = probe.serverVersionNum(connection);
            } catch (SQLException e) {
                probeProblem = "database " + connection.describe() + ": " + SqlErrors.describe(e, connection);
            }
        } else {
            probeProblem = ((Resolution.SwitchoverInProgress) resolution).message();
        }
        if (versionNum == null && !imageGiven) {
            return waiting(policy, status, connection == null ? "SwitchoverInProgress" : "DatabaseUnreachable",
                    "cannot detect the server version for the default image postgres:<major> (set spec.image to skip): "
                            + probeProblem);
        }
        if (probeProblem != null) {
            LOG.debugf("policy %s/%s: server version not re-detected: %s", policy.namespace(), policy.name(), probeProblem);
        }
        String image;
        if (imageGiven) {
            image = spec.getImage().trim();
            Matcher m = POSTGRES_IMAGE.matcher(image);
            if (versionNum != null && m.find() && Integer.parseInt(m.group(1)) < ServerVersionProbe.major(versionNum)) {
                return stalled(policy, status, "ImageTooOld", "spec.image " + image + " has pg_dump " + m.group(1)
                        + ", older than the server (" + ServerVersionProbe.major(versionNum) + "): pg_dump and "
                        + "pg_basebackup cannot back up a newer server; use postgres:" + ServerVersionProbe.major(versionNum)
                        + " or newer, or leave spec.image empty", Optional.empty());
            }
        } else {
            image = "postgres:" + ServerVersionProbe.major(versionNum);
            Optional<String> defaultProblem = images.problem("the default image", image);
            if (defaultProblem.isPresent()) {
                deleteCronJobsWithDisallowedImages(policy, client);
                return stalled(policy, status, IMAGE_NOT_ALLOWED, defaultProblem.get() + "; or set spec.image",
                        Optional.of(backoff(policy, IMAGE_NOT_ALLOWED)));
            }
        }
        status.status().setServerVersionNum(versionNum);
        status.status().setImage(image);

        BackupPolicySpec.Retention retention = spec.retentionOrDefault();
        JobTemplates.Settings job = new JobTemplates.Settings(image, backupRoot(policy), claim,
                BackupNames.scriptsConfigMap(policy.name()), env, retention.getKeepLast(), retention.getMaxAge(),
                spec.restoreTest());
        String timeZone = spec.getTimeZone() == null || spec.getTimeZone().isBlank() ? "UTC" : spec.getTimeZone();
        applyOwned(client, JobTemplates.scripts(policy));
        Set<String> wanted = new HashSet<>();
        for (String method : spec.methodsOrDefault()) {
            CronJob cronJob = JobTemplates.cronJob(policy, method, timeZone, job);
            wanted.add(cronJob.getMetadata().getName());
            applyOwned(client, cronJob);
        }
        client.batch().v1().cronjobs().inNamespace(policy.namespace()).withLabel(BackupNames.POLICY_LABEL, policy.name())
                .list().getItems().stream()
                .filter(c -> !wanted.contains(c.getMetadata().getName()))
                .filter(c -> ownedBy(c, policy))
                .forEach(c -> {
                    client.resource(c).delete();
                    events.normal(policy, "CronJobDeleted", "deleted CronJob " + c.getMetadata().getName()
                            + " (its method is no longer in spec.methods)");
                });
        backupNow(policy, client, job, status);

        boolean wasReady = policy.getStatus() != null && Conditions.isTrue(policy.getStatus().getConditions(), Conditions.READY);
        String what = String.join(", ", spec.methodsOrDefault()) + " to " + claim + ":" + backupRoot(policy)
                + " with image " + image;
        if (spec.isSuspend()) {
            status.status().setNextScheduleTime(null);
            status.ready("Suspended", "schedule suspended (spec.suspend); backup-now still works: " + what);
            return Optional.empty();
        }
        Optional<Instant> next = Optional.of(schedule.nextAfter(now));
        status.status().setNextScheduleTime(next.map(Instant::toString).orElse(null));
        status.ready("Scheduled", "'" + spec.getSchedule().trim() + "' (" + timeZone + "): " + what);
        if (!wasReady) {
            events.normal(policy, "Scheduled", "backups scheduled: " + what);
        }
        return next.map(t -> Duration.between(now, t).plusMillis(500));
    }

    /**
     * CronJobs this policy created earlier with an image the allow-list no longer admits (the administrator narrowed
     * it): deleted, so that no further Job carries the Secret into that image.
     */
    private void deleteCronJobsWithDisallowedImages(TViewBackupPolicy policy, KubernetesClient client) {
        client.batch().v1().cronjobs().inNamespace(policy.namespace()).withLabel(BackupNames.POLICY_LABEL, policy.name())
                .list().getItems().stream()
                .filter(c -> ownedBy(c, policy))
                .filter(c -> c.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().stream()
                        .anyMatch(container -> images.problem("image", container.getImage()).isPresent()))
                .forEach(c -> {
                    client.resource(c).delete();
                    events.warning(policy, "CronJobDeleted", "deleted CronJob " + c.getMetadata().getName()
                            + ": its image is not in the operator's allow-list of Job images");
                });
    }

    /** Everything the API server cannot check (or that the mock server does not): throws with a readable message. */
    static CronSchedule validate(BackupPolicySpec spec) {
        if (spec.getDatabase() == null || (spec.getDatabase().getSecretRef() == null) == (spec.getDatabase().getCluster() == null)) {
            throw new IllegalArgumentException("spec.database needs exactly one of secretRef or cluster");
        }
        CronSchedule schedule = CronSchedule.parse("spec.schedule", spec.getSchedule(), "spec.timeZone", spec.getTimeZone());
        List<String> methods = spec.getMethods() == null ? List.of() : spec.getMethods();
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
        if (spec.getStorage() == null || spec.getStorage().getPersistentVolumeClaim() == null
                || spec.getStorage().getPersistentVolumeClaim().getClaimName() == null
                || spec.getStorage().getPersistentVolumeClaim().getClaimName().isBlank()) {
            throw new IllegalArgumentException("spec.storage.persistentVolumeClaim.claimName is required");
        }
        String path = spec.getStorage().getPath() == null ? "" : spec.getStorage().getPath();
        if (path.startsWith("/") || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("spec.storage.path '" + path + "' must be relative and must not contain '..'");
        }
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

    static String backupRoot(TViewBackupPolicy policy) {
        String path = policy.getSpec().getStorage().getPath() == null ? "" : policy.getSpec().getStorage().getPath();
        String clean = path.replaceAll("/+", "/").replaceAll("^/|/$", "");
        return JobTemplates.BACKUPS_MOUNT + (clean.isEmpty() ? "" : "/" + clean) + "/" + policy.name();
    }

    /**
     * libpq variables for the Jobs, every one taken from the Secret's keys through secretKeyRef when the key exists
     * (the password always); non-secret values missing from the Secret (a 'uri'-only Secret) are literal. For a
     * CloudNativePG cluster: its {@code <name>-app} Secret and host {@code <name>-rw}.
     */
    private static List<EnvVar> connectionEnv(TViewBackupPolicy policy, KubernetesClient client, ConnectionSpec connection) {
        DatabaseRef ref = policy.getSpec().getDatabase();
        boolean cluster = ref.getCluster() != null;
        String secretName = cluster ? ref.getCluster().getName() + "-app" : ref.getSecretRef().getName();
        Secret secret = client.secrets().inNamespace(policy.namespace()).withName(secretName).get();
        if (secret == null) {
            throw new IllegalArgumentException("Secret " + policy.namespace() + "/" + secretName + " not found");
        }
        Set<String> keys = new HashSet<>();
        Optional.ofNullable(secret.getData()).ifPresent(d -> keys.addAll(d.keySet()));
        Optional.ofNullable(secret.getStringData()).ifPresent(d -> keys.addAll(d.keySet()));
        if (!keys.contains("password")) {
            throw new IllegalArgumentException("Secret " + policy.namespace() + "/" + secretName + " has no key 'password': "
                    + "backup Jobs read PGPASSWORD from it (secretKeyRef) and never receive a literal password");
        }
        List<EnvVar> env = new ArrayList<>();
        if (cluster) {
            env.add(JobTemplates.literal("PGHOST", ref.getCluster().getName() + "-rw"));
        } else {
            env.add(keyOr("PGHOST", secretName, keys, "host", connection == null ? null : connection.host()));
        }
        env.add(keyOr("PGPORT", secretName, keys, "port", connection == null ? "5432" : String.valueOf(connection.port())));
        env.add(keyOr("PGDATABASE", secretName, keys, "dbname", connection == null ? null : connection.database()));
        env.add(keys.contains("username") ? JobTemplates.fromSecret("PGUSER", secretName, "username")
                : keyOr("PGUSER", secretName, keys, "user", connection == null ? null : connection.user()));
        env.add(JobTemplates.fromSecret("PGPASSWORD", secretName, "password"));
        for (EnvVar e : env) {
            if (e.getValueFrom() == null && (e.getValue() == null || e.getValue().isEmpty())) {
                throw new IllegalArgumentException("Secret " + policy.namespace() + "/" + secretName + " gives no value for "
                        + e.getName() + " (keys host, port, dbname, username, password)");
            }
        }
        return env;
    }

    private static EnvVar keyOr(String variable, String secret, Set<String> keys, String key, String literal) {
        return keys.contains(key) ? JobTemplates.fromSecret(variable, secret, key) : JobTemplates.literal(variable, literal);
    }

    private void backupNow(TViewBackupPolicy policy, KubernetesClient client, JobTemplates.Settings job,
                           BackupPolicyStatusWriter status) {
        String request = policy.getMetadata().getAnnotations() == null ? null
                : policy.getMetadata().getAnnotations().get(BACKUP_NOW);
        if (request == null) {
            return;
        }
        List<String> started = new ArrayList<>();
        for (String method : policy.getSpec().methodsOrDefault()) {
            Job manual = JobTemplates.manualJob(policy, method, request, job);
            if (client.resource(manual).get() == null) {
                client.resource(manual).create();
                started.add(manual.getMetadata().getName());
            }
        }
        if (!started.isEmpty()) {
            status.status().setLastScheduleTime(clock.instant().toString());
            events.normal(policy, "BackupRequested", "backup-now '" + request + "': started Job(s) " + String.join(", ", started));
        }
        String pointer = "/metadata/annotations/" + BACKUP_NOW.replace("~", "~0").replace("/", "~1");
        try {
            client.resources(TViewBackupPolicy.class).inNamespace(policy.namespace()).withName(policy.name())
                    .patch(PatchContext.of(PatchType.JSON), JSON.asJson(List.of(
                            Map.of("op", "test", "path", pointer, "value", request),
                            Map.of("op", "remove", "path", pointer))));
        } catch (KubernetesClientException e) {
            // a newer request replaced it (the test failed): that one triggers its own reconcile
            LOG.debugf("backup-now annotation of %s/%s not removed: %s", policy.namespace(), policy.name(), e.getMessage());
        }
    }

    private static <T extends HasMetadata> void applyOwned(KubernetesClient client, T desired) {
        T existing = client.resource(desired).get();
        if (existing == null) {
            client.resource(desired).create();
            return;
        }
        if (Objects.equals(hash(existing), hash(desired))
                && Objects.equals(existing.getMetadata().getOwnerReferences(), desired.getMetadata().getOwnerReferences())
                && Objects.equals(existing.getMetadata().getLabels(), desired.getMetadata().getLabels())) {
            return;
        }
        desired.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
        client.resource(desired).update();
    }

    private static String hash(HasMetadata object) {
        return object.getMetadata().getAnnotations() == null ? null
                : object.getMetadata().getAnnotations().get(BackupNames.SPEC_HASH);
    }

    private static boolean ownedBy(HasMetadata object, TViewBackupPolicy policy) {
        return object.getMetadata().getOwnerReferences() != null && object.getMetadata().getOwnerReferences().stream()
                .anyMatch(o -> Objects.equals(o.getUid(), policy.getMetadata().getUid()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // RPO

    /**
     * currentRPOSeconds and RPOMet from the newest verified backup of a method that can restore the data (logical or
     * physical; metadata only when it is the policy's sole method). Before the first backup the policy's age counts.
     * Returns when to look again: the moment the target will be exceeded.
     */
    private Optional<Duration> evaluateRpo(TViewBackupPolicy policy, BackupPolicyStatusWriter writer, Instant now) {
        BackupPolicyStatus status = writer.status();
        List<String> methods = policy.getSpec().methodsOrDefault();
        List<String> counting = methods.stream().filter(m -> m.equals("logical") || m.equals("physical")).toList();
        List<String> considered = counting.isEmpty() ? methods : counting;
        Optional<Instant> newest = status.getLastSuccessByMethod().entrySet().stream()
                .filter(e -> considered.contains(e.getKey())).map(e -> Instant.parse(e.getValue()))
                .max(Comparator.naturalOrder());
        status.setCurrentRPOSeconds(newest.map(t -> Math.max(0, Duration.between(t, now).toSeconds())).orElse(null));

        Duration target;
        try {
            target = policy.getSpec().getRpoTarget() == null ? null
                    : Durations.parse("spec.rpoTarget", policy.getSpec().getRpoTarget());
        } catch (IllegalArgumentException e) {
            target = null;   // reported as Stalled by apply()
        }
        if (target == null) {
            writer.noRpoTarget();
            return Optional.empty();
        }
        Instant reference = newest.orElseGet(() -> Optional.ofNullable(policy.getMetadata().getCreationTimestamp())
                .map(Instant::parse).orElse(now));
        Duration age = Duration.between(reference, now);
        boolean previouslyMet = policy.getStatus() == null
                || !Conditions.find(policy.getStatus().getConditions(), BackupPolicyStatusWriter.RPO_MET)
                .map(Condition::getStatus).map(Conditions.FALSE::equals).orElse(false);
        String targetText = policy.getSpec().getRpoTarget() + " (" + target.toSeconds() + "s)";
        if (age.compareTo(target) > 0) {
            String message = newest.isPresent()
                    ? "newest verified backup ended " + age.toSeconds() + "s ago, more than the target " + targetText
                    : "no verified backup yet, " + age.toSeconds() + "s after the policy was created; target " + targetText;
            writer.rpo(false, newest.isPresent() ? "RPOExceeded" : "NoBackupYet", message);
            if (previouslyMet) {
                events.warning(policy, "RPOExceeded", message);
            }
            return Optional.empty();
        }
        String message = newest.isPresent()
                ? "newest verified backup ended " + age.toSeconds() + "s ago; target " + targetText
                : "no verified backup yet; the policy is " + age.toSeconds() + "s old, target " + targetText;
        writer.rpo(true, newest.isPresent() ? "WithinTarget" : "NoBackupYet", message);
        if (!previouslyMet) {
            events.normal(policy, "RPOMet", message);
        }
        return Optional.of(target.minus(age).plusSeconds(1));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Problems

    private Optional<Duration> stalled(TViewBackupPolicy policy, BackupPolicyStatusWriter status, String reason,
                                       String message, Optional<Duration> retry) {
        if (!Objects.equals(message, conditionMessage(policy, Conditions.STALLED))) {
            events.warning(policy, reason, message);
        }
        status.stalled(reason, message);
        return retry;
    }

    private Optional<Duration> waiting(TViewBackupPolicy policy, BackupPolicyStatusWriter status, String reason,
                                       String message) {
        if (!Objects.equals(message, conditionMessage(policy, Conditions.RECONCILING))) {
            events.warning(policy, reason, message);
        }
        status.reconciling(reason, message);
        return Optional.of(backoff(policy, reason));
    }

    /** Half the time already spent in the same state, between the retry interval and the configured maximum. */
    private Duration backoff(TViewBackupPolicy policy, String reason) {
        Duration waited = Optional.ofNullable(policy.getStatus())
                .flatMap(s -> Stream.of(Conditions.RECONCILING, Conditions.STALLED)
                        .map(t -> Conditions.find(s.getConditions(), t)).flatMap(Optional::stream)
                        .filter(c -> Conditions.TRUE.equals(c.getStatus()) && reason.equals(c.getReason())).findFirst())
                .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), clock.instant()))
                .orElse(Duration.ZERO);
        Duration half = waited.dividedBy(2);
        Duration delay = half.compareTo(settings.retryInterval()) > 0 ? half : settings.retryInterval();
        return delay.compareTo(settings.maxRetryInterval()) < 0 ? delay : settings.maxRetryInterval();
    }

    private static String conditionMessage(TViewBackupPolicy policy, String type) {
        return policy.getStatus() == null ? null : Conditions.find(policy.getStatus().getConditions(), type)
                .filter(c -> Conditions.TRUE.equals(c.getStatus())).map(Condition::getMessage).orElse(null);
    }

    /** An unexpected failure (API server, bug): say so in status; JOSDK retries with backoff. */
    @Override
    public ErrorStatusUpdateControl<TViewBackupPolicy> updateErrorStatus(TViewBackupPolicy policy,
                                                                         Context<TViewBackupPolicy> context, Exception e) {
        BackupPolicyStatusWriter status = new BackupPolicyStatusWriter(policy.getStatus(),
                policy.getMetadata().getGeneration(), clock);
        status.reconciling("ReconcileError", String.valueOf(e.getMessage()));
        if (!status.status().equals(policy.getStatus())) {
            try {
                StatusPatcher.patch(context.getClient(), TViewBackupPolicy.class, policy, status.status());
            } catch (RuntimeException ignored) {
                // the API server may be what failed; the retry will try again
            }
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }
}
