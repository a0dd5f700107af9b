package dev.tviews.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server started from the system's binaries on 127.0.0.1 and a free port, with
 * password (SCRAM) authentication for the superuser {@code postgres}.
 *
 * <p>Every server is stopped and its directory removed by {@link #close()}, by a JVM shutdown hook, and — when
 * the JVM is killed outright — by a small detached watchdog process that waits for the JVM to disappear. Stale
 * servers of dead JVMs found under {@link #ROOT} are reaped when the next server starts.
 */
public final class PgServer implements AutoCloseable {

    /** Where every server's directory lives; one sub-directory per server. */
    public static final Path ROOT = Path.of(System.getProperty("java.io.tmpdir"), "tviews-pg");
    public static final String SUPERUSER = "postgres";

    private static final Set<PgServer> LIVE = ConcurrentHashMap.newKeySet();
    private static final long JVM_PID = ProcessHandle.current().pid();
    private static volatile PgServer shared;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(PgServer::stopQuietly), "pg-harness-stop"));
    }

    private final Path home;
    private final Path dataDir;
    private final Path binDir;
    private final String password;
    private volatile int port;
    private volatile boolean stopped;

    private PgServer(Path home, Path binDir, String password) {
        this.home = home;
        this.dataDir = home.resolve("data");
        this.binDir = binDir;
        this.password = password;
    }

    /** The server shared by every test of this JVM, started on first use. */
    public static synchronized PgServer shared() {
        if (shared == null || shared.stopped) {
            shared = start("shared");
        }
        return shared;
    }

    /** Starts a new primary server with the harness's default settings plus {@code extraSettings}. */
    public static PgServer start(String label, Map<String, String> extraSettings) {
        reapServersOfDeadJvms();
        Path bin = PgBinaries.binDir();
        PgServer server = new PgServer(newHome(label), bin, randomPassword());
        LIVE.add(server);
        try {
            server.initdb();
            server.appendSettings(defaultSettings(extraSettings));
            server.startOnFreePort();
            return server;
        } catch (RuntimeException e) {
            server.stopQuietly();
            throw e;
        }
    }

    public static PgServer start(String label) {
        return start(label, Map.of());
    }

    /**
     * Starts a streaming standby of this server ({@code pg_basebackup -R -X stream}) on another free port; it
     * serves read-only queries until {@link #promote()}.
     */
    public PgServer startStandby(String label) {
        PgServer standby = new PgServer(newHome(label), binDir, password);
        LIVE.add(standby);
        try {
            chownToServerUser(standby.home);
            OsCommand.run(OsCommand.asServerUser(List.of(bin("pg_basebackup"), "-h", host(), "-p", String.valueOf(port),
                            "-U", SUPERUSER, "-D", standby.dataDir.toString(), "-R", "-X", "stream", "-c", "fast")),
                    Map.of("PGPASSWORD", password), null, 120).orThrow("pg_basebackup of " + this);
            standby.startOnFreePort();
            return standby;
        } catch (RuntimeException e) {
            standby.stopQuietly();
            throw e;
        }
    }

    /** Promotes this standby to a primary and waits until it accepts writes. */
    public void promote() {
        pgCtl("promote", "-w", "-t", "60").orThrow("pg_ctl promote of " + this);
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String superuser() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path binDir() {
        return binDir;
    }

    public String bin(String tool) {
        return binDir.resolve(tool).toString();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, password);
    }

    /** libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) for running client tools and scripts. */
    public Map<String, String> libpqEnv(String database) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", host());
        env.put("PGPORT", String.valueOf(port));
        env.put("PGUSER", SUPERUSER);
        env.put("PGPASSWORD", password);
        env.put("PGDATABASE", database);
        return env;
    }

    /** Creates a new, empty database on this server. */
    public PgDatabase createDatabase(String name) {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create database " + name + " on " + this + ": " + e.getMessage(), e);
        }
        return new PgDatabase(this, name);
    }

    public PgDatabase database(String name) {
        return new PgDatabase(this, name);
    }

    /** The server's major version, e.g. 15. */
    public int majorVersion() {
        try (Connection c = connect("postgres")) {
            return c.getMetaData().getDatabaseMajorVersion();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean isRunning() {
        return !stopped && pgCtl("status").exitCode() == 0;
    }

    /** Stops the server (fast shutdown) and removes its directory. Idempotent. */
    @Override
    public void close() {
        stopQuietly();
    }

    /** Stops the server abruptly, like a crash, keeping its directory (for crash-recovery tests). */
    public void crash() {
        flushCommitted();
        pgCtl("stop", "-m", "immediate", "-w");
    }

    /**
     * These servers run with synchronous_commit = off, so a commit reaches the WAL file up to a few hundred
     * milliseconds later: a crash right after it would lose it, legitimately. Crash tests mean "what was committed
     * before the crash survives", so the injected crashes first flush the WAL (in-flight transactions stay in flight).
     */
    private void flushCommitted() {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CHECKPOINT");
        } catch (SQLException e) {
            // the server may already be down or refusing connections: nothing to flush then
        }
    }

    /** Starts a server that was stopped by {@link #crash()} again, on the same port. */
    public void restart() {
        pgCtl("start", "-w", "-t", "60", "-l", home.resolve("server.log").toString()).orThrow("restart of " + this);
    }

    /** The postmaster's process id, from {@code postmaster.pid}. */
    public long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("no postmaster.pid for " + this + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends SIGKILL to one backend process (a crash of that backend: the postmaster then resets every backend
     * and runs crash recovery), then waits until the server accepts connections again.
     */
    public void killBackend(long pid) {
        flushCommitted();
        // the postmaster's reset stops every child it had, so wait for those to be gone before polling
        List<ProcessHandle> before = ProcessHandle.of(postmasterPid()).map(h -> h.children().toList()).orElse(List.of());
        OsCommand.run(OsCommand.asServerUser(List.of("kill", "-KILL", String.valueOf(pid))), Map.of(), null, 30)
                .orThrow("kill -KILL " + pid);
        awaitGone(before, java.time.Duration.ofSeconds(60));
        awaitAcceptingConnections(java.time.Duration.ofSeconds(60));
    }

    private void awaitGone(List<ProcessHandle> processes, java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processes.stream().anyMatch(ProcessHandle::isAlive)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("processes of " + this + " still alive " + timeout + " after SIGKILL");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Sends SIGKILL to the postmaster (a crash of the whole server) and waits until every process it had started
     * is gone, keeping the data directory; {@link #restart()} starts it again (crash recovery).
     */
    public void killPostmaster() {
        flushCommitted();
        long pid = postmasterPid();
        List<ProcessHandle> children = ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of());
        OsCommand.run(OsCommand.asServerUser(List.of("kill", "-KILL", String.valueOf(pid))), Map.of(), null, 30)
                .orThrow("kill -KILL " + pid);
        List<ProcessHandle> all = new ArrayList<>(children);
        ProcessHandle.of(pid).ifPresent(all::add);
        awaitGone(all, java.time.Duration.ofSeconds(60));
    }

    /** Polls until a connection to database {@code postgres} succeeds, or fails after {@code timeout}. */
    public void awaitAcceptingConnections(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
                s.execute("SELECT 1");
                return;
            } catch (SQLException e) {
                last = e;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(this + " does not accept connections after " + timeout + ": "
                + (last == null ? "" : last.getMessage()) + "\n" + serverLogTail());
    }

    public String serverLogTail() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("server.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL[" + home.getFileName() + " @ " + host() + ":" + port + "]";
    }

    private void initdb() {
        Path pwfile = home.resolve("pwfile");
        try {
            Files.writeString(pwfile, password + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chownToServerUser(home);
        OsCommand.run(OsCommand.asServerUser(List.of(bin("initdb"), "-D", dataDir.toString(), "-U", SUPERUSER,
                        "--auth=scram-sha-256", "--pwfile=" + pwfile, "-E", "UTF8", "--locale=C", "--no-sync")),
                Map.of(), null, 120).orThrow("initdb (" + PgBinaries.INSTALL_HINT + ")");
        try {
            Files.deleteIfExists(pwfile);
        } catch (IOException ignored) {
            // the directory is removed with the server anyway
        }
    }

    private static Map<String, String> defaultSettings(Map<String, String> extra) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("listen_addresses", "'127.0.0.1'");
        s.put("unix_socket_directories", "''");
        s.put("max_connections", "200");
        s.put("max_prepared_transactions", "20");
        s.put("fsync", "off");
        s.put("synchronous_commit", "off");
        s.put("full_page_writes", "off");
        s.put("shared_buffers", "128MB");
        s.put("wal_level", "replica");
        s.put("max_wal_senders", "10");
        s.put("track_functions", "'pl'");
        s.put("log_min_messages", "warning");
        s.putAll(extra);
        return s;
    }

    private void appendSettings(Map<String, String> settings) {
        StringBuilder conf = new StringBuilder("\n# tviews test harness\n");
        settings.forEach((k, v) -> conf.append(k).append(" = ").append(v).append('\n'));
        appendToConf(conf.toString());
    }

    private void appendToConf(String text) {
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), text, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startOnFreePort() {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            port = freePort();
            appendToConf("\nport = " + port + "\n");
            OsCommand.Result r = pgCtl("start", "-w", "-t", "60", "-l", home.resolve("server.log").toString());
            if (r.exitCode() == 0) {
                startWatchdog();
                return;
            }
            last = new IllegalStateException("Could not start " + this + ":\n" + r.output() + "\n" + serverLogTail());
        }
        throw last;
    }

    /** A detached process that stops this server once the JVM is gone, even after SIGKILL. */
    private void startWatchdog() {
        String stop = String.join(" ", OsCommand.asServerUser(List.of(bin("pg_ctl"), "-D", dataDir.toString(),
                "stop", "-m", "immediate")));
        String script = "while kill -0 " + JVM_PID + " 2>/dev/null && [ -d '" + dataDir + "' ]; do sleep 1; done; "
                + "if [ -d '" + dataDir + "' ]; then " + stop + " >/dev/null 2>&1; rm -rf '" + home + "'; fi";
        try {
            new ProcessBuilder("setsid", "sh", "-c", script)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the server watchdog", e);
        }
    }

    private OsCommand.Result pgCtl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin("pg_ctl"), "-D", dataDir.toString()));
        cmd.addAll(List.of(args));
        return OsCommand.run(OsCommand.asServerUser(cmd), Map.of(), null, 120);
    }

    private void stopQuietly() {
        if (stopped) {
            return;
        }
        stopped = true;
        LIVE.remove(this);
        if (Files.exists(dataDir.resolve("postmaster.pid"))) {
            pgCtl("stop", "-m", "fast", "-w", "-t", "30");
        }
        deleteRecursively(home);
    }

    private static Path newHome(String label) {
        try {
            Files.createDirectories(ROOT);
            ROOT.toFile().setWritable(true, false);
            ROOT.toFile().setExecutable(true, false);
            String safe = label.replaceAll("[^A-Za-z0-9_-]", "_");
            Path home = Files.createTempDirectory(ROOT, safe + "-");
            Files.writeString(home.resolve("owner.pid"), String.valueOf(JVM_PID));
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chownToServerUser(Path dir) {
        if (OsCommand.runningAsRoot()) {
            OsCommand.run(List.of("chown", "-R", OsCommand.SERVER_USER + ":", dir.toString()), Map.of(), null, 30)
                    .orThrow("chown of " + dir + " to the postgres user (create it with 'apt-get install postgresql')");
        }
    }

    /** Stops and removes servers whose owning JVM no longer exists (e.g. killed with SIGKILL before the watchdog ran). */
    static void reapServersOfDeadJvms() {
        if (!Files.isDirectory(ROOT)) {
            return;
        }
        try (Stream<Path> homes = Files.list(ROOT)) {
            homes.filter(PgServer::ownerIsDead).forEach(home -> {
                Path data = home.resolve("data");
                if (Files.exists(data.resolve("postmaster.pid"))) {
                    Path bin = PgBinaries.binDir();
                    OsCommand.run(OsCommand.asServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(),
                            "stop", "-m", "immediate")), Map.of(), null, 60);
                }
                deleteRecursively(home);
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static boolean ownerIsDead(Path home) {
        try {
            long pid = Long.parseLong(Files.readString(home.resolve("owner.pid")).trim());
            return ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
