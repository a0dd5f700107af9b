package dev.tviews.operator.tview;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.database.RuntimeInstaller;
import dev.tviews.operator.database.TViewDatabase;
import dev.tviews.operator.events.EventRecorder;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Brings one TVIEW in line with its TView, on a connection from the database's pool: installs or upgrades the
 * runtime, heals damage found in the database, applies the definition, and runs consistency checks when due.
 * Everything it finds is read fresh from the database.
 */
@ApplicationScoped
public class TViewConverger {

    private final RuntimeInstaller installer;
    private final EventRecorder events;
    private final TViewMetrics metrics;
    private final OperatorSettings settings;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();

    public TViewConverger(RuntimeInstaller installer, EventRecorder events, TViewMetrics metrics,
                          OperatorSettings settings, Clock clock) {
        this.installer = installer;
        this.events = events;
        this.metrics = metrics;
        this.settings = settings;
        this.clock = clock;
    }

    /** Converges and returns when to look again. */
    Duration converge(TView tview, DataSource pool, Resolution.Available database, CheckSchedule schedule,
                      Optional<String> checkRequest, TViewStatusWriter status) throws SQLException {
        try (TViewDatabase db = TViewDatabase.open(pool, tview.getSpec().getSchema(), tview.entity())) {
            TViewStatus next = status.status();
            next.setRuntimeVersion(db.ensureRuntime(installer));
            Optional<String> superuser = db.superuser();
            String options = optionsJson(tview);

            Optional<TViewDatabase.Meta> meta = healCatalog(tview, db, options);
            boolean applied = meta.isPresent() && meta.get().tableExists() && meta.get().sameDefinition();
            String result = applied ? "unchanged" : db.createOrReplace(tview.getSpec().getQuery(), options);
            announce(tview, result, next);
            List<TViewDatabase.Problem> unhealed = healTriggers(tview, db);
            if (!unhealed.isEmpty()) {
                status.reconciling("SelfHealFailed", describe(unhealed));
                return settings.retryInterval();
            }
            List<String> unhealthy = db.healthErrors();
            if (!unhealthy.isEmpty()) {
                // e.g. last_error after a failed regeneration, a damaged catalog row, a dropped runtime function
                status.stalled("HealthCheckFailed", String.join("; ", unhealthy));
                return settings.retryInterval();
            }

            Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
            long rows = db.rowCount();
            next.setRowCount(rows);
            metrics.rows(tview, rows);
            next.setDefinitionHash(definitionHash(tview.getSpec().getQuery(), options));
            if (isCheckDue(tview, database, now, checkRequest)) {
                check(tview, db, now, status);
                checkRequest.ifPresent(next::setLastCheckRequest);
            }
            next.setCurrentPrimary(database.currentPrimary());
            Instant nextCheck = schedule.nextAfter(now);
            next.setNextConsistencyCheck(nextCheck.toString());
            if (!"unchanged".equals(result) || next.getLastAppliedTime() == null) {
                next.setLastAppliedTime(now.toString());
            }
            status.ready("Applied", "TVIEW " + next.getTable() + " is maintained (" + rows + " rows)"
                    + superuser.map(TViewConverger::superuserWarning).orElse(""));
            if (superuser.isPresent() && !readyMessage(tview).contains(SUPERUSER_WARNING)) {
                events.warning(tview, "ConnectedAsSuperuser", "the operator connects to this database as superuser "
                        + superuser.get() + SUPERUSER_ADVICE);
            }
            Duration untilCheck = Duration.between(Instant.now(clock), nextCheck);
            return untilCheck.compareTo(settings.resyncInterval()) < 0 ? untilCheck : settings.resyncInterval();
        }
    }

    /** Marks the Ready message of a TView whose Secret names a superuser. */
    static final String SUPERUSER_WARNING = "; WARNING: connected as superuser ";

    private static final String SUPERUSER_ADVICE = ": the role in the database Secret should own the TVIEWs and be "
            + "no superuser (docs/security.md)";

    private static String superuserWarning(String role) {
        return SUPERUSER_WARNING + role + SUPERUSER_ADVICE;
    }

    private static String readyMessage(TView tview) {
        return tview.getStatus() == null ? "" : Conditions.find(tview.getStatus().getConditions(), Conditions.READY)
                .filter(c -> Conditions.TRUE.equals(c.getStatus())).map(c -> c.getMessage()).orElse("");
    }

    /** Drops the TVIEW (refused by the runtime, SQLSTATE 2BP01, while other TVIEWs read it). */
    void drop(TView tview, DataSource pool) throws SQLException {
        try (TViewDatabase db = TViewDatabase.open(pool, tview.getSpec().getSchema(), tview.entity())) {
            db.drop();
        }
    }

    /**
     * Heals a metadata row without its table, or a table this resource created without its metadata row; returns
     * what pg_tview_meta says afterwards (empty when the TVIEW is still to be created).
     */
    private Optional<TViewDatabase.Meta> healCatalog(TView tview, TViewDatabase db, String options) throws SQLException {
        String query = tview.getSpec().getQuery();
        Optional<TViewDatabase.Meta> meta = db.meta(query, options);
        boolean ours = tview.getStatus() != null && Boolean.TRUE.equals(tview.getStatus().getCreatedByOperator());
        if (meta.isEmpty() && ours && db.tableExists()) {
            db.convertExisting(query, options);
            events.warning(tview, "MetadataRestored", "pg_tview_meta had no row for " + db.qualifiedName()
                    + " although its table exists; re-registered the table from the spec and refreshed it");
            return db.meta(query, options);
        }
        if (meta.isPresent() && !meta.get().tableExists()) {
            db.drop();
            events.warning(tview, "TableRecreated", "table " + db.qualifiedName()
                    + " was missing although pg_tview_meta lists it; recreating it from the spec");
            return Optional.empty();
        }
        return meta;
    }

    /** Missing or disabled triggers, missing maintenance functions: reinstall them and catch up. */
    private List<TViewDatabase.Problem> healTriggers(TView tview, TViewDatabase db) throws SQLException {
        List<TViewDatabase.Problem> problems = db.problems();
        if (problems.isEmpty()) {
            return problems;
        }
        db.reinstallTriggers();
        db.refresh();
        List<TViewDatabase.Problem> remaining = db.problems();
        if (remaining.isEmpty()) {
            events.warning(tview, "TriggersReinstalled", "found: " + describe(problems)
                    + "; reinstalled the maintenance triggers and functions and refreshed the TVIEW");
        }
        return remaining;
    }

    private void announce(TView tview, String result, TViewStatus next) {
        boolean sameSpecAsApplied = Objects.equals(next.getLastAppliedGeneration(), tview.getMetadata().getGeneration());
        switch (result) {
            case "created" -> {
                next.setCreatedByOperator(true);
                events.normal(tview, "Created", "created TVIEW " + next.getTable());
            }
            case "altered", "rebuilt" -> {
                if (sameSpecAsApplied) {
                    events.warning(tview, "ManualChangeReverted", "the TVIEW in the database no longer matched the spec "
                            + "(changed by hand?); re-applied the spec: " + result);
                } else {
                    events.normal(tview, capitalized(result), result + " TVIEW " + next.getTable());
                }
            }
            default -> { }
        }
        if (next.getCreatedByOperator() == null) {
            next.setCreatedByOperator(false);
            events.normal(tview, "Adopted", "TVIEW " + next.getTable() + " already existed with this definition; "
                    + "adopted it (deletionPolicy Delete will not drop it)");
        }
    }

    private boolean isCheckDue(TView tview, Resolution.Available database, Instant now, Optional<String> checkRequest) {
        TViewStatus observed = tview.getStatus();
        if (checkRequest.isPresent() || observed == null || observed.getNextConsistencyCheck() == null) {
            return true;
        }
        boolean failover = database.currentPrimary() != null && observed.getCurrentPrimary() != null
                && !database.currentPrimary().equals(observed.getCurrentPrimary());
        return failover || !now.isBefore(Instant.parse(observed.getNextConsistencyCheck()));
    }

    private void check(TView tview, TViewDatabase db, Instant now, TViewStatusWriter status) throws SQLException {
        ConsistencyCheckResult result = consistency(db, now);
        metrics.drift(tview, result);
        status.drifted(result);
        if (result.driftRows() == 0) {
            return;
        }
        events.warning(tview, "DriftDetected", String.format("%s: %d missing, %d extra, %d different row(s); sample keys %s",
                db.qualifiedName(), result.missing(), result.extra(), result.different(), result.sampleKeys()));
        ConsistencyCheckSpec spec = tview.getSpec().getConsistencyCheck();
        if (spec != null && spec.getOnDrift() == ConsistencyCheckSpec.OnDrift.Repair) {
            long repaired = db.repair();
            ConsistencyCheckResult recheck = consistency(db, Instant.now(clock));
            metrics.drift(tview, recheck);
            status.repaired(new RepairResult(now.toString(), repaired, "Drift"), recheck);
            events.normal(tview, "Repaired", "rewrote " + repaired + " drifted row(s) of " + db.qualifiedName()
                    + "; drift after repair: " + recheck.driftRows());
        }
    }

    private static ConsistencyCheckResult consistency(TViewDatabase db, Instant time) throws SQLException {
        TViewDatabase.Consistency c = db.checkConsistency();
        return new ConsistencyCheckResult(time.toString(), c.missing(), c.extra(), c.different(), c.sampleKeys(),
                c.checkedRows(), c.durationSeconds());
    }

    String optionsJson(TView tview) {
        try {
            return tview.getSpec().getOptions() == null ? "{}" : json.writeValueAsString(tview.getSpec().getOptions());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize options", e);
        }
    }

    static String definitionHash(String query, String options) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((query + "\n" + options).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String describe(List<TViewDatabase.Problem> problems) {
        return problems.stream().map(TViewDatabase.Problem::message).collect(Collectors.joining("; "));
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
