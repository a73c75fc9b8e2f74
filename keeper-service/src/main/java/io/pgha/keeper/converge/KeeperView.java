package io.pgha.keeper.converge;

import io.pgha.keeper.postgres.Observation;
import io.pgha.model.DB;
import java.time.Instant;

/**
 * The keeper's latest picture, for probes and metrics: what PostgreSQL looks like, what it was assigned,
 * and how far behind the master it is.
 *
 * @param electedPrimary this keeper's DB is the cluster's master
 * @param lagBytes       master's last published WAL position minus the replayed one; null when unknown
 * @param synchronous    this keeper's DB is a synchronous standby the master's keeper reports in sync
 * @param standbyLeader  this keeper's DB is a standby cluster's standby leader (it follows the upstream)
 */
public record KeeperView(Observation observation, DB.Role assignedRole, boolean electedPrimary, Long lagBytes,
                         Instant lastConverge, boolean synchronous, boolean standbyLeader) {

    public static KeeperView initial() {
        return new KeeperView(Observation.down(false), null, false, null, null, false, false);
    }
}
