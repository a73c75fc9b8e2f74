package io.pgha.proxy;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Builds what a proxy reads — cluster data and keeper infos — for one primary and its standbys:
 * {@code aView().master("db1", "k1", 5432, 1000).standby("db2", "k2", 5433, 900)}. The master is named
 * to the proxies unless {@link #named} says otherwise.
 */
public final class ClusterViewFixture {
    private final Map<String, DB> dbs = new TreeMap<>();
    private final Map<String, Keeper> keepers = new TreeMap<>();
    private final Map<String, KeeperInfo> infos = new TreeMap<>();
    private Cluster.Phase phase = Cluster.Phase.NORMAL;
    private ClusterSpec spec = ClusterSpec.empty();
    private String master;
    private String named;
    private boolean namedSet;
    private long generation = 1;
    private List<String> enabledProxies = List.of();

    public static ClusterViewFixture aView() {
        return new ClusterViewFixture();
    }

    public ClusterViewFixture master(String db, String keeper, int port, long walPosition) {
        master = db;
        add(db, keeper, port, DB.Role.MASTER, null, state(db, port, false, walPosition));
        return this;
    }

    public ClusterViewFixture standby(String db, String keeper, int port, long replayedPosition) {
        add(db, keeper, port, DB.Role.STANDBY, DB.FollowConfig.internal(master),
                state(db, port, true, replayedPosition));
        return this;
    }

    /** Changes what keeper {@code keeper} reports about its instance. */
    public ClusterViewFixture report(String keeper, UnaryOperator<KeeperInfo.PostgresState> change) {
        KeeperInfo i = infos.get(keeper);
        infos.put(keeper, new KeeperInfo(i.uid(), i.clusterUid(), i.instanceId(), i.time(), i.priority(), i.noSync(),
                change.apply(i.postgres())));
        return this;
    }

    /** The keeper's info is gone (keeper dead). */
    public ClusterViewFixture keeperGone(String keeper) {
        infos.remove(keeper);
        return this;
    }

    public ClusterViewFixture named(String db) {
        named = db;
        namedSet = true;
        return this;
    }

    public ClusterViewFixture generation(long g) {
        generation = g;
        return this;
    }

    public ClusterViewFixture enabledProxies(String... uids) {
        enabledProxies = List.of(uids);
        return this;
    }

    public ClusterViewFixture initializing() {
        phase = Cluster.Phase.INITIALIZING;
        return this;
    }

    public ClusterViewFixture spec(String json) {
        spec = JsonCodec.read(json, ClusterSpec.class, "spec");
        return this;
    }

    public ClusterData clusterData() {
        Cluster cluster = new Cluster("c1", 1, Instant.parse("2026-01-01T00:00:00Z"), spec,
                new Cluster.Status(phase, master, false, null, null));
        return new ClusterData(ClusterData.FORMAT_VERSION, cluster, keepers, dbs,
                new Proxy(generation, Instant.parse("2026-01-01T00:00:00Z"),
                        new Proxy.Spec(namedSet ? named : master, enabledProxies)));
    }

    public Map<String, KeeperInfo> infos() {
        return Map.copyOf(infos);
    }

    private void add(String db, String keeper, int port, DB.Role role, DB.FollowConfig follow,
                     KeeperInfo.PostgresState pg) {
        keepers.put(keeper, new Keeper(keeper, 1, Keeper.Spec.defaults(),
                new Keeper.Status(true, Instant.now(), "i-" + keeper, "15", false)));
        DB.Spec s = new DB.Spec(keeper, role, DB.InitMode.NONE, follow, false, List.of(), null, Map.of(), List.of(), 20, 5,
                false, List.of(), List.of(), null, null, false);
        dbs.put(db, new DB(db, 1, Instant.now(), s, new DB.Status(true, 1, "127.0.0.1", port, "sys", 1,
                pg.walPosition(), List.of(), List.of(), Map.of(), null, null, null)));
        infos.put(keeper, new KeeperInfo(keeper, "c1", "i-" + keeper, Instant.now(), 1, false, pg));
    }

    private static KeeperInfo.PostgresState state(String db, int port, boolean inRecovery, long position) {
        return new KeeperInfo.PostgresState(db, 1, true, true, inRecovery, "sys", 1, List.of(), position, position,
                position, List.of(), "127.0.0.1", port, "15", Map.of(), null, false, inRecovery);
    }

    /** Copies of a PostgresState with one field changed, for {@link #report}. */
    public static KeeperInfo.PostgresState replayed(KeeperInfo.PostgresState p, long position) {
        return new KeeperInfo.PostgresState(p.dbUid(), p.generation(), p.running(), p.healthy(), p.inRecovery(),
                p.systemId(), p.timelineId(), p.timelineHistory(), p.walPosition(), p.receivedWalPosition(), position,
                p.syncStandbys(), p.listenAddress(), p.port(), p.pgVersion(), p.pgParameters(), p.oldestWalFile(),
                p.needsRestart(), p.streaming());
    }

    public static KeeperInfo.PostgresState stopped(KeeperInfo.PostgresState p) {
        return new KeeperInfo.PostgresState(p.dbUid(), p.generation(), false, false, p.inRecovery(),
                p.systemId(), p.timelineId(), p.timelineHistory(), p.walPosition(), p.receivedWalPosition(),
                p.replayedWalPosition(), p.syncStandbys(), p.listenAddress(), p.port(), p.pgVersion(),
                p.pgParameters(), p.oldestWalFile(), p.needsRestart(), p.streaming());
    }

    public static KeeperInfo.PostgresState promoted(KeeperInfo.PostgresState p) {
        return new KeeperInfo.PostgresState(p.dbUid(), p.generation(), p.running(), p.healthy(), false,
                p.systemId(), p.timelineId(), p.timelineHistory(), p.walPosition(), p.receivedWalPosition(),
                p.replayedWalPosition(), p.syncStandbys(), p.listenAddress(), p.port(), p.pgVersion(),
                p.pgParameters(), p.oldestWalFile(), p.needsRestart(), p.streaming());
    }

    /** The master's report naming the standbys it has in sync. */
    public static UnaryOperator<KeeperInfo.PostgresState> inSync(String... standbys) {
        return p -> new KeeperInfo.PostgresState(p.dbUid(), p.generation(), p.running(), p.healthy(), p.inRecovery(),
                p.systemId(), p.timelineId(), p.timelineHistory(), p.walPosition(), p.receivedWalPosition(),
                p.replayedWalPosition(), List.of(standbys), p.listenAddress(), p.port(), p.pgVersion(),
                p.pgParameters(), p.oldestWalFile(), p.needsRestart(), p.streaming());
    }
}
