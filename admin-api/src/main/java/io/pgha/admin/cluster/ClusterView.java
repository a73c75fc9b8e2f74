package io.pgha.admin.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSnapshot;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.ProxyInfo;
import io.pgha.model.SentinelInfo;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** What {@code GET /cluster} answers: the cluster as an operator reads it, computed from the store's documents. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterView(String name, String uid, long generation, String phase, String primary,
                          String primaryKeeper, boolean paused, Cluster.Operation operation, String message,
                          List<KeeperView> keepers, List<ProxyView> proxies, List<SentinelView> sentinels,
                          BackupView backup, StandbyClusterView standbyCluster) {

    /**
     * A standby cluster's link to its upstream: the spec's conninfo (it carries no password), whom the standby
     * leader's WAL receiver streams from, and how far its replay is behind the end of WAL the upstream last
     * reported (null while it does not stream).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StandbyClusterView(String primaryConninfo, String primarySlotName, String standbyLeader,
                                     boolean streaming, String upstreamHost, Integer upstreamPort,
                                     Long standbyLeaderLagBytes, java.time.Instant lastMessageTime) {
        static StandbyClusterView of(ClusterData cd, ClusterSnapshot snapshot) {
            ClusterSpec.StandbyConfig config = cd.cluster().spec().standbyConfig();
            if (!cd.cluster().spec().standbyCluster() || config == null) {
                return null;
            }
            DB leader = cd.masterDb().orElse(null);
            KeeperInfo.PostgresState pg = leader == null ? null : snapshot.report(leader).orElse(null);
            KeeperInfo.Upstream up = pg == null ? null : pg.upstream();
            return new StandbyClusterView(config.primaryConninfo(), config.primarySlotName(),
                    leader == null ? null : leader.uid(), up != null, up == null ? null : up.host(),
                    up == null ? null : up.port(), pg == null ? null : pg.upstreamLagBytes(),
                    up == null ? null : up.lastMessageTime());
        }
    }

    /**
     * One keeper as the operator reads it; {@code follows}: the keeper whose DB its DB streams from, {@code upstream}
     * for a standby cluster's standby leader, null for the primary or without a DB.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeeperView(String uid, boolean healthy, boolean alive, String role, String dbUid, String address,
                             String follows, Long timeline, Long walPosition, Long lagBytes, boolean synchronous, int priority,
                             boolean noFailover, boolean noSync, boolean admitted, Boolean needsRestart,
                             ArchiveView archive, String problem) {
    }

    /**
     * The WAL archiver of a keeper's instance ({@code pg_stat_archiver}, counted since its statistics were last
     * reset); {@code failing}: the last attempt failed and nothing was archived since.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ArchiveView(String mode, boolean failing, long archivedCount, String lastArchivedWal,
                              java.time.Instant lastArchivedTime, long failedCount, String lastFailedWal,
                              java.time.Instant lastFailedTime) {
        static ArchiveView of(KeeperInfo.Archiver a) {
            return a == null ? null : new ArchiveView(a.mode(), a.failing(), a.archivedCount(), a.lastArchivedWal(),
                    a.lastArchivedTime(), a.failedCount(), a.lastFailedWal(), a.lastFailedTime());
        }
    }

    public record ProxyView(String uid, long generation, boolean listening, boolean acknowledged, String address,
                            String readOnlyAddress) {
    }

    public record SentinelView(String uid, boolean leader) {
    }

    /**
     * The built-in backups in brief (GET /backups has the catalogue): when the newest backup of each type ended, the
     * one running, the last one, and why the repository cannot be used if it cannot.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackupView(Map<String, java.time.Instant> lastSuccess, Backups.Run current, Backups.Run last,
                             String problem) {
        /** Null when the spec has no backup and none was ever taken. */
        static BackupView of(ClusterData cd, Backups b) {
            if (cd.cluster().spec().backup() == null && (b == null || b.equals(Backups.empty()))) {
                return null;
            }
            Backups doc = b == null ? Backups.empty() : b;
            Map<String, java.time.Instant> last = new java.util.LinkedHashMap<>();
            for (BackupConfig.Type t : BackupConfig.Type.values()) {
                doc.newest(t).ifPresent(set -> last.put(t.label(), set.stop()));
            }
            return new BackupView(last, doc.current(), doc.last(), doc.problem());
        }
    }

    public static ClusterView of(String name, ClusterData cd, Map<String, KeeperInfo> infos,
                                 Map<String, ProxyInfo> proxies, Map<String, SentinelInfo> sentinels, String leader,
                                 Backups backups) {
        Cluster.Status st = cd.cluster().status();
        ClusterSnapshot snapshot = new ClusterSnapshot(cd, infos);
        DB master = snapshot.master().orElse(null);
        List<String> inSync = master == null ? List.of() : master.status().synchronousStandbys();
        List<KeeperView> keepers = cd.keepers().values().stream()
                .map(k -> keeper(k, snapshot, infos.get(k.uid()), master, inSync)).toList();
        List<ProxyView> proxyViews = proxies.values().stream().sorted(Comparator.comparing(ProxyInfo::uid))
                .map(p -> new ProxyView(p.uid(), p.generation(), p.listening(),
                        p.generation() >= cd.proxy().generation(), p.address(), p.readOnlyAddress())).toList();
        List<SentinelView> sentinelViews = sentinels.values().stream().sorted(Comparator.comparing(SentinelInfo::uid))
                .map(s -> new SentinelView(s.uid(), s.uid().equals(leader))).toList();
        return new ClusterView(name, cd.cluster().uid(), cd.cluster().generation(),
                st.phase().name().toLowerCase(), st.master(), master == null ? null : master.spec().keeperUid(),
                st.paused(), st.operation(), st.message(), keepers, proxyViews, sentinelViews,
                BackupView.of(cd, backups), StandbyClusterView.of(cd, snapshot));
    }

    private static String follows(ClusterData cd, DB db) {
        DB.FollowConfig f = db == null || db.spec().role() == DB.Role.MASTER ? null : db.spec().followConfig();
        if (f == null) {
            return null;
        }
        if (f.external()) {
            return "upstream";
        }
        DB sender = cd.dbs().get(f.dbUid());
        return sender == null ? f.dbUid() : sender.spec().keeperUid();
    }

    private static KeeperView keeper(Keeper k, ClusterSnapshot snapshot, KeeperInfo info, DB master,
                                     List<String> inSync) {
        DB db = snapshot.clusterData().dbOfKeeper(k.uid()).orElse(null);
        KeeperInfo.PostgresState pg = db == null ? null : snapshot.report(db).orElse(null);
        boolean current = pg != null;
        boolean leads = master != null && db != null && db.uid().equals(master.uid());
        String role = db == null ? "none" : leads && db.spec().role() == DB.Role.STANDBY ? "standby-leader"
                : leads ? "primary" : db.spec().role() == DB.Role.MASTER ? "primary-elect" : "standby";
        String address = db == null ? null : snapshot.address(db).map(ClusterSnapshot.Address::toString).orElse(null);
        Long timeline = null;
        if (current) {
            timeline = pg.timelineId();
        } else if (db != null && db.status().timelineId() > 0) {
            timeline = db.status().timelineId();
        }
        Long wal = db == null ? null : Long.valueOf(snapshot.walPosition(db, leads));
        Long lag = wal == null || leads ? null : snapshot.lag(wal).orElse(null);
        return new KeeperView(k.uid(), k.status().healthy(), info != null, role, db == null ? null : db.uid(), address,
                follows(snapshot.clusterData(), db), timeline, wal, lag, db != null && inSync.contains(db.uid()), k.spec().priority(), k.spec().noFailover(),
                k.spec().noSync(), k.spec().admitted(), current ? pg.needsRestart() : null,
                current ? ArchiveView.of(pg.archiver()) : null, info == null ? null : info.problem());
    }
}
