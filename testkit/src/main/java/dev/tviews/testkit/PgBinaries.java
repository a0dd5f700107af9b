package dev.tviews.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Locates the PostgreSQL server binaries: {@code PG_BIN}, else the newest {@code /usr/lib/postgresql/<v>/bin}. */
public final class PgBinaries {

    static final String INSTALL_HINT = "Install PostgreSQL server binaries, e.g. on Debian/Ubuntu: "
            + "'apt-get install -y postgresql postgresql-contrib' (provides /usr/lib/postgresql/<version>/bin), "
            + "or point PG_BIN at a directory containing initdb, pg_ctl and postgres.";

    private PgBinaries() {
    }

    /** The directory holding initdb/pg_ctl/postgres, or an exception that says what to install. */
    public static Path binDir() {
        return find().orElseThrow(() -> new IllegalStateException(
                "No PostgreSQL server binaries found (PG_BIN unset and no /usr/lib/postgresql/*/bin/initdb). "
                        + INSTALL_HINT));
    }

    static Optional<Path> find() {
        String fromEnv = System.getenv("PG_BIN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path dir = Path.of(fromEnv);
            if (!Files.isExecutable(dir.resolve("initdb"))) {
                throw new IllegalStateException("PG_BIN=" + fromEnv + " has no executable initdb. " + INSTALL_HINT);
            }
            return Optional.of(dir);
        }
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions
                    .filter(v -> v.getFileName().toString().matches("\\d+"))
                    .filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString())))
                    .map(v -> v.resolve("bin"));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
