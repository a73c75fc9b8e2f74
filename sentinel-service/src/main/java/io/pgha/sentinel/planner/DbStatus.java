package io.pgha.sentinel.planner;

import io.pgha.model.DB;
import io.pgha.model.KeeperInfo;
import java.time.Instant;
import java.util.List;

/**
 * Phase 2, DB status: copies what each keeper reports about its DB; keeps the last known values when it reports
 * nothing (then the DB counts as unhealthy), and notes when a DB was first seen not converged.
 */
final class DbStatus {
    private DbStatus() {
    }

    static void apply(PlanContext c) {
        for (DB db : List.copyOf(c.cd().dbs().values())) {
            KeeperInfo.PostgresState pg = c.report(db).orElse(null);
            DB.Status next;
            if (pg != null) {
                next = new DB.Status(pg.healthy(), pg.generation(), pg.listenAddress(), pg.port(), pg.systemId(),
                        pg.timelineId(), pg.walPosition(), pg.timelineHistory(), pg.syncStandbys(),
                        pg.pgParameters(), pg.oldestWalFile(), null, null);
            } else {
                DB.Status o = db.status();
                next = new DB.Status(false, o.currentGeneration(), o.listenAddress(), o.port(), o.systemId(),
                        o.timelineId(), o.walPosition(), o.timelineHistory(), o.synchronousStandbys(),
                        o.pgParameters(), o.oldestWalFile(), null, null);
            }
            Instant since = db.status().notConvergedSince();
            next = next.withNotConvergedSince(next.currentGeneration() == db.generation() ? null
                    : since != null ? since : c.now).withSyncUnconfirmedSince(db.status().syncUnconfirmedSince())
                    .withEarlierSynchronousSets(db.status().earlierSynchronousSets());
            if (!next.equals(db.status())) {
                c.set(c.cd().withDb(db.withStatus(next)));
            }
        }
    }
}
