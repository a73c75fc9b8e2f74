package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import java.time.Instant;

/**
 * The sentinel's decision, as a pure function: {@code (cluster data, observations, now, ids) → next cluster
 * data + events}. It never mutates its input and does no I/O; time and new uids are inputs.
 *
 * <p>One round runs the phases in order over a shared {@link PlanContext}, each in its own file:
 * {@link KeeperHealth} (admission, acknowledgement, health), {@link DbStatus} (what keepers report), then either
 * {@link Initialization} or {@link Operations} (operator requests), {@link Failover}, {@link Promotion} (of a
 * standby cluster), {@link Standbys} and
 * {@link SynchronousSet}; then {@link ProxyHandshake} and {@link DeadKeepers}.
 */
public final class ClusterPlanner {

    public Plan plan(ClusterData current, Observations observations, Instant now, IdSource ids) {
        PlanContext c = new PlanContext(current, observations, now, ids);
        KeeperHealth.apply(c);
        DbStatus.apply(c);
        if (c.cd().cluster().status().phase() == Cluster.Phase.INITIALIZING) {
            Initialization.apply(c);
        } else {
            Operations.apply(c);
            Failover.apply(c);
            Promotion.apply(c);
            Standbys.apply(c);
            SynchronousSet.apply(c);
        }
        ProxyHandshake.apply(c);
        DeadKeepers.apply(c);
        return c.plan();
    }
}
