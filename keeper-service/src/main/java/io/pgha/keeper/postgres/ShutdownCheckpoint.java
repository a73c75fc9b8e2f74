package io.pgha.keeper.postgres;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last WAL record of a cleanly stopped primary, its shutdown checkpoint: where it starts ({@code pg_controldata}'s
 * "Latest checkpoint location") and where it ends, which is where the WAL ends. A standby that received up to
 * {@code end} has everything the primary wrote, and a timeline it forks there is one the old primary can follow
 * without a rewind. The end is not in the control file; the record's length is ({@code pg_waldump}), and the end
 * follows from it as PostgreSQL lays records out: continued after the header of every page it crosses, padded to
 * 8 bytes.
 */
public record ShutdownCheckpoint(long timelineId, long start, long end) {
    /** An ordinary page's header; the first page of a segment has the long header. */
    static final int SHORT_PAGE_HEADER = 24;
    static final int LONG_PAGE_HEADER = 40;
    private static final Pattern RECORD = Pattern.compile(
            "len \\(rec/tot\\):\\s*\\d+/\\s*(\\d+),.*?lsn: ([0-9A-Fa-f]+/[0-9A-Fa-f]+),.*?desc: CHECKPOINT_SHUTDOWN");

    /**
     * The shutdown checkpoint that {@code controlData} describes, given {@code pg_waldump}'s output for its
     * location; empty unless the cluster was shut down cleanly as a primary and the output shows that record.
     */
    static Optional<ShutdownCheckpoint> of(Map<String, String> controlData, String waldumpOutput) {
        if (!"shut down".equals(controlData.get("Database cluster state"))) {
            return Optional.empty(); // "shut down in recovery" is a standby's; anything else was not clean
        }
        long start = Lsn.parse(controlData.get("Latest checkpoint location"));
        Matcher m = RECORD.matcher(waldumpOutput);
        if (start == 0 || !m.find() || Lsn.parse(m.group(2)) != start) {
            return Optional.empty();
        }
        long timeline = Long.parseLong(controlData.getOrDefault("Latest checkpoint's TimeLineID", "0"));
        long end = recordEnd(start, Integer.parseInt(m.group(1)),
                Integer.parseInt(controlData.getOrDefault("WAL block size", "8192")),
                Long.parseLong(controlData.getOrDefault("Bytes per WAL segment", "16777216")));
        return timeline > 0 ? Optional.of(new ShutdownCheckpoint(timeline, start, end)) : Optional.empty();
    }

    /**
     * Where a record of {@code totalLength} bytes that starts at {@code start} ends: its length padded to 8 bytes,
     * laid over the pages, each page it continues on beginning with a header. A record that ends exactly at a page's
     * end ends there (PostgreSQL's end-of-record pointer, which standbys report as received and replayed).
     */
    static long recordEnd(long start, int totalLength, int blockSize, long segmentSize) {
        long remaining = (totalLength + 7L) & ~7L;
        long position = start;
        while (true) {
            long space = blockSize - position % blockSize;
            if (remaining <= space) {
                return position + remaining;
            }
            position += space;
            remaining -= space;
            position += position % segmentSize == 0 ? LONG_PAGE_HEADER : SHORT_PAGE_HEADER;
        }
    }
}
