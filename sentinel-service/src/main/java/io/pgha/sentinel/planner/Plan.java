package io.pgha.sentinel.planner;

import io.pgha.model.ClusterData;
import java.util.List;

/** The planner's answer: the next cluster data and what it decided along the way. */
public record Plan(ClusterData next, List<PlanEvent> events) {
    public Plan {
        events = List.copyOf(events);
    }
}
