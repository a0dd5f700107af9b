package dev.tviews.operator.tview;

import static dev.tviews.operator.tview.TViewFixture.USER_QUERY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Drift detection with exact counts, repair, and self-healing of damage made by hand in the database. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewDriftAndHealingTest {

    private static final String CORRUPT = """
            INSERT INTO tb_user (name) SELECT 'user' || g FROM generate_series(3, 10) g;
            """;

    @Inject
    KubernetesClient client;

    @Test
    void corruptedRowsAreReportedWithExactCountsThenRepaired() {
        TViewFixture shop = TViewFixture.create(client, "drift");
        shop.db.execute(CORRUPT);
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");

        corrupt(shop);
        requestCheck(shop, "1");
        var drifted = shop.awaitCondition("user", TViewStatusWriter.DRIFTED, true, "RowsDiffer");
        ConsistencyCheckResult check = shop.get("user").getStatus().getLastConsistencyCheck();
        assertThat(check.missing()).isEqualTo(1);
        assertThat(check.extra()).isEqualTo(1);
        assertThat(check.different()).isEqualTo(2);
        assertThat(check.sampleKeys()).contains("1", "2", "3", "999");
        assertThat(shop.get("user").getStatus().getDriftRows()).isEqualTo(4L);
        assertThat(drifted.getMessage()).contains("1 missing, 1 extra, 2 different");
        assertThat(shop.awaitEvent("user", "DriftDetected").getType()).isEqualTo("Warning");
        assertThat(shop.drift("tv_user", USER_QUERY)).as("Report leaves the rows as they are").isEqualTo(6);

        shop.edit("user", t -> {
            ConsistencyCheckSpec spec = new ConsistencyCheckSpec();
            spec.setOnDrift(ConsistencyCheckSpec.OnDrift.Repair);
            t.getSpec().setConsistencyCheck(spec);
            annotate(t, "2");
        });
        shop.awaitCondition("user", TViewStatusWriter.DRIFTED, false, "Repaired");
        RepairResult repair = shop.get("user").getStatus().getLastRepair();
        assertThat(repair.rowsRepaired()).isEqualTo(4);
        assertThat(repair.reason()).isEqualTo("Drift");
        shop.awaitEvent("user", "Repaired");
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
    }

    @Test
    void droppedAndDisabledTriggersAreReinstalledWithAWarningEvent() {
        TViewFixture shop = TViewFixture.create(client, "heal");
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");
        List<String> triggers = triggersOnTbUser(shop);
        assertThat(triggers).isNotEmpty();

        shop.db.execute("DROP TRIGGER " + triggers.get(0) + " ON tb_user");
        shop.db.execute("INSERT INTO tb_user (name) VALUES ('written while the trigger was gone')");
        var healed = shop.awaitEvent("user", "TriggersReinstalled");
        assertThat(healed.getType()).isEqualTo("Warning");
        assertThat(healed.getMessage()).contains("missing");
        assertThat(triggersOnTbUser(shop)).containsExactlyInAnyOrderElementsOf(triggers);
        assertThat(shop.drift("tv_user", USER_QUERY)).as("caught up with the write made meanwhile").isZero();

        shop.db.execute("ALTER TABLE tb_user DISABLE TRIGGER " + triggers.get(1));
        shop.db.execute("UPDATE tb_user SET name = 'renamed while disabled' WHERE pk_user = 1");
        shop.awaitEvent("user", "TriggersReinstalled", e -> e.getMessage().contains("disabled"));
        assertThat(shop.count("SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = 'tb_user'::regclass "
                + "AND NOT t.tgisinternal AND t.tgenabled = 'D'")).isZero();
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
    }

    @Test
    void healsATViewOutsideThePublicSchema() {
        TViewFixture shop = TViewFixture.create(client, "schema");
        shop.db.execute("CREATE SCHEMA read_models");
        shop.tview("user", USER_QUERY, spec -> spec.setSchema("read_models"));
        assertThat(shop.awaitReady("user").getStatus().getTable()).isEqualTo("read_models.tv_user");

        String trigger = triggersOnTbUser(shop).get(0);
        shop.db.execute("DROP TRIGGER " + trigger + " ON tb_user");
        shop.awaitEvent("user", "TriggersReinstalled");
        shop.db.execute("DELETE FROM pg_tview_meta WHERE schema_name = 'read_models'");
        shop.awaitEvent("user", "MetadataRestored");
        shop.awaitReady("user");
        shop.db.execute("UPDATE tb_user SET name = 'elsewhere' WHERE pk_user = 1");
        assertThat(shop.drift("read_models.tv_user", USER_QUERY)).isZero();
    }

    @Test
    void lostMetadataAndALostTableAreRebuiltFromTheSpec() {
        TViewFixture shop = TViewFixture.create(client, "catalog");
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");

        shop.db.execute("DELETE FROM pg_tview_meta WHERE entity = 'user'");
        shop.awaitEvent("user", "MetadataRestored");
        shop.awaitReady("user");
        assertThat(shop.count("SELECT count(*) FROM pg_tview_meta WHERE entity = 'user'")).isEqualTo(1);
        shop.db.execute("UPDATE tb_user SET name = 'maintained again' WHERE pk_user = 2");
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();

        shop.db.execute("DROP TABLE tv_user");
        shop.awaitEvent("user", "TableRecreated");
        // the event announces the recreation (its generation does not change, so Ready is already true): wait for the table
        await().atMost(Duration.ofSeconds(60)).until(() -> shop.db.queryValue("SELECT to_regclass('tv_user') IS NOT NULL"), Boolean.TRUE::equals);
        shop.awaitReady("user");
        assertThat(shop.count("SELECT count(*) FROM tv_user")).isEqualTo(2);
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
    }

    @Test
    void aHandMadeChangeOfTheDefinitionIsReverted() {
        TViewFixture shop = TViewFixture.create(client, "manual");
        shop.tview("user", USER_QUERY);
        shop.awaitReady("user");

        shop.db.execute("SELECT pg_tviews_create_or_replace('tv_user', "
                + "$q$SELECT u.pk_user, u.id, jsonb_build_object('hacked', true) AS data FROM tb_user u$q$)");
        assertThat(shop.db.queryValue("SELECT data->>'hacked' FROM tv_user WHERE pk_user = 1")).isEqualTo("true");

        shop.awaitEvent("user", "ManualChangeReverted");
        shop.awaitReady("user");
        assertThat(shop.drift("tv_user", USER_QUERY)).isZero();
    }

    private static void corrupt(TViewFixture shop) {
        shop.db.execute("DELETE FROM tv_user WHERE pk_user = 3");
        shop.db.execute("UPDATE tv_user SET data = '{\"name\": \"tampered\"}' WHERE pk_user IN (1, 2)");
        shop.db.execute("INSERT INTO tv_user (pk_user, id, data) VALUES (999, gen_random_uuid(), '{}')");
    }

    private void requestCheck(TViewFixture shop, String value) {
        shop.edit("user", t -> annotate(t, value));
    }

    private static void annotate(TView t, String value) {
        TViewFixture.checkNow(t, value);
    }

    private static List<String> triggersOnTbUser(TViewFixture shop) {
        return shop.db.queryRows("SELECT tgname FROM pg_trigger WHERE tgrelid = 'tb_user'::regclass AND NOT tgisinternal "
                + "ORDER BY tgname").stream().map(r -> (String) r.get(0)).toList();
    }
}
