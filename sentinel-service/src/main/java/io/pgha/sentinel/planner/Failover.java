package io.pgha.sentinel.planner;

import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import io.pgha.model.Durations;
import io.pgha.model.Keeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Phase 3c, failover: when the master failed (its keeper failed in {@link KeeperHealth}, or it did not apply
 * its assignment within convergenceTimeout) and the cluster is not paused, promotes the best
 * {@link Candidates candidate}; with none, says why each standby may not replace it.
 */
final class Failover {
    private Failover() {
    }

    static void apply(PlanContext c) {
        Optional<DB> masterDb = c.cd().masterDb();
        if (masterDb.isEmpty()) {
            return;
        }
        DB m = masterDb.get();
        Optional<FailureEvidence> failure = masterFailure(c, m);
        if (failure.isEmpty()) {
            if (c.cd().cluster().status().message() != null) {
                c.setMessage(null);
            }
            return;
        }
        if (c.cd().cluster().status().paused()) {
            c.setMessage("master " + m.uid() + " failed (" + failure.get().describe()
                    + "); paused: no automatic failover");
            return;
        }
        Candidates candidates = Candidates.of(c, m);
        if (candidates.best().isEmpty()) {
            String why = "master " + m.uid() + " failed (" + failure.get().describe()
                    + ") and no standby may replace it: " + candidates.describeRefused("there are no standbys");
            c.event(new PlanEvent.NoCandidate(m.uid(), failure.get(), candidates.refused(), why));
            c.setMessage(why);
            return;
        }
        promote(c, m, candidates.best().get(), ClusterHistory.Reason.FAILOVER, failure.get(),
                "master failed: " + failure.get().describe());
    }

    private static Optional<FailureEvidence> masterFailure(PlanContext c, DB m) {
        Keeper k = c.keeperOf(m);
        if (k == null) {
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.KEEPER_SILENT, Duration.ZERO, null,
                    "its keeper " + m.spec().keeperUid() + " is gone from the cluster data"));
        }
        FailureEvidence keeperFailed = c.failures.get(k.uid());
        if (keeperFailed != null) {
            return Optional.of(keeperFailed);
        }
        Duration unconverged = c.unconvergedFor(m);
        if (unconverged.compareTo(c.spec().convergenceTimeout()) > 0) {
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.NOT_CONVERGED, unconverged,
                    c.lastReport(k), "generation " + m.generation() + " not applied ("
                    + m.status().currentGeneration() + " reported) within convergenceTimeout "
                    + Durations.format(c.spec().convergenceTimeout())));
        }
        return Optional.empty();
    }

    /** Makes {@code to} the master in place of {@code from}, whose DB is dropped (its keeper will resync). */
    static void promote(PlanContext c, DB from, DB to, ClusterHistory.Reason reason, FailureEvidence evidence,
                        String why) {
        List<String> sync = new ArrayList<>(from.spec().synchronousStandbys());
        sync.remove(to.uid());
        DB master = c.refreshLeader(to, c.spec().synchronousReplication() ? sync : List.of(), to.spec().followers());
        c.set(c.cd().withoutDb(from.uid()).withDb(master));
        c.set(c.cd().withCluster(c.cd().cluster().withStatus(c.cd().cluster().status().withMaster(master.uid())
                .withMessage(null))));
        c.fenceProxies();
        c.event(new PlanEvent.DbRemoved(from.uid(), from.spec().keeperUid(), "replaced as master"));
        c.event(new PlanEvent.MasterElected(reason, from.uid(), from.spec().keeperUid(), master.uid(),
                master.spec().keeperUid(), to.status().timelineId(), to.status().walPosition(), evidence, why));
    }
}
