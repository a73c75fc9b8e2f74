package io.pgha.sentinel.planner;

import io.pgha.model.DB;
import io.pgha.model.Keeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The standbys that may replace a master without losing an acknowledged commit, best first (most advanced WAL,
 * then highest priority, then uid), and why each other standby may not.
 */
record Candidates(List<DB> eligible, List<Disqualification> refused) {

    Candidates {
        eligible = List.copyOf(eligible);
        refused = List.copyOf(refused);
    }

    static Candidates of(PlanContext c, DB m) {
        List<DB> out = new ArrayList<>();
        List<Disqualification> refused = new ArrayList<>();
        for (DB db : c.cd().dbs().values()) {
            if (db.uid().equals(m.uid()) || db.spec().role() != DB.Role.STANDBY) {
                continue;
            }
            disqualification(c, m, db).ifPresentOrElse(refused::add, () -> out.add(db));
        }
        if (SynchronousGuarantee.applies(m)) {
            // The set as a whole: enough members must report, and only the most advanced may be promoted.
            SynchronousGuarantee.Verdict verdict = SynchronousGuarantee.judge(c, m);
            for (DB db : List.copyOf(out)) {
                Optional<Disqualification> why = verdict.shortfall().map(s -> new Disqualification(db.uid(),
                        Disqualification.Reason.SYNCHRONOUS_SET_SILENT, s));
                if (why.isEmpty() && db.status().walPosition() < verdict.highest()) {
                    why = refuse(db, Disqualification.Reason.BEHIND_THE_SYNCHRONOUS_SET, "at "
                            + db.status().walPosition() + ", behind " + verdict.highestDb() + " of the synchronous"
                            + " set at " + verdict.highest() + " (it may miss acknowledged commits)");
                }
                why.ifPresent(d -> {
                    out.remove(db);
                    refused.add(d);
                });
            }
        }
        out.sort(Comparator.comparingLong((DB d) -> d.status().walPosition()).reversed()
                .thenComparing(Comparator.comparingInt(c::priority).reversed())
                .thenComparing(DB::uid));
        return new Candidates(out, refused);
    }

    /** Only the candidate an operator named (by DB or keeper uid); refused when it is no standby at all. */
    Candidates named(String candidate) {
        List<DB> chosen = eligible.stream().filter(d -> d.uid().equals(candidate)
                || d.spec().keeperUid().equals(candidate)).toList();
        List<Disqualification> why = new ArrayList<>(refused);
        if (chosen.isEmpty() && refused.stream().noneMatch(r -> r.dbUid().equals(candidate))) {
            why.add(new Disqualification(candidate, Disqualification.Reason.NOT_A_STANDBY,
                    "not a standby of the master"));
        }
        return new Candidates(chosen, why);
    }

    /**
     * For a planned switchover: lagging standbys (and, under quorum commit, those behind the set) are candidates
     * too, after the others — the switchover waits until the one it picked has received everything.
     */
    Candidates waitingForLag(PlanContext c) {
        List<DB> out = new ArrayList<>(eligible);
        List<Disqualification> still = new ArrayList<>();
        for (Disqualification d : refused) {
            if (d.reason() == Disqualification.Reason.LAGGING
                    || d.reason() == Disqualification.Reason.BEHIND_THE_SYNCHRONOUS_SET
                    || d.reason() == Disqualification.Reason.SYNCHRONOUS_SET_SILENT) {
                out.add(c.cd().dbs().get(d.dbUid()));
            } else {
                still.add(d);
            }
        }
        return new Candidates(out, still);
    }

    Optional<DB> best() {
        return eligible.stream().findFirst();
    }

    /** "db2: …; db3: …", or {@code none} when nobody was refused. */
    String describeRefused(String none) {
        return refused.isEmpty() ? none
                : String.join("; ", refused.stream().map(Disqualification::describe).toList());
    }

    private static Optional<Disqualification> disqualification(PlanContext c, DB m, DB db) {
        Keeper k = c.keeperOf(db);
        if (k == null || !k.status().healthy()) {
            return refuse(db, Disqualification.Reason.KEEPER_UNHEALTHY, "keeper unhealthy");
        }
        if (k.status().forceFail()) {
            return refuse(db, Disqualification.Reason.KEEPER_FORCED_TO_FAIL, "keeper forced to fail");
        }
        if (k.spec().priority() <= 0) {
            return refuse(db, Disqualification.Reason.PRIORITY_ZERO, "priority 0");
        }
        if (k.spec().noFailover()) {
            return refuse(db, Disqualification.Reason.NO_FAILOVER, "noFailover");
        }
        if (!c.freshReport(k)) {
            // Promote only a standby heard from just now: when nobody is, the store is not carrying writes.
            Duration silent = c.usable(c.lastReport(k));
            return refuse(db, Disqualification.Reason.NO_FRESH_REPORT, "no fresh report (last one "
                    + FailureEvidence.seconds(silent) + " ago)");
        }
        if (!db.status().healthy() || !db.converged()) {
            return refuse(db, Disqualification.Reason.NOT_HEALTHY_AND_CONVERGED, "not healthy and converged");
        }
        if (db.spec().followConfig() == null || !m.uid().equals(db.spec().followConfig().dbUid())) {
            return refuse(db, Disqualification.Reason.NOT_FOLLOWING_THE_MASTER, "does not follow the master");
        }
        if (m.status().systemId() != null && !m.status().systemId().equals(db.status().systemId())) {
            return refuse(db, Disqualification.Reason.DIFFERENT_SYSTEM_ID, "different system id");
        }
        if (db.status().timelineId() != m.status().timelineId()) {
            return refuse(db, Disqualification.Reason.OTHER_TIMELINE, "on timeline " + db.status().timelineId()
                    + ", master on " + m.status().timelineId());
        }
        if (SynchronousGuarantee.quorum(m)) {
            // Quorum commit: membership here, the set as a whole in of(); "in sync" says nothing about ANY n.
            if (!m.spec().synchronousStandbys().contains(db.uid())) {
                return refuse(db, Disqualification.Reason.NOT_IN_SYNC, "not in the master's synchronous set (it"
                        + " may miss acknowledged commits)");
            }
        } else if (m.spec().synchronousReplication()) {
            if (!m.spec().synchronousStandbys().contains(db.uid())
                    || !m.status().synchronousStandbys().contains(db.uid())) {
                return refuse(db, Disqualification.Reason.NOT_IN_SYNC,
                        "not a synchronous standby in sync (it may miss acknowledged commits)");
            }
        } else {
            long lag = m.status().walPosition() - db.status().walPosition();
            if (lag > c.spec().maxStandbyLag()) {
                return refuse(db, Disqualification.Reason.LAGGING, "lagging " + lag + " bytes behind the master's"
                        + " last known position (max " + c.spec().maxStandbyLag() + ")");
            }
        }
        return Optional.empty();
    }

    private static Optional<Disqualification> refuse(DB db, Disqualification.Reason reason, String detail) {
        return Optional.of(new Disqualification(db.uid(), reason, detail));
    }
}
