package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.PgParameters;
import io.pgha.model.ProxyInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The sentinel's decision, as a pure function: {@code (cluster data, observations, now, ids) → next cluster
 * data + events}. It never mutates its input and does no I/O; time and new uids are inputs.
 *
 * <p>Phases, in order: keepers (admission, acknowledgement, health), DB status (copied from what keepers
 * report), then either initialization or operator requests, failover, standbys and the synchronous set,
 * then the proxy handshake and dead keeper removal.
 */
public final class ClusterPlanner {

    /** Longer than any timeout: the age of something never seen. */
    private static final Duration FOREVER = Duration.ofDays(365_000);

    public Plan plan(ClusterData current, Observations observations, Instant now, IdSource ids) {
        Step s = new Step(current, observations, now, ids);
        s.keepers();
        s.dbStatus();
        if (s.cd.cluster().status().phase() == Cluster.Phase.INITIALIZING) {
            s.initialize();
        } else {
            s.operation();
            s.failover();
            s.standbys();
            s.synchronousSet();
        }
        s.proxy();
        s.removeDeadKeepers();
        return new Plan(s.cd, s.events);
    }

    /** The working state of one {@link #plan} call. */
    private static final class Step {
        ClusterData cd;
        final Observations obs;
        final Instant now;
        final IdSource ids;
        final ClusterSpec spec;
        final List<PlanEvent> events = new ArrayList<>();
        /** Per keeper uid, why it is failed this round (absent: healthy). */
        final Map<String, FailureEvidence> failures = new java.util.HashMap<>();

        Step(ClusterData cd, Observations obs, Instant now, IdSource ids) {
            this.cd = cd;
            this.obs = obs;
            this.now = now;
            this.ids = ids;
            this.spec = cd.cluster().spec().withDefaults();
        }

        // ---- phase: keepers -------------------------------------------------------------------------------

        /**
         * Admits new keepers, acknowledges their instances, and judges health: a keeper fails only on evidence
         * that lasted failInterval of time in which the store was usable (or on a second, independent signal).
         */
        void keepers() {
            for (KeeperInfo info : obs.keepers().values()) {
                if (!cd.keepers().containsKey(info.uid())) {
                    if (spec.effectiveKeeperAdmission() == ClusterSpec.KeeperAdmission.REGISTERED) {
                        continue; // only keepers added through the admin API take part
                    }
                    cd = cd.withKeeper(new Keeper(info.uid(), 1,
                            new Keeper.Spec(info.priority(), false, info.noSync(), false),
                            new Keeper.Status(true, now, info.instanceId(), pgVersion(info), false)));
                    events.add(new PlanEvent.Info("keeper " + info.uid() + " joined"));
                }
            }
            String masterKeeper = cd.masterDb().filter(m -> m.spec().role() == DB.Role.MASTER)
                    .map(m -> m.spec().keeperUid()).orElse(null);
            for (Keeper k : List.copyOf(cd.keepers().values())) {
                KeeperInfo info = obs.keepers().get(k.uid());
                Keeper.Status st = k.status();
                Instant lastAlive = lastAlive(k, info);
                Optional<FailureEvidence> failure = keeperFailure(k, info, lastAlive, k.uid().equals(masterKeeper));
                failure.ifPresent(f -> failures.put(k.uid(), f));
                boolean healthy = failure.isEmpty();
                // Refreshed coarsely: enough for a new leader to judge, without a write on every loop. The time is
                // that of the keeper's last healthy report as this sentinel saw it, not of this run: a keeper that
                // died keeps looking fresh until its report goes stale, and failInterval counts from its death.
                Instant lastHealthy = st.lastHealthyTime();
                if (lastAlive != null && (lastHealthy == null || (healthy && !st.healthy())
                        || Duration.between(lastHealthy, lastAlive).toMillis()
                        >= spec.failIntervalDuration().toMillis() / 4)) {
                    lastHealthy = lastAlive;
                }
                if (st.healthy() && !healthy) {
                    events.add(new PlanEvent.KeeperFailed(k.uid(), failure.get().describe()));
                }
                String instance = info != null ? info.instanceId() : st.instanceId();
                String version = info != null && pgVersion(info) != null ? pgVersion(info) : st.pgVersion();
                Keeper.Status next = new Keeper.Status(healthy, lastHealthy, instance, version, st.forceFail());
                if (!next.equals(st)) {
                    cd = cd.withKeeper(k.withStatus(next));
                }
            }
        }

        /**
         * The last time the keeper was seen healthy: the later of the recorded lastHealthyTime and the time the
         * sentinel saw its last healthy report appear (an unchanged report was true when it was published).
         */
        private Instant lastAlive(Keeper k, KeeperInfo info) {
            Instant t = k.status().lastHealthyTime();
            Observations.Sighting seen = obs.sightings().get(k.uid());
            KeeperInfo report = seen != null ? seen.info() : info;
            Instant at = seen != null ? seen.changedAt() : info != null ? now : null;
            if (report != null && at != null && reportsHealthy(k.uid(), report)) {
                Instant capped = at.isAfter(now) ? now : at;
                t = t == null || capped.isAfter(t) ? capped : t;
            }
            return t;
        }

        /** When the keeper last said anything (sentinel clock): its last report's change, else its last health. */
        private Instant lastReport(Keeper k, KeeperInfo info) {
            Observations.Sighting seen = obs.sightings().get(k.uid());
            return seen != null ? seen.changedAt() : info != null ? now : k.status().lastHealthyTime();
        }

        /** Its PostgreSQL healthy, unless the report is about no DB or another one (still working on a new one). */
        private boolean reportsHealthy(String keeperUid, KeeperInfo info) {
            Optional<DB> db = cd.dbOfKeeper(keeperUid);
            KeeperInfo.PostgresState pg = info.postgres();
            return db.isEmpty() || pg == null || !db.get().uid().equals(pg.dbUid()) || pg.healthy();
        }

        private Optional<FailureEvidence> keeperFailure(Keeper k, KeeperInfo info, Instant lastAlive,
                                                        boolean master) {
            Instant lastReport = lastReport(k, info);
            if (k.status().forceFail()) {
                return Optional.of(new FailureEvidence(FailureEvidence.Signal.FORCED, Duration.ZERO, lastReport,
                        "forced to fail by an operator request"));
            }
            Duration unhealthy = usable(lastAlive);
            Duration silent = usable(lastReport);
            if (unhealthy.compareTo(spec.failIntervalDuration()) < 0) {
                return master ? refusedMaster(k, silent, lastReport) : Optional.empty();
            }
            if (info == null) {
                return Optional.of(new FailureEvidence(FailureEvidence.Signal.KEEPER_SILENT, unhealthy, lastReport,
                        "keeper " + k.uid() + ": its info is gone"));
            }
            if (silent.compareTo(staleAfter()) > 0) {
                return Optional.of(new FailureEvidence(FailureEvidence.Signal.KEEPER_SILENT, unhealthy, lastReport,
                        "keeper " + k.uid() + ": its info has not changed"));
            }
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.POSTGRES_UNHEALTHY, unhealthy, lastReport,
                    "keeper " + k.uid() + " reports PostgreSQL not running or not answering"));
        }

        /**
         * The second signal, for the master only: its keeper silent for half of failInterval and every probe of
         * the sentinel finding nothing listening at its PostgreSQL address for half a sleepInterval (a refused
         * connection is an answer from the host: the postmaster is gone, and no keeper is there to restart it).
         * A frozen or unreachable host never answers so, and waits for the whole failInterval.
         */
        private Optional<FailureEvidence> refusedMaster(Keeper k, Duration silent, Instant lastReport) {
            Optional<DB> m = cd.dbOfKeeper(k.uid());
            Observations.PortProbe probe = m.map(d -> obs.probes().get(d.uid())).orElse(null);
            if (probe == null || probe.refusedSince() == null || probe.refusals() < 2
                    || silent.compareTo(spec.failIntervalDuration().dividedBy(2)) < 0
                    || Duration.between(probe.refusedSince(), probe.lastAttempt())
                    .compareTo(spec.sleepIntervalDuration().dividedBy(2)) < 0
                    || Duration.between(probe.lastAttempt(), now).compareTo(spec.sleepIntervalDuration()) > 0) {
                return Optional.empty();
            }
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.POSTGRES_REFUSED, silent, lastReport,
                    "keeper " + k.uid() + " silent and " + probe.address() + " refused " + probe.refusals()
                            + " connections in " + FailureEvidence.seconds(Duration.between(probe.refusedSince(),
                            probe.lastAttempt()))));
        }

        /** A report unchanged for longer than this means a keeper that stopped reporting. */
        private Duration staleAfter() {
            return spec.sleepIntervalDuration().multipliedBy(2);
        }

        // ---- phase: DB status -----------------------------------------------------------------------------

        /**
         * Copies what each keeper reports about its DB; keeps the last known values when it reports nothing, and
         * notes when a DB was first seen not converged.
         */
        void dbStatus() {
            for (DB db : List.copyOf(cd.dbs().values())) {
                KeeperInfo info = obs.keepers().get(db.spec().keeperUid());
                KeeperInfo.PostgresState pg = info == null ? null : info.postgres();
                DB.Status next;
                if (pg != null && db.uid().equals(pg.dbUid())) {
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
                        : since != null ? since : now).withSyncUnconfirmedSince(db.status().syncUnconfirmedSince());
                if (!next.equals(db.status())) {
                    cd = cd.withDb(db.withStatus(next));
                }
            }
        }

        // ---- phase: initialization ------------------------------------------------------------------------

        void initialize() {
            String master = cd.cluster().status().master();
            if (master == null || !cd.dbs().containsKey(master)) {
                Optional<Keeper> chosen = spec.effectiveInitMode() == ClusterSpec.InitMode.EXISTING
                        ? Optional.ofNullable(cd.keepers().get(spec.existingConfig().keeperUid()))
                                .filter(k -> k.status().healthy())
                        : eligibleKeepers().stream().filter(k -> k.spec().priority() > 0).findFirst();
                if (chosen.isEmpty()) {
                    setMessage("initializing: waiting for a healthy keeper to become the first master");
                    return;
                }
                DB.InitMode mode = spec.effectiveInitMode() == ClusterSpec.InitMode.EXISTING ? DB.InitMode.EXISTING : DB.InitMode.NEW;
                DB db = new DB(ids.next(), 1, now, dbSpec(chosen.get().uid(), DB.Role.MASTER, mode, null,
                        List.of(), List.of()), null);
                cd = cd.withDb(db).withCluster(cd.cluster().withStatus(cd.cluster().status().withMaster(db.uid())
                        .withMessage(null)));
                events.add(new PlanEvent.DbAssigned(db.uid(), chosen.get().uid(), "first master (" + mode + ")"));
                return;
            }
            DB db = cd.dbs().get(master);
            if (db.converged() && db.status().healthy()) {
                cd = cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withPhase(Cluster.Phase.NORMAL)));
                mergeInstanceParameters(db);
                events.add(new PlanEvent.MasterElected(ClusterHistory.Reason.INIT, null, null, db.uid(),
                        db.spec().keeperUid(), db.status().timelineId(), db.status().walPosition(),
                        null, "cluster initialized"));
            } else if (usable(db.changeTime()).compareTo(spec.initTimeoutDuration()) > 0) {
                cd = cd.withoutDb(db.uid()).withCluster(cd.cluster().withStatus(cd.cluster().status()
                        .withMaster(null)));
                events.add(new PlanEvent.DbRemoved(db.uid(), db.spec().keeperUid(), "initialization did not finish"
                        + " within initTimeout " + spec.initTimeout()));
            }
        }

        /**
         * With {@code mergePgParameters}, what initdb (or the adopted instance) chose becomes part of the spec,
         * under the operator's own values, so that every standby runs with the same settings.
         */
        private void mergeInstanceParameters(DB master) {
            ClusterSpec stored = cd.cluster().spec();
            if (!spec.mergePgParameters() || master.status().pgParameters().isEmpty()) {
                return;
            }
            Map<String, String> merged = PgParameters.mergeUnder(master.status().pgParameters(), spec.pgParameters());
            if (!merged.equals(spec.pgParameters())) {
                cd = cd.withCluster(cd.cluster().withSpec(stored.withPgParameters(merged), now));
                events.add(new PlanEvent.Info("merged the first master's parameters into the spec: "
                        + merged.keySet()));
            }
        }

        // ---- phase: operator requests ---------------------------------------------------------------------

        /** Carries out a forced failover or a planned switchover written by the admin API. */
        void operation() {
            Cluster.Operation op = cd.cluster().status().operation();
            if (op == null || op.finished()) {
                return;
            }
            if (op.state() == Cluster.Operation.State.RUNNING) {
                continueSwitchover(op);
                return;
            }
            if (op.scheduledAt() != null && now.isBefore(op.scheduledAt())) {
                return;
            }
            Optional<DB> masterDb = cd.masterDb().filter(this::ready);
            if (masterDb.isEmpty()) {
                setOperation(op.withState(Cluster.Operation.State.FAILED, "no healthy master to replace"));
                return;
            }
            DB m = masterDb.get();
            List<String> reasons = new ArrayList<>();
            List<DB> candidates = op.type() == Cluster.Operation.Type.FAILOVER ? candidates(m, reasons)
                    : switchoverCandidates(m, reasons);
            if (op.candidate() != null) {
                candidates = candidates.stream().filter(d -> d.uid().equals(op.candidate())
                        || d.spec().keeperUid().equals(op.candidate())).toList();
                if (candidates.isEmpty() && reasons.stream().noneMatch(r -> r.startsWith(op.candidate() + ":"))) {
                    reasons.add(op.candidate() + ": not a standby of the master");
                }
            }
            if (candidates.isEmpty()) {
                setOperation(op.withState(Cluster.Operation.State.FAILED, "no eligible candidate: "
                        + String.join("; ", reasons)));
                return;
            }
            DB to = candidates.get(0);
            if (op.type() == Cluster.Operation.Type.FAILOVER) {
                promote(m, to, ClusterHistory.Reason.FAILOVER, null, "forced failover requested");
                setOperation(op.running(to.uid(), m.uid()).withState(Cluster.Operation.State.DONE,
                        "new master " + to.uid()));
                return;
            }
            // Switchover, step 1: fence the proxies and restart the master as a standby of the candidate
            // (a clean shutdown sends every WAL record to the connected standbys).
            cd = cd.withDb(refresh(m, DB.Role.STANDBY, to.uid(), List.of(), List.of()));
            cd = cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withMaster(to.uid())
                    .withOperation(op.running(to.uid(), m.uid()))));
            cd = cd.withProxy(cd.proxy().withSpec(new io.pgha.model.Proxy.Spec(null,
                    cd.proxy().spec().enabledProxies()), now));
            events.add(new PlanEvent.Info("switchover: proxies fenced, " + m.uid() + " stopping to follow "
                    + to.uid()));
        }

        /** Standbys that may take over in a planned switchover: like failover, but lag is waited for. */
        private List<DB> switchoverCandidates(DB m, List<String> reasons) {
            List<String> refused = new ArrayList<>();
            List<DB> out = new ArrayList<>(candidates(m, refused));
            for (String r : refused) {
                String uid = r.substring(0, r.indexOf(':'));
                if (r.contains("lagging")) {
                    out.add(cd.dbs().get(uid)); // the switchover waits until it has received everything
                } else {
                    reasons.add(r);
                }
            }
            return out;
        }

        /** Switchover, step 2: promote the candidate once it received the old master's final WAL position. */
        private void continueSwitchover(Cluster.Operation op) {
            DB from = cd.dbs().get(op.fromDb());
            DB to = cd.dbs().get(op.candidate());
            if (to == null) {
                setOperation(op.withState(Cluster.Operation.State.FAILED, "candidate " + op.candidate() + " gone"));
                return;
            }
            if (to.spec().role() == DB.Role.MASTER) {
                if (ready(to)) {
                    setOperation(op.withState(Cluster.Operation.State.DONE, "new master " + to.uid()));
                }
                return;
            }
            boolean oldStopped = from == null || (from.converged() && from.status().healthy());
            if (oldStopped && to.status().healthy() && (from == null
                    || to.status().walPosition() >= from.status().walPosition())) {
                List<String> sync = new ArrayList<>(from == null ? List.of() : List.of(from.uid()));
                DB master = refresh(to, DB.Role.MASTER, null, spec.synchronousReplication() ? sync : List.of(),
                        from == null ? List.of() : List.of(from.uid()));
                cd = cd.withDb(master);
                events.add(new PlanEvent.MasterElected(ClusterHistory.Reason.SWITCHOVER, op.fromDb(),
                        from == null ? null : from.spec().keeperUid(), to.uid(), to.spec().keeperUid(),
                        to.status().timelineId(), to.status().walPosition(), null, "planned switchover"));
                return;
            }
            if (usable(op.requestedAt()).compareTo(spec.convergenceTimeoutDuration()) > 0) {
                setOperation(op.withState(Cluster.Operation.State.FAILED, "switchover did not complete within"
                        + " convergenceTimeout: " + (oldStopped ? to.uid() + " has not received "
                        + from.status().walPosition() : op.fromDb() + " did not restart as a standby")));
                setMessage("switchover failed: the operator must check " + op.fromDb() + " and " + to.uid());
            }
        }

        private void setOperation(Cluster.Operation op) {
            cd = cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withOperation(op)));
        }

        // ---- phase: failover ------------------------------------------------------------------------------

        void failover() {
            Optional<DB> masterDb = cd.masterDb();
            if (masterDb.isEmpty()) {
                return;
            }
            DB m = masterDb.get();
            Optional<FailureEvidence> failure = masterFailure(m);
            if (failure.isEmpty()) {
                if (cd.cluster().status().message() != null) {
                    setMessage(null);
                }
                return;
            }
            if (cd.cluster().status().paused()) {
                setMessage("master " + m.uid() + " failed (" + failure.get().describe()
                        + "); paused: no automatic failover");
                return;
            }
            List<String> reasons = new ArrayList<>();
            List<DB> candidates = candidates(m, reasons);
            if (candidates.isEmpty()) {
                String why = "master " + m.uid() + " failed (" + failure.get().describe()
                        + ") and no standby may replace it: "
                        + (reasons.isEmpty() ? "there are no standbys" : String.join("; ", reasons));
                events.add(new PlanEvent.NoCandidate(why));
                setMessage(why);
                return;
            }
            promote(m, candidates.get(0), ClusterHistory.Reason.FAILOVER, failure.get(),
                    "master failed: " + failure.get().describe());
        }

        private Optional<FailureEvidence> masterFailure(DB m) {
            Keeper k = cd.keepers().get(m.spec().keeperUid());
            if (k == null) {
                return Optional.of(new FailureEvidence(FailureEvidence.Signal.KEEPER_SILENT, Duration.ZERO, null,
                        "its keeper " + m.spec().keeperUid() + " is gone from the cluster data"));
            }
            FailureEvidence keeperFailed = failures.get(k.uid());
            if (keeperFailed != null) {
                return Optional.of(keeperFailed);
            }
            Duration unconverged = unconvergedFor(m);
            if (unconverged.compareTo(spec.convergenceTimeoutDuration()) > 0) {
                return Optional.of(new FailureEvidence(FailureEvidence.Signal.NOT_CONVERGED, unconverged,
                        lastReport(k, obs.keepers().get(k.uid())), "generation " + m.generation() + " not applied ("
                        + m.status().currentGeneration() + " reported) within convergenceTimeout "
                        + spec.convergenceTimeout()));
            }
            return Optional.empty();
        }

        /**
         * How long (usable store time) the DB has not been at its generation: counted from its last spec change and
         * from when it was first seen not converged, whichever is later; zero while converged.
         */
        private Duration unconvergedFor(DB db) {
            if (db.converged()) {
                return Duration.ZERO;
            }
            Instant since = db.status().notConvergedSince();
            Instant from = since == null || (db.changeTime() != null && db.changeTime().isAfter(since))
                    ? db.changeTime() : since;
            return usable(from);
        }

        /**
         * Standbys that may replace {@code m} without losing an acknowledged commit, best first (most
         * advanced WAL, then highest priority); each refused one adds its reason.
         */
        List<DB> candidates(DB m, List<String> reasons) {
            List<DB> out = new ArrayList<>();
            for (DB db : cd.dbs().values()) {
                if (db.uid().equals(m.uid()) || db.spec().role() != DB.Role.STANDBY) {
                    continue;
                }
                Optional<String> why = disqualification(m, db);
                if (why.isPresent()) {
                    reasons.add(db.uid() + ": " + why.get());
                } else {
                    out.add(db);
                }
            }
            out.sort(Comparator.comparingLong((DB d) -> d.status().walPosition()).reversed()
                    .thenComparing(Comparator.comparingInt((DB d) -> cd.keepers().get(d.spec().keeperUid()).spec()
                            .priority()).reversed())
                    .thenComparing(DB::uid));
            return out;
        }

        private Optional<String> disqualification(DB m, DB db) {
            Keeper k = cd.keepers().get(db.spec().keeperUid());
            if (k == null || !k.status().healthy()) {
                return Optional.of("keeper unhealthy");
            }
            if (k.status().forceFail()) {
                return Optional.of("keeper forced to fail");
            }
            if (k.spec().priority() <= 0) {
                return Optional.of("priority 0");
            }
            if (k.spec().noFailover()) {
                return Optional.of("noFailover");
            }
            Duration silent = usable(lastReport(k, obs.keepers().get(k.uid())));
            if (silent.compareTo(staleAfter()) > 0) {
                // Promote only a standby heard from just now: when nobody is, the store is not carrying writes.
                return Optional.of("no fresh report (last one " + FailureEvidence.seconds(silent) + " ago)");
            }
            if (!db.status().healthy() || !db.converged()) {
                return Optional.of("not healthy and converged");
            }
            if (db.spec().followConfig() == null || !m.uid().equals(db.spec().followConfig().dbUid())) {
                return Optional.of("does not follow the master");
            }
            if (m.status().systemId() != null && !m.status().systemId().equals(db.status().systemId())) {
                return Optional.of("different system id");
            }
            if (db.status().timelineId() != m.status().timelineId()) {
                return Optional.of("on timeline " + db.status().timelineId() + ", master on "
                        + m.status().timelineId());
            }
            if (m.spec().synchronousReplication()) {
                if (!m.spec().synchronousStandbys().contains(db.uid())
                        || !m.status().synchronousStandbys().contains(db.uid())) {
                    return Optional.of("not a synchronous standby in sync (it may miss acknowledged commits)");
                }
            } else {
                long lag = m.status().walPosition() - db.status().walPosition();
                if (lag > spec.maxStandbyLag()) {
                    return Optional.of("lagging " + lag + " bytes behind the master's last known position (max "
                            + spec.maxStandbyLag() + ")");
                }
            }
            return Optional.empty();
        }

        /** Makes {@code to} the master in place of {@code from}, whose DB is dropped (its keeper will resync). */
        void promote(DB from, DB to, ClusterHistory.Reason reason, FailureEvidence evidence, String why) {
            List<String> sync = new ArrayList<>(from.spec().synchronousStandbys());
            sync.remove(to.uid());
            DB master = refresh(to, DB.Role.MASTER, null, spec.synchronousReplication() ? sync : List.of(),
                    to.spec().followers());
            cd = cd.withoutDb(from.uid()).withDb(master);
            cd = cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withMaster(master.uid())
                    .withMessage(null)));
            cd = cd.withProxy(cd.proxy().withSpec(new io.pgha.model.Proxy.Spec(null,
                    cd.proxy().spec().enabledProxies()), now));
            events.add(new PlanEvent.DbRemoved(from.uid(), from.spec().keeperUid(), "replaced as master"));
            events.add(new PlanEvent.MasterElected(reason, from.uid(), from.spec().keeperUid(), master.uid(),
                    master.spec().keeperUid(), to.status().timelineId(), to.status().walPosition(), evidence, why));
        }

        // ---- phase: standbys ------------------------------------------------------------------------------

        void standbys() {
            Optional<DB> masterDb = cd.masterDb();
            if (masterDb.isEmpty() || !ready(masterDb.get())) {
                return; // act on standbys only under a promoted, converged, healthy master
            }
            DB m = masterDb.get();
            List<String> pending = new ArrayList<>();
            for (DB db : List.copyOf(cd.dbs().values())) {
                if (db.uid().equals(m.uid())) {
                    continue;
                }
                Keeper k = cd.keepers().get(db.spec().keeperUid());
                Optional<String> invalid = k == null ? Optional.of("its keeper is gone")
                        : db.spec().role() == DB.Role.MASTER ? Optional.of("an old master")
                        : invalidStandby(m, db);
                if (invalid.isPresent()) {
                    cd = cd.withoutDb(db.uid());
                    events.add(new PlanEvent.DbRemoved(db.uid(), db.spec().keeperUid(), invalid.get()));
                    continue;
                }
                boolean follows = db.spec().followConfig() != null
                        && m.uid().equals(db.spec().followConfig().dbUid());
                if (!follows && !m.spec().followers().contains(db.uid())) {
                    // A standby re-pointed before the master made its slot fails to stream and retries only after
                    // wal_retrieve_retry_interval (5 s), holding synchronous commits that long: first the master
                    // gets it as a follower (and creates the slot), then, once converged on that, it is re-pointed.
                    pending.add(db.uid());
                    continue;
                }
                cd = cd.withDb(refresh(db, DB.Role.STANDBY, m.uid(), List.of(), List.of()));
            }
            int limit = Math.min(spec.maxStandbys(), spec.maxStandbysPerSender());
            removeExcessStandbys(m, limit);
            for (Keeper k : eligibleKeepers()) {
                if (standbysOf(m).size() + pending.size() >= limit) {
                    break;
                }
                if (cd.dbOfKeeper(k.uid()).isEmpty()) {
                    DB db = new DB(ids.next(), 1, now, dbSpec(k.uid(), DB.Role.STANDBY, DB.InitMode.RESYNC, m.uid(),
                            List.of(), List.of()), null);
                    cd = cd.withDb(db);
                    events.add(new PlanEvent.DbAssigned(db.uid(), k.uid(), "new standby of " + m.uid()));
                }
            }
            DB master = cd.dbs().get(m.uid());
            List<String> followers = java.util.stream.Stream.concat(standbysOf(master).stream().map(DB::uid),
                    pending.stream()).sorted().toList();
            cd = cd.withDb(refresh(master, DB.Role.MASTER, null, master.spec().synchronousStandbys(), followers));
        }

        private Optional<String> invalidStandby(DB m, DB db) {
            DB.Status s = db.status();
            if (s.systemId() != null && m.status().systemId() != null && !s.systemId().equals(m.status().systemId())) {
                return Optional.of("system id " + s.systemId() + " differs from the master's");
            }
            if (forked(m, db)) {
                return Optional.of("its timeline " + s.timelineId() + " forked from the master's history");
            }
            Duration limit = db.spec().initMode() == DB.InitMode.RESYNC && s.currentGeneration() < 1
                    ? spec.syncTimeoutDuration() : spec.convergenceTimeoutDuration();
            Keeper k = cd.keepers().get(db.spec().keeperUid());
            if (k.status().healthy() && unconvergedFor(db).compareTo(limit) > 0) {
                return Optional.of("did not converge within " + limit.toSeconds() + " s");
            }
            long needed = neededWal(s, KeeperInfo.reportOn(obs.keepers().get(k.uid()), db.uid()).orElse(null));
            if (k.status().healthy() && m.status().oldestWalFile() != null
                    && needed < walFileStart(m.status().oldestWalFile())) {
                return Optional.of("the WAL it needs was removed from the master (needs "
                        + String.format("%X/%X", needed >>> 32, needed & 0xFFFFFFFFL)
                        + ", the master's oldest WAL file is " + m.status().oldestWalFile() + ")");
            }
            return Optional.empty();
        }

        /**
         * Where the standby's WAL stream must resume, when that is known; else Long.MAX_VALUE (never judged).
         * Down (the postmaster not running): its last recorded position. Running but not streaming: the receive position, which PostgreSQL
         * sets to the start point its WAL receiver asks for (the end of its local WAL) — not the replay position,
         * which lags behind during startup while the slot still keeps what the standby needs.
         */
        static long neededWal(DB.Status s, KeeperInfo.PostgresState report) {
            if (!s.healthy()) {
                // Only a postmaster that is really down is judged on its last position: a running standby that
                // did not answer one observation (a busy machine) may be replaying far behind what it received.
                return report != null && report.running() ? Long.MAX_VALUE
                        : s.walPosition() > 0 ? s.walPosition() : Long.MAX_VALUE;
            }
            if (report == null || report.streaming() == null || report.streaming()) {
                return Long.MAX_VALUE;
            }
            return report.receivedWalPosition() > 0 ? report.receivedWalPosition() : Long.MAX_VALUE;
        }

        /** A standby is forked when it went past the point where the master's history left its timeline. */
        static boolean forked(DB m, DB db) {
            long tl = db.status().timelineId();
            if (tl == 0 || db.status().walPosition() == 0) {
                return false;
            }
            if (tl > m.status().timelineId()) {
                return true;
            }
            if (tl == m.status().timelineId()) {
                return false;
            }
            return m.status().timelineHistory().stream().filter(e -> e.timelineId() == tl)
                    .anyMatch(e -> db.status().walPosition() > e.switchPoint());
        }

        private void removeExcessStandbys(DB m, int limit) {
            List<DB> standbys = new ArrayList<>(standbysOf(m));
            if (standbys.size() <= limit) {
                return;
            }
            // Keep synchronous ones first, then the highest priority, then the most advanced.
            standbys.sort(Comparator.comparing((DB d) -> !m.spec().synchronousStandbys().contains(d.uid()))
                    .thenComparing(Comparator.comparingInt((DB d) -> cd.keepers().get(d.spec().keeperUid()).spec()
                            .priority()).reversed())
                    .thenComparing(Comparator.comparingLong((DB d) -> d.status().walPosition()).reversed()));
            for (DB extra : standbys.subList(limit, standbys.size())) {
                cd = cd.withoutDb(extra.uid());
                events.add(new PlanEvent.DbRemoved(extra.uid(), extra.spec().keeperUid(),
                        "more than " + limit + " standbys (maxStandbys/maxStandbysPerSender)"));
            }
        }

        private List<DB> standbysOf(DB m) {
            return cd.dbs().values().stream().filter(d -> d.spec().role() == DB.Role.STANDBY)
                    .filter(d -> d.spec().followConfig() != null && m.uid().equals(d.spec().followConfig().dbUid()))
                    .toList();
        }

        // ---- phase: synchronous set -----------------------------------------------------------------------

        /**
         * Keeps between min and max synchronous standbys, never shrinking the guarantee in one step: a bad
         * member leaves only when enough good members are already in sync without it, or, when it stopped
         * confirming (the master has not reported it in sync for failInterval: its replication is cut or stuck),
         * in exchange for a ready standby. The exchange is safe because a new member is no failover candidate until
         * the master reports it in sync, which PostgreSQL does only once it caught up with everything acknowledged
         * so far; without it, commits would wait for the stuck member for as long as its connection looks open.
         */
        void synchronousSet() {
            Optional<DB> masterDb = cd.masterDb();
            // A pending spec change (e.g. this very one) must not hold the set back: a healthy master suffices.
            if (masterDb.isEmpty() || masterDb.get().spec().role() != DB.Role.MASTER
                    || !masterDb.get().status().healthy()) {
                return;
            }
            DB m = masterDb.get();
            if (!spec.synchronousReplication()) {
                cd = cd.withDb(update(m, withSync(m.spec(), false, List.of())));
                noteUnconfirmed(m);
                return;
            }
            Set<String> inSync = Set.copyOf(m.status().synchronousStandbys());
            List<String> target = new ArrayList<>(m.spec().synchronousStandbys());
            target.removeIf(uid -> !cd.dbs().containsKey(uid)); // replaced DBs hold no copy any more
            List<DB> good = standbysOf(m).stream().filter(this::readySyncStandby)
                    .sorted(Comparator.comparingInt((DB d) -> cd.keepers().get(d.spec().keeperUid()).spec()
                            .priority()).reversed().thenComparing(Comparator.comparingLong((DB d) ->
                            d.status().walPosition()).reversed()).thenComparing(DB::uid))
                    .toList();
            // Only a master heard from just now tells that a member stopped confirming; a stale report tells nothing.
            Keeper mk = cd.keepers().get(m.spec().keeperUid());
            boolean masterFresh = mk != null && usable(lastReport(mk, obs.keepers().get(mk.uid())))
                    .compareTo(staleAfter()) <= 0;
            for (String uid : List.copyOf(target)) {
                Duration unconfirmed = syncUnconfirmedFor(cd.dbs().get(uid));
                if (!masterFresh || unconfirmed.compareTo(spec.failIntervalDuration()) <= 0) {
                    continue;
                }
                Optional<DB> replacement = good.stream().filter(d -> !target.contains(d.uid())).findFirst();
                if (replacement.isPresent()) {
                    target.set(target.indexOf(uid), replacement.get().uid());
                    events.add(new PlanEvent.Info("synchronous standby " + uid + " replaced by "
                            + replacement.get().uid() + ": the master has not reported it in sync for "
                            + unconfirmed.toMillis() + " ms"));
                }
            }
            for (DB d : good) {
                if (target.size() >= spec.maxSynchronousStandbys()) {
                    break;
                }
                if (!target.contains(d.uid())) {
                    target.add(d.uid());
                }
            }
            // A member leaves only on evidence over time (keeper failed, or not converging), never on one report.
            Set<String> goodUids = standbysOf(m).stream().filter(this::keepsSyncRole).map(DB::uid)
                    .collect(Collectors.toSet());
            for (String uid : List.copyOf(target)) {
                long goodInSync = target.stream().filter(u -> !u.equals(uid) && goodUids.contains(u)
                        && inSync.contains(u)).count();
                if (!goodUids.contains(uid) && goodInSync >= spec.minSynchronousStandbys()) {
                    target.remove(uid);
                }
            }
            while (target.size() > spec.maxSynchronousStandbys()) {
                String drop = target.stream().filter(u -> !inSync.contains(u)).findFirst()
                        .orElse(target.get(target.size() - 1));
                target.remove(drop);
            }
            cd = cd.withDb(update(m, withSync(m.spec(), true, target)));
            noteUnconfirmed(cd.dbs().get(m.uid()));
        }

        /**
         * Notes, on each standby, since when the master's synchronous set names it but the master's report does not
         * show it in sync; cleared once it does, or once it is no longer in the set.
         */
        private void noteUnconfirmed(DB m) {
            Set<String> inSync = Set.copyOf(m.status().synchronousStandbys());
            for (DB d : standbysOf(m)) {
                boolean unconfirmed = m.spec().synchronousStandbys().contains(d.uid()) && !inSync.contains(d.uid());
                Instant since = d.status().syncUnconfirmedSince();
                Instant next = !unconfirmed ? null : since != null ? since : now;
                if (!java.util.Objects.equals(next, since)) {
                    cd = cd.withDb(d.withStatus(d.status().withSyncUnconfirmedSince(next)));
                }
            }
        }

        /** How long (usable store time) the master has not reported {@code d} in sync; zero while it does. */
        private Duration syncUnconfirmedFor(DB d) {
            Instant since = d == null ? null : d.status().syncUnconfirmedSince();
            return since == null ? Duration.ZERO : usable(since);
        }

        /** May become a synchronous standby now: healthy and converged in its latest report. */
        private boolean readySyncStandby(DB d) {
            return keepsSyncRole(d) && d.status().healthy() && d.converged();
        }

        /** May stay a synchronous standby: its keeper not failed and its DB not stuck unconverged. */
        private boolean keepsSyncRole(DB d) {
            Keeper k = cd.keepers().get(d.spec().keeperUid());
            return k != null && k.status().healthy() && !k.status().forceFail() && !k.spec().noSync()
                    && unconvergedFor(d).compareTo(spec.convergenceTimeoutDuration()) <= 0;
        }

        // ---- phase: proxy handshake -----------------------------------------------------------------------

        /**
         * Names the master to the proxies only after every live proxy acknowledged the generation that
         * named nobody (or proxyTimeout passed since, so a silent proxy has fenced itself).
         */
        void proxy() {
            io.pgha.model.Proxy p = cd.proxy();
            String master = cd.cluster().status().phase() == Cluster.Phase.NORMAL ? cd.cluster().status().master()
                    : null;
            String named = p.spec().masterDbUid();
            if (named != null && !named.equals(master)) {
                cd = cd.withProxy(p.withSpec(new io.pgha.model.Proxy.Spec(null, p.spec().enabledProxies()), now));
                events.add(new PlanEvent.Info("proxies told to drop connections to " + named));
                return;
            }
            if (named != null || master == null || !ready(cd.dbs().get(master))) {
                return;
            }
            List<String> waiting = obs.proxies().values().stream().filter(i -> i.generation() < p.generation())
                    .map(ProxyInfo::uid).sorted().toList();
            boolean timedOut = p.changeTime() == null
                    || elapsed(p.changeTime()) >= spec.proxyTimeoutDuration().toMillis();
            if (waiting.isEmpty() || timedOut) {
                cd = cd.withProxy(p.withSpec(new io.pgha.model.Proxy.Spec(master, p.spec().enabledProxies()), now));
                events.add(new PlanEvent.Info("proxies pointed at master " + master
                        + (waiting.isEmpty() ? "" : " (proxyTimeout passed for " + waiting + ")")));
            }
        }

        // ---- phase: dead keepers --------------------------------------------------------------------------

        void removeDeadKeepers() {
            for (Keeper k : List.copyOf(cd.keepers().values())) {
                Instant last = k.status().lastHealthyTime();
                if (!k.status().healthy() && cd.dbOfKeeper(k.uid()).isEmpty() && last != null
                        && elapsed(last) > io.pgha.model.Durations.parse(spec.deadKeeperRemovalInterval()).toMillis()) {
                    cd = cd.withoutKeeper(k.uid());
                    events.add(new PlanEvent.Info("keeper " + k.uid() + " removed: dead longer than "
                            + spec.deadKeeperRemovalInterval()));
                }
            }
        }

        // ---- helpers --------------------------------------------------------------------------------------

        /** Promoted, converged and healthy: a master that standbys and proxies may rely on. */
        private boolean ready(DB m) {
            return m != null && m.spec().role() == DB.Role.MASTER && m.converged() && m.status().healthy();
        }

        /** Healthy keepers that may hold a DB, highest priority first. */
        private List<Keeper> eligibleKeepers() {
            boolean registeredOnly = spec.effectiveKeeperAdmission() == ClusterSpec.KeeperAdmission.REGISTERED;
            return cd.keepers().values().stream()
                    .filter(k -> k.status().healthy() && !k.status().forceFail())
                    .filter(k -> !registeredOnly || k.spec().admitted())
                    .sorted(Comparator.comparingInt((Keeper k) -> k.spec().priority()).reversed()
                            .thenComparing(Keeper::uid))
                    .toList();
        }

        DB.Spec dbSpec(String keeperUid, DB.Role role, DB.InitMode init, String follows, List<String> sync,
                       List<String> followers) {
            boolean master = role == DB.Role.MASTER;
            return new DB.Spec(keeperUid, role, init, follows == null ? null : DB.FollowConfig.internal(follows),
                    master && spec.synchronousReplication(), master ? sync : List.of(), spec.pgParameters(),
                    spec.pgHBA(), spec.maxStandbys(), spec.additionalWalSenders(), spec.usePgRewind(),
                    master ? spec.additionalMasterReplicationSlots() : List.of(), master ? followers : List.of(),
                    init == DB.InitMode.NEW ? spec.newConfig() : null, null, spec.automaticPgRestart());
        }

        private static DB.Spec withSync(DB.Spec s, boolean synchronous, List<String> standbys) {
            return s.withSynchronous(synchronous, standbys);
        }

        /**
         * An existing DB brought in line with the cluster spec and its role; how it was initialized
         * (init mode, initdb options) is history and stays as it is.
         */
        private DB refresh(DB db, DB.Role role, String follows, List<String> sync, List<String> followers) {
            DB.Spec s = dbSpec(db.spec().keeperUid(), role, db.spec().initMode(), follows, sync, followers);
            return update(db, s.withInitialization(s.initMode(), db.spec().newConfig(), db.spec().pitrConfig()));
        }

        /** The DB with a new spec and the next generation, or unchanged when the spec is the same. */
        private DB update(DB db, DB.Spec s) {
            return s.equals(db.spec()) ? db : db.withSpec(s, now);
        }

        private void setMessage(String message) {
            if (!java.util.Objects.equals(message, cd.cluster().status().message())) {
                cd = cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withMessage(message)));
            }
        }

        private long elapsed(Instant since) {
            return since == null ? Long.MAX_VALUE : Duration.between(since, now).toMillis();
        }

        /** Time since {@code since} in which the store was usable for this sentinel; unbounded for null. */
        private Duration usable(Instant since) {
            return since == null ? FOREVER : obs.storeOutages().usableSince(since, now);
        }

        private static String pgVersion(KeeperInfo info) {
            return info.postgres() == null ? null : info.postgres().pgVersion();
        }

        /** The WAL position where a segment file starts (16 MiB segments). */
        static long walFileStart(String walFile) {
            long log = Long.parseLong(walFile.substring(8, 16), 16);
            long seg = Long.parseLong(walFile.substring(16, 24), 16);
            return (log << 32) + seg * 16L * 1024 * 1024;
        }
    }
}
