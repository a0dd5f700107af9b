package dev.tviews.operator.database;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PgServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The TVIEW's row count and table lookup on real PostgreSQL, for a schema and entity whose names hold quotes, a |,
 * spaces, a ? and non-ASCII characters: the names reach the statements quoted by PostgreSQL ({@code format('%I')}),
 * never spliced by Java. A Quarkus test like the others, so that the JDBC driver is the one the operator registered.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class TViewDatabaseTest {

    static final String SCHEMA = "odd sch|'é \"x\"";
    static final String ENTITY = "we'ird \"t\"|ü ?";

    static PgDatabase db;
    static PGSimpleDataSource pool;

    @BeforeAll
    static void hostileTable() {
        PgServer pg = PgServer.shared();
        db = pg.createDatabase("tview_database_" + ProcessHandle.current().pid());
        db.execute("CREATE SCHEMA " + ident(SCHEMA));
        db.execute("CREATE TABLE " + ident(SCHEMA) + "." + ident("tv_" + ENTITY) + " (k int PRIMARY KEY)");
        db.execute("INSERT INTO " + ident(SCHEMA) + "." + ident("tv_" + ENTITY) + " VALUES (1), (2), (3)");
        pool = new PGSimpleDataSource();
        pool.setURL(db.jdbcUrl());
        pool.setUser(pg.superuser());
        pool.setPassword(pg.password());
    }

    @Test
    void theRowCountReadsTheTableOfHostileNames() throws Exception {
        try (TViewDatabase tview = TViewDatabase.open(pool, SCHEMA, ENTITY)) {
            assertThat(tview.tableExists()).isTrue();
            assertThat(tview.rowCount()).isEqualTo(3);
        }
        try (TViewDatabase other = TViewDatabase.open(pool, SCHEMA, ENTITY + "\"; DROP TABLE x; --")) {
            assertThat(other.tableExists()).as("a name is a name, not SQL").isFalse();
        }
    }

    /** Test setup only: the names are this test's constants. */
    private static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
