package io.pgha.keeper.archive;

import io.pgha.model.KeeperInfo;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code pg_stat_archiver} from one observation to the next: counts the failed {@code archive_command} runs
 * for the {@code pgha.keeper.archive.failed} counter, keeps the last successful archiving time, and logs once when
 * archiving starts failing (with the file it is stuck on) and once when it recovers. PostgreSQL's counters restart
 * from zero after a crash; a drop is taken as such a reset, not as negative failures.
 */
public final class ArchiveWatch {
    private static final Logger log = LoggerFactory.getLogger(ArchiveWatch.class);

    private final AtomicLong failures = new AtomicLong();
    private volatile Instant lastSuccess;
    private KeeperInfo.Archiver previous;

    /** What changed between two looks ({@code previous} null: the first look since the keeper started). */
    record Change(long newFailures, boolean startedFailing, boolean recovered) {
        static Change between(KeeperInfo.Archiver previous, KeeperInfo.Archiver current) {
            if (current == null) {
                return new Change(0, false, false);
            }
            boolean reset = previous == null || current.failedCount() < previous.failedCount();
            long newFailures = reset ? current.failedCount() : current.failedCount() - previous.failedCount();
            boolean wasFailing = previous != null && previous.failing();
            boolean startedFailing = current.failing() && (!wasFailing
                    || !Objects.equals(previous.lastFailedWal(), current.lastFailedWal()));
            return new Change(newFailures, startedFailing, wasFailing && !current.failing());
        }
    }

    /** Takes one observation's archiver statistics (null: the instance did not answer, or does not archive). */
    public synchronized void observe(KeeperInfo.Archiver current) {
        if (current == null) {
            return;
        }
        Change c = Change.between(previous, current);
        failures.addAndGet(c.newFailures());
        if (current.lastArchivedTime() != null
                && (lastSuccess == null || current.lastArchivedTime().isAfter(lastSuccess))) {
            lastSuccess = current.lastArchivedTime();
        }
        if (c.startedFailing()) {
            log.warn("WAL archiving failing wal={} failed_count={} last_failed_time={} last_archived_wal={}: the"
                            + " archive_command exits non-zero (its output is in the PostgreSQL log); WAL piles up in"
                            + " pg_wal until it succeeds", current.lastFailedWal(), current.failedCount(),
                    current.lastFailedTime(), current.lastArchivedWal());
        } else if (c.recovered()) {
            log.info("WAL archiving recovered last_archived_wal={} failed_count={}", current.lastArchivedWal(),
                    current.failedCount());
        }
        previous = current;
    }

    /** Failed archive_command runs seen since the keeper started. */
    public long failures() {
        return failures.get();
    }

    /** When the archiver last archived a file, or null. */
    public Instant lastSuccess() {
        return lastSuccess;
    }
}
