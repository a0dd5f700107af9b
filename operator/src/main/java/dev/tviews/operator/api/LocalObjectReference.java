package dev.tviews.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** A reference to an object by name in the same namespace. */
public class LocalObjectReference {

    @Required
    @JsonPropertyDescription("Name of the object, in the same namespace as the referring resource.")
    private String name;

    public LocalObjectReference() {
    }

    public LocalObjectReference(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }
}
