package dev.tviews.e2e.failuremodes;

import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.PgDatabase;

/** Writes after a recovery: maintenance must follow them at every level. */
final class ShopSchemaWrites {

    private ShopSchemaWrites() {
    }

    static void touch(PgDatabase db) {
        db.execute("UPDATE tb_user SET name = name || ' (after recovery)' WHERE pk_user = 5");
        db.execute("INSERT INTO tb_comment (fk_post, body) VALUES (3, 'after recovery')");
        db.execute("UPDATE tb_post SET title = title || ' (after recovery)' WHERE pk_post = 7");
        ShopSchema.assertConsistent(db);
    }
}
