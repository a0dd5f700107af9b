package dev.tviews.runtime;

import static dev.tviews.runtime.Rt.exec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tviews.testkit.PgDatabase;
import dev.tviews.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** >= 1,000 random statements over users -> posts -> comments (tv_post, tv_user reading tv_post), oracle after every batch. */
@ExtendWith(PostgresExtension.class)
class RandomizedTest {

    static final long SEED = Long.getLong("tviews.seed", 20240611L);

    @Test
    void randomStatementsNeverDrift(PgDatabase db) throws Exception {
        System.out.println("RandomizedTest seed = " + SEED + " (rerun with -Dtviews.seed=" + SEED + ")");
        Rt.install(db);
        Random rnd = new Random(SEED);
        int executed = 0;
        int failed = 0;
        try (Connection c = db.connect()) {
            Rt.blog(c, "r1", 15, 60, 150);
            for (int batch = 0; batch < 110; batch++) {
                boolean tx = rnd.nextInt(4) == 0;
                if (tx) {
                    c.setAutoCommit(false);
                }
                for (int i = 0; i < 10; i++) {
                    String sql = statement(rnd);
                    boolean sp = tx && rnd.nextInt(5) == 0;
                    if (tx) {
                        exec(c, "SAVEPOINT s");
                    }
                    try {
                        exec(c, sql);
                        if (sp) {
                            exec(c, "ROLLBACK TO SAVEPOINT s");
                        }
                        executed++;
                    } catch (SQLException e) {
                        failed++;   // e.g. a key collision: the statement (or savepoint) is rolled back, nothing else
                        if (tx) {
                            exec(c, "ROLLBACK TO SAVEPOINT s");
                        }
                    }
                }
                if (tx) {
                    if (rnd.nextInt(5) == 0) {
                        c.rollback();
                    } else {
                        c.commit();
                    }
                    c.setAutoCommit(true);
                }
                assertThat(Rt.drift(c, "r1.post")).as("tv_post after batch " + batch + ", seed " + SEED).isZero();
                assertThat(Rt.drift(c, "r1.user")).as("tv_user after batch " + batch + ", seed " + SEED).isZero();
            }
            Rt.assertNoDrift(c, "r1.post", "r1.user");
        }
        System.out.println("RandomizedTest: " + executed + " statements succeeded, " + failed + " failed (constraint violations)");
        assertThat(executed).isGreaterThanOrEqualTo(1000);
    }

    private static String statement(Random r) {
        int u = 1 + r.nextInt(20);
        int p = 1 + r.nextInt(90);
        int cm = 1 + r.nextInt(400);
        return switch (r.nextInt(16)) {
            case 0 -> "INSERT INTO tb_user (pk_user, name) VALUES (" + u + ", 'u" + r.nextInt(1000) + "') ON CONFLICT (pk_user) DO UPDATE SET name = EXCLUDED.name";
            case 1 -> "UPDATE tb_user SET name = name || 'x' WHERE pk_user = " + u;
            case 2 -> "DELETE FROM tb_user WHERE pk_user = " + u + " AND random() < 0.3";
            case 3 -> "INSERT INTO tb_post VALUES (" + p + ", (SELECT pk_user FROM tb_user ORDER BY random() LIMIT 1), 'p', 0) ON CONFLICT DO NOTHING";
            case 4 -> "UPDATE tb_post SET title = title || '!', score = score + 1 WHERE pk_post = " + p;
            case 5 -> "UPDATE tb_post SET fk_user = (SELECT pk_user FROM tb_user ORDER BY random() LIMIT 1) WHERE pk_post = " + p;
            case 6 -> "UPDATE tb_post SET pk_post = " + (p + 100 + r.nextInt(100)) + " WHERE pk_post = " + p;
            case 7 -> "DELETE FROM tb_post WHERE pk_post = " + p;
            case 8, 9 -> "INSERT INTO tb_comment SELECT " + cm + ", pk_post, 'c' FROM tb_post ORDER BY random() LIMIT 1 ON CONFLICT DO NOTHING";
            case 10 -> "UPDATE tb_comment SET body = body || '.' WHERE pk_comment % 7 = " + r.nextInt(7);
            case 11 -> "UPDATE tb_comment SET fk_post = (SELECT pk_post FROM tb_post ORDER BY random() LIMIT 1) WHERE pk_comment = " + cm;
            case 12 -> "DELETE FROM tb_comment WHERE fk_post = " + p;
            case 13 -> "UPDATE tb_post SET score = score + 1 WHERE fk_user = " + u;
            case 14 -> "UPDATE tb_user SET name = upper(name) WHERE pk_user % 5 = " + r.nextInt(5);
            default -> r.nextInt(10) == 0 ? "TRUNCATE tb_comment" : "DELETE FROM tb_comment WHERE pk_comment = " + cm;
        };
    }
}
