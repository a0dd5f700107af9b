package dev.tviews.e2e.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tviews.testkit.PgServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the Job scripts of {@code src/scripts/} with {@code sh} (dash when present), as a Job would. */
public final class Scripts {

    public static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome of one script run; stdout and stderr kept apart. */
    public record Run(int exit, String stdout, String stderr) {
        public String all() {
            return stdout + "\n" + stderr;
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    private Scripts() {
    }

    public static Path repoRoot() {
        return Path.of(System.getProperty("tviews.repo.root", "..")).toAbsolutePath().normalize();
    }

    public static Path script(String name) {
        return repoRoot().resolve("src/scripts").resolve(name);
    }

    /** dash when installed (the strictest POSIX shell at hand), else sh. */
    public static String shell() {
        return Files.isExecutable(Path.of("/usr/bin/dash")) || Files.isExecutable(Path.of("/bin/dash")) ? "dash" : "sh";
    }

    /** libpq environment of {@code database} plus the server's client tools, no termination log. */
    public static Map<String, String> env(PgServer server, String database) {
        Map<String, String> env = new LinkedHashMap<>(server.libpqEnv(database));
        env.put("PG_BIN", server.binDir().toString());
        env.put("TERMINATION_LOG", "");
        return env;
    }

    public static Run run(String script, Map<String, String> env, String... args) {
        return run(script, env, -1, args);
    }

    /** Runs a script; with {@code terminateAfterMillis} >= 0 sends it SIGTERM then (as Kubernetes does to a pod). */
    public static Run run(String script, Map<String, String> env, long terminateAfterMillis, String... args) {
        List<String> cmd = new ArrayList<>(List.of(shell(), script(script).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // nothing from the JVM's environment may leak into the connection settings
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("BACKUP_ROOT") || k.equals("RESTORE_TEST")
                || k.startsWith("TARGET_") || k.startsWith("DRILL") || k.equals("CLEANUP") || k.equals("DEADLINE_SECONDS")
                || k.equals("REPORT_FILE") || k.equals("SCRATCH_DB"));
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("script-out", ".txt");
            Path err = Files.createTempFile("script-err", ".txt");
            try {
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                Process p = pb.start();
                p.getOutputStream().close();
                if (terminateAfterMillis >= 0 && !p.waitFor(terminateAfterMillis, TimeUnit.MILLISECONDS)) {
                    p.destroy(); // SIGTERM
                }
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
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

    public static JsonNode manifest(Path backupDir) {
        return json(backupDir.resolve("manifest.json"));
    }

    public static JsonNode json(Path file) {
        try {
            return JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    /** Backup directories under {@code root} (dot-directories excluded), sorted by name. */
    public static List<Path> backups(Path root) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a backup directory (to corrupt the copy). */
    public static Path copy(Path dir, Path target) {
        try {
            Files.createDirectories(target);
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

    /** Flips every bit of one byte of {@code file} at {@code offset} (negative: from the end). */
    public static void flipByte(Path file, long offset) {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            long pos = offset >= 0 ? offset : ch.size() + offset;
            var buf = java.nio.ByteBuffer.allocate(1);
            ch.read(buf, pos);
            buf.flip();
            byte b = buf.get();
            buf.clear();
            buf.put((byte) ~b).flip();
            ch.write(buf, pos);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
