package dev.tviews.e2e.scripts;

import dev.tviews.e2e.support.Scripts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Wrong password, unreachable server, missing tool, bad usage: clear message, non-zero exit, no secret. */
@ExtendWith(PostgresExtension.class)
class ScriptErrorsTest {

    @TempDir
    Path root;

    @Test
    void wrongPasswordFailsClearlyWithoutShowingThePassword(PgDatabase db, PgServer server) throws IOException {
        String wrong = "Wr0ng-" + UUID.randomUUID();
        Path termination = root.resolve("termination-log");
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("PGPASSWORD", wrong);
        env.put("BACKUP_ROOT", root.resolve("b").toString());
        env.put("TERMINATION_LOG", termination.toString());

        Scripts.Run run = Scripts.run("backup.sh", env, "logical");
        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        assertThat(run.stderr()).contains("cannot connect to PostgreSQL at 127.0.0.1:" + server.port(),
                "password authentication failed", "wrong password or user");
        Path failed = Scripts.backups(root.resolve("b")).get(0);
        assertThat(Scripts.manifest(failed).path("status").asText()).isEqualTo("failed");
        assertThat(Scripts.manifest(failed).path("error").asText()).contains("password authentication failed");
        assertThat(Scripts.json(Files.readString(termination)).path("status").asText()).isEqualTo("failed");

        String everything = run.all() + Files.readString(failed.resolve("manifest.json")) + Files.readString(termination);
        assertThat(everything).doesNotContain(wrong).doesNotContain(server.password());

        // restore.sh and a restore test of a good backup fail the same way
        Map<String, String> good = new HashMap<>(Scripts.env(server, db.name()));
        good.put("BACKUP_ROOT", root.resolve("good").toString());
        assertThat(Scripts.run("backup.sh", good, "logical").exit()).isZero();
        Path backup = Scripts.backups(root.resolve("good")).get(0);
        env.put("RESTORE_TEST", "1");
        Scripts.Run restore = Scripts.run("restore.sh", env, backup.toString(), db.name() + "_copy");
        Scripts.Run verify = Scripts.run("verify.sh", env, backup.toString());
        for (Scripts.Run other : new Scripts.Run[] {restore, verify}) {
            assertThat(other.exit()).as(other.toString()).isEqualTo(2);
            assertThat(other.stderr()).contains("password authentication failed", "wrong password or user");
            assertThat(other.all()).doesNotContain(wrong).doesNotContain(server.password());
        }
    }

    @Test
    void unreachableServerFailsClearly(PgDatabase db, PgServer server) throws IOException {
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("PGPORT", String.valueOf(freePort()));
        env.put("PGCONNECT_TIMEOUT", "5");
        env.put("BACKUP_ROOT", root.toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "physical");
        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        assertThat(run.stderr()).contains("server unreachable");
        assertThat(run.all()).doesNotContain(server.password());
    }

    @Test
    void missingToolFailsClearly(PgDatabase db, PgServer server) throws IOException {
        // PG_BIN has psql only; PATH has the usual tools but none of PostgreSQL's (no Debian wrappers either)
        // (outside @TempDir, which warns about every symbolic link it deletes)
        Path scratch = Files.createTempDirectory("tviews-missing-tool");
        try {
            missingTool(db, server, scratch);
        } finally {
            try (var walk = Files.walk(scratch)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void missingTool(PgDatabase db, PgServer server, Path scratch) throws IOException {
        Path bin = Files.createDirectories(scratch.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("psql"), server.binDir().resolve("psql"));
        Path path = Files.createDirectories(scratch.resolve("path"));
        for (String dir : new String[] {"/usr/bin", "/bin"}) {
            try (var s = Files.list(Path.of(dir))) {
                for (Path tool : s.toList()) {
                    String n = tool.getFileName().toString();
                    if (!n.startsWith("pg_") && !n.equals("psql") && !Files.exists(path.resolve(n), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(path.resolve(n), tool);
                    }
                }
            }
        }
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("PG_BIN", bin.toString());
        env.put("PATH", path.toString());
        env.put("BACKUP_ROOT", root.resolve("b").toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "physical");
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.stderr()).contains("required tool 'pg_basebackup' not found");
    }

    @Test
    void unknownMethodAndMissingBackupRootAreUsageErrors(PgDatabase db, PgServer server) {
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.put("BACKUP_ROOT", root.toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "incremental");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr()).contains("usage: backup.sh logical|metadata|physical");
        assertThat(Scripts.backups(root)).isEmpty();

        env.remove("BACKUP_ROOT");
        Scripts.Run noRoot = Scripts.run("backup.sh", env, "logical");
        assertThat(noRoot.exit()).isEqualTo(1);
        assertThat(noRoot.stderr()).contains("BACKUP_ROOT is not set");
    }

    @Test
    void passwordFromAPgpassFileWorks(PgDatabase db, PgServer server) throws IOException {
        Path pgpass = root.resolve("pgpass");
        Files.writeString(pgpass, "127.0.0.1:" + server.port() + ":*:" + server.superuser() + ":" + server.password() + "\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = new HashMap<>(Scripts.env(server, db.name()));
        env.remove("PGPASSWORD");
        env.put("PGPASSFILE", pgpass.toString());
        env.put("BACKUP_ROOT", root.resolve("b").toString());
        Scripts.Run run = Scripts.run("backup.sh", env, "logical");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(Scripts.json(run.stdout().strip()).path("verified").asBoolean()).isTrue();
        assertThat(run.all()).doesNotContain(server.password());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
