package dev.tviews.operator.drill;

import dev.tviews.operator.database.ConnectionSpec;
import dev.tviews.operator.database.FailoverProbe;
import dev.tviews.operator.database.RolledBackWrite;
import dev.tviews.operator.drill.TViewDrillStatus.DrillCheck;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The failover drill's checks of the new primary, on one connection: health-check, consistency (every TVIEW) and
 * write-maintenance (a rolled-back write that the TVIEW must follow); or a failed connect. Each check says what it
 * found, and how long it took.
 */
final class NewPrimaryChecks {

    /** What the probe read, or the error that made the check fail. */
    @FunctionalInterface
    private interface Read<T> {
        T from(FailoverProbe probe) throws SQLException;
    }

    private record Verdict(boolean passed, String message) {
    }

    private NewPrimaryChecks() {
    }

    static List<DrillCheck> run(ConnectionSpec spec) {
        List<DrillCheck> checks = new ArrayList<>();
        try (FailoverProbe probe = FailoverProbe.open(spec)) {
            checks.add(check(probe, "health-check", "pg_tviews_health_check() failed: ", FailoverProbe::health,
                    NewPrimaryChecks::health));
            checks.add(check(probe, "consistency", "consistency check failed: ", FailoverProbe::consistency,
                    NewPrimaryChecks::consistency));
            checks.add(check(probe, "write-maintenance", "write test failed: ", FailoverProbe::writeMaintenance,
                    NewPrimaryChecks::writeMaintenance));
        } catch (SQLException e) {
            checks.add(new DrillCheck("connect", false, "cannot connect to the new primary " + spec.describe() + ": "
                    + e.getMessage(), null));
        }
        return checks;
    }

    private static <T> DrillCheck check(FailoverProbe probe, String name, String failure, Read<T> read,
                                        Function<T, Verdict> judge) {
        long t0 = System.nanoTime();
        Verdict verdict;
        try {
            verdict = judge.apply(read.from(probe));
        } catch (SQLException e) {
            verdict = new Verdict(false, failure + e.getMessage());
        }
        return new DrillCheck(name, verdict.passed(), verdict.message(), Math.round((System.nanoTime() - t0) / 1e6) / 1000.0);
    }

    private static Verdict health(FailoverProbe.Health health) {
        return health.errors().isEmpty()
                ? new Verdict(true, "pg_tviews_health_check(): " + health.rows() + " row(s), no ERROR")
                : new Verdict(false, "pg_tviews_health_check() ERROR: " + String.join("; ", health.errors()));
    }

    private static Verdict consistency(List<FailoverProbe.Consistency> tviews) {
        if (tviews.isEmpty()) {
            return new Verdict(false, "no TVIEW in pg_tview_meta");
        }
        List<String> bad = tviews.stream().filter(t -> t.drift() != 0).map(t -> t.entity() + " missing=" + t.missing()
                + " extra=" + t.extra() + " different=" + t.different()).toList();
        if (!bad.isEmpty()) {
            return new Verdict(false, String.join("; ", bad));
        }
        return new Verdict(true, "every TVIEW consistent: "
                + String.join(" ", tviews.stream().map(t -> t.entity() + "(" + t.checkedRows() + ")").toList()));
    }

    private static Verdict writeMaintenance(RolledBackWrite.Result result) {
        if (result instanceof RolledBackWrite.Result.NoTextColumn n) {
            return new Verdict(false, "no text column of " + n.source() + " read by " + n.tview() + " to change");
        }
        if (result instanceof RolledBackWrite.Result.NoRow n) {
            return new Verdict(false, "source " + n.source() + " of " + n.tview() + " has no row to write");
        }
        if (!(result instanceof RolledBackWrite.Result.Written w)) {
            return new Verdict(false, "no TVIEW with a base-table source in pg_tview_meta");
        }
        String what = "UPDATE of " + w.source() + "." + w.textColumn() + " where " + w.column() + "=" + w.keyValue()
                + " (rolled back): " + w.tview();
        if (w.updated() != 1 || !w.changed()) {
            return new Verdict(false, what + " row " + w.key() + "=" + w.keyValue() + " did not change");
        }
        if (!"0".equals(w.drift())) {
            return new Verdict(false, what + " drifted by " + w.drift() + " row(s)");
        }
        return new Verdict(true, what + " maintained on the new primary");
    }
}
