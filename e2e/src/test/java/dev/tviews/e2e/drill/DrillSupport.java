package dev.tviews.e2e.drill;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code src/scripts/drill.sh} (and backup.sh) with {@code dash} against real servers, and builds the 3-level
 * TVIEW schema (tb_user → tb_post → tb_comment; tv_post embeds tv_user, tv_comment embeds tv_post) with the
 * runtime of {@code src/sql/tviews.sql}. Same schema and oracles as the backup-script tests.
 */
final class DrillSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    record Run(int exit, String stdout, String stderr) {
        static Run of(Scripts.Run r) {
            return new Run(r.exit(), r.stdout(), r.stderr());
        }

        JsonNode result() {
            String[] lines = stdout.strip().split("\n");
            return json(lines[lines.length - 1]);
        }

        /** The check called {@code name}, or a missing node. */
        JsonNode check(String name) {
            for (JsonNode c : result().path("checks")) {
                if (c.path("name").asText().equals(name)) {
                    return c;
                }
            }
            return JSON.missingNode();
        }

        List<String> failedChecks() {
            List<String> failed = new ArrayList<>();
            result().path("checks").forEach(c -> {
                if (!c.path("passed").asBoolean()) {
                    failed.add(c.path("name").asText());
                }
            });
            return failed;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private DrillSupport() {
    }

    /** libpq environment of {@code database}, the server's client tools, no termination log. */
    static Map<String, String> env(PgServer server, String database) {
        return Scripts.env(server, database);
    }

    static Map<String, String> env(PgServer server, String database, Path backupRoot, String... pairs) {
        Map<String, String> env = new HashMap<>(env(server, database));
        env.put("BACKUP_ROOT", backupRoot.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    static Run run(String script, Map<String, String> env, String... args) {
        return Run.of(Scripts.run(script, env, args));
    }

    /** drill.sh, sent SIGTERM after {@code afterMillis} (as Kubernetes does to a Job's pod). */
    static Run runAndTerminate(Map<String, String> env, long afterMillis, String... args) {
        return Run.of(Scripts.run("drill.sh", env, afterMillis, args));
    }

    /** backup.sh METHOD into {@code root}; returns the new backup directory. */
    static Path backup(PgServer server, PgDatabase db, Path root, String method) {
        List<Path> before = Scripts.backups(root);
        Run r = run("backup.sh", env(server, db.name(), root), method);
        assertThat(r.exit()).as("backup.sh %s: %s", method, r).isZero();
        List<Path> after = new ArrayList<>(Scripts.backups(root));
        after.removeAll(before);
        assertThat(after).hasSize(1);
        return after.get(0);
    }

    static Path copyBackup(Path dir, Path targetRoot) {
        return Scripts.copy(dir, targetRoot.resolve(dir.getFileName()));
    }

    static JsonNode json(String text) {
        return Scripts.json(text);
    }

    static boolean databaseExists(PgServer server, String name) {
        return ((Number) server.database("postgres").queryValue(
                "SELECT count(*) FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'")).longValue() > 0;
    }

    static List<String> drillDatabases(PgServer server) {
        List<String> names = new ArrayList<>();
        server.database("postgres").queryRows("SELECT datname FROM pg_database WHERE datname LIKE 'drill\\_%' ORDER BY 1")
                .forEach(r -> names.add(String.valueOf(r.get(0))));
        return names;
    }

    static void dropDatabase(PgServer server, String name) {
        server.database("postgres").execute("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    }

    /** The 3-level schema of the backup tests (tb_user → tb_post → tb_comment with their TVIEWs). */
    static void createShop(PgDatabase db) {
        ShopSchema.create(db);
    }

    static void assertConsistent(PgDatabase db) {
        ShopSchema.assertConsistent(db);
    }

    static void assertHealthy(PgDatabase db) {
        ShopSchema.assertHealthy(db);
    }

    /** A fingerprint of everything a drill must never change in the production database. */
    static String fingerprint(PgDatabase db) {
        return String.valueOf(db.queryValue("SELECT md5(concat_ws('|', "
                + "(SELECT string_agg(t::text, ',' ORDER BY pk_user) FROM tv_user t), (SELECT string_agg(t::text, ',' ORDER BY pk_comment) FROM tv_comment t), "
                + "(SELECT string_agg(t::text, ',' ORDER BY pk_user) FROM tb_user t), (SELECT string_agg(m::text, ',' ORDER BY entity) FROM pg_tview_meta m), "
                + "(SELECT max(log_id) FROM pg_tview_audit_log), (SELECT count(*) FROM pg_tview_audit_log)))"));
    }
}
