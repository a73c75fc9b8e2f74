package io.pgha.proxy.route;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSnapshot;
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
        return route(cd, keepers, proxyUid, maxLagBytes, false);
    }

    /**
     * As {@link #route(ClusterData, Map, String, long)}; with {@code synchronousOnly} readers are only the standbys
     * the master's keeper reports synchronous and in sync: reads that see every acknowledged commit.
     */
    public static Routing route(ClusterData cd, Map<String, KeeperInfo> keepers, String proxyUid, long maxLagBytes,
                                boolean synchronousOnly) {
        if (cd == null) {
            return Routing.none(0, "no cluster data");
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(cd, keepers);
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
            rw = db == null ? null : backend(snapshot, db);
            if (rw == null) {
                reason = "master " + named + " has no known address";
            }
        }
        List<Backend> readers = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        if (cd.cluster().status().phase() == Cluster.Phase.NORMAL) {
            standbys(snapshot, maxLagBytes, synchronousOnly, readers, excluded);
        }
        return new Routing(rw, readers, generation, reason, excluded);
    }

    private static void standbys(ClusterSnapshot snapshot, long maxLagBytes, boolean synchronousOnly,
                                 List<Backend> readers, List<String> excluded) {
        ClusterData cd = snapshot.clusterData();
        String master = cd.cluster().status().master();
        long primaryPosition = snapshot.primaryPosition();
        List<String> inSync = cd.masterDb().flatMap(snapshot::report).map(KeeperInfo.PostgresState::syncStandbys)
                .orElse(List.of());
        for (DB db : cd.dbs().values().stream().sorted(java.util.Comparator.comparing(DB::uid)).toList()) {
            if (db.uid().equals(master) || db.uid().equals(cd.proxy().spec().masterDbUid())
                    || db.spec().role() != DB.Role.STANDBY) {
                continue;
            }
            KeeperInfo.PostgresState pg = snapshot.report(db).orElse(null);
            String why = null;
            if (pg == null) {
                why = "its keeper reports no instance of it";
            } else if (!pg.running() || !pg.healthy()) {
                why = "not running";
            } else if (!pg.inRecovery()) {
                why = "not in recovery";
            } else if (primaryPosition - pg.replayedWalPosition() > maxLagBytes) {
                why = "lag " + (primaryPosition - pg.replayedWalPosition()) + " bytes > max " + maxLagBytes;
            } else if (synchronousOnly && !inSync.contains(db.uid())) {
                why = "not a synchronous standby in sync (read-only.synchronous-only)";
            }
            Backend b = why == null ? backend(snapshot, db) : null;
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

    private static Backend backend(ClusterSnapshot snapshot, DB db) {
        return snapshot.address(db).map(a -> new Backend(db.uid(), a.host(), a.port())).orElse(null);
    }
}
