package dev.tviews.e2e.scripts;

import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A server started from a physical backup (base.tar.gz + pg_wal.tar.gz) on a new port, as the postgres OS user.
 * Lives under {@link PgServer#ROOT} with an owner.pid, so the harness reaps it if this JVM dies.
 */
final class RestoredPhysicalServer implements AutoCloseable {

    private final Path home;
    private final Path data;
    private final Path bin;
    final int port;
    final String password;

    private RestoredPhysicalServer(Path home, Path bin, int port, String password) {
        this.home = home;
        this.data = home.resolve("data");
        this.bin = bin;
        this.port = port;
        this.password = password;
    }

    static RestoredPhysicalServer start(Path backupDir, PgServer origin) throws IOException {
        Files.createDirectories(PgServer.ROOT);
        Path home = Files.createTempDirectory(PgServer.ROOT, "physical-restore-");
        Files.writeString(home.resolve("owner.pid"), String.valueOf(ProcessHandle.current().pid()));
        RestoredPhysicalServer s = new RestoredPhysicalServer(home, origin.binDir(), freePort(), origin.password());
        try {
            Files.createDirectories(s.data.resolve("pg_wal"));
            run(List.of("tar", "-xzf", backupDir.resolve("base.tar.gz").toString(), "-C", s.data.toString()), "extract base");
            run(List.of("tar", "-xzf", backupDir.resolve("pg_wal.tar.gz").toString(), "-C", s.data.resolve("pg_wal").toString()),
                    "extract pg_wal");
            run(List.of("chmod", "700", s.data.toString()), "chmod");
            if (OsCommand.runningAsRoot()) {
                run(List.of("chown", "-R", "postgres:", home.toString()), "chown");
            }
            OsCommand.run(OsCommand.asServerUser(List.of(s.bin.resolve("pg_ctl").toString(), "-D", s.data.toString(),
                    "-l", home.resolve("server.log").toString(), "-o", "-p " + s.port, "-w", "-t", "60", "start")),
                    Map.of(), null, 120).orThrow("start of the restored server (log: " + home.resolve("server.log") + ")");
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, PgServer.SUPERUSER, password);
    }

    @Override
    public void close() {
        if (Files.exists(data.resolve("postmaster.pid"))) {
            OsCommand.run(OsCommand.asServerUser(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(),
                    "-m", "fast", "-w", "-t", "30", "stop")), Map.of(), null, 60);
        }
        try (Stream<Path> walk = Files.walk(home)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }

    private static void run(List<String> cmd, String what) {
        OsCommand.run(cmd, Map.of(), null, 120).orThrow(what);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
