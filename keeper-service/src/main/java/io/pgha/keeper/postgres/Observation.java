package io.pgha.keeper.postgres;

import io.pgha.model.DB;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the keeper saw of its instance in one look. {@code reachable} false means the SQL connection
 * failed (stopped, starting, crashed); the other fields are then empty.
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
        Set<String> replicationSlots) {

    public static Observation down(boolean running) {
        return new Observation(running, false, false, null, 0, List.of(), 0, 0, 0, false, List.of(), null, Map.of(),
                Set.of(), null, Set.of());
    }

    public boolean healthy() {
        return running && reachable;
    }

    public boolean needsRestart() {
        return !pendingRestart.isEmpty();
    }
}
