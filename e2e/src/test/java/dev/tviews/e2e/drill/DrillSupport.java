package dev.tviews.e2e.drill;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs {@code src/scripts/drill.sh} (and backup.sh) with {@code dash} against real servers, and builds the 3-level
 * TVIEW schema (tb_user → tb_post → tb_comment; tv_post embeds tv_user, tv_comment embeds tv_post) with the
 * runtime of {@code src/sql/tviews.sql}. Same schema and oracles as the backup-script tests.
 */
final class DrillSupport {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> ENTITIES = List.of("user", "post", "comment");
    static final Map<String, String> ORACLE = Map.of(
            "user", "SELECT pk_user, id, jsonb_build_object('id', id, 'name', name) FROM tb_user",
            "post", "SELECT p.pk_post, p.id, p.fk_user, jsonb_build_object('id', p.id, 'title', p.title, "
                    + "'author', jsonb_build_object('id', u.id, 'name', u.name)) FROM tb_post p JOIN tb_user u ON u.pk_user = p.fk_user",
            "comment", "SELECT c.pk_comment, c.id, c.fk_post, jsonb_build_object('id', c.id, 'body', c.body, 'post', "
                    + "jsonb_build_object('id', p.id, 'title', p.title, 'author', jsonb_build_object('id', u.id, 'name', u.name))) "
                    + "FROM tb_comment c JOIN tb_post p ON p.pk_post = c.fk_post JOIN tb_user u ON u.pk_user = p.fk_user");
    static final Map<String, String> COLUMNS = Map.of(
            "user", "pk_user, id, data", "post", "pk_post, id, fk_user, data", "comment", "pk_comment, id, fk_post, data");

    record Run(int exit, String stdout, String stderr) {
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

    static Path repoRoot() {
        return Path.of(System.getProperty("tviews.repo.root", "..")).toAbsolutePath().normalize();
    }

    static String shell() {
        return Files.isExecutable(Path.of("/usr/bin/dash")) || Files.isExecutable(Path.of("/bin/dash")) ? "dash" : "sh";
    }

    /** libpq environment of {@code database}, the server's client tools, no termination log. */
    static Map<String, String> env(PgServer server, String database) {
        Map<String, String> env = new LinkedHashMap<>(server.libpqEnv(database));
        env.put("PG_BIN", server.binDir().toString());
        env.put("TERMINATION_LOG", "");
        return env;
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
        return run(script, env, -1, args);
    }

    /** drill.sh, sent SIGTERM after {@code afterMillis} (as Kubernetes does to a Job's pod). */
    static Run runAndTerminate(Map<String, String> env, long afterMillis, String... args) {
        return run("drill.sh", env, afterMillis, args);
    }

    private static Run run(String script, Map<String, String> env, long terminateAfterMillis, String... args) {
        List<String> cmd = new ArrayList<>(List.of(shell(), repoRoot().resolve("src/scripts").resolve(script).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("BACKUP_ROOT") || k.startsWith("TARGET_")
                || k.startsWith("DRILL") || k.equals("CLEANUP") || k.equals("DEADLINE_SECONDS") || k.equals("REPORT_FILE")
                || k.equals("SCRATCH_DB"));
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("drill-out", ".txt");
            Path err = Files.createTempFile("drill-err", ".txt");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                Process p = pb.start();
                p.getOutputStream().close();
                if (terminateAfterMillis >= 0 && !p.waitFor(terminateAfterMillis, TimeUnit.MILLISECONDS)) {
                    p.destroy(); // SIGTERM
                }
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out: " + cmd);
                }
                return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** backup.sh METHOD into {@code root}; returns the new backup directory. */
    static Path backup(PgServer server, PgDatabase db, Path root, String method) {
        List<Path> before = backups(root);
        Run r = run("backup.sh", env(server, db.name(), root), method);
        assertThat(r.exit()).as("backup.sh %s: %s", method, r).isZero();
        List<Path> after = new ArrayList<>(backups(root));
        after.removeAll(before);
        assertThat(after).hasSize(1);
        return after.get(0);
    }

    static List<Path> backups(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path copyBackup(Path dir, Path targetRoot) {
        try {
            Path target = Files.createDirectories(targetRoot.resolve(dir.getFileName()));
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    Files.copy(f, target.resolve(f.getFileName()));
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
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

    // ---------------------------------------------------------------------------------------------------------
    // the 3-level schema

    static void installRuntime(PgDatabase db) {
        Path runtime = repoRoot().resolve("src/sql/tviews.sql");
        OsCommand.Result r = db.psqlFile(runtime);
        assertThat(r.exitCode()).as("installing the runtime: %s", r.output()).isZero();
    }

    static void createShop(PgDatabase db) {
        installRuntime(db);
        db.execute("""
                CREATE TABLE tb_user (pk_user integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE, name text NOT NULL);
                CREATE TABLE tb_post (pk_post integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
                    fk_user integer NOT NULL REFERENCES tb_user (pk_user), title text NOT NULL);
                CREATE TABLE tb_comment (pk_comment integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                    id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
                    fk_post integer NOT NULL REFERENCES tb_post (pk_post), body text NOT NULL);
                CREATE INDEX ON tb_post (fk_user);
                CREATE INDEX ON tb_comment (fk_post);
                INSERT INTO tb_user (name) SELECT 'user ' || g FROM generate_series(1, 20) g;
                INSERT INTO tb_post (fk_user, title) SELECT 1 + g % 20, 'post ' || g FROM generate_series(1, 50) g;
                INSERT INTO tb_comment (fk_post, body) SELECT 1 + g % 50, 'comment ' || g FROM generate_series(1, 120) g;
                """);
        db.execute("SELECT pg_tviews_create('tv_user', $q$SELECT u.pk_user, u.id, jsonb_build_object('id', u.id, 'name', u.name) AS data FROM tb_user u$q$)");
        db.execute("SELECT pg_tviews_create('tv_post', $q$SELECT p.pk_post, p.id, p.fk_user, jsonb_build_object('id', p.id, 'title', p.title, 'author', u.data) AS data "
                + "FROM tb_post p JOIN tv_user u ON u.pk_user = p.fk_user$q$)");
        db.execute("SELECT pg_tviews_create('tv_comment', $q$SELECT c.pk_comment, c.id, c.fk_post, jsonb_build_object('id', c.id, 'body', c.body, 'post', p.data) AS data "
                + "FROM tb_comment c JOIN tv_post p ON p.pk_post = c.fk_post$q$)");
        assertConsistent(db);
    }

    static long oracleDiff(PgDatabase db, String entity) {
        String tv = "SELECT " + COLUMNS.get(entity) + " FROM tv_" + entity;
        String oracle = ORACLE.get(entity);
        return ((Number) db.queryValue("SELECT count(*) FROM ((" + oracle + " EXCEPT ALL " + tv + ") UNION ALL ("
                + tv + " EXCEPT ALL " + oracle + ")) d")).longValue();
    }

    /** Every TVIEW equals its oracle (written against the source tables only) and the runtime's check agrees. */
    static void assertConsistent(PgDatabase db) {
        for (String e : ENTITIES) {
            assertThat(oracleDiff(db, e)).as("rows of tv_%s differing from the oracle in %s", e, db.name()).isZero();
            List<Object> check = db.queryRows("SELECT missing, extra, different FROM pg_tviews_check_consistency('tv_" + e + "')").get(0);
            assertThat(check).as("pg_tviews_check_consistency('tv_%s')", e).allSatisfy(v -> assertThat(((Number) v).longValue()).isZero());
        }
    }

    static void assertHealthy(PgDatabase db) {
        List<List<Object>> rows = db.queryRows("SELECT status, component, message FROM pg_tviews_health_check()");
        assertThat(rows).isNotEmpty();
        assertThat(rows).as("health check of %s", db.name()).noneMatch(r -> "ERROR".equalsIgnoreCase(String.valueOf(r.get(0))));
    }

    /** A fingerprint of everything a drill must never change in the production database. */
    static String fingerprint(PgDatabase db) {
        return String.valueOf(db.queryValue("SELECT md5(concat_ws('|', "
                + "(SELECT string_agg(t::text, ',' ORDER BY pk_user) FROM tv_user t), (SELECT string_agg(t::text, ',' ORDER BY pk_comment) FROM tv_comment t), "
                + "(SELECT string_agg(t::text, ',' ORDER BY pk_user) FROM tb_user t), (SELECT string_agg(m::text, ',' ORDER BY entity) FROM pg_tview_meta m), "
                + "(SELECT max(log_id) FROM pg_tview_audit_log), (SELECT count(*) FROM pg_tview_audit_log)))"));
    }
}
