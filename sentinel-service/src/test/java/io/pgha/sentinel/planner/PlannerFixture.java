package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.Proxy;
import io.pgha.model.ProxyInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds a planner scenario in a few words: {@code aCluster().keeper("k1").keeper("k2").master("db1", "k1")
 * .standby("db2", "k2")}. Keepers are healthy and publish what their DB's status says unless told otherwise;
 * {@link #plan()} runs the planner at {@link #now}.
 */
final class PlannerFixture {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    Instant now = T0.plusSeconds(60);
    private ClusterSpec spec = ClusterSpec.empty();
    private Cluster.Phase phase = Cluster.Phase.NORMAL;
    private boolean paused;
    private Cluster.Operation operation;
    private String master;
    private final Map<String, Keeper> keepers = new LinkedHashMap<>();
    private final Map<String, DB> dbs = new LinkedHashMap<>();
    private final Set<String> gone = new HashSet<>();
    private final Set<String> pgDown = new HashSet<>();
    private final Set<String> notStreaming = new HashSet<>();
    private final Map<String, Long> received = new HashMap<>();
    private final Set<String> notConverged = new HashSet<>();
    private final Map<String, KeeperInfo.CleanShutdown> cleanShutdowns = new HashMap<>();
    private final Set<String> dbNotReported = new HashSet<>();
    private final Map<String, ProxyInfo> proxies = new HashMap<>();
    private Proxy proxy = new Proxy(5, T0, new Proxy.Spec(null, List.of()));
    private final AtomicInteger ids = new AtomicInteger(100);

    static PlannerFixture aCluster() {
        return new PlannerFixture();
    }

    PlannerFixture spec(String json) {
        spec = JsonCodec.read(json, ClusterSpec.class, "spec");
        return this;
    }

    PlannerFixture initializing() {
        phase = Cluster.Phase.INITIALIZING;
        return this;
    }

    PlannerFixture paused() {
        paused = true;
        return this;
    }

    /** An operator request as admin-api writes it (pending), or one the sentinel already started. */
    PlannerFixture operation(Cluster.Operation.Type type, String candidate, Cluster.Operation.State state,
                             String fromDb) {
        operation = new Cluster.Operation("op1", type, candidate, now.minusSeconds(1), null, state, null, fromDb);
        return this;
    }

    PlannerFixture scheduled(java.time.Instant at) {
        operation = new Cluster.Operation(operation.id(), operation.type(), operation.candidate(),
                operation.requestedAt(), at, operation.state(), null, operation.fromDb(), operation.progress());
        return this;
    }

    PlannerFixture requestedSecondsAgo(int seconds) {
        operation = new Cluster.Operation(operation.id(), operation.type(), operation.candidate(),
                now.minusSeconds(seconds), operation.scheduledAt(), operation.state(), operation.message(),
                operation.fromDb(), operation.progress());
        return this;
    }

    /** The keepers' PostgreSQL report parameters waiting for a restart. */
    PlannerFixture needsRestart(String... keeperUids) {
        needsRestart.addAll(List.of(keeperUids));
        return this;
    }

    private final Set<String> needsRestart = new HashSet<>();

    /** A rolling restart as admin-api writes it (pending); no keepers: all of them. */
    PlannerFixture restart(boolean pendingOnly, String... keepers) {
        operation = new Cluster.Operation("op1", Cluster.Operation.Type.RESTART, null, now.minusSeconds(1), null,
                Cluster.Operation.State.PENDING, null, null, Cluster.Operation.Progress.of(pendingOnly,
                List.of(keepers), false));
        return this;
    }

    /**
     * A rolling restart (pendingOnly) under way: {@code done} restarted, {@code current} (null: between steps) asked
     * {@code secondsAgo}; its DB carries the restart request, and its keeper reports it applied unless
     * {@link #notConverged} says otherwise.
     */
    PlannerFixture restarting(String current, int secondsAgo, String... done) {
        operation = new Cluster.Operation("op1", Cluster.Operation.Type.RESTART, null, now.minusSeconds(secondsAgo + 5),
                null, Cluster.Operation.State.RUNNING, null, null, new Cluster.Operation.Progress(true, List.of(),
                false, List.of(done), current, current == null ? null : now.minusSeconds(secondsAgo), Map.of()));
        if (current != null) {
            request(dbs.values().stream().filter(d -> d.spec().keeperUid().equals(current)).findFirst().orElseThrow()
                    .uid(), DB.Request.restart("op1"));
        }
        return this;
    }

    /** A rolling restart's primary step: a switchover from {@code fromDb} (on {@code current}) to {@code toDb}. */
    PlannerFixture restartSwitchingOver(String current, String fromDb, String toDb, String... done) {
        restarting(null, 0, done);
        Cluster.Operation.Progress p = operation.progress().starting(current, now.minusSeconds(2));
        operation = new Cluster.Operation("op1", Cluster.Operation.Type.RESTART, toDb, operation.requestedAt(), null,
                Cluster.Operation.State.RUNNING, null, fromDb, p);
        return this;
    }

    /** An automatic restart for the spec of cluster generation {@code generation} ended in {@code state}. */
    PlannerFixture automaticRestartEnded(Cluster.Operation.State state, long generation) {
        operation = new Cluster.Operation("op-auto-1", Cluster.Operation.Type.RESTART, null, now.minusSeconds(100),
                null, state, "k2 did not come back", null, Cluster.Operation.Progress.automaticFor(generation));
        return this;
    }

    PlannerFixture reload(Cluster.Operation.State state, int secondsAgo) {
        operation = new Cluster.Operation("op1", Cluster.Operation.Type.RELOAD, null, now.minusSeconds(secondsAgo),
                null, state, null, null, state == Cluster.Operation.State.PENDING ? null
                : Cluster.Operation.Progress.of(false, List.of(), false).starting(null, now.minusSeconds(secondsAgo)));
        if (state == Cluster.Operation.State.RUNNING) {
            List.copyOf(dbs.keySet()).forEach(uid -> request(uid, DB.Request.reload("op1")));
        }
        return this;
    }

    /** The DB's spec carries {@code r} (the next generation). */
    PlannerFixture request(String dbUid, DB.Request r) {
        DB d = dbs.get(dbUid);
        dbs.put(dbUid, new DB(d.uid(), d.generation() + 1, now.minusSeconds(1), d.spec().withRequest(r), d.status()));
        return this;
    }

    /** Switchover in progress: {@code fromDb} restarted as a standby of {@code toDb}, which is the master-elect. */
    PlannerFixture switchingOver(String fromDb, String toDb) {
        DB from = dbs.get(fromDb);
        DB.Spec s = from.spec();
        dbs.put(fromDb, new DB(from.uid(), from.generation() + 1, now, new DB.Spec(s.keeperUid(), DB.Role.STANDBY,
                s.initMode(), DB.FollowConfig.internal(toDb), false, List.of(), null, s.pgParameters(), s.pgHBA(),
                s.maxStandbys(), s.additionalWalSenders(), s.usePgRewind(), List.of(), List.of(), s.newConfig(),
                s.pitrConfig(), s.automaticPgRestart()), from.status()));
        master = toDb;
        proxy = new Proxy(6, now.minusSeconds(1), new Proxy.Spec(null, List.of()));
        return operation(Cluster.Operation.Type.SWITCHOVER, toDb, Cluster.Operation.State.RUNNING, fromDb);
    }

    PlannerFixture keeper(String uid) {
        return keeper(uid, 1);
    }

    PlannerFixture keeper(String uid, int priority) {
        keepers.put(uid, new Keeper(uid, 1, new Keeper.Spec(priority, false, false, true),
                new Keeper.Status(true, now.minusSeconds(1), "i-" + uid, "15", false)));
        return this;
    }

    PlannerFixture noSync(String uid) {
        Keeper k = keepers.get(uid);
        keepers.put(uid, k.withSpec(new Keeper.Spec(k.spec().priority(), false, true, k.spec().admitted())));
        return this;
    }

    PlannerFixture noFailover(String uid) {
        Keeper k = keepers.get(uid);
        keepers.put(uid, k.withSpec(new Keeper.Spec(k.spec().priority(), true, k.spec().noSync(),
                k.spec().admitted())));
        return this;
    }

    PlannerFixture notAdmitted(String uid) {
        Keeper k = keepers.get(uid);
        keepers.put(uid, k.withSpec(new Keeper.Spec(k.spec().priority(), false, k.spec().noSync(), false)));
        return this;
    }

    PlannerFixture forceFail(String uid) {
        Keeper k = keepers.get(uid);
        Keeper.Status s = k.status();
        keepers.put(uid, k.withStatus(new Keeper.Status(s.healthy(), s.lastHealthyTime(), s.instanceId(),
                s.pgVersion(), true)));
        return this;
    }

    /** The keeper's info vanished; it was last healthy {@code secondsAgo} ago. */
    PlannerFixture keeperGone(String uid, int secondsAgo) {
        gone.add(uid);
        return lastHealthy(uid, secondsAgo);
    }

    /** The keeper is alive but reports PostgreSQL down since {@code secondsAgo}. */
    PlannerFixture postgresDown(String uid, int secondsAgo) {
        pgDown.add(uid);
        return lastHealthy(uid, secondsAgo);
    }

    /** The keeper's PostgreSQL runs but did not answer its last observation (reported unhealthy, running). */
    PlannerFixture unansweredObservation(String uid) {
        unanswered.add(uid);
        return this;
    }

    private final Set<String> unanswered = new HashSet<>();

    /** The keeper's standby runs but its WAL receiver is not connected. */
    PlannerFixture notStreaming(String uid) {
        notStreaming.add(uid);
        return this;
    }

    /** The keeper's standby reports this receive position (default: its WAL position). */
    PlannerFixture received(String uid, long position) {
        received.put(uid, position);
        return this;
    }

    /** The keeper was already judged failed (healthy=false) {@code secondsAgo} after last being healthy. */
    PlannerFixture failedKeeper(String uid, int secondsAgo) {
        gone.add(uid);
        Keeper k = keepers.get(uid);
        keepers.put(uid, k.withStatus(new Keeper.Status(false, now.minusSeconds(secondsAgo), "i-" + uid, "15",
                false)));
        return this;
    }

    PlannerFixture lastHealthy(String uid, int secondsAgo) {
        Keeper k = keepers.get(uid);
        Keeper.Status s = k.status();
        keepers.put(uid, k.withStatus(new Keeper.Status(s.healthy(), now.minusSeconds(secondsAgo), s.instanceId(),
                s.pgVersion(), s.forceFail())));
        return this;
    }

    PlannerFixture master(String dbUid, String keeperUid) {
        master = dbUid;
        dbs.put(dbUid, new DB(dbUid, 3, T0, spec(keeperUid, DB.Role.MASTER, null), status(1, 100_000_000L)));
        proxy = new Proxy(5, T0, new Proxy.Spec(dbUid, List.of()));
        return this;
    }

    /**
     * A standby cluster's standby leader (set the spec's role and standbyConfig first): a standby of the upstream,
     * elected and named to the proxies.
     */
    PlannerFixture standbyLeader(String dbUid, String keeperUid) {
        master = dbUid;
        DB.Spec s = spec(keeperUid, DB.Role.STANDBY, null);
        DB.Spec leader = new DB.Spec(s.keeperUid(), DB.Role.STANDBY, s.initMode(),
                DB.FollowConfig.external(spec.standbyConfig()), false, List.of(), null, s.pgParameters(), s.pgHBA(),
                s.maxStandbys(), s.additionalWalSenders(), s.usePgRewind(), List.of(), List.of(), null, null, false);
        dbs.put(dbUid, new DB(dbUid, 3, T0, leader, status(1, 100_000_000L)));
        proxy = new Proxy(5, T0, new Proxy.Spec(dbUid, List.of()));
        return this;
    }

    /**
     * Just after a failover: {@code newMaster} (a standby until now) is the promoted, converged master with the
     * given followers in its spec, the old master's DB is gone, and the other standbys still follow it.
     */
    PlannerFixture promotedAfterFailover(String newMaster, String oldMaster, List<String> followers) {
        DB n = dbs.get(newMaster);
        DB.Spec s = n.spec();
        DB.Spec ns = new DB.Spec(s.keeperUid(), DB.Role.MASTER, s.initMode(), null, s.synchronousReplication(),
                s.synchronousStandbys(), null, s.pgParameters(), s.pgHBA(), s.maxStandbys(), s.additionalWalSenders(),
                s.usePgRewind(), s.additionalReplicationSlots(), followers, s.newConfig(), s.pitrConfig(),
                s.automaticPgRestart());
        dbs.put(newMaster, new DB(n.uid(), n.generation(), n.changeTime(), ns, n.status()));
        dbs.remove(oldMaster);
        master = newMaster;
        proxy = new Proxy(5, T0, new Proxy.Spec(newMaster, List.of()));
        return this;
    }

    PlannerFixture standby(String dbUid, String keeperUid) {
        return standby(dbUid, keeperUid, master);
    }

    PlannerFixture standby(String dbUid, String keeperUid, String follows) {
        dbs.put(dbUid, new DB(dbUid, 2, T0, spec(keeperUid, DB.Role.STANDBY, follows), status(1, 100_000_000L)));
        DB m = dbs.get(follows);
        List<String> followers = new ArrayList<>(m.spec().followers());
        followers.add(dbUid);
        dbs.put(follows, new DB(m.uid(), m.generation(), m.changeTime(), withFollowers(m.spec(), followers),
                m.status()));
        return this;
    }

    /** The DB's spec names these followers (it creates their replication slots). */
    PlannerFixture followers(String dbUid, List<String> followers) {
        DB d = dbs.get(dbUid);
        dbs.put(dbUid, new DB(d.uid(), d.generation(), d.changeTime(), withFollowers(d.spec(), followers), d.status()));
        return this;
    }

    PlannerFixture wal(String dbUid, long position) {
        DB d = dbs.get(dbUid);
        DB.Status s = d.status();
        dbs.put(dbUid, d.withStatus(new DB.Status(s.healthy(), s.currentGeneration(), s.listenAddress(), s.port(),
                s.systemId(), s.timelineId(), position, s.timelineHistory(), s.synchronousStandbys(), s.pgParameters(),
                s.oldestWalFile(), s.notConvergedSince(), null)));
        return this;
    }

    PlannerFixture timeline(String dbUid, long timeline, List<DB.TimelineHistoryEntry> history) {
        DB d = dbs.get(dbUid);
        DB.Status s = d.status();
        dbs.put(dbUid, d.withStatus(new DB.Status(s.healthy(), s.currentGeneration(), s.listenAddress(), s.port(),
                s.systemId(), timeline, s.walPosition(), history, s.synchronousStandbys(), s.pgParameters(),
                s.oldestWalFile(), s.notConvergedSince(), null)));
        return this;
    }

    PlannerFixture systemId(String dbUid, String systemId) {
        DB d = dbs.get(dbUid);
        DB.Status s = d.status();
        dbs.put(dbUid, d.withStatus(new DB.Status(s.healthy(), s.currentGeneration(), s.listenAddress(), s.port(),
                systemId, s.timelineId(), s.walPosition(), s.timelineHistory(), s.synchronousStandbys(),
                s.pgParameters(), s.oldestWalFile(), s.notConvergedSince(), null)));
        return this;
    }

    PlannerFixture reportedParameters(String dbUid, Map<String, String> parameters) {
        DB d = dbs.get(dbUid);
        DB.Status s = d.status();
        dbs.put(dbUid, d.withStatus(new DB.Status(s.healthy(), s.currentGeneration(), s.listenAddress(), s.port(),
                s.systemId(), s.timelineId(), s.walPosition(), s.timelineHistory(), s.synchronousStandbys(),
                parameters, s.oldestWalFile(), s.notConvergedSince(), null)));
        return this;
    }

    PlannerFixture oldestWal(String dbUid, String walFile) {
        DB d = dbs.get(dbUid);
        DB.Status s = d.status();
        dbs.put(dbUid, d.withStatus(new DB.Status(s.healthy(), s.currentGeneration(), s.listenAddress(), s.port(),
                s.systemId(), s.timelineId(), s.walPosition(), s.timelineHistory(), s.synchronousStandbys(),
                s.pgParameters(), walFile, s.notConvergedSince(), null)));
        return this;
    }

    /** The master's spec names these synchronous standbys and it observes them in sync. */
    PlannerFixture synchronous(String masterDb, List<String> specSet, List<String> inSync) {
        DB m = dbs.get(masterDb);
        DB.Spec s = m.spec();
        DB.Spec ns = s.withSynchronous(true, specSet, spec.effective().synchronousQuorum());
        DB.Status st = m.status();
        dbs.put(masterDb, new DB(m.uid(), m.generation(), m.changeTime(), ns, new DB.Status(st.healthy(),
                st.currentGeneration(), st.listenAddress(), st.port(), st.systemId(), st.timelineId(), st.walPosition(),
                st.timelineHistory(), inSync, st.pgParameters(), st.oldestWalFile(), st.notConvergedSince(), null)));
        return this;
    }

    /** The master had this synchronous configuration before its current one (see DB.EarlierSynchronousSet). */
    PlannerFixture earlierSynchronousSet(String masterDb, List<String> members, int quorum, long position) {
        DB m = dbs.get(masterDb);
        List<DB.EarlierSynchronousSet> sets = new ArrayList<>(m.status().earlierSynchronousSets());
        sets.add(new DB.EarlierSynchronousSet(members, members.size(), quorum, m.generation(), position));
        dbs.put(masterDb, m.withStatus(m.status().withEarlierSynchronousSets(sets)));
        return this;
    }

    /** The sentinel first saw the master not report this synchronous standby in sync {@code secondsAgo}. */
    PlannerFixture syncUnconfirmed(String dbUid, int secondsAgo) {
        DB d = dbs.get(dbUid);
        dbs.put(dbUid, d.withStatus(d.status().withSyncUnconfirmedSince(now.minusSeconds(secondsAgo))));
        return this;
    }

    /**
     * The keeper has not applied the DB's generation since the DB changed {@code secondsAgo} (the sentinel noted
     * it not converged since then).
     */
    PlannerFixture notConverged(String dbUid, int secondsAgo) {
        notConverged.add(dbUid);
        DB d = dbs.get(dbUid);
        Instant changed = now.minusSeconds(secondsAgo);
        dbs.put(dbUid, new DB(d.uid(), d.generation(), changed, d.spec(), d.status().withNotConvergedSince(changed)));
        return this;
    }

    /**
     * The DB's keeper stopped it cleanly to apply the generation it had {@code generationsAgo} (0: its current one,
     * a demotion), has not restarted it yet, and reports where its WAL ends on the DB's timeline.
     */
    PlannerFixture stoppedCleanly(String dbUid, int generationsAgo, long walEnd) {
        DB d = dbs.get(dbUid);
        cleanShutdowns.put(dbUid, new KeeperInfo.CleanShutdown(d.generation() - generationsAgo,
                d.status().timelineId(), walEnd));
        pgDown.add(d.spec().keeperUid());
        return notConverged(dbUid, 0);
    }

    /** The keeper reports its DB still in recovery: an elected master not promoted yet. */
    PlannerFixture notPromotedYet(String dbUid) {
        notPromoted.add(dbUid);
        return this;
    }

    private final Set<String> notPromoted = new HashSet<>();

    /** The DB's spec last changed {@code secondsAgo}; it was converged until now. */
    PlannerFixture specChanged(String dbUid, int secondsAgo) {
        DB d = dbs.get(dbUid);
        dbs.put(dbUid, new DB(d.uid(), d.generation(), now.minusSeconds(secondsAgo), d.spec(), d.status()));
        return this;
    }

    /**
     * This round the keeper reports its DB at generation -1 (what a keeper that could not read the store, or
     * that just restarted, used to publish), while the DB was converged before.
     */
    PlannerFixture reportsUnknownGeneration(String dbUid) {
        unknownGeneration.add(dbUid);
        return this;
    }

    private final Set<String> unknownGeneration = new HashSet<>();

    /** The store was unusable for this sentinel from {@code fromSecondsAgo} to {@code toSecondsAgo}. */
    PlannerFixture storeOutage(int fromSecondsAgo, int toSecondsAgo) {
        outages.add(new StoreOutages.Outage(now.minusSeconds(fromSecondsAgo), now.minusSeconds(toSecondsAgo)));
        return this;
    }

    private final List<StoreOutages.Outage> outages = new ArrayList<>();

    /**
     * The keeper's info vanished; the sentinel saw its last (healthy) report change {@code secondsAgo} (and its
     * recorded lastHealthyTime is no later than that; {@link #lastHealthy} after this sets an earlier one).
     */
    PlannerFixture keeperVanished(String uid, double secondsAgo) {
        gone.add(uid);
        Instant at = now.minusMillis((long) (secondsAgo * 1000));
        vanished.put(uid, at);
        Keeper k = keepers.get(uid);
        Keeper.Status s = k.status();
        if (s.lastHealthyTime().isAfter(at)) { // the recorded time is never later than the last report seen
            keepers.put(uid, k.withStatus(new Keeper.Status(s.healthy(), at, s.instanceId(), s.pgVersion(),
                    s.forceFail())));
        }
        return this;
    }

    private final Map<String, Instant> vanished = new HashMap<>();

    /**
     * The sentinel's probes of {@code dbUid}'s PostgreSQL port were refused {@code refusals} times, the first
     * {@code overSeconds} before the last, which was just now.
     */
    PlannerFixture portRefused(String dbUid, int refusals, double overSeconds) {
        probes.put(dbUid, new Observations.PortProbe("10.0.0.1:5432", now.minusMillis((long) (overSeconds * 1000)),
                refusals, now));
        return this;
    }

    /** The last probe of {@code dbUid}'s port connected (something listens: frozen or alive). */
    PlannerFixture portAccepts(String dbUid) {
        probes.put(dbUid, Observations.PortProbe.notRefused("10.0.0.1:5432", now));
        return this;
    }

    private final Map<String, Observations.PortProbe> probes = new HashMap<>();

    /** The keeper is alive but works on something else (e.g. still initializing this DB). */
    PlannerFixture dbNotReported(String dbUid) {
        dbNotReported.add(dbUid);
        return this;
    }

    /** The keeper's info is still there but has not changed for {@code secondsAgo} (its lease has not run out). */
    PlannerFixture keeperStale(String uid, int secondsAgo) {
        updates.put(uid, now.minusSeconds(secondsAgo));
        return lastHealthy(uid, secondsAgo);
    }

    /** The keeper's info last changed {@code secondsAgo} ago (still fresh when under 2 sleep intervals). */
    PlannerFixture keeperLastReported(String uid, int secondsAgo) {
        updates.put(uid, now.minusSeconds(secondsAgo));
        return this;
    }

    private final Map<String, Instant> updates = new HashMap<>();

    PlannerFixture proxyInfo(String uid, long acknowledgedGeneration) {
        proxies.put(uid, new ProxyInfo(uid, "pi-" + uid, acknowledgedGeneration, true, now));
        return this;
    }

    PlannerFixture proxyCleared(int secondsAgo) {
        proxy = new Proxy(6, now.minusSeconds(secondsAgo), new Proxy.Spec(null, List.of()));
        return this;
    }

    PlannerFixture at(Instant t) {
        now = t;
        return this;
    }

    ClusterData clusterData() {
        Cluster cluster = new Cluster("c1", 1, T0, spec, new Cluster.Status(phase, master, paused, operation));
        return new ClusterData(ClusterData.FORMAT_VERSION, cluster, keepers, dbs, proxy);
    }

    Observations observations() {
        Map<String, KeeperInfo> infos = new HashMap<>();
        for (Keeper k : keepers.values()) {
            if (gone.contains(k.uid())) {
                continue;
            }
            DB db = dbs.values().stream().filter(d -> d.spec().keeperUid().equals(k.uid())).findFirst().orElse(null);
            KeeperInfo.PostgresState pg = null;
            if (db != null && !dbNotReported.contains(db.uid())) {
                DB.Status s = db.status();
                boolean healthy = !pgDown.contains(k.uid()) && !unanswered.contains(k.uid());
                boolean running = !pgDown.contains(k.uid());
                long gen = unknownGeneration.contains(db.uid()) ? -1
                        : notConverged.contains(db.uid()) ? db.generation() - 1 : db.generation();
                pg = new KeeperInfo.PostgresState(db.uid(), gen, running, healthy,
                        db.spec().role() == DB.Role.STANDBY || notPromoted.contains(db.uid()), s.systemId(),
                        s.timelineId(), s.timelineHistory(),
                        s.walPosition(), received.getOrDefault(k.uid(), s.walPosition()), s.walPosition(),
                        s.synchronousStandbys(), "10.0.0." + k.uid().substring(1), 5432, "15",
                        s.pgParameters(), s.oldestWalFile(), needsRestart.contains(k.uid()),
                        db.spec().role() == DB.Role.STANDBY && healthy && !notStreaming.contains(k.uid()), null,
                        null, cleanShutdowns.get(db.uid()));
            }
            infos.put(k.uid(), new KeeperInfo(k.uid(), "c1", k.status().instanceId(), now, k.spec().priority(),
                    k.spec().noSync(), pg));
        }
        return new Observations(infos, proxies);
    }

    /** A keeper that published an info but is not in the cluster data yet. */
    PlannerFixture newKeeperInfo(String uid) {
        extraInfos.put(uid, new KeeperInfo(uid, "c1", "i-" + uid, now, 1, false, null));
        return this;
    }

    private final Map<String, KeeperInfo> extraInfos = new HashMap<>();

    Plan plan() {
        Observations o = observations();
        Map<String, KeeperInfo> all = new HashMap<>(o.keepers());
        all.putAll(extraInfos);
        Map<String, Observations.Sighting> sightings = new HashMap<>();
        all.forEach((uid, info) -> sightings.put(uid, new Observations.Sighting(info, updates.getOrDefault(uid, now))));
        vanished.forEach((uid, at) -> sightings.put(uid, new Observations.Sighting(new KeeperInfo(uid, "c1", "i-" + uid,
                at, 1, false, null), at)));
        return new ClusterPlanner().plan(clusterData(), new Observations(all, o.proxies(), sightings,
                new StoreOutages(outages), probes), now, () -> "db" + ids.getAndIncrement());
    }

    private DB.Spec spec(String keeperUid, DB.Role role, String follows) {
        return new DB.Spec(keeperUid, role, role == DB.Role.MASTER ? DB.InitMode.NEW : DB.InitMode.RESYNC,
                follows == null ? null : DB.FollowConfig.internal(follows), false, List.of(), null, Map.of(), List.of(), 20,
                5, false, List.of(), List.of(), null, null, false);
    }

    private static DB.Spec withFollowers(DB.Spec s, List<String> followers) {
        return s.withFollowers(followers);
    }

    private DB.Status status(long timeline, long wal) {
        return new DB.Status(true, 0, "10.0.0.1", 5432, "7300", timeline, wal, List.of(), List.of(), Map.of(), null, null, null);
    }
}
