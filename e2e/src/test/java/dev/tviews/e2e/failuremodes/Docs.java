package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.e2e.support.Scripts;
import dev.tviews.e2e.support.ShopSchema;
import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The failure-mode suite runs recovery commands exactly as docs/operations/failure-modes.md and runbooks.md print
 * them: a fenced block preceded by {@code <!-- recovery:NAME -->} is read out of the file, written to a temporary
 * file and run with psql (ON_ERROR_STOP, values as psql variables) or sh. Docs and tests cannot drift.
 */
final class Docs {

    static final String FAILURE_MODES = "docs/operations/failure-modes.md";
    static final String RUNBOOKS = "docs/operations/runbooks.md";

    private static final Pattern FENCE = Pattern.compile("```(\\w*)\\n(.*?)\\n```", Pattern.DOTALL);

    /** One fenced block of a doc: its language tag and text. */
    record Block(String language, String text) {
    }

    private Docs() {
    }

    /** The fenced block after {@code <!-- recovery:marker -->} in {@code doc}; fails when there is none. */
    static Block block(String doc, String marker) {
        String text;
        try {
            text = Files.readString(Scripts.repoRoot().resolve(doc));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String tag = "<!-- recovery:" + marker + " -->";
        int at = text.indexOf(tag);
        assertThat(at).as("marker %s in %s", tag, doc).isNotNegative();
        assertThat(text.indexOf(tag, at + 1)).as("marker %s appears once in %s", tag, doc).isNegative();
        Matcher m = FENCE.matcher(text);
        assertThat(m.find(at + tag.length())).as("a fenced block after %s in %s", tag, doc).isTrue();
        assertThat(text.substring(at + tag.length(), m.start()).isBlank())
                .as("the fenced block follows %s directly in %s", tag, doc).isTrue();
        return new Block(m.group(1), m.group(2) + "\n");
    }

    /** Runs a {@code sql} block with psql: {@code -X -v ON_ERROR_STOP=1} and the given psql variables. */
    static OsCommand.Result psql(PgDatabase db, String doc, String marker, Map<String, String> vars) {
        Block b = block(doc, marker);
        assertThat(b.language()).as("language of %s", marker).isEqualTo("sql");
        Path file = temp(b.text(), ".sql");
        try {
            List<String> args = new ArrayList<>(List.of("-X", "-v", "ON_ERROR_STOP=1", "--no-psqlrc"));
            vars.forEach((k, v) -> args.addAll(List.of("-v", k + "=" + v)));
            args.addAll(List.of("-f", file.toString()));
            return db.psql(args);
        } finally {
            delete(file);
        }
    }

    /** Runs a sql block and fails the test when psql fails; returns its output. */
    static String psqlOk(PgDatabase db, String doc, String marker, Map<String, String> vars) {
        OsCommand.Result r = psql(db, doc, marker, vars);
        assertThat(r.exitCode()).as("recovery block %s of %s:\n%s", marker, doc, r.output()).isZero();
        return r.output();
    }

    static String psqlOk(PgDatabase db, String doc, String marker) {
        return psqlOk(db, doc, marker, Map.of());
    }

    /** Runs an {@code sh} block with the database's libpq environment, PG_BIN on PATH, plus {@code env}. */
    static Scripts.Run sh(PgDatabase db, String doc, String marker, Map<String, String> env) {
        Block b = block(doc, marker);
        assertThat(b.language()).as("language of %s", marker).isEqualTo("sh");
        Path file = temp(b.text(), ".sh");
        try {
            Map<String, String> all = new LinkedHashMap<>(Scripts.env(db.server(), db.name()));
            all.put("PATH", db.server().binDir() + ":" + System.getenv("PATH"));
            all.putAll(env);
            // run from the repository root, as the docs' paths (src/sql/tviews.sql, src/scripts/…) assume
            ProcessBuilder pb = new ProcessBuilder(Scripts.shell(), "-eu", file.toString()).directory(Scripts.repoRoot().toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
            pb.environment().putAll(all);
            Path out = Files.createTempFile("fm-out", ".txt");
            Path err = Files.createTempFile("fm-err", ".txt");
            try {
                Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(600, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out: " + marker);
                }
                return new Scripts.Run(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                delete(out);
                delete(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            delete(file);
        }
    }

    /** Health-check rows as {@code component -> "STATUS: message"}. */
    static Map<String, String> health(PgDatabase db) {
        Map<String, String> rows = new LinkedHashMap<>();
        for (List<Object> r : db.queryRows("SELECT component, status, message FROM pg_tviews_health_check()")) {
            rows.merge(String.valueOf(r.get(0)), r.get(1) + ": " + r.get(2), (a, b) -> a + " | " + b);
        }
        return rows;
    }

    /** Zero drift: every TVIEW of the shop schema equals the test's own query text both ways, the runtime agrees. */
    static void assertNoDrift(PgDatabase db) {
        ShopSchema.assertConsistent(db);
        ShopSchema.assertHealthy(db);
    }

    private static final java.util.concurrent.atomic.AtomicInteger DATABASES = new java.util.concurrent.atomic.AtomicInteger();

    /** A new database on {@code server} holding the shop schema (runtime, tb_user/tb_post/tb_comment, three TVIEWs). */
    static PgDatabase freshShop(dev.tviews.testkit.PgServer server, String label) {
        PgDatabase db = server.createDatabase("fm_" + label + "_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid());
        ShopSchema.create(db);
        return db;
    }

    /** Rows of the shop TVIEWs that differ from the test's own query text, summed over all three. */
    static long drift(PgDatabase db) {
        return ShopSchema.ENTITIES.stream().mapToLong(e -> ShopSchema.oracleDiff(db, e)).sum();
    }

    private static Path temp(String text, String suffix) {
        try {
            Path f = Files.createTempFile("fm-block", suffix);
            Files.writeString(f, text);
            f.toFile().setReadable(true, false);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path f) {
        try {
            Files.deleteIfExists(f);
        } catch (IOException ignored) {
            // temporary file
        }
    }
}
