package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 5 — cycles: a definition that would make TVIEWs read each other is refused (42P17) and changes nothing.
 * The seeds' "recovery" (DROP TABLE tv_b CASCADE) breaks every write to the sources; the documented recovery
 * (one call) recreates the table and the definition views it took with it.
 */
@ExtendWith(PostgresExtension.class)
class CycleFailureModeTest {

    @Test
    void cycleIsRefusedAndChangesNothing(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "cycle");
        Object before = db.queryValue("SELECT definition_hash FROM pg_tview_meta WHERE entity = 'user'");
        assertThatThrownBy(() -> db.execute("SELECT pg_tviews_create_or_replace('tv_user', $q$SELECT u.pk_user, u.id, "
                + "jsonb_build_object('id', u.id, 'name', u.name, 'posts', (SELECT count(*) FROM tv_post p WHERE p.fk_user = u.pk_user)) AS data "
                + "FROM tb_user u$q$)"))
                .hasMessageContaining("circular dependency between TVIEWs").hasMessageContaining("tv_user");
        assertThat(db.queryValue("SELECT definition_hash FROM pg_tview_meta WHERE entity = 'user'")).isEqualTo(before);
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
    }

    @Test
    void rawDropTableOfATviewIsRecoveredWithOneCall(PgServer server) {
        PgDatabase db = Docs.freshShop(server, "cycle_drop");
        db.execute("DROP TABLE tv_post CASCADE");
        assertThatThrownBy(() -> db.execute("UPDATE tb_post SET title = 'x' WHERE pk_post = 1")).hasMessageContaining("tv_post");
        assertThat(Docs.health(db).get("tview:post")).startsWith("ERROR");
        Docs.psqlOk(db, Docs.FAILURE_MODES, "dropped-tview-table");
        Docs.assertNoDrift(db);
        ShopSchemaWrites.touch(db);
        assertThat(ShopSchema.rows(db, "post")).isEqualTo(ShopSchema.POSTS);
    }
}
