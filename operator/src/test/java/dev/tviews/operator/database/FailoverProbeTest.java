package dev.tviews.operator.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.runtime.TviewsRuntime;
import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The failover drill's SQL on real PostgreSQL, over a TVIEW whose schema, table and key column names hold quotes,
 * a |, spaces, a ? and non-ASCII characters, and whose key value does too: every name reaches the statements quoted
 * by PostgreSQL and every value bound, so the write test finds, changes and rolls back exactly that row. A Quarkus
 * test like the others, so that the JDBC driver is the one the operator's class loader registered.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class FailoverProbeTest {

    static final String SCHEMA = "odd sch|'é \"x\"";
    static final String TABLE = "we'ird \"t\"|ü ?";
    static final String KEY = "pk_we'ird \"t\"|ü ?";
    /** The definition must name the text column as a word: quotes inside it would be doubled there. */
    static final String TEXT = "ti|t'le x";
    static final String KEY_VALUE = "k'ey \"1\"|é ? $1 ''";

    static PgDatabase db;
    static ConnectionSpec spec;

    @BeforeAll
    static void hostileTView() {
        PgServer pg = PgServer.shared();
        db = pg.createDatabase("failover_probe_" + ProcessHandle.current().pid());
        spec = new ConnectionSpec(pg.host(), pg.port(), db.name(), pg.superuser(), pg.password());
        db.execute(TviewsRuntime.installScript());
        db.execute("CREATE SCHEMA " + ident(SCHEMA));
        db.execute("CREATE TABLE " + ident(SCHEMA) + "." + ident("tb_" + TABLE) + " (" + ident(KEY) + " text PRIMARY KEY, "
                + ident(TEXT) + " text NOT NULL)");
        db.execute("INSERT INTO " + ident(SCHEMA) + "." + ident("tb_" + TABLE) + " VALUES (" + literal(KEY_VALUE)
                + ", 'first'), ('zz', 'second')");
        String query = "SELECT s." + ident(KEY) + ", s." + ident(TEXT) + " FROM " + ident(SCHEMA) + "." + ident("tb_" + TABLE) + " s";
        db.execute("SELECT pg_tviews_create(" + literal(ident(SCHEMA) + "." + ident("tv_" + TABLE)) + ", " + literal(query) + ")");
    }

    @Test
    void theWriteTestChangesTheRowOfAHostileKeyThroughHostileNamesAndRollsBack() throws Exception {
        RolledBackWrite.Result result;
        try (FailoverProbe probe = FailoverProbe.open(spec)) {
            result = probe.writeMaintenance();
        }
        assertThat(result).isInstanceOf(RolledBackWrite.Result.Written.class);
        RolledBackWrite.Result.Written w = (RolledBackWrite.Result.Written) result;
        assertThat(w.keyValue()).isEqualTo(KEY_VALUE);
        assertThat(w.source()).isEqualTo(ident(SCHEMA) + "." + ident("tb_" + TABLE));
        assertThat(w.tview()).isEqualTo(ident(SCHEMA) + "." + ident("tv_" + TABLE));
        assertThat(w.textColumn()).isEqualTo(ident(TEXT));
        assertThat(w.column()).isEqualTo(ident(KEY));
        assertThat(w.key()).isEqualTo(ident(KEY));
        assertThat(w.updated()).as("one source row updated").isEqualTo(1);
        assertThat(w.changed()).as("the TVIEW row of that key changed").isTrue();
        assertThat(w.drift()).isEqualTo("0");
        assertThat(db.queryValue("SELECT string_agg(" + ident(TEXT) + ", ',' ORDER BY " + ident(KEY) + ") FROM "
                + ident(SCHEMA) + "." + ident("tb_" + TABLE))).as("rolled back").isEqualTo("first,second");
        assertThat(db.queryValue("SELECT count(*) FROM " + ident(SCHEMA) + "." + ident("tv_" + TABLE) + " WHERE "
                + ident(TEXT) + " LIKE '%[drill]%'")).isEqualTo(0L);
    }

    @Test
    void healthAndConsistencyReadTheHostileEntity() throws Exception {
        try (FailoverProbe probe = FailoverProbe.open(spec)) {
            assertThat(probe.health().errors()).isEmpty();
            List<FailoverProbe.Consistency> tviews = probe.consistency();
            assertThat(tviews).singleElement().satisfies(c -> {
                assertThat(c.entity()).contains(TABLE);
                assertThat(c.drift()).isZero();
                assertThat(c.checkedRows()).isEqualTo(2);
            });
        }
    }

    @Test
    void theWriteProbeCommitsOnAPrimary() throws Exception {
        FailoverProbe.writeProbe(spec);
        assertThat(ProbeConnections.serverMajorVersion(spec)).isEqualTo(PgServer.shared().majorVersion());
    }

    /** Test setup only: the names are this test's constants. */
    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
