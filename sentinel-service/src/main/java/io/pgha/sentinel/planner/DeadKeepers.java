package io.pgha.sentinel.planner;

import io.pgha.model.Durations;
import io.pgha.model.Keeper;
import java.time.Instant;
import java.util.List;

/** Phase 5: a keeper that holds no DB and was unhealthy for longer than deadKeeperRemovalInterval is forgotten. */
final class DeadKeepers {
    private DeadKeepers() {
    }

    static void apply(PlanContext c) {
        for (Keeper k : List.copyOf(c.cd().keepers().values())) {
            Instant last = k.status().lastHealthyTime();
            if (!k.status().healthy() && c.cd().dbOfKeeper(k.uid()).isEmpty() && last != null
                    && c.elapsedMillis(last) > c.spec().deadKeeperRemovalInterval().toMillis()) {
                c.set(c.cd().withoutKeeper(k.uid()));
                c.event(new PlanEvent.Info("keeper " + k.uid() + " removed: dead longer than "
                        + Durations.format(c.spec().deadKeeperRemovalInterval())));
            }
        }
    }
}
