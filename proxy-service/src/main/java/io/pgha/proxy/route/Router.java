package io.pgha.proxy.route;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.KeeperInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pure routing decision: (cluster data, keeper infos, this proxy) → {@link Routing}. The read-write backend
 * is exactly what the sentinel named in {@code proxy.spec.masterDbUid}, nothing else: during a handshake it
 * is empty and new connections wait or are refused. Readers go to standbys that their keepers report running,
 * in recovery and within {@code maxLagBytes} of the primary's WAL position.
 */
public final class Router {
    private Router() {
    }

    public static Routing route(ClusterData cd, Map<String, KeeperInfo> keepers, String proxyUid, long maxLagBytes) {
        if (cd == null) {
            return Routing.none(0, "no cluster data");
        }
        long generation = cd.proxy().generation();
        List<String> enabled = cd.proxy().spec().enabledProxies();
        if (!enabled.isEmpty() && !enabled.contains(proxyUid)) {
            return Routing.none(generation, "this proxy is not in proxy.spec.enabledProxies");
        }
        Backend rw = null;
        String reason = null;
        String named = cd.proxy().spec().masterDbUid();
        if (named == null) {
            reason = "no master named (proxy.spec.masterDbUid is empty)";
        } else {
            DB db = cd.dbs().get(named);
            rw = db == null ? null : address(db, keepers.get(db.spec().keeperUid()));
            if (rw == null) {
                reason = "master " + named + " has no known address";
            }
        }
        List<Backend> readers = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        if (cd.cluster().status().phase() == Cluster.Phase.NORMAL) {
            standbys(cd, keepers, maxLagBytes, readers, excluded);
        }
        return new Routing(rw, readers, generation, reason, excluded);
    }

    private static void standbys(ClusterData cd, Map<String, KeeperInfo> keepers, long maxLagBytes,
                                 List<Backend> readers, List<String> excluded) {
        String master = cd.cluster().status().master();
        long primaryPosition = primaryPosition(cd, keepers, master);
        for (DB db : cd.dbs().values().stream().sorted(java.util.Comparator.comparing(DB::uid)).toList()) {
            if (db.uid().equals(master) || db.uid().equals(cd.proxy().spec().masterDbUid())
                    || db.spec().role() != DB.Role.STANDBY) {
                continue;
            }
            KeeperInfo info = keepers.get(db.spec().keeperUid());
            KeeperInfo.PostgresState pg = KeeperInfo.reportOn(info, db.uid()).orElse(null);
            String why = null;
            if (pg == null) {
                why = "its keeper reports no instance of it";
            } else if (!pg.running() || !pg.healthy()) {
                why = "not running";
            } else if (!pg.inRecovery()) {
                why = "not in recovery";
            } else if (primaryPosition - pg.replayedWalPosition() > maxLagBytes) {
                why = "lag " + (primaryPosition - pg.replayedWalPosition()) + " bytes > max " + maxLagBytes;
            }
            Backend b = why == null ? address(db, info) : null;
            if (why == null && b == null) {
                why = "no known address";
            }
            if (why == null) {
                readers.add(b);
            } else {
                excluded.add(db.uid() + ": " + why);
            }
        }
    }

    /** The primary's last known WAL position: its keeper's report when it runs that DB, else the cluster data. */
    private static long primaryPosition(ClusterData cd, Map<String, KeeperInfo> keepers, String master) {
        DB db = master == null ? null : cd.dbs().get(master);
        if (db == null) {
            return 0;
        }
        long recorded = db.status().walPosition();
        return KeeperInfo.reportOn(keepers.get(db.spec().keeperUid()), master)
                .map(pg -> Math.max(recorded, pg.walPosition())).orElse(recorded);
    }

    /** Where the DB listens: as its keeper reports now, else as the sentinel last recorded. */
    private static Backend address(DB db, KeeperInfo info) {
        KeeperInfo.PostgresState pg = KeeperInfo.reportOn(info, db.uid()).orElse(null);
        if (pg != null && pg.listenAddress() != null && pg.port() != null) {
            return new Backend(db.uid(), pg.listenAddress(), pg.port());
        }
        if (db.status().listenAddress() != null && db.status().port() != null) {
            return new Backend(db.uid(), db.status().listenAddress(), db.status().port());
        }
        return null;
    }
}
