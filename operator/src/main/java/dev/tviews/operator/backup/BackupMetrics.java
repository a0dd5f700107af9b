package dev.tviews.operator.backup;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Prometheus metrics of backup policies, labelled namespace, policy, method:
 * {@code tview_backup_last_success_timestamp_seconds}, {@code tview_backup_size_bytes},
 * {@code tview_backup_duration_seconds}, {@code tview_backup_failures_total}, and {@code tview_rpo_seconds}
 * (computed from the clock at every scrape, so it grows between backups).
 */
@ApplicationScoped
public class BackupMetrics {

    static final String LAST_SUCCESS = "tview.backup.last.success.timestamp.seconds";
    static final String SIZE = "tview.backup.size.bytes";
    static final String DURATION = "tview.backup.duration.seconds";
    static final String FAILURES = "tview.backup.failures";
    static final String RPO = "tview.rpo.seconds";

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Instant>> lastSuccess = new ConcurrentHashMap<>();

    public BackupMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** A verified backup of {@code method} ended at {@code end}. */
    void success(TViewBackupPolicy policy, String method, Instant end, Long sizeBytes, Long durationSeconds) {
        Tags tags = tags(policy, method);
        gauge(LAST_SUCCESS, tags).set(end.getEpochSecond());
        if (sizeBytes != null) {
            gauge(SIZE, tags).set(sizeBytes);
        }
        if (durationSeconds != null) {
            gauge(DURATION, tags).set(durationSeconds);
        }
        lastSuccess.computeIfAbsent(key(RPO, tags), k -> {
            AtomicReference<Instant> ref = new AtomicReference<>();
            Gauge.builder(RPO, ref, r -> r.get() == null ? Double.NaN
                            : Math.max(0, Instant.now(clock).getEpochSecond() - r.get().getEpochSecond()))
                    .description("Seconds since the end of the newest verified backup").tags(tags).register(registry);
            return ref;
        }).accumulateAndGet(end, (old, now) -> old == null || now.isAfter(old) ? now : old);
    }

    void failure(TViewBackupPolicy policy, String method) {
        registry.counter(FAILURES, tags(policy, method == null ? "unknown" : method)).increment();
    }

    /** Makes sure the failure counter of every method exists (0 before any failure). */
    void declare(TViewBackupPolicy policy, String method) {
        registry.counter(FAILURES, tags(policy, method));
    }

    void forget(TViewBackupPolicy policy) {
        String prefix = policy.namespace() + "/" + policy.name() + "|";
        gauges.keySet().removeIf(k -> k.startsWith(prefix));
        lastSuccess.keySet().removeIf(k -> k.startsWith(prefix));
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("tview.backup") || m.getId().getName().equals(RPO))
                .filter(m -> policy.namespace().equals(m.getId().getTag("namespace"))
                        && policy.name().equals(m.getId().getTag("policy")))
                .forEach(registry::remove);
    }

    private AtomicLong gauge(String name, Tags tags) {
        return gauges.computeIfAbsent(key(name, tags), k -> registry.gauge(name, tags, new AtomicLong()));
    }

    private static String key(String name, Tags tags) {
        return tags.stream().filter(t -> t.getKey().equals("namespace")).findFirst().orElseThrow().getValue() + "/"
                + tags.stream().filter(t -> t.getKey().equals("policy")).findFirst().orElseThrow().getValue() + "|" + name
                + tags;
    }

    private static Tags tags(TViewBackupPolicy policy, String method) {
        return Tags.of("namespace", policy.namespace(), "policy", policy.name(), "method", method);
    }
}
