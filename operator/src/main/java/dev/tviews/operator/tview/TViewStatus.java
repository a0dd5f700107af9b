package dev.tviews.operator.tview;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Observed state of a TView. */
public class TViewStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }
}
