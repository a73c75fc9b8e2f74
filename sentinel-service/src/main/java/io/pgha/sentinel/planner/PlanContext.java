package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSnapshot;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.EffectiveSpec;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The working state of one planning round, shared by the phases: the cluster data as the phases so far left
 * it, the inputs (observations, time, uid source), the events decided so far, and the keeper failures the
 * health phase found. The inputs are never changed; {@link #cd()} is replaced, never mutated.
 */
final class PlanContext {
    /** Longer than any timeout: the age of something never seen. */
    private static final Duration FOREVER = Duration.ofDays(365_000);

    /** The cluster data the round started from. */
    final ClusterData input;
    final Observations obs;
    final Instant now;
    final IdSource ids;
    private ClusterData cd;
    private ClusterSpec specSource;
    private EffectiveSpec spec;
    /** The keepers' reports as one snapshot: "a keeper's report on its current DB" is derived there. */
    private final ClusterSnapshot reports;
    private final List<PlanEvent> events = new ArrayList<>();
    /** Per keeper uid, why it is failed this round (absent: healthy); filled by {@link KeeperHealth}. */
    final Map<String, FailureEvidence> failures = new HashMap<>();

    PlanContext(ClusterData cd, Observations obs, Instant now, IdSource ids) {
        this.input = cd;
        this.obs = obs;
        this.now = now;
        this.ids = ids;
        this.reports = new ClusterSnapshot(cd, obs.keepers());
        set(cd);
    }

    ClusterData cd() {
        return cd;
    }

    /** The effective spec of the cluster data as it is now (a phase may have rewritten the spec). */
    EffectiveSpec spec() {
        return spec;
    }

    void set(ClusterData next) {
        cd = next;
        if (specSource != next.cluster().spec()) {
            specSource = next.cluster().spec();
            spec = specSource.effective();
        }
    }

    void event(PlanEvent e) {
        events.add(e);
    }

    Plan plan() {
        return new Plan(cd, events);
    }

    // ---- facts about the cluster, shared by several phases ------------------------------------------------

    KeeperInfo info(String keeperUid) {
        return obs.keepers().get(keeperUid);
    }

    /** The keeper's report on {@code db} this round, when its keeper reports on that DB (not an older one). */
    Optional<KeeperInfo.PostgresState> report(DB db) {
        return reports.report(db);
    }

    Keeper keeperOf(DB db) {
        return cd.keepers().get(db.spec().keeperUid());
    }

    int priority(DB db) {
        return keeperOf(db).spec().priority();
    }

    /** When the keeper last said anything (sentinel clock): its last report's change, else its last health. */
    Instant lastReport(Keeper k) {
        Observations.Sighting seen = obs.sightings().get(k.uid());
        return seen != null ? seen.changedAt() : info(k.uid()) != null ? now : k.status().lastHealthyTime();
    }

    /** Heard from within {@link EffectiveSpec#reportStaleAfter()} of usable store time. */
    boolean freshReport(Keeper k) {
        return usable(lastReport(k)).compareTo(spec.reportStaleAfter()) <= 0;
    }

    /**
     * Leading (promoted, or a standby cluster's standby leader), converged and healthy: a master that standbys and
     * proxies may rely on.
     */
    static boolean ready(DB m) {
        return m != null && m.spec().leads() && m.converged() && m.status().healthy();
    }

    /**
     * The leader may take the cluster's clients: {@link #ready}, or a master whose keeper reports it promoted and
     * healthy this round while it converges on a later generation. Such a generation (a new master's followers get
     * their slots, the old master's standbys are re-pointed) changes whom it sends WAL to, not whether it takes
     * writes: its synchronous standbys were configured before it left recovery. Waiting for it kept a switchover's
     * clients out for another keeper round trip.
     */
    boolean servesClients(DB m) {
        if (ready(m)) {
            return true;
        }
        return m != null && m.spec().role() == DB.Role.MASTER && m.status().healthy()
                && report(m).map(r -> r.running() && r.healthy() && !r.inRecovery()).orElse(false);
    }

    /** Healthy keepers that may hold a DB, highest priority first. */
    List<Keeper> eligibleKeepers() {
        boolean registeredOnly = spec.keeperAdmission() == ClusterSpec.KeeperAdmission.REGISTERED;
        return cd.keepers().values().stream()
                .filter(k -> k.status().healthy() && !k.status().forceFail())
                .filter(k -> !registeredOnly || k.spec().admitted())
                .sorted(Comparator.comparingInt((Keeper k) -> k.spec().priority()).reversed()
                        .thenComparing(Keeper::uid))
                .toList();
    }

    /** The standbys that follow {@code m}. */
    List<DB> standbysOf(DB m) {
        return cd.dbs().values().stream().filter(d -> d.spec().role() == DB.Role.STANDBY)
                .filter(d -> d.spec().followConfig() != null && m.uid().equals(d.spec().followConfig().dbUid()))
                .toList();
    }

    /**
     * How long (usable store time) the DB has not been at its generation: counted from its last spec change and
     * from when it was first seen not converged, whichever is later; zero while converged.
     */
    Duration unconvergedFor(DB db) {
        if (db.converged()) {
            return Duration.ZERO;
        }
        Instant since = db.status().notConvergedSince();
        Instant from = since == null || (db.changeTime() != null && db.changeTime().isAfter(since))
                ? db.changeTime() : since;
        return usable(from);
    }

    // ---- building the next cluster data ---------------------------------------------------------------------

    /** The spec of a DB that follows {@code follows} (a DB of this cluster; null for the master). */
    DB.Spec dbSpec(String keeperUid, DB.Role role, DB.InitMode init, String follows, List<String> sync,
                   List<String> followers) {
        return dbSpec(keeperUid, role, init, follows == null ? null : DB.FollowConfig.internal(follows), sync,
                followers);
    }

    private DB.Spec dbSpec(String keeperUid, DB.Role role, DB.InitMode init, DB.FollowConfig follows,
                           List<String> sync, List<String> followers) {
        boolean master = role == DB.Role.MASTER;
        // The standby leader keeps the master's slots: its cluster's clients may use them, and so will it once promoted.
        boolean leads = master || (follows != null && follows.external());
        return new DB.Spec(keeperUid, role, init, follows,
                master && spec.synchronousReplication(), master ? sync : List.of(),
                master ? spec.synchronousQuorum() : null, spec.pgParameters(),
                spec.pgHBA(), spec.maxStandbys(), spec.additionalWalSenders(), spec.usePgRewind(),
                leads ? spec.additionalMasterReplicationSlots() : List.of(), followers,
                init == DB.InitMode.NEW ? spec.newConfig() : null,
                init == DB.InitMode.PITR ? spec.pitrConfig() : null, spec.automaticPgRestart());
    }

    /**
     * The spec of the DB that leads the cluster: its master; in a standby cluster ({@code role: standby}) the
     * standby leader, a standby of the external upstream ({@code standbyConfig}) without synchronous standbys (a
     * standby confirms no commits), which its cluster's other standbys follow.
     */
    DB.Spec leaderSpec(String keeperUid, DB.InitMode init, List<String> sync, List<String> followers) {
        return spec.role() == ClusterSpec.Role.STANDBY
                ? dbSpec(keeperUid, DB.Role.STANDBY, init, DB.FollowConfig.external(spec.standbyConfig()), List.of(),
                        followers)
                : dbSpec(keeperUid, DB.Role.MASTER, init, (DB.FollowConfig) null, sync, followers);
    }

    /**
     * An existing DB brought in line with the cluster spec and its role; how it was initialized (init mode,
     * initdb options) is history and stays as it is, and so does a pending request (restart, reload), which only
     * its operation withdraws.
     */
    DB refresh(DB db, DB.Role role, String follows, List<String> sync, List<String> followers) {
        return keepInitialization(db, dbSpec(db.spec().keeperUid(), role, db.spec().initMode(), follows, sync,
                followers));
    }

    /** An existing DB made (or kept) the cluster's leader, as {@link #leaderSpec} says. */
    DB refreshLeader(DB db, List<String> sync, List<String> followers) {
        return keepInitialization(db, leaderSpec(db.spec().keeperUid(), db.spec().initMode(), sync, followers));
    }

    private DB keepInitialization(DB db, DB.Spec s) {
        return update(db, s.withInitialization(s.initMode(), db.spec().newConfig(), db.spec().pitrConfig())
                .withRequest(db.spec().request()));
    }

    /** The DB with a new spec and the next generation, or unchanged when the spec is the same. */
    DB update(DB db, DB.Spec s) {
        return s.equals(db.spec()) ? db : db.withSpec(s, now);
    }

    void setMessage(String message) {
        if (!Objects.equals(message, cd.cluster().status().message())) {
            set(cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withMessage(message))));
        }
    }

    /** The keeper's report on {@code db} says PostgreSQL has changed parameters waiting for a restart. */
    boolean needsRestart(DB db) {
        return report(db).map(KeeperInfo.PostgresState::needsRestart).orElse(false);
    }

    void setOperation(Cluster.Operation op) {
        set(cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withOperation(op))));
    }

    /** Tells the proxies to drop every connection to the master (the first half of the proxy handshake). */
    void fenceProxies() {
        set(cd.withProxy(cd.proxy().withSpec(new io.pgha.model.Proxy.Spec(null, cd.proxy().spec().enabledProxies()),
                now)));
    }

    // ---- time ---------------------------------------------------------------------------------------------

    long elapsedMillis(Instant since) {
        return since == null ? Long.MAX_VALUE : Duration.between(since, now).toMillis();
    }

    /** Time since {@code since} in which the store was usable for this sentinel; unbounded for null. */
    Duration usable(Instant since) {
        return since == null ? FOREVER : obs.storeOutages().usableSince(since, now);
    }
}
