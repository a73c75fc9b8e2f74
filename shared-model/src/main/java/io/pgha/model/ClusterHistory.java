package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Master changes, newest last, bounded so the document stays small. Stored under {@code history}. */
public record ClusterHistory(int formatVersion, List<Entry> entries) {
    public static final int MAX_ENTRIES = 100;

    public ClusterHistory {
        entries = entries == null ? List.of() : List.copyOf(entries);
    }

    public static ClusterHistory empty() {
        return new ClusterHistory(ClusterData.FORMAT_VERSION, List.of());
    }

    /** A copy with {@code e} appended, dropping the oldest entries beyond {@link #MAX_ENTRIES}. */
    public ClusterHistory append(Entry e) {
        List<Entry> l = new ArrayList<>(entries);
        l.add(e);
        int drop = Math.max(0, l.size() - MAX_ENTRIES);
        return new ClusterHistory(formatVersion, l.subList(drop, l.size()));
    }

    public enum Reason {
        @JsonProperty("init") INIT,
        @JsonProperty("failover") FAILOVER,
        @JsonProperty("switchover") SWITCHOVER,
        /** A standby cluster became a cluster of its own: its standby leader was promoted. */
        @JsonProperty("promote") PROMOTE
    }

    /**
     * One master change: from which DB/keeper to which, on which timeline, at which WAL position; {@code why}
     * says what the decision rested on (for a failover: the failure signal, how long it lasted, the last report).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(Instant time, Reason reason, String fromDbUid, String fromKeeperUid, String toDbUid,
                        String toKeeperUid, long timelineId, long walPosition, String why) {
    }
}
