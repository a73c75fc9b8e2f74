package io.pgha.keeper.converge;

import io.pgha.keeper.postgres.StopMode;
import io.pgha.model.DB;
import java.util.List;
import java.util.Set;

/**
 * One thing the keeper does to its instance, decided by {@link KeeperStep} and carried out by
 * {@link Convergence}. Every action says why.
 */
sealed interface KeeperAction {
    String reason();

    /** Nothing to do until something outside the keeper changes. */
    record Wait(String reason) implements KeeperAction {
    }

    /** Why an instance is stopped; named in the log as {@code action=stop|demote|restart}. */
    enum StopPurpose {
        /** It has no current assignment and must not serve. */
        FENCE("stop"),
        /** It runs as a primary but is assigned standby: it restarts as one. */
        DEMOTE("demote"),
        /** Parameters that need a restart changed. */
        RESTART("restart");

        private final String logName;

        StopPurpose(String logName) {
            this.logName = logName;
        }

        String logName() {
            return logName;
        }
    }

    record Stop(StopPurpose purpose, StopMode mode, String reason) implements KeeperAction {
    }

    /**
     * After a demotion's stop, before the restart: report where the stopped primary's WAL ends, so that the sentinel
     * can promote the switchover's candidate while this instance restarts as its standby.
     */
    record ReportCleanShutdown(long generation, String reason) implements KeeperAction {
    }

    /** Build the DB's data: initdb, adopt existing data, or resync from the followed DB. */
    record Initialize(DB.InitMode mode, String reason) implements KeeperAction {
    }

    /** Write the configuration files (only those that differ) and set or remove standby.signal. */
    record WriteConfig(DesiredConfig files, String reason) implements KeeperAction {
    }

    /**
     * Start PostgreSQL and wait up to {@code waitReady} (the spec's dbWaitReadyTimeout) for it to accept
     * connections; {@code syncGateClosed}: clients are kept out until the synchronous standbys are in sync.
     */
    record Start(boolean syncGateClosed, java.time.Duration waitReady, String reason) implements KeeperAction {
    }

    record Promote(String reason) implements KeeperAction {
    }

    record Reload(String reason) implements KeeperAction {
    }

    /** The synchronous standbys are in sync again after a restart: the pg_hba gate opens (with the next reload). */
    record OpenSyncGate(List<String> inSync, String reason) implements KeeperAction {
    }

    /** Create and drop pgha's replication slots on a primary. */
    record Slots(List<String> create, List<String> drop, String reason) implements KeeperAction {
    }

    /** The DB's generation is applied: the keeper reports it as converged. */
    record Applied(long generation, DB.Role role, String reason) implements KeeperAction {
    }

    /** Parameters PostgreSQL reports as needing a restart. */
    static String pending(Set<String> parameters) {
        return parameters.stream().sorted().toList().toString();
    }
}
