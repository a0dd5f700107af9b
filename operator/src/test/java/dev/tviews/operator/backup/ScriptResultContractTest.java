package dev.tviews.operator.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tviews.operator.JobRunner;
import dev.tviews.operator.api.LocalObjectReference;
import dev.tviews.operator.drill.TViewDrill;
import dev.tviews.operator.drill.TViewDrillSpec;
import dev.tviews.operator.drill.TViewDrillStatus;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import dev.tviews.operator.jobs.BackupNames;
import dev.tviews.runtime.TviewsRuntime;
import dev.tviews.testkit.PgServer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract between the Job scripts and the operator, with nothing written by hand in between: the operator
 * creates a backup Job (backup-now) and a restore drill Job; {@link JobRunner} runs each Job's real command (the
 * packaged {@code backup.sh}/{@code retention.sh} and {@code drill.sh} from the scripts ConfigMap the operator
 * wrote) with the Job's environment against a real PostgreSQL server, and records the real termination message the
 * scripts wrote; the operator then parses it ({@code JobResults}, {@code DrillOutcome}) into status. The status
 * must say what the scripts did, field by field: the backup's name, method, size, checksum, times, verification and
 * per-TVIEW row counts (against the manifest on disk and the database); the drill's phase, RTO, RPO, targets and
 * checks (against the JSON result the script printed). Also: backup.sh's short form of the summary (a database
 * with so many TVIEWs that the per-TVIEW counts do not fit in a termination message: {@code tviewCount} instead),
 * and a backup that fails (the error reaches status).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ScriptResultContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SCHEMA = """
            CREATE TABLE tb_user (pk_user int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  id uuid NOT NULL DEFAULT gen_random_uuid(), name text NOT NULL);
            CREATE TABLE tb_post (pk_post int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  id uuid NOT NULL DEFAULT gen_random_uuid(),
                                  fk_user int NOT NULL REFERENCES tb_user, title text NOT NULL);
            INSERT INTO tb_user (name) SELECT 'user ' || g FROM generate_series(1, 7) g;
            INSERT INTO tb_post (fk_user, title) SELECT 1 + g % 7, 'post ' || g FROM generate_series(1, 23) g;
            SELECT pg_tviews_create('user', 'SELECT u.pk_user, u.id, jsonb_build_object(''name'', u.name) AS data FROM tb_user u');
            SELECT pg_tviews_create('post', 'SELECT p.pk_post, p.id, p.fk_user, jsonb_build_object(''title'', p.title, ''author'', u.data) AS data FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user');
            """;

    @Inject
    KubernetesClient client;

    Path root;

    @BeforeEach
    void createRoot() throws IOException {
        root = Files.createTempDirectory("script-contract");
    }

    @AfterEach
    void deleteRoot() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void aRealBackupAndARealRestoreDrillReachStatusAsTheScriptsReportedThem() throws Exception {
        BackupFixture shop = BackupFixture.create(client, "contract");
        shop.db.execute(TviewsRuntime.installScript());
        shop.db.execute(SCHEMA);
        JobRunner kubelet = kubelet();

        // backup.sh logical, as the backup-now Job runs it
        JobRunner.Run backup = backupNow(shop, kubelet, "contract-1");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        JsonNode summary = JSON.readTree(backup.terminationMessage());
        assertThat(backup.lastJsonLine()).as("stdout and the termination message carry the same summary")
                .isEqualTo(backup.terminationMessage().strip());
        JsonNode manifest = JSON.readTree(Files.readString(Path.of(summary.get("path").asText()).resolve("manifest.json")));

        BackupRecord r = awaitRecord(shop, BackupNames.manualJob("nightly", "logical", "contract-1"));
        assertThat(r.getResult()).as(Serialization.asYaml(r)).isEqualTo(BackupRecord.SUCCEEDED);
        assertThat(r.getName()).isEqualTo(manifest.get("name").asText()).endsWith("-logical");
        assertThat(r.getMethod()).isEqualTo("logical");
        assertThat(r.getSizeBytes()).isEqualTo(manifest.get("sizeBytes").asLong())
                .isEqualTo(Files.size(Path.of(summary.get("path").asText()).resolve("dump.pgdump")));
        assertThat(r.getSha256()).isEqualTo(manifest.get("sha256").get("dump.pgdump").asText()).hasSize(64);
        assertThat(r.getStartTime()).isEqualTo(manifest.get("startTime").asText());
        assertThat(r.getEndTime()).isEqualTo(manifest.get("endTime").asText());
        assertThat(r.getServerVersion()).isEqualTo(String.valueOf(shop.db.queryValue("SHOW server_version")));
        assertThat(r.getVerified()).isTrue();
        assertThat(r.getMessage()).isEqualTo(summary.get("verification").asText()).isNotBlank();
        assertThat(r.getTviews()).isEqualTo(Map.of("user", 7L, "post", 23L));
        assertThat(r.getPath()).isEqualTo(summary.get("path").asText());
        assertThat(shop.get("nightly").getStatus().getLastSuccessfulBackup().getName()).isEqualTo(r.getName());

        // drill.sh restore-latest of that backup, as the drill Job runs it; it starts 2.5 s after the
        // backup ended, so its RPO (whole seconds: drill start - backup end) is at least 2 s, over the 1 s target below
        java.time.Instant backupEnd = java.time.Instant.parse(r.getEndTime());
        await().atMost(BackupFixture.TIMEOUT).until(() -> java.time.Instant.now().isAfter(backupEnd.plusMillis(2500)));
        TViewDrill drill = new TViewDrill();
        drill.setMetadata(new ObjectMetaBuilder().withName("contract").withNamespace(shop.namespace).build());
        TViewDrillSpec spec = new TViewDrillSpec();
        spec.setScenario(TViewDrillSpec.Scenario.RESTORE_LATEST);
        spec.setBackupPolicyRef(new LocalObjectReference("nightly"));
        TViewDrillSpec.Targets targets = new TViewDrillSpec.Targets();
        targets.setRto("10m");
        targets.setRpo("1s");   // missed: the backup is older than one second when the drill starts
        spec.setTargets(targets);
        drill.setSpec(spec);
        client.resource(drill).create();
        Job drillJob = await().atMost(BackupFixture.TIMEOUT).until(
                () -> client.batch().v1().jobs().inNamespace(shop.namespace).withName("contract-g1").get(), j -> j != null);
        JobRunner.Run run = kubelet.run(drillJob);
        assertThat(run.exit()).as(run.toString()).isZero();
        JsonNode result = JSON.readTree(run.terminationMessage());
        assertThat(run.lastJsonLine()).isEqualTo(run.terminationMessage().strip());

        TViewDrill done = await().atMost(BackupFixture.TIMEOUT).until(
                () -> client.resources(TViewDrill.class).inNamespace(shop.namespace).withName("contract").get(),
                d -> d.getStatus() != null && d.getStatus().getPhase() != null
                        && d.getStatus().getPhase() != TViewDrillStatus.Phase.Running
                        && d.getStatus().getPhase() != TViewDrillStatus.Phase.Pending);
        TViewDrillStatus s = done.getStatus();
        assertThat(s.getPhase()).as(Serialization.asYaml(done)).isEqualTo(TViewDrillStatus.Phase.Succeeded);
        assertThat(result.get("phase").asText()).isEqualTo("Succeeded");
        assertThat(s.getMeasuredRTOSeconds()).isEqualTo(result.get("measuredRTOSeconds").asDouble()).isPositive();
        assertThat(s.getMeasuredRPOSeconds()).isEqualTo(result.get("measuredRPOSeconds").asDouble()).isPositive();
        assertThat(s.getStartTime()).isEqualTo(result.get("startTime").asText());
        assertThat(s.getCompletionTime()).isEqualTo(result.get("completionTime").asText());
        assertThat(result.get("targetsMet").asBoolean()).isFalse();
        assertThat(dev.tviews.operator.api.Conditions.find(s.getConditions(), "TargetsMet"))
                .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
        List<DrillCheck> expected = new ArrayList<>();
        result.get("checks").forEach(c -> expected.add(new DrillCheck(c.get("name").asText(), c.get("passed").asBoolean(),
                c.get("message").asText(), c.get("durationSeconds").isNull() ? null : c.get("durationSeconds").asDouble())));
        assertThat(s.getChecks()).isEqualTo(expected);
        assertThat(s.getChecks()).extracting(DrillCheck::name).contains("restore", "consistency", "targets-met");
        assertThat(result.get("backup").asText()).isEqualTo(r.getName());
        Map<String, String> report = client.configMaps().inNamespace(shop.namespace).withName(s.getReport()).get().getData();
        JsonNode stored = JSON.readTree(report.get("result.json"));
        assertThat(stored.get("backup").asText()).as("the script's other fields reach the report").isEqualTo(r.getName());
        assertThat(stored.get("scratchDatabase").asText()).isEqualTo(result.get("scratchDatabase").asText());
    }

    @Test
    void theShortSummaryOfADatabaseWithManyTviewsAndAFailedBackupReachStatus() throws Exception {
        BackupFixture shop = BackupFixture.create(client, "contract-many");
        shop.db.execute(TviewsRuntime.installScript());
        shop.db.execute("CREATE TABLE tb_item (pk_item int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id uuid NOT NULL "
                + "DEFAULT gen_random_uuid(), name text NOT NULL); INSERT INTO tb_item (name) VALUES ('a'), ('b'), ('c')");
        // the number leads the name: the runtime names a TVIEW's indexes after the first 40 characters of its table
        // name and the column, so tables differing only after 40 characters collide (a runtime limitation)
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            many.append(String.format("SELECT pg_tviews_create('e%02d_item_with_a_rather_long_entity_name_for_the_summary', "
                    + "'SELECT pk_item, id, jsonb_build_object(''name'', name) AS data FROM tb_item', '{\"key\": \"pk_item\"}');%n", i));
        }
        shop.db.execute(many.toString());
        JobRunner kubelet = kubelet();

        JobRunner.Run backup = backupNow(shop, kubelet, "many");
        assertThat(backup.exit()).as(backup.toString()).isZero();
        JsonNode summary = JSON.readTree(backup.terminationMessage());
        assertThat(summary.has("tviews")).as("the per-TVIEW counts would not fit: %s", backup.terminationMessage()).isFalse();
        assertThat(summary.get("tviewCount").asInt()).isEqualTo(64);
        assertThat(backup.terminationMessage().length()).isLessThan(4000);
        BackupRecord r = awaitRecord(shop, BackupNames.manualJob("nightly", "logical", "many"));
        assertThat(r.getResult()).as(Serialization.asYaml(r)).isEqualTo(BackupRecord.SUCCEEDED);
        assertThat(r.getName()).isEqualTo(summary.get("name").asText());
        assertThat(r.getSizeBytes()).isEqualTo(summary.get("sizeBytes").asLong()).isPositive();
        assertThat(r.getSha256()).isEqualTo(summary.get("sha256").asText());
        assertThat(r.getVerified()).isTrue();
        assertThat(r.getTviews()).as("the short form has no per-TVIEW counts; status says nothing rather than something wrong")
                .isNull();

        // a backup that fails: the Secret names a database that does not exist
        shop.client.secrets().inNamespace(shop.namespace).withName("shop-db").edit(sec -> {
            sec.setData(null);
            sec.setStringData(Map.of("host", shop.db.server().host(), "port", String.valueOf(shop.db.server().port()),
                    "dbname", "no_such_database", "username", "postgres", "password", shop.password()));
            return sec;
        });
        JobRunner.Run failed = backupNow(shop, kubelet, "broken");
        assertThat(failed.exit()).as(failed.toString()).isEqualTo(2);
        JsonNode failure = JSON.readTree(failed.terminationMessage());
        assertThat(failure.get("status").asText()).isEqualTo("failed");
        BackupRecord f = awaitRecord(shop, BackupNames.manualJob("nightly", "logical", "broken"));
        assertThat(f.getResult()).isEqualTo(BackupRecord.FAILED);
        assertThat(f.getMessage()).isEqualTo(failure.get("error").asText()).contains("no_such_database");
        assertThat(f.getName()).isEqualTo(failure.get("name").asText());
        assertThat(f.getVerified()).isFalse();
    }

    private JobRunner kubelet() {
        return new JobRunner(client, root.resolve("pods"), Map.of("backups", root.resolve("pvc-backups")),
                PgServer.shared().binDir());
    }

    /** A policy "nightly" (logical) and a backup-now request; runs the Job the operator created for it. */
    private JobRunner.Run backupNow(BackupFixture shop, JobRunner kubelet, String request) {
        if (shop.get("nightly") == null) {
            shop.policy("nightly", spec -> spec.setMethods(List.of("logical")));
            shop.awaitReady("nightly");
        }
        shop.edit("nightly", p -> {
            Map<String, String> annotations = p.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                    : p.getMetadata().getAnnotations();
            annotations.put(BackupPolicyReconciler.BACKUP_NOW, request);
            p.getMetadata().setAnnotations(annotations);
        });
        String name = BackupNames.manualJob("nightly", "logical", request);
        Job job = await().atMost(BackupFixture.TIMEOUT).until(
                () -> client.batch().v1().jobs().inNamespace(shop.namespace).withName(name).get(), j -> j != null);
        return kubelet.run(job);
    }

    private static BackupRecord awaitRecord(BackupFixture shop, String job) {
        return shop.awaitStatus("nightly", s -> s.getRecentBackups() != null && s.getRecentBackups().stream()
                .anyMatch(b -> job.equals(b.getJob()))).getStatus().getRecentBackups().stream()
                .filter(b -> job.equals(b.getJob())).findFirst().orElseThrow();
    }
}
