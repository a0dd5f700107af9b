package dev.tviews.operator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.DatabaseRef;
import dev.tviews.operator.tview.TView;
import dev.tviews.operator.tview.TViewSpec;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Scale benchmark (make bench): 500 TViews on one database. Measures the time until all are Ready, the
 * operator's heap, and the cost of a steady-state resync (every TView re-observed, nothing changed).
 * The operator runs in this JVM against the mock API server; PostgreSQL is real.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewScaleBenchmark {

    static final int TVIEWS = Integer.getInteger("bench.tviews", 500);
    static final String NS = "scale";

    @Inject
    KubernetesClient client;

    @Inject
    MeterRegistry registry;

    @Test
    void fiveHundredTViewsOnOneDatabase() throws Exception {
        PgDatabase db = PgServer.shared().createDatabase("scale_" + ProcessHandle.current().pid());
        db.execute("DO $$ BEGIN FOR i IN 1.." + TVIEWS + " LOOP "
                + "EXECUTE format('CREATE TABLE tb_item_%s (pk_item_%s int PRIMARY KEY, id uuid NOT NULL DEFAULT gen_random_uuid(), name text NOT NULL)', i, i); "
                + "EXECUTE format('INSERT INTO tb_item_%s (pk_item_%s, name) SELECT g, ''item '' || g FROM generate_series(1, 20) g', i, i); "
                + "END LOOP; END $$");
        client.resource(new SecretBuilder().withNewMetadata().withName("db").withNamespace(NS).endMetadata()
                .withStringData(Map.of("host", db.server().host(), "port", String.valueOf(db.server().port()),
                        "dbname", db.name(), "username", "postgres", "password", db.server().password())).build()).create();
        long heapBefore = usedHeapAfterGc();

        long start = System.nanoTime();
        for (int i = 1; i <= TVIEWS; i++) {
            TView tview = new TView();
            tview.setMetadata(new ObjectMetaBuilder().withName("item-" + i).withNamespace(NS).build());
            TViewSpec spec = new TViewSpec();
            spec.setDatabase(DatabaseRef.secret("db"));
            spec.setEntity("item_" + i);
            spec.setQuery("SELECT pk_item_" + i + ", id, jsonb_build_object('name', name) AS data FROM tb_item_" + i);
            tview.setSpec(spec);
            client.resource(tview).create();
        }
        long allReadyNanos = awaitAllReady(start);
        long heapAfter = usedHeapAfterGc();

        Timer reconciles = registry.find("tview.reconcile").timer();
        long countBefore = reconciles.count();
        double totalBefore = reconciles.totalTime(TimeUnit.MILLISECONDS);
        long window = 20_000;
        Thread.sleep(window); // a measurement window for steady-state resyncs, not an assertion
        long resyncs = reconciles.count() - countBefore;
        double meanMs = (reconciles.totalTime(TimeUnit.MILLISECONDS) - totalBefore) / Math.max(1, resyncs);
        assertThat(db.queryValue("SELECT count(*) FROM pg_tview_meta")).isEqualTo((long) TVIEWS);

        String report = String.format("""
                | 500 TViews on one database (operator in-process, mock API server, real PostgreSQL) | value |
                |---|---|
                | TViews | %d |
                | time until all Ready | %.1f s (%.1f ms per TView) |
                | operator heap growth for %d TViews (after GC) | %.1f MiB (%.1f KiB per TView) |
                | steady-state reconciles in %d s with a 2 s resync (saturated: more work than capacity) | %d (%.0f per second) |
                | mean steady-state reconcile, incl. waiting for one of 4 pooled connections | %.1f ms |
                | wall time of one full resync of all TViews at that rate | %.1f s |
                | share of that capacity used at the default 5-minute resync | %.1f %% |
                """, TVIEWS, allReadyNanos / 1e9, allReadyNanos / 1e6 / TVIEWS, TVIEWS,
                (heapAfter - heapBefore) / 1048576.0, (heapAfter - heapBefore) / 1024.0 / TVIEWS, window / 1000,
                resyncs, resyncs * 1000.0 / window, meanMs, TVIEWS / (resyncs * 1000.0 / window),
                100.0 * (TVIEWS / 300.0) / (resyncs * 1000.0 / window));
        System.out.println(report);
        Files.writeString(Path.of("target/operator-benchmarks.md"), report);
    }

    private long awaitAllReady(long start) throws InterruptedException {
        long deadline = start + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            long ready = client.resources(TView.class).inNamespace(NS).list().getItems().stream()
                    .filter(t -> t.getStatus() != null && Conditions.isTrue(t.getStatus().getConditions(), Conditions.READY))
                    .count();
            if (ready == TVIEWS) {
                return System.nanoTime() - start;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not all TViews Ready within 10 minutes");
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
