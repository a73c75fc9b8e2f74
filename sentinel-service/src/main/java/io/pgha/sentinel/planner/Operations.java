package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Phase 3b, operator requests: carries out a forced failover or a planned switchover written by the admin API
 * (once its scheduled time came). A switchover is two rounds: fence the proxies and restart the master as a
 * standby of the candidate; promote the candidate once it received the old master's final WAL position.
 */
final class Operations {
    private Operations() {
    }

    static void apply(PlanContext c) {
        Cluster.Operation op = c.cd().cluster().status().operation();
        if (op == null || op.finished()) {
            return;
        }
        if (op.state() == Cluster.Operation.State.RUNNING) {
            continueSwitchover(c, op);
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
        // Switchover, step 1: fence the proxies and restart the master as a standby of the candidate (a clean
        // shutdown sends every WAL record to the connected standbys).
        c.set(c.cd().withDb(c.refresh(m, DB.Role.STANDBY, to.uid(), List.of(), List.of())));
        c.set(c.cd().withCluster(c.cd().cluster().withStatus(c.cd().cluster().status().withMaster(to.uid())
                .withOperation(op.running(to.uid(), m.uid())))));
        c.fenceProxies();
        c.event(new PlanEvent.Info("switchover: proxies fenced, " + m.uid() + " stopping to follow " + to.uid()));
    }

    /** Switchover, step 2: promote the candidate once it received the old master's final WAL position. */
    private static void continueSwitchover(PlanContext c, Cluster.Operation op) {
        DB from = c.cd().dbs().get(op.fromDb());
        DB to = c.cd().dbs().get(op.candidate());
        if (to == null) {
            c.setOperation(op.withState(Cluster.Operation.State.FAILED, "candidate " + op.candidate() + " gone"));
            return;
        }
        if (to.spec().leads()) {
            if (PlanContext.ready(to)) {
                c.setOperation(op.withState(Cluster.Operation.State.DONE, "new master " + to.uid()));
            }
            return;
        }
        boolean oldStopped = from == null || (from.converged() && from.status().healthy());
        if (oldStopped && to.status().healthy() && (from == null
                || to.status().walPosition() >= from.status().walPosition())) {
            List<String> sync = new ArrayList<>(from == null ? List.of() : List.of(from.uid()));
            DB master = c.refreshLeader(to, c.spec().synchronousReplication() ? sync : List.of(),
                    from == null ? List.of() : List.of(from.uid()));
            c.set(c.cd().withDb(master));
            c.event(new PlanEvent.MasterElected(ClusterHistory.Reason.SWITCHOVER, op.fromDb(),
                    from == null ? null : from.spec().keeperUid(), to.uid(), to.spec().keeperUid(),
                    to.status().timelineId(), to.status().walPosition(), null, "planned switchover"));
            return;
        }
        if (c.usable(op.requestedAt()).compareTo(c.spec().convergenceTimeout()) > 0) {
            c.setOperation(op.withState(Cluster.Operation.State.FAILED, "switchover did not complete within"
                    + " convergenceTimeout: " + (oldStopped ? to.uid() + " has not received "
                    + from.status().walPosition() : op.fromDb() + " did not restart as a standby")));
            c.setMessage("switchover failed: the operator must check " + op.fromDb() + " and " + to.uid());
        }
    }
}
