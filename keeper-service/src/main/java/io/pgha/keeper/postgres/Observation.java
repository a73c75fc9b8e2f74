package io.pgha.keeper.postgres;

import io.pgha.model.DB;
import io.pgha.model.KeeperInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the keeper saw of its instance in one look. {@code reachable} false means the SQL connection
 * failed (stopped, starting, crashed); the other fields are then empty. {@code archiver} is null unless
 * {@code archive_mode} is on or always; {@code upstream} null unless a standby's WAL receiver streams.
 */
public record Observation(
        boolean running,
        boolean reachable,
        boolean inRecovery,
        String systemId,
        long timelineId,
        List<DB.TimelineHistoryEntry> timelineHistory,
        long walPosition,
        long receivedWalPosition,
        long replayedWalPosition,
        boolean streaming,
        List<String> syncStandbys,
        String pgVersion,
        Map<String, String> parameters,
        Set<String> pendingRestart,
        String oldestWalFile,
        Set<String> replicationSlots,
        KeeperInfo.Archiver archiver,
        KeeperInfo.Upstream upstream) {

    public static Observation down(boolean running) {
        return new Observation(running, false, false, null, 0, List.of(), 0, 0, 0, false, List.of(), null, Map.of(),
                Set.of(), null, Set.of(), null, null);
    }

    public boolean healthy() {
        return running && reachable;
    }

    /** The role PostgreSQL runs in, as this look found it. */
    public enum Role {
        PRIMARY, STANDBY, UNKNOWN;

        /** As metrics and probes name it: {@code primary}, {@code standby}, {@code unknown}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Unknown unless PostgreSQL answered; then standby while in recovery, else primary. */
    public Role role() {
        return !healthy() ? Role.UNKNOWN : inRecovery ? Role.STANDBY : Role.PRIMARY;
    }

    public boolean needsRestart() {
        return !pendingRestart.isEmpty();
    }
}
