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

    /**
     * The master is failed but nobody may replace it: the failure, each standby's disqualification, and
     * {@code why}, the one line an operator reads (also the cluster's status message).
     */
    record NoCandidate(String masterDb, FailureEvidence failure, java.util.List<Disqualification> refused,
                       String why) implements PlanEvent {
        public NoCandidate {
            refused = java.util.List.copyOf(refused);
        }
    }

    /** A keeper that was healthy is failed now, on this evidence. */
    record KeeperFailed(String keeperUid, FailureEvidence evidence) implements PlanEvent {
    }

    record DbAssigned(String dbUid, String keeperUid, String why) implements PlanEvent {
    }

    record DbRemoved(String dbUid, String keeperUid, String why) implements PlanEvent {
    }

    record Info(String what) implements PlanEvent {
    }

    /**
     * A step of an operation (rolling restart, reload) began or ended: {@code step} names it (restart, switchover,
     * reload, done, failed), {@code keeperUid} the keeper it concerns (null for the operation as a whole).
     */
    record OperationStep(String operationId, io.pgha.model.Cluster.Operation.Type type, String step,
                         String keeperUid, String why) implements PlanEvent {
    }
}
