package dev.tviews.operator.tview;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One TVIEW (a table kept equal to a query, incrementally) in one PostgreSQL database. */
@Group("tviews.dev")
@Version("v1alpha1")
@ShortNames("tv")
public class TView extends CustomResource<TViewSpec, TViewStatus> implements Namespaced {
}
