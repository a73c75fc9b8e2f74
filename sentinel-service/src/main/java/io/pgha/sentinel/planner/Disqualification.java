package io.pgha.sentinel.planner;

/**
 * Why a standby may not become the master now: the reason as a type the planner and its tests act on, and the
 * detail an operator reads.
 */
public record Disqualification(String dbUid, Reason reason, String detail) {

    public enum Reason {
        KEEPER_UNHEALTHY,
        KEEPER_FORCED_TO_FAIL,
        PRIORITY_ZERO,
        NO_FAILOVER,
        /** Its keeper has not been heard from just now: the store may not be carrying its writes. */
        NO_FRESH_REPORT,
        NOT_HEALTHY_AND_CONVERGED,
        NOT_FOLLOWING_THE_MASTER,
        DIFFERENT_SYSTEM_ID,
        OTHER_TIMELINE,
        /** Synchronous replication: not a synchronous standby the master reports in sync. */
        NOT_IN_SYNC,
        /**
         * Quorum commit (or an earlier set that still counts): too few members of the synchronous set report to
         * know which of them holds every acknowledged commit.
         */
        SYNCHRONOUS_SET_SILENT,
        /** Quorum commit: another member of the synchronous set is further; this one may miss commits. */
        BEHIND_THE_SYNCHRONOUS_SET,
        /** Asynchronous replication: further behind than maxStandbyLag. */
        LAGGING,
        /** An operator named it, and it is no standby of the master. */
        NOT_A_STANDBY
    }

    /** "db2: lagging 4096 bytes behind …": how it reads in messages and logs. */
    public String describe() {
        return dbUid + ": " + detail;
    }
}
