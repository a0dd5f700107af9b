package dev.tviews.e2e.failuremodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tviews.testkit.OsCommand;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import dev.tviews.testkit.PostgresExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Mode 3 — out of memory: one backend gets an address-space limit ({@code prlimit --as}, what {@code ulimit -v}
 * does for a whole server) just above what it uses, then runs a write whose cascade needs more. PostgreSQL raises
 * "out of memory"; the statement and its TVIEW writes roll back; the session and the server stay up; after the
 * documented recovery (smaller statements) zero drift. Skipped with the reason where prlimit is unavailable.
 */
@ExtendWith(PostgresExtension.class)
class OutOfMemoryFailureModeTest {

    @Test
    void outOfMemoryInACascadeRollsBackTheStatement(PgServer server) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/prlimit")) || Files.isExecutable(Path.of("/bin/prlimit")),
                "prlimit (util-linux) is not installed");
        PgDatabase db = Docs.freshShop(server, "oom");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT pg_backend_pid()");
            rs.next();
            long pid = rs.getLong(1);
            long vmKb = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmSize:"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
            long limit = (vmKb + 64 * 1024) * 1024;
            OsCommand.Result r = OsCommand.run(OsCommand.asServerUser(List.of("prlimit", "--pid", String.valueOf(pid), "--as=" + limit)), Map.of(), null, 30);
            assumeTrue(r.exitCode() == 0, "prlimit --as on a backend failed: " + r.output());
            long before = (Long) db.queryValue("SELECT count(*) FROM tv_post WHERE data::text LIKE '%big author%'");
            // every post of these users embeds the author's (large) name: the cascade builds a large jsonb per post
            assertThatThrownBy(() -> s.execute("UPDATE tb_user SET name = 'big author ' || repeat(md5(pk_user::text), 400000) WHERE pk_user <= 4"))
                    .hasMessageContaining("out of memory");
            var ok = s.executeQuery("SELECT 1");   // the session survived
            assertThat(ok.next()).isTrue();
            assertThat(db.queryValue("SELECT count(*) FROM tv_post WHERE data::text LIKE '%big author%'")).isEqualTo(before);
        }
        assertThat(Docs.psqlOk(db, Docs.FAILURE_MODES, "crash-verify")).contains(" 0 TVIEW(s) drifted");
        Docs.assertNoDrift(db);
    }
}
