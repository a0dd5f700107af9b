package dev.tviews.operator.api;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** A status with kstatus conditions and the generation it describes. */
public interface ConditionedStatus {

    List<Condition> getConditions();

    void setConditions(List<Condition> conditions);

    Long getObservedGeneration();

    void setObservedGeneration(Long observedGeneration);
}
