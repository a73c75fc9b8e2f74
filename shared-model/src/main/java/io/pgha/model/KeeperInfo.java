package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a keeper publishes about itself under {@code keepers/<uid>}, bound to its lease: gone when the
 * keeper is. {@code instanceId} is new at every process start; {@code problem} is why its last step towards its
 * assignment failed (e.g. a restore whose recovery target cannot be reached), null once a step succeeds.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KeeperInfo(
        String uid,
        String clusterUid,
        String instanceId,
        Instant time,
        int priority,
        boolean noSync,
        PostgresState postgres,
        String problem) {

    /** A keeper info without a problem: its last step succeeded. */
    public KeeperInfo(String uid, String clusterUid, String instanceId, Instant time, int priority, boolean noSync,
                      PostgresState postgres) {
        this(uid, clusterUid, instanceId, time, priority, noSync, postgres, null);
    }

    /**
     * What {@code info}'s keeper reports about DB {@code dbUid}: empty when there is no info, no instance, or
     * the instance runs another DB (a report about a previous DB says nothing about this one).
     */
    public static java.util.Optional<PostgresState> reportOn(KeeperInfo info, String dbUid) {
        return info == null || info.postgres() == null || dbUid == null || !dbUid.equals(info.postgres().dbUid())
                ? java.util.Optional.empty() : java.util.Optional.of(info.postgres());
    }

    /**
     * The local PostgreSQL instance as observed by its keeper. {@code streaming}: a standby's WAL receiver is
     * connected (null from keepers that do not report it). {@code upstream}: whom a standby's WAL receiver streams
     * from (null while it does not). {@code cleanShutdown}: where a primary stopped to restart as a standby left its
     * WAL, reported between its stop and its restart (null otherwise).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PostgresState(
            String dbUid,
            long generation,
            boolean running,
            boolean healthy,
            boolean inRecovery,
            String systemId,
            long timelineId,
            List<DB.TimelineHistoryEntry> timelineHistory,
            long walPosition,
            long receivedWalPosition,
            long replayedWalPosition,
            List<String> syncStandbys,
            String listenAddress,
            Integer port,
            String pgVersion,
            Map<String, String> pgParameters,
            String oldestWalFile,
            boolean needsRestart,
            Boolean streaming,
            Archiver archiver,
            Upstream upstream,
            CleanShutdown cleanShutdown) {

        public PostgresState {
            timelineHistory = timelineHistory == null ? List.of() : List.copyOf(timelineHistory);
            syncStandbys = syncStandbys == null ? List.of() : List.copyOf(syncStandbys);
            pgParameters = pgParameters == null ? Map.of() : Map.copyOf(pgParameters);
        }

        /** A state without a clean shutdown to report (every state but the one between a demotion's stop and start). */
        public PostgresState(String dbUid, long generation, boolean running, boolean healthy, boolean inRecovery,
                             String systemId, long timelineId, List<DB.TimelineHistoryEntry> timelineHistory,
                             long walPosition, long receivedWalPosition, long replayedWalPosition,
                             List<String> syncStandbys, String listenAddress, Integer port, String pgVersion,
                             Map<String, String> pgParameters, String oldestWalFile, boolean needsRestart,
                             Boolean streaming, Archiver archiver, Upstream upstream) {
            this(dbUid, generation, running, healthy, inRecovery, systemId, timelineId, timelineHistory, walPosition,
                    receivedWalPosition, replayedWalPosition, syncStandbys, listenAddress, port, pgVersion,
                    pgParameters, oldestWalFile, needsRestart, streaming, archiver, upstream, null);
        }

        /** A state without a WAL receiver's upstream (a primary, or a standby not streaming). */
        public PostgresState(String dbUid, long generation, boolean running, boolean healthy, boolean inRecovery,
                             String systemId, long timelineId, List<DB.TimelineHistoryEntry> timelineHistory,
                             long walPosition, long receivedWalPosition, long replayedWalPosition,
                             List<String> syncStandbys, String listenAddress, Integer port, String pgVersion,
                             Map<String, String> pgParameters, String oldestWalFile, boolean needsRestart,
                             Boolean streaming, Archiver archiver) {
            this(dbUid, generation, running, healthy, inRecovery, systemId, timelineId, timelineHistory, walPosition,
                    receivedWalPosition, replayedWalPosition, syncStandbys, listenAddress, port, pgVersion,
                    pgParameters, oldestWalFile, needsRestart, streaming, archiver, null, null);
        }

        /**
         * How far this standby's replay is behind the end of WAL its upstream last reported; null without an
         * upstream. A lower bound: the upstream may have written more since its last message.
         */
        public Long upstreamLagBytes() {
            return upstream == null ? null : upstream.lagBehind(replayedWalPosition);
        }

        /** A state without archiver statistics (an instance that did not answer, or one that does not archive). */
        public PostgresState(String dbUid, long generation, boolean running, boolean healthy, boolean inRecovery,
                             String systemId, long timelineId, List<DB.TimelineHistoryEntry> timelineHistory,
                             long walPosition, long receivedWalPosition, long replayedWalPosition,
                             List<String> syncStandbys, String listenAddress, Integer port, String pgVersion,
                             Map<String, String> pgParameters, String oldestWalFile, boolean needsRestart,
                             Boolean streaming) {
            this(dbUid, generation, running, healthy, inRecovery, systemId, timelineId, timelineHistory, walPosition,
                    receivedWalPosition, replayedWalPosition, syncStandbys, listenAddress, port, pgVersion,
                    pgParameters, oldestWalFile, needsRestart, streaming, null, null, null);
        }
    }

    /**
     * A primary that its keeper stopped cleanly (a fast shutdown, which sends every WAL record to the connected
     * standbys first) to restart it as a standby: its WAL ends at {@code walEnd}, the end of its shutdown checkpoint
     * record, on {@code timelineId}; {@code generation} is the DB generation it stopped for. A switchover's candidate
     * that received up to {@code walEnd} has every commit and may be promoted while the old primary still restarts.
     */
    public record CleanShutdown(long generation, long timelineId, long walEnd) {
    }

    /**
     * The server a standby's WAL receiver streams from, as {@code pg_stat_wal_receiver} shows it: its host and port,
     * the end of WAL it last reported ({@code latest_end_lsn}) and when its last message arrived.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Upstream(String host, Integer port, long walEnd, Instant lastMessageTime) {
        /** How far {@code replayedPosition} is behind the end of WAL the upstream last reported; 0 at or past it. */
        public long lagBehind(long replayedPosition) {
            return Math.max(0, walEnd - replayedPosition);
        }
    }

    /**
     * PostgreSQL's WAL archiver as {@code pg_stat_archiver} counts it (since the statistics were last reset, e.g.
     * by a crash), reported while {@code archive_mode} is not off.
     *
     * @param archivedCount    segments and history files archived
     * @param failedCount      failed attempts of {@code archive_command}
     * @param lastArchivedWal  the last file archived, null when none
     * @param lastFailedWal    the last file whose archiving failed, null when none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Archiver(String mode, long archivedCount, String lastArchivedWal, Instant lastArchivedTime,
                           long failedCount, String lastFailedWal, Instant lastFailedTime) {

        /** The last attempt failed: nothing was archived since the last failure. */
        public boolean failing() {
            return lastFailedTime != null && (lastArchivedTime == null || lastFailedTime.isAfter(lastArchivedTime));
        }
    }
}
