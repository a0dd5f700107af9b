package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static dev.tviews.runtime.Rt.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Large key sets (a repair of a badly drifted TVIEW, a bulk statement) must not take one lock per key: 100,000
 * keys exceed the shared lock table of a default-sized server (max_locks_per_transaction x connections).
 */
@ExtendWith(PostgresExtension.class)
class BulkRepairTest {

    @Test
    void repairsAHundredThousandDriftedRowsAndBulkWritesStayMaintained(PgDatabase db) throws Exception {
        Rt.install(db);
        try (Connection c = db.connect()) {
            exec(c, "CREATE TABLE tb_item (pk_item int PRIMARY KEY, name text NOT NULL)");
            exec(c, "INSERT INTO tb_item SELECT g, 'item ' || g FROM generate_series(1, 100000) g");
            exec(c, "SELECT pg_tviews_create('tv_item', $q$SELECT pk_item, jsonb_build_object('name', name) AS data FROM tb_item$q$)");

            exec(c, "UPDATE tv_item SET data = '{}'");
            assertThat(value(c, "SELECT different FROM pg_tviews_check_consistency('tv_item')")).isEqualTo(100000L);
            assertThat(value(c, "SELECT pg_tviews_repair('tv_item')")).isEqualTo(100000L);
            Rt.assertNoDrift(c, "item");

            exec(c, "UPDATE tb_item SET name = name || '!'");
            Rt.assertNoDrift(c, "item");
            assertThat(value(c, "SELECT data->>'name' FROM tv_item WHERE pk_item = 100000")).isEqualTo("item 100000!");
        }
    }
}
