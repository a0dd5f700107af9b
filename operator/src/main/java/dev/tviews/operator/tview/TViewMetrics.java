package dev.tviews.operator.tview;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics of TViews, labelled by namespace and name: {@code tview_rows}, {@code tview_drift_rows{kind}},
 * {@code tview_consistency_check_seconds}, {@code tview_reconcile_errors_total}.
 */
@ApplicationScoped
public class TViewMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();

    public TViewMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void rows(TView tview, long rows) {
        gauge("tview.rows", tags(tview), rows);
    }

    public void drift(TView tview, ConsistencyCheckResult result) {
        gauge("tview.drift.rows", tags(tview).and("kind", "missing"), result.missing());
        gauge("tview.drift.rows", tags(tview).and("kind", "extra"), result.extra());
        gauge("tview.drift.rows", tags(tview).and("kind", "different"), result.different());
        Timer.builder("tview.consistency.check").description("Duration of TVIEW consistency checks")
                .tags(tags(tview)).register(registry)
                .record(Duration.ofNanos((long) (result.durationSeconds() * 1e9)));
    }

    /** Times one reconcile (all TViews together, so the series count does not grow with the number of TViews). */
    public Timer.Sample startReconcile() {
        return Timer.start(registry);
    }

    public void stopReconcile(Timer.Sample sample) {
        sample.stop(Timer.builder("tview.reconcile").description("Duration of TView reconciles").register(registry));
    }

    public void reconcileError(TView tview, String reason) {
        registry.counter("tview.reconcile.errors", tags(tview).and("reason", reason)).increment();
    }

    /** Removes the gauges of a deleted TView so they stop being exported. */
    public void forget(TView tview) {
        String prefix = tview.getMetadata().getNamespace() + "/" + tview.getMetadata().getName() + "|";
        gauges.keySet().removeIf(k -> k.startsWith(prefix));
        registry.getMeters().stream()
                .filter(m -> m.getId().getName().startsWith("tview.rows") || m.getId().getName().startsWith("tview.drift"))
                .filter(m -> tview.getMetadata().getNamespace().equals(m.getId().getTag("namespace"))
                        && tview.getMetadata().getName().equals(m.getId().getTag("name")))
                .forEach(registry::remove);
    }

    private void gauge(String name, Tags tags, long value) {
        String key = tags.stream().filter(t -> t.getKey().equals("namespace")).findFirst().orElseThrow().getValue() + "/"
                + tags.stream().filter(t -> t.getKey().equals("name")).findFirst().orElseThrow().getValue() + "|" + name + tags;
        gauges.computeIfAbsent(key, k -> registry.gauge(name, tags, new AtomicLong())).set(value);
    }

    private static Tags tags(TView tview) {
        return Tags.of("namespace", tview.getMetadata().getNamespace(), "name", tview.getMetadata().getName());
    }
}
