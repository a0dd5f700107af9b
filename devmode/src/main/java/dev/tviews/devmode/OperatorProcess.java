package dev.tviews.devmode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator ({@code operator/target/quarkus-app/quarkus-run.jar}) as a child process pointed at the embedded API
 * server. Its output goes to a log file. A detached watchdog stops it if this JVM dies without running its shutdown
 * hooks (SIGKILL), so that it never outlives the launcher.
 */
public final class OperatorProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int httpPort;
    private volatile boolean stopping;

    private OperatorProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** The environment the operator runs with against the embedded API server (secrets never go here). */
    public static Map<String, String> environment(Path kubeconfig, int httpPort) {
        return Map.ofEntries(
                Map.entry("KUBECONFIG", kubeconfig.toString()),
                // CRDs are installed by the launcher from crds/. (The operator is built with server-side apply off,
                // quarkus.operator-sdk.enable-ssa=false; the embedded API server can still emulate it for other
                // clients, see ApplyPatchDispatcher.)
                Map.entry("QUARKUS_OPERATOR_SDK_CRD_VALIDATE", "false"),
                Map.entry("QUARKUS_OPERATOR_SDK_CRD_APPLY", "false"),
                Map.entry("QUARKUS_HTTP_PORT", String.valueOf(httpPort)),
                Map.entry("QUARKUS_HTTP_HOST", "127.0.0.1"),
                // Quicker feedback than the production defaults while editing examples.
                Map.entry("TVIEW_OPERATOR_RETRY_INTERVAL", "2s"),
                Map.entry("TVIEW_OPERATOR_DEPENDENCY_POLL_INTERVAL", "1s"),
                Map.entry("TVIEW_OPERATOR_CHECK_JITTER", "5s"));
    }

    public static OperatorProcess start(Path jar, Path kubeconfig, Path log) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("The operator is not built: " + jar + " is missing. Build it with\n"
                    + "  mvn -B -pl operator -am package -DskipTests");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(currentJava());
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().putAll(environment(kubeconfig, port));
        pb.directory(jar.getParent().toFile());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            startWatchdog(p.pid());
            return new OperatorProcess(p, log, port);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the operator: " + cmd, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public int httpPort() {
        return httpPort;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public boolean isStopping() {
        return stopping;
    }

    public Process process() {
        return process;
    }

    /** The last {@code n} lines of the operator's log. */
    public String logTail(int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (Quarkus shuts down gracefully), then SIGKILL after 15 s. Idempotent. */
    @Override
    public void close() {
        stopping = true;
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void startWatchdog(long childPid) {
        long me = ProcessHandle.current().pid();
        String script = "while kill -0 " + me + " 2>/dev/null && kill -0 " + childPid + " 2>/dev/null; do sleep 1; done; "
                + "if kill -0 " + childPid + " 2>/dev/null; then kill " + childPid + "; sleep 10; "
                + "kill -9 " + childPid + " 2>/dev/null; fi; exit 0";
        try {
            new ProcessBuilder("setsid", "sh", "-c", script)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the operator watchdog", e);
        }
    }

    private static String currentJava() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
