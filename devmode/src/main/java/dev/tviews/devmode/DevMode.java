package dev.tviews.devmode;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code make run} without a cluster: starts a throwaway PostgreSQL with {@code examples/shop/schema.sql}, the Fabric8
 * mock API server (CRUD mode) with the CRDs of {@code crds/} and the {@code shop-db} Secret, then the operator as a
 * child process against it; applies {@code examples/shop/tview-*.yaml}, prints the TViews' status whenever it
 * changes, re-applies manifests edited in {@code examples/shop/}, and stops everything on Ctrl-C.
 *
 * <p>Usage: {@code java -cp ... dev.tviews.devmode.DevMode [repository root]}.
 */
public final class DevMode {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** Held so that the level set on it is not lost to garbage collection. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private DevMode() {
    }

    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.fabric8.kubernetes.client.dsl.internal.VersionUsageUtils", "error");
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path examples = root.resolve("examples/shop");
        Path work = root.resolve("target/devmode");
        Path jar = root.resolve("operator/target/quarkus-app/quarkus-run.jar");
        Files.createDirectories(work);
        if (!Files.isRegularFile(jar)) {
            say("the operator is not built: " + jar + " is missing; build it with: mvn -B -pl operator -am package -DskipTests");
            System.exit(2);
        }

        AtomicBoolean stopping = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        Holder h = new Holder();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            say("stopping: operator, API server, PostgreSQL ...");
            h.stopAll();
            say("stopped; nothing left running.");
            stopped.countDown();
        }, "devmode-stop");
        Runtime.getRuntime().addShutdownHook(hook);

        say("embedded mode: no cluster in the kubeconfig, so everything runs on this machine");
        say("starting PostgreSQL and the Kubernetes API (Fabric8 mock server, CRUD mode) ...");
        h.env = DevEnvironment.start(root.resolve("crds"), examples, work);
        DevEnvironment env = h.env;
        say("PostgreSQL      " + env.postgres().host() + ":" + env.postgres().port() + ", database "
                + DevEnvironment.DATABASE + " (schema from " + root.relativize(examples.resolve("schema.sql")) + ")");
        say("  connect with: " + env.psqlCommand());
        say("Kubernetes API  " + env.apiServerUrl() + " (namespace " + DevEnvironment.NAMESPACE + ", Secret "
                + DevEnvironment.SECRET + ")");
        say("  kubectl:      KUBECONFIG=" + env.kubeconfig() + " kubectl get tviews -n " + DevEnvironment.NAMESPACE);

        h.operator = OperatorProcess.start(jar, env.kubeconfig(), work.resolve("operator.log"));
        say("operator        pid " + h.operator.pid() + ", log " + h.operator.log() + ", metrics http://127.0.0.1:"
                + h.operator.httpPort() + "/q/metrics");

        for (var manifest : env.manifests()) {
            try {
                var applied = env.apply(manifest);
                say("applied " + root.relativize(manifest) + ": " + applied.stream().map(DevEnvironment.Applied::name).toList());
            } catch (RuntimeException e) {
                say("could not apply " + root.relativize(manifest) + ": " + e.getMessage());
            }
        }
        h.watcher = new ManifestWatcher(env, DevMode::say);
        say("watching " + root.relativize(examples) + "/ for edited, added and removed tview-*.yaml; Ctrl-C stops everything");

        String last = null;
        long logOffset = 0;
        while (!stopping.get()) {
            try {
                String table = StatusTable.render(StatusTable.rows(env.tviews()));
                if (!table.equals(last)) {
                    say("TViews in namespace " + DevEnvironment.NAMESPACE + ":\n" + table.stripTrailing());
                    last = table;
                }
            } catch (RuntimeException e) {
                if (stopping.get()) {
                    break;
                }
                say("could not list TViews: " + e.getMessage());
            }
            logOffset = echoOperatorErrors(h.operator.log(), logOffset);
            if (!h.operator.isAlive() && !stopping.get()) {
                say("the operator exited with code " + h.operator.process().exitValue() + "; last lines of its log:\n"
                        + h.operator.logTail(40));
                System.exit(1);
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                break;
            }
        }
        stopped.await();
    }

    /** Prints the operator's ERROR lines written since {@code offset}; returns the new offset. */
    private static long echoOperatorErrors(Path log, long offset) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            if (f.length() < offset) {
                offset = 0;
            }
            f.seek(offset);
            byte[] rest = new byte[(int) Math.min(f.length() - offset, 1 << 20)];
            f.readFully(rest);
            String text = new String(rest, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return offset;
            }
            for (String line : text.substring(0, end).split("\n")) {
                if (line.contains(" ERROR ")) {
                    say("operator: " + line);
                }
            }
            return offset + text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException e) {
            return offset;
        }
    }

    static synchronized void say(String message) {
        System.out.println("[devmode " + LocalTime.now().format(TIME) + "] " + message);
        System.out.flush();
    }

    /** What has been started so far, stopped in reverse order. */
    private static final class Holder {
        volatile DevEnvironment env;
        volatile OperatorProcess operator;
        volatile ManifestWatcher watcher;

        void stopAll() {
            if (watcher != null) {
                watcher.close();
            }
            if (operator != null) {
                operator.close();
            }
            if (env != null) {
                env.close();
            }
        }
    }
}
