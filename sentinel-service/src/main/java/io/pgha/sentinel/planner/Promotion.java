package io.pgha.sentinel.planner;

import io.pgha.model.ClusterHistory;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import java.util.List;
import java.util.Optional;

/**
 * Phase 3d, a standby cluster's promotion: once the operator made the spec's role {@code master} (admin API
 * {@code POST /cluster/promote}), the standby leader becomes the master in place: the same DB, so its standbys,
 * which stream from it, follow it onto its new timeline without a rebuild, and the proxies, which route to it,
 * need no handshake. It waits for a ready standby leader; one that failed is replaced by {@link Failover}, whose
 * candidate becomes the master directly.
 */
final class Promotion {
    private Promotion() {
    }

    static void apply(PlanContext c) {
        Optional<DB> leader = c.cd().masterDb();
        if (c.spec().role() != ClusterSpec.Role.MASTER || leader.isEmpty()
                || leader.get().spec().role() == DB.Role.MASTER || !PlanContext.ready(leader.get())) {
            return;
        }
        DB l = leader.get();
        DB master = c.refreshLeader(l, List.of(), l.spec().followers());
        c.set(c.cd().withDb(master));
        c.event(new PlanEvent.MasterElected(ClusterHistory.Reason.PROMOTE, l.uid(), l.spec().keeperUid(), l.uid(),
                l.spec().keeperUid(), l.status().timelineId(), l.status().walPosition(), null,
                "standby cluster promoted: standby leader " + l.uid() + " stops following the upstream and becomes"
                        + " the master"));
    }
}
