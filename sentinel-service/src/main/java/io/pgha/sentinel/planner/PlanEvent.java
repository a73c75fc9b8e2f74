package io.pgha.sentinel.planner;

import io.pgha.model.ClusterHistory;

/** Something the planner decided that the sentinel logs, counts or records in history. */
public sealed interface PlanEvent {
    /**
     * A master was elected: at initialization, by failover or by switchover. {@code evidence}: for an automatic
     * failover, the failure it rests on (null otherwise).
     */
    record MasterElected(ClusterHistory.Reason reason, String fromDb, String fromKeeper, String toDb, String toKeeper,
                         long timeline, long walPosition, FailureEvidence evidence, String why) implements PlanEvent {
    }

    /** The master is failed but nobody may replace it; {@code why} lists each standby's disqualification. */
    record NoCandidate(String why) implements PlanEvent {
    }

    record KeeperFailed(String keeperUid, String why) implements PlanEvent {
    }

    record DbAssigned(String dbUid, String keeperUid, String why) implements PlanEvent {
    }

    record DbRemoved(String dbUid, String keeperUid, String why) implements PlanEvent {
    }

    record Info(String what) implements PlanEvent {
    }
}
