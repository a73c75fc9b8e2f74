package io.pgha.keeper.converge;

import io.pgha.keeper.converge.KeeperAction.Applied;
import io.pgha.keeper.converge.KeeperAction.Initialize;
import io.pgha.keeper.converge.KeeperAction.OpenSyncGate;
import io.pgha.keeper.converge.KeeperAction.Promote;
import io.pgha.keeper.converge.KeeperAction.Reload;
import io.pgha.keeper.converge.KeeperAction.ReportCleanShutdown;
import io.pgha.keeper.converge.KeeperAction.Slots;
import io.pgha.keeper.converge.KeeperAction.Start;
import io.pgha.keeper.converge.KeeperAction.Stop;
import io.pgha.keeper.converge.KeeperAction.StopPurpose;
import io.pgha.keeper.converge.KeeperAction.Wait;
import io.pgha.keeper.converge.KeeperAction.WriteConfig;
import io.pgha.keeper.postgres.Observation;
import io.pgha.keeper.postgres.PostgresConfig;
import io.pgha.keeper.postgres.StopMode;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The keeper's decision, a pure function: {@code (situation) → actions + memory}. One step towards what the
 * cluster data assigns this keeper, in this order: fence an instance without a current assignment; initialize a
 * DB not built yet; start a stopped instance; fix its role (promote, demote); apply configuration (reload, or
 * the restart or reload its DB requests, once per request); the replication slots of its followers; report the
 * generation applied. A role change ends the step (the next observation shows its result); the later phases run in
 * the same step. Nothing happens before the sentinel acknowledged this keeper's instance, and a paused cluster gets no
 * restarts. Parameters that need a restart wait for the sentinel's request: it restarts one instance at a time.
 * {@link Convergence} carries the actions out; {@code KeeperStepTest} has a scenario for every branch.
 */
final class KeeperStep {
    static final String SLOT_PREFIX = "pgha_";

    private KeeperStep() {
    }

    /** What to do, in order, and the memory once it is done. */
    record Decision(List<KeeperAction> actions, KeeperMemory next) {
        Decision {
            actions = List.copyOf(actions);
        }

        /**
         * The step changed what runs (started, stopped, promoted or rebuilt the instance), so its result is for the
         * next step to see and build on: that one runs at once, not a sleepInterval later. In a switchover the
         * sentinel waits for exactly that next step (the old primary's generation applied as a standby, the new
         * master's report as a primary).
         */
        boolean lookAgain() {
            return actions.stream().anyMatch(a -> a instanceof Stop || a instanceof Start || a instanceof Promote
                    || a instanceof Initialize);
        }
    }

    /** The replication slot a standby of {@code dbUid} uses on its primary. */
    static String slotName(String dbUid) {
        return SLOT_PREFIX + dbUid.toLowerCase().replaceAll("[^a-z0-9_]", "_");
    }

    static Decision decide(KeeperSituation s) {
        ClusterData cd = s.clusterData();
        String self = s.settings().keeperUid();
        List<KeeperAction> actions = new ArrayList<>();
        KeeperMemory memory = s.memory();
        boolean running = s.postmasterRunning();
        Optional<DB> assigned = cd.dbOfKeeper(self);
        if (assigned.isEmpty()) {
            if (running) {
                actions.add(new Stop(StopPurpose.FENCE, StopMode.FAST, "no DB is assigned to this keeper: an instance without a current"
                        + " assignment must not serve"));
            }
            return new Decision(actions, memory.withApplied(-1));
        }
        DB db = assigned.get();
        String local = s.local().dbUid();
        if (local != null && !db.uid().equals(local)) {
            memory = memory.withApplied(-1);
            if (running) {
                actions.add(new Stop(StopPurpose.FENCE, StopMode.FAST, "its DB " + local + " was replaced by " + db.uid()
                        + ": an instance without a current assignment must not serve"));
                running = false;
            }
        }
        boolean acknowledged = Optional.ofNullable(cd.keepers().get(self)).map(Keeper::status)
                .map(st -> s.instanceId().equals(st.instanceId())).orElse(false);
        boolean paused = cd.cluster().status().paused();
        if (!db.uid().equals(local) || !s.local().initialized()) {
            if (!acknowledged) {
                actions.add(new Wait("the sentinel to acknowledge instance " + s.instanceId() + " before initializing"));
            } else {
                actions.add(new Initialize(db.spec().initMode(), local == null ? "no local DB"
                        : !db.uid().equals(local) ? "assigned " + db.uid() + " instead of " + local
                        : "the initialization of " + local + " did not finish"));
                memory = KeeperMemory.INITIAL;
            }
            return new Decision(actions, memory);
        }
        if (!running) {
            if (!acknowledged) {
                actions.add(new Wait("the sentinel to acknowledge instance " + s.instanceId()
                        + " before starting PostgreSQL"));
            } else if (paused) {
                actions.add(new Wait("resume: the cluster is paused and PostgreSQL is not restarted"));
            } else {
                // A start reads every parameter: it is the restart a pending request asks for.
                memory = start(s, db, actions, memory.handled(db.spec().request()), "PostgreSQL is not running", true);
            }
            return new Decision(actions, memory);
        }
        Observation obs = s.observation();
        if (!obs.reachable()) {
            return new Decision(actions, memory); // running but not answering (starting, recovering): look again
        }
        boolean master = db.spec().role() == DB.Role.MASTER;
        if (master && obs.inRecovery()) {
            actions.add(write(s, db, memory, true, "promote"));
            actions.add(new Promote("elected master"));
            return new Decision(actions, memory);
        }
        if (!master && !obs.inRecovery()) {
            actions.add(new Stop(StopPurpose.DEMOTE, StopMode.FAST, "assigned standby while running as primary"));
            actions.add(new ReportCleanShutdown(db.generation(), "the candidate may be promoted during the restart"));
            memory = start(s, db, actions, memory, "restart as standby", false);
            return new Decision(actions, memory);
        }
        List<String> sync = realSyncStandbys(db);
        if (memory.syncGateClosed() && new HashSet<>(obs.syncStandbys()).containsAll(sync)) {
            memory = memory.withGate(false);
            actions.add(new OpenSyncGate(obs.syncStandbys(), "synchronous standbys " + obs.syncStandbys()
                    + " in sync: client access restored"));
        }
        DesiredConfig wanted = render(s, db, memory, true);
        DB.Request request = memory.pending(db);
        if (!wanted.matches(s.confOnDisk(), s.hbaOnDisk())) {
            actions.add(new WriteConfig(wanted, "configuration changed"));
            actions.add(new Reload("configuration changed"));
        } else if (request != null && request.kind() == DB.Request.Kind.RESTART) {
            if (paused) {
                actions.add(new Wait("resume: the cluster is paused and PostgreSQL is not restarted"));
                return new Decision(actions, memory);
            }
            // Restarts are the sentinel's to order (a rolling restart, also for automaticPgRestart): standbys one at
            // a time, the primary last, so this keeper restarts only when its DB asks for it.
            actions.add(new Stop(StopPurpose.RESTART, StopMode.FAST, "operation " + request.operationId()
                    + " restarts this instance" + (obs.needsRestart() ? " (parameters "
                    + KeeperAction.pending(obs.pendingRestart()) + " need it)" : "")));
            memory = start(s, db, actions, memory.handled(request), "restart requested", true);
            request = null;
        } else if (request != null) {
            actions.add(new Reload("operation " + request.operationId() + " reloads the configuration"));
            memory = memory.handled(request);
            request = null;
        }
        // The master's followers and, under cascading, a sending standby's: PostgreSQL creates physical slots on a
        // standby too, and a standby without followers drops any pgha slot it was left with.
        slots(db, obs).ifPresent(actions::add);
        // A request not carried out yet (the configuration was rewritten first) leaves the generation unapplied: the
        // sentinel reads "applied" as "restarted" (or reloaded).
        if (request == null && memory.appliedGeneration() != db.generation()) {
            actions.add(new Applied(db.generation(), db.spec().role(), "generation " + db.generation() + " applied"));
            memory = memory.withApplied(db.generation());
        }
        return new Decision(actions, memory);
    }

    /**
     * The keeper's DB is the candidate of a switchover under way (planned, or a rolling restart's) and not promoted
     * yet: the sentinel promotes it as soon as a report of it shows the old master's last WAL received, so it reports
     * often instead of every sleepInterval. The WAL it receives is not part of the cluster data it watches.
     */
    static boolean switchoverCandidate(ClusterData cd, String keeperUid) {
        Cluster.Operation op = cd.cluster().status().operation();
        return op != null && op.state() == Cluster.Operation.State.RUNNING && op.candidate() != null
                && cd.dbOfKeeper(keeperUid).filter(db -> db.uid().equals(op.candidate())
                        && db.spec().role() == DB.Role.STANDBY).isPresent();
    }

    /** Writes the configuration, then starts; a restart with synchronous standbys closes the gate first. */
    private static KeeperMemory start(KeeperSituation s, DB db, List<KeeperAction> actions, KeeperMemory memory,
                                      String reason, boolean afterRestart) {
        boolean gate = afterRestart && db.spec().role() == DB.Role.MASTER && !realSyncStandbys(db).isEmpty();
        KeeperMemory next = memory.withGate(gate);
        actions.add(write(s, db, next, false, reason));
        actions.add(new Start(gate, s.clusterData().cluster().spec().effective().dbWaitReadyTimeout(), reason));
        return next;
    }

    private static WriteConfig write(KeeperSituation s, DB db, KeeperMemory memory, boolean running, String reason) {
        return new WriteConfig(render(s, db, memory, running), reason);
    }

    private static DesiredConfig render(KeeperSituation s, DB db, KeeperMemory memory, boolean running) {
        return DesiredConfig.render(s.settings(), db, s.clusterData(), s.peers(),
                db.spec().role() == DB.Role.MASTER ? s.instanceParameters() : Map.of(),
                memory.syncGateClosed(), s.writesFenced(), running);
    }

    private static Optional<KeeperAction> slots(DB db, Observation obs) {
        Set<String> wanted = new HashSet<>(db.spec().additionalReplicationSlots());
        db.spec().followers().forEach(f -> wanted.add(slotName(f)));
        List<String> create = wanted.stream().filter(x -> !obs.replicationSlots().contains(x)).sorted().toList();
        List<String> drop = obs.replicationSlots().stream().filter(x -> x.startsWith(SLOT_PREFIX))
                .filter(x -> !wanted.contains(x)).sorted().toList();
        if (create.isEmpty() && drop.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Slots(create, drop, "followers " + db.spec().followers()
                + (drop.isEmpty() ? "" : "; dropped slots belong to DBs that no longer follow it")));
    }

    static List<String> realSyncStandbys(DB db) {
        if (!db.spec().synchronousReplication()) {
            return List.of();
        }
        return db.spec().synchronousStandbys().stream()
                .filter(n -> !n.startsWith(PostgresConfig.SYNC_PLACEHOLDER)).toList();
    }
}
