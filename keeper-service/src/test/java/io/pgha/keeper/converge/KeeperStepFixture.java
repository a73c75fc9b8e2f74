package io.pgha.keeper.converge;

import io.pgha.keeper.postgres.Observation;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.Proxy;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds a {@link KeeperSituation} for keeper k1 scenario by scenario: by default k1 is acknowledged, runs db1 as
 * an initialized, healthy, asynchronous master whose configuration files are already what the step would write,
 * with generation 3 applied.
 */
final class KeeperStepFixture {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final ConfigSettings SETTINGS = new ConfigSettings("k1", "10.0.0.1", 5432, Path.of("/var/lib/pgha"),
            "postgres", "repluser", Path.of("/var/lib/pgha/pgpass"), Path.of("/var/lib/pgha/upstream-pgpass"),
            new ConfigSettings.BackupArchiving(
                    "pgbackrest --stanza=c1 archive-push \"%p\"", "pgbackrest --stanza=c1 archive-get %f \"%p\""));

    private final Map<String, DB> dbs = new TreeMap<>();
    private final Map<String, Keeper> keepers = new TreeMap<>();
    private final Map<String, KeeperInfo> peers = new TreeMap<>();
    private boolean paused;
    private String instanceId = "i-1";
    private String acknowledgedInstance = "i-1";
    private LocalState local = new LocalState("db1", true);
    private boolean running = true;
    private boolean reachable = true;
    private boolean inRecovery = false;
    private List<String> syncStandbys = List.of();
    private Set<String> pendingRestart = Set.of();
    private Set<String> slots = Set.of();
    private Map<String, String> instanceParameters = Map.of("max_connections", "100");
    private boolean writesFenced;
    private boolean filesAsWanted = true;
    private String confOnDisk;
    private String hbaOnDisk;
    private KeeperMemory memory = new KeeperMemory(3, false, null);
    private ClusterSpec clusterSpec = ClusterSpec.empty();

    static KeeperStepFixture k1RunsMasterDb1() {
        KeeperStepFixture f = new KeeperStepFixture();
        f.db(master("db1", "k1"));
        f.keepers.put("k2", keeper("k2", "j-2"));
        f.peers.put("k2", info("k2", "db2", "10.0.0.2", 5432, "7001"));
        f.db(standby("db2", "k2", "db1"));
        return f;
    }

    /** k1 runs db2, a streaming standby of db1 on k2. */
    static KeeperStepFixture k1RunsStandbyDb2() {
        KeeperStepFixture f = new KeeperStepFixture();
        f.db(master("db1", "k2"));
        f.db(standby("db2", "k1", "db1"));
        f.keepers.put("k2", keeper("k2", "j-2"));
        f.peers.put("k2", info("k2", "db1", "10.0.0.2", 5432, "7001"));
        f.local = new LocalState("db2", true);
        f.inRecovery = true;
        return f;
    }

    /** The upstream of the standby cluster in {@link #k1RunsStandbyLeaderDb1}. */
    static final ClusterSpec.StandbyConfig UPSTREAM = new ClusterSpec.StandbyConfig(
            "host=10.1.0.1 port=25432 user=repluser", "dr_site", "cp /archive/%f %p");

    /** k1 runs db1, the standby leader of a standby cluster following {@link #UPSTREAM}; db2 on k2 follows it. */
    static KeeperStepFixture k1RunsStandbyLeaderDb1() {
        KeeperStepFixture f = new KeeperStepFixture();
        f.clusterSpec = ClusterSpec.empty().withRole("standby", UPSTREAM);
        DB.Spec s = spec("k1", DB.Role.STANDBY, DB.InitMode.RESYNC, null, List.of());
        f.db(new DB("db1", 3, T0, new DB.Spec(s.keeperUid(), s.role(), s.initMode(), DB.FollowConfig.external(UPSTREAM),
                false, List.of(), null, s.pgParameters(), s.pgHBA(), s.maxStandbys(), s.additionalWalSenders(),
                s.usePgRewind(), List.of(), List.of(), null, null, s.automaticPgRestart()), DB.Status.unknown()));
        f.keepers.put("k2", keeper("k2", "j-2"));
        f.peers.put("k2", info("k2", "db2", "10.0.0.2", 5432, "7001"));
        f.db(standby("db2", "k2", "db1"));
        f.inRecovery = true;
        return f;
    }

    static DB master(String uid, String keeper) {
        return new DB(uid, 3, T0, spec(keeper, DB.Role.MASTER, DB.InitMode.NEW, null, List.of()), DB.Status.unknown());
    }

    static DB standby(String uid, String keeper, String follows) {
        return new DB(uid, 3, T0, spec(keeper, DB.Role.STANDBY, DB.InitMode.RESYNC, follows, List.of()),
                DB.Status.unknown());
    }

    static DB.Spec spec(String keeper, DB.Role role, DB.InitMode mode, String follows, List<String> followers) {
        return new DB.Spec(keeper, role, mode, follows == null ? null : DB.FollowConfig.internal(follows), false,
                List.of(), null, Map.of(), List.of(), 0, 0, true, List.of(), followers, null, null, true);
    }

    static Keeper keeper(String uid, String instanceId) {
        return new Keeper(uid, 1, Keeper.Spec.defaults(), new Keeper.Status(true, T0, instanceId, "15", false));
    }

    static KeeperInfo info(String keeper, String db, String host, int port, String systemId) {
        return new KeeperInfo(keeper, "c1", "j-" + keeper, T0, 1, false, new KeeperInfo.PostgresState(db, 3, true,
                true, false, systemId, 1, List.of(), 100, 0, 0, List.of(), host, port, "15", Map.of(), null, false,
                false));
    }

    KeeperStepFixture db(DB db) {
        dbs.put(db.uid(), db);
        return this;
    }

    /** Changes k1's DB spec (whichever DB k1 runs). */
    KeeperStepFixture spec(java.util.function.UnaryOperator<DB.Spec> change) {
        DB d = ownDb();
        dbs.put(d.uid(), new DB(d.uid(), d.generation(), d.changeTime(), change.apply(d.spec()), d.status()));
        return this;
    }

    KeeperStepFixture generation(long g) {
        DB d = ownDb();
        dbs.put(d.uid(), new DB(d.uid(), g, d.changeTime(), d.spec(), d.status()));
        return this;
    }

    DB ownDb() {
        return dbs.values().stream().filter(d -> d.spec().keeperUid().equals("k1")).findFirst().orElseThrow();
    }

    /** The DB assigned to k1 is replaced by {@code db} (same role, new uid). */
    KeeperStepFixture reassigned(String uid, DB.InitMode mode) {
        DB d = ownDb();
        dbs.remove(d.uid());
        dbs.put(uid, new DB(uid, 1, T0, d.spec().withInitialization(mode, null, null), DB.Status.unknown()));
        return this;
    }

    KeeperStepFixture unassigned() {
        dbs.remove(ownDb().uid());
        return this;
    }

    KeeperStepFixture synchronous(String... standbys) {
        return spec(s -> s.withSynchronous(true, List.of(standbys), null));
    }

    KeeperStepFixture followers(String... followers) {
        return spec(s -> s.withFollowers(List.of(followers)));
    }

    KeeperStepFixture additionalSlots(String... names) {
        return spec(s -> s.withAdditionalReplicationSlots(List.of(names)));
    }

    KeeperStepFixture pgParameters(Map<String, String> parameters) {
        return spec(s -> s.withPgParameters(parameters));
    }

    KeeperStepFixture automaticPgRestart(boolean on) {
        return spec(s -> s.withAutomaticPgRestart(on));
    }

    /** The DB's spec carries {@code r} (a new generation, as the sentinel writes it). */
    KeeperStepFixture request(DB.Request r) {
        return spec(s -> s.withRequest(r));
    }

    /** This keeper already carried out {@code r}. */
    KeeperStepFixture handled(DB.Request r) {
        memory = memory.handled(r);
        return this;
    }

    /** The followed DB's keeper published nothing (its lease expired); only the DB status knows the address. */
    KeeperStepFixture followedKeeperSilentButRecordedAt(String host, int port) {
        peers.clear();
        DB m = dbs.get("db1");
        DB.Status st = new DB.Status(true, 3, host, port, "7001", 1, 100, null, null, null, null, null, null);
        dbs.put("db1", m.withStatus(st));
        return this;
    }

    KeeperStepFixture notAcknowledged() {
        acknowledgedInstance = "i-0";
        return this;
    }

    KeeperStepFixture clusterSpec(String json) {
        clusterSpec = io.pgha.model.JsonCodec.read(json, ClusterSpec.class, "spec");
        return this;
    }

    /** An operation of the cluster's status (a switchover under way, …). */
    KeeperStepFixture operation(Cluster.Operation op) {
        operation = op;
        return this;
    }

    private Cluster.Operation operation;

    KeeperStepFixture paused() {
        paused = true;
        return this;
    }

    KeeperStepFixture local(String dbUid, boolean initialized) {
        local = new LocalState(dbUid, initialized);
        return this;
    }

    KeeperStepFixture noLocalData() {
        local = LocalState.none();
        running = false;
        reachable = false;
        return this;
    }

    KeeperStepFixture stopped() {
        running = false;
        reachable = false;
        return this;
    }

    KeeperStepFixture notAnswering() {
        reachable = false;
        return this;
    }

    KeeperStepFixture inRecovery(boolean r) {
        inRecovery = r;
        return this;
    }

    KeeperStepFixture inSync(String... standbys) {
        syncStandbys = List.of(standbys);
        return this;
    }

    KeeperStepFixture pendingRestart(String... parameters) {
        pendingRestart = Set.of(parameters);
        return this;
    }

    KeeperStepFixture slots(String... names) {
        slots = Set.of(names);
        return this;
    }

    KeeperStepFixture writesFenced() {
        writesFenced = true;
        return this;
    }

    KeeperStepFixture memory(long applied, boolean gateClosed) {
        memory = new KeeperMemory(applied, gateClosed, memory.handledRequest());
        return this;
    }

    /** The files on disk are what the previous generation wrote, not what this one wants. */
    KeeperStepFixture filesOutdated() {
        filesAsWanted = false;
        confOnDisk = "# old\n";
        hbaOnDisk = "# old\n";
        return this;
    }

    KeeperSituation situation() {
        Map<String, Keeper> ks = new TreeMap<>(keepers);
        ks.put("k1", keeper("k1", acknowledgedInstance));
        DB own = dbs.values().stream().filter(d -> d.spec().keeperUid().equals("k1")).findFirst().orElse(null);
        String master = dbs.values().stream().filter(d -> d.spec().leads()).map(DB::uid)
                .findFirst().orElse(null);
        Cluster cluster = new Cluster("c1", 1, T0, clusterSpec, new Cluster.Status(Cluster.Phase.NORMAL,
                master, paused, operation, null));
        ClusterData cd = new ClusterData(ClusterData.FORMAT_VERSION, cluster, ks, dbs, Proxy.empty());
        Observation obs = !reachable ? Observation.down(running) : new Observation(true, true, inRecovery, "7001", 1,
                List.of(), 100, 0, 0, inRecovery, syncStandbys, "15", Map.of(), pendingRestart, null, slots, null, null);
        String conf = confOnDisk;
        String hba = hbaOnDisk;
        if (filesAsWanted && own != null) {
            DesiredConfig d = DesiredConfig.render(SETTINGS, own, cd, peers,
                    own.spec().role() == DB.Role.MASTER ? instanceParameters : Map.of(), memory.syncGateClosed(),
                    writesFenced, running);
            conf = d.postgresqlConf();
            hba = d.pgHba();
        }
        return new KeeperSituation(SETTINGS, instanceId, cd, peers, local, running, obs, instanceParameters,
                writesFenced, conf == null ? "" : conf, hba == null ? "" : hba, memory);
    }

    static List<String> kinds(List<KeeperAction> actions) {
        List<String> out = new ArrayList<>();
        actions.forEach(a -> out.add(a.getClass().getSimpleName()));
        return out;
    }
}
