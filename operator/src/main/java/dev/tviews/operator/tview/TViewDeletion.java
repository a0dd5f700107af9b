package dev.tviews.operator.tview;

import dev.tviews.operator.api.Conditions;
import dev.tviews.operator.api.StatusPatcher;
import dev.tviews.operator.config.OperatorSettings;
import dev.tviews.operator.database.ConnectionPools;
import dev.tviews.operator.database.DatabaseResolver;
import dev.tviews.operator.database.Resolution;
import dev.tviews.operator.database.SqlErrors;
import dev.tviews.operator.events.EventRecorder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;

/**
 * A deleted TView's deletionPolicy: Retain (or a TVIEW this resource did not create) leaves the TVIEW in place;
 * Delete drops it, and keeps the finalizer (Reconciling, retried) while the database is unavailable or refuses.
 */
@ApplicationScoped
public class TViewDeletion {

    private final DatabaseResolver resolver;
    private final ConnectionPools pools;
    private final TViewConverger converger;
    private final TViewMetrics metrics;
    private final EventRecorder events;
    private final OperatorSettings settings;
    private final Clock clock;

    public TViewDeletion(DatabaseResolver resolver, ConnectionPools pools, TViewConverger converger,
                         TViewMetrics metrics, EventRecorder events, OperatorSettings settings, Clock clock) {
        this.resolver = resolver;
        this.pools = pools;
        this.converger = converger;
        this.metrics = metrics;
        this.events = events;
        this.settings = settings;
        this.clock = clock;
    }

    DeleteControl cleanup(TView tview, Context<TView> context) {
        boolean created = tview.getStatus() != null && Boolean.TRUE.equals(tview.getStatus().getCreatedByOperator());
        if (tview.getSpec().getDeletionPolicy() == TViewSpec.DeletionPolicy.Retain || !created) {
            if (tview.getSpec().getDeletionPolicy() == TViewSpec.DeletionPolicy.Delete) {
                events.normal(tview, "Retained", "TVIEW " + tview.entity() + " was not created by this resource; left in place");
            }
            return forget(tview);
        }
        Resolution resolution = resolver.resolve(tview.getMetadata().getNamespace(), tview.getSpec().getDatabase());
        if (!(resolution instanceof Resolution.Available database)) {
            return blockDeletion(tview, context, "DatabaseUnavailable", "cannot drop the TVIEW yet: " + describe(resolution));
        }
        try {
            converger.drop(tview, pools.acquire(TViewReconciler.poolUser(tview), database.connection()));
            events.normal(tview, "Dropped", "dropped TVIEW " + tview.getSpec().getSchema() + ".tv_" + tview.entity());
            return forget(tview);
        } catch (SQLException e) {
            return blockDeletion(tview, context, "DeletionBlocked", SqlErrors.describe(e, database.connection()));
        }
    }

    private DeleteControl forget(TView tview) {
        pools.release(TViewReconciler.poolUser(tview));
        metrics.forget(tview);
        return DeleteControl.defaultDelete();
    }

    private DeleteControl blockDeletion(TView tview, Context<TView> context, String reason, String message) {
        TViewStatusWriter status = new TViewStatusWriter(tview.getStatus(), tview.getMetadata().getGeneration(), clock);
        status.reconciling(reason, message);
        if (!Objects.equals(message, TViewProblemReporter.conditionMessage(tview, Conditions.RECONCILING))) {
            events.warning(tview, reason, message);
            StatusPatcher.patch(context.getClient(), TView.class, tview, status.status());
        }
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(settings.retryInterval().toMillis());
    }

    private static String describe(Resolution resolution) {
        if (resolution instanceof Resolution.Unavailable u) {
            return u.message();
        }
        return ((Resolution.SwitchoverInProgress) resolution).message();
    }
}
