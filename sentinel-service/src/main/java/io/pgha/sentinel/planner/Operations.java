package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import io.pgha.model.KeeperInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Phase 3b, operator requests: carries out a forced failover or a planned switchover written by the admin API
 * (once its scheduled time came); a rolling restart or a reload is {@link RollingRestart}'s. A switchover is two rounds: fence the proxies and restart the master as a
 * standby of the candidate; promote the candidate once it received the old master's final WAL position.
 */
final class Operations {
    private Operations() {
    }

    static void apply(PlanContext c) {
        Cluster.Operation op = c.cd().cluster().status().operation();
        if (op == null || op.finished()) {
            op = RollingRestart.automatic(c, op).orElse(null);
        }
        if (op != null) {
            switch (op.type()) {
                case RESTART -> RollingRestart.apply(c, op);
                case RELOAD -> RollingRestart.reload(c, op);
                case FAILOVER, SWITCHOVER -> replaceMaster(c, op);
            }
        }
        RollingRestart.withdrawFinishedRequests(c);
    }

    private static void replaceMaster(PlanContext c, Cluster.Operation op) {
        if (op.state() == Cluster.Operation.State.RUNNING) {
            advanceSwitchover(c, op, op.requestedAt()).ifPresent(outcome -> end(c, op, outcome));
            return;
        }
        if (op.scheduledAt() != null && c.now.isBefore(op.scheduledAt())) {
            return;
        }
        Optional<DB> masterDb = c.cd().masterDb().filter(PlanContext::ready);
        if (masterDb.isEmpty()) {
            c.setOperation(op.withState(Cluster.Operation.State.FAILED, "no healthy master to replace"));
            return;
        }
        DB m = masterDb.get();
        Candidates candidates = Candidates.of(c, m);
        if (op.type() == Cluster.Operation.Type.SWITCHOVER) {
            candidates = candidates.waitingForLag(c);
        }
        if (op.candidate() != null) {
            candidates = candidates.named(op.candidate());
        }
        Optional<DB> best = candidates.best();
        if (best.isEmpty()) {
            c.setOperation(op.withState(Cluster.Operation.State.FAILED, "no eligible candidate: "
                    + candidates.describeRefused("")));
            return;
        }
        DB to = best.get();
        if (op.type() == Cluster.Operation.Type.FAILOVER) {
            Failover.promote(c, m, to, ClusterHistory.Reason.FAILOVER, null, "forced failover requested");
            c.setOperation(op.running(to.uid(), m.uid()).withState(Cluster.Operation.State.DONE,
                    "new master " + to.uid()));
            return;
        }
        beginSwitchover(c, m, to, op.running(to.uid(), m.uid()));
    }

    private static void end(PlanContext c, Cluster.Operation op, Outcome outcome) {
        c.setOperation(op.withState(outcome.done() ? Cluster.Operation.State.DONE : Cluster.Operation.State.FAILED,
                outcome.message()));
        if (!outcome.done()) {
            c.setMessage("switchover failed: the operator must check " + op.fromDb() + " and " + op.candidate());
        }
    }

    /**
     * Switchover, step 1: fence the proxies and restart the master as a standby of the candidate (a clean shutdown
     * sends every WAL record to the connected standbys); {@code running} names both and becomes the operation. The
     * candidate gets the master and its other standbys as followers at once, so that it has their replication slots
     * (a standby can hold them) by the time the old master restarts and connects to it: a standby that finds no
     * slot retries only after wal_retrieve_retry_interval (5 s), and under synchronous replication the new master's
     * commits would wait that long for it.
     */
    static void beginSwitchover(PlanContext c, DB m, DB to, Cluster.Operation running) {
        List<String> followers = new ArrayList<>(List.of(m.uid()));
        c.standbysOf(m).stream().map(DB::uid).filter(uid -> !uid.equals(to.uid())).sorted().forEach(followers::add);
        String follows = to.spec().followConfig() == null ? m.uid() : to.spec().followConfig().dbUid();
        c.set(c.cd().withDb(c.refresh(to, DB.Role.STANDBY, follows, List.of(), followers)));
        c.set(c.cd().withDb(c.refresh(m, DB.Role.STANDBY, to.uid(), List.of(), List.of())));
        c.set(c.cd().withCluster(c.cd().cluster().withStatus(c.cd().cluster().status().withMaster(to.uid())
                .withOperation(running))));
        c.fenceProxies();
        c.event(new PlanEvent.Info("switchover: proxies fenced, " + m.uid() + " stopping to follow " + to.uid()));
    }

    private static List<String> concat(List<String> list, String uid) {
        List<String> all = new ArrayList<>(list);
        all.add(uid);
        return all;
    }

    /** How a switchover ended: done (the new master leads) or failed, with the operator's message. */
    record Outcome(boolean done, String message) {
    }

    /**
     * Switchover, step 2: promote the candidate once it received the old master's final WAL position; the outcome
     * once it ended (the candidate leads and is ready, or it did not within convergenceTimeout of {@code since}),
     * empty while under way.
     */
    static Optional<Outcome> advanceSwitchover(PlanContext c, Cluster.Operation op, Instant since) {
        DB from = c.cd().dbs().get(op.fromDb());
        DB to = c.cd().dbs().get(op.candidate());
        if (to == null) {
            return Optional.of(new Outcome(false, "candidate " + op.candidate() + " gone"));
        }
        if (to.spec().leads()) {
            return PlanContext.ready(to) ? Optional.of(new Outcome(true, "new master " + to.uid())) : Optional.empty();
        }
        KeeperInfo.CleanShutdown shutdown = from == null ? null : cleanShutdown(c, from, to);
        boolean oldStopped = from == null || shutdown != null || (from.converged() && from.status().healthy());
        long finalPosition = from == null ? 0 : shutdown != null ? shutdown.walEnd() : from.status().walPosition();
        if (oldStopped && to.status().healthy() && to.status().walPosition() >= finalPosition) {
            List<String> sync = new ArrayList<>(from == null ? List.of() : List.of(from.uid()));
            // The followers it got in step 1 (whose slots it made), less any DB gone since.
            List<String> followers = to.spec().followers().stream().filter(c.cd().dbs()::containsKey).toList();
            DB master = c.refreshLeader(to, c.spec().synchronousReplication() ? sync : List.of(),
                    from == null || followers.contains(from.uid()) ? followers : concat(followers, from.uid()));
            c.set(c.cd().withDb(master));
            c.event(new PlanEvent.MasterElected(ClusterHistory.Reason.SWITCHOVER, op.fromDb(),
                    from == null ? null : from.spec().keeperUid(), to.uid(), to.spec().keeperUid(),
                    to.status().timelineId(), to.status().walPosition(), null, "planned switchover"
                    + (op.type() == Cluster.Operation.Type.RESTART ? " (rolling restart " + op.id() + ")" : "")));
            return Optional.empty();
        }
        if (c.usable(since).compareTo(c.spec().convergenceTimeout()) > 0) {
            return Optional.of(new Outcome(false, "switchover did not complete within convergenceTimeout: "
                    + (oldStopped ? to.uid() + " has not received " + finalPosition
                    : op.fromDb() + " did not restart as a standby")));
        }
        return Optional.empty();
    }

    /**
     * The old master's report that it stopped cleanly for this switchover (the generation that made it a standby),
     * on the candidate's timeline, and is not running yet: its WAL ends there, and it is restarting as the
     * candidate's standby. Null otherwise; then step 2 waits for its report as a running standby.
     */
    private static KeeperInfo.CleanShutdown cleanShutdown(PlanContext c, DB from, DB to) {
        return c.report(from).filter(r -> !r.running()).map(KeeperInfo.PostgresState::cleanShutdown)
                .filter(s -> s.generation() == from.generation() && s.timelineId() == to.status().timelineId())
                .orElse(null);
    }
}
