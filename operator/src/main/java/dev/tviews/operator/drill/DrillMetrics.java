package dev.tviews.operator.drill;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Prometheus gauges of the last completed run of each drill, labelled namespace/drill/scenario:
 * {@code tview_drill_rto_seconds}, {@code tview_drill_rpo_seconds}, {@code tview_drill_success} (1 or 0).
 */
@ApplicationScoped
public class DrillMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

    public DrillMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void completed(TViewDrill drill, Double rto, Double rpo, boolean success) {
        Tags tags = Tags.of("namespace", drill.getMetadata().getNamespace(), "drill", drill.getMetadata().getName(),
                "scenario", drill.getSpec().getScenario().value());
        set("tview.drill.rto.seconds", tags, rto);
        set("tview.drill.rpo.seconds", tags, rpo);
        set("tview.drill.success", tags, success ? 1.0 : 0.0);
    }

    void forget(TViewDrill drill) {
        String prefix = drill.getMetadata().getNamespace() + "/" + drill.getMetadata().getName() + "|";
        values.keySet().removeIf(k -> k.startsWith(prefix));
        registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("tview.drill."))
                .filter(m -> drill.getMetadata().getNamespace().equals(m.getId().getTag("namespace"))
                        && drill.getMetadata().getName().equals(m.getId().getTag("drill")))
                .forEach(registry::remove);
    }

    private void set(String name, Tags tags, Double value) {
        if (value == null) {
            return;
        }
        String key = tags.stream().filter(t -> t.getKey().equals("namespace")).findFirst().orElseThrow().getValue() + "/"
                + tags.stream().filter(t -> t.getKey().equals("drill")).findFirst().orElseThrow().getValue() + "|" + name + tags;
        values.computeIfAbsent(key, k -> {
            AtomicReference<Double> ref = new AtomicReference<>(0.0);
            registry.gauge(name, tags, ref, r -> r.get());
            return ref;
        }).set(value);
    }
}
