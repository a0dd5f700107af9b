package dev.tviews.e2e.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a data-only restore (schema first with {@code pg_restore --schema-only}, then the data). A plain
 * {@code pg_restore --data-only} fails: COPY into tb_user fires TVIEW maintenance before tv_user's own rows arrive
 * (duplicate key in tv_user_pkey), and the foreign keys see the tables in dump order. {@code restore.sh} with {@code DATA_ONLY=1} loads the data in one transaction
 * with the triggers disabled (superuser), and refuses other roles with a message saying why and what to do.
 */
@ExtendWith(PostgresExtension.class)
class DataOnlyRestoreScriptTest {

    @TempDir
    static Path root;
    static Path backup;

    @BeforeAll
    static void backup(PgDatabase db, PgServer server) {
        ShopSchema.create(db);
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "logical");
        assertThat(run.exit()).as(run.toString()).isZero();
        backup = Scripts.backups(root).get(0);
    }

    /** A new database holding the backup's schema only (tables empty, triggers in place). */
    private static PgDatabase schemaOnly(PgServer server, String name) {
        PgDatabase target = server.createDatabase(name);
        OsCommand.run(List.of(server.bin("pg_restore"), "--schema-only", "--exit-on-error", "-d", target.name(),
                backup.resolve("dump.pgdump").toString()), target.libpqEnv(), null, 120).orThrow("pg_restore --schema-only");
        return target;
    }

    @Test
    void plainDataOnlyPgRestoreFailsWithADuplicateKey(PgServer server) {
        PgDatabase target = schemaOnly(server, "data_only_plain_" + System.nanoTime());
        OsCommand.Result r = OsCommand.run(List.of(server.bin("pg_restore"), "--data-only", "--single-transaction", "--exit-on-error",
                "-d", target.name(), backup.resolve("dump.pgdump").toString()), target.libpqEnv(), null, 120);
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        // whichever COPY comes first: a source table whose maintenance fills its TVIEW before the TVIEW's own rows
        // (duplicate key), or a table whose foreign keys point at rows not loaded yet (dump order is not FK order)
        assertThat(r.output()).containsAnyOf("duplicate key value violates unique constraint", "violates foreign key constraint");
    }

    @Test
    void dataOnlyRestoreIntoTheSchemaGivesConsistentMaintainedTviews(PgServer server) {
        PgDatabase target = schemaOnly(server, "data_only_ok_" + System.nanoTime());
        Map<String, String> env = new HashMap<>(Scripts.env(server, target.name()));
        env.put("DATA_ONLY", "1");
        Scripts.Run run = Scripts.run("restore.sh", env, backup.toString(), target.name());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.stdout()).contains("consistency comment: ok (120 rows)", "restored " + backup.getFileName() + " (logical)");
        assertThat(ShopSchema.rows(target, "user")).isEqualTo(ShopSchema.USERS);
        assertThat(ShopSchema.rows(target, "comment")).isEqualTo(ShopSchema.COMMENTS);
        ShopSchema.assertHealthy(target);
        ShopSchema.assertConsistent(target);
        ShopSchema.assertMaintainsAfterWrite(target);
        assertThat(target.queryValue("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'tb_user'::regclass AND tgenabled = 'D'"))
                .as("no trigger left disabled").isEqualTo(0L);
    }

    @Test
    void dataOnlyIntoAMissingDatabaseIsRefused(PgServer server) {
        Map<String, String> env = new HashMap<>(Scripts.env(server, "postgres"));
        env.put("DATA_ONLY", "1");
        Scripts.Run run = Scripts.run("restore.sh", env, backup.toString(), "data_only_missing_" + System.nanoTime());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("does not exist", "pg_restore --schema-only first");
    }

    @Test
    void dataOnlyAsANonSuperuserIsRefusedAndChangesNothing(PgServer server) {
        PgDatabase target = schemaOnly(server, "data_only_role_" + System.nanoTime());
        String password = "restorer-Pw-91";
        server.database("postgres").execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'restorer') "
                + "THEN CREATE ROLE restorer LOGIN; END IF; END $$");
        server.database("postgres").execute("ALTER ROLE restorer PASSWORD '" + password + "'");
        Map<String, String> env = new HashMap<>(Scripts.env(server, target.name()));
        env.put("PGUSER", "restorer");
        env.put("PGPASSWORD", password);
        env.put("DATA_ONLY", "1");
        Scripts.Run run = Scripts.run("restore.sh", env, backup.toString(), target.name());
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr()).contains("DATA_ONLY=1 needs a superuser", "duplicate keys", "restore the whole backup into a new database");
        assertThat(run.all()).doesNotContain(password);
        assertThat(target.queryValue("SELECT count(*) FROM tb_user")).isEqualTo(0L);
    }
}
