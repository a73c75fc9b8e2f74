package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The built-in backups (store key {@code backups}, docs/backup.md): the backup requested or running (at most one:
 * a backup never runs twice at once), the last one that finished, when each scheduled type is due next, and the
 * repository's catalogue as the primary's keeper last read it with {@code pgbackrest info}.
 *
 * @param current   the backup requested (no keeper yet) or running (keeper and start set); null: none
 * @param last      the last backup that finished, succeeded or not
 * @param scheduled by type (full, diff, incr): the cron expression and when it is due next
 * @param catalog   the repository's backups, oldest first
 * @param catalogAt when the catalogue was read
 * @param problem   why the repository cannot be used now (e.g. stanza-create failed); null when it can
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Backups(Run current, Run last, Map<String, Slot> scheduled, List<BackupSet> catalog,
                      Instant catalogAt, String problem) {

    public Backups {
        scheduled = scheduled == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(scheduled));
        catalog = catalog == null ? List.of() : List.copyOf(catalog);
    }

    public static Backups empty() {
        return new Backups(null, null, Map.of(), List.of(), null, null);
    }

    public Backups withCurrent(Run run) {
        return new Backups(run, last, scheduled, catalog, catalogAt, problem);
    }

    /** {@code run} finished: it is the last one and nothing runs. */
    public Backups finished(Run run) {
        return new Backups(null, run, scheduled, catalog, catalogAt, problem);
    }

    public Backups withScheduled(Map<String, Slot> slots) {
        return new Backups(current, last, slots, catalog, catalogAt, problem);
    }

    public Backups withCatalog(List<BackupSet> sets, Instant at) {
        return new Backups(current, last, scheduled, sets, at, problem);
    }

    public Backups withProblem(String text) {
        return new Backups(current, last, scheduled, catalog, catalogAt, text);
    }

    /** The newest backup of a type in the catalogue. */
    public Optional<BackupSet> newest(BackupConfig.Type type) {
        return catalog.stream().filter(b -> b.type() == type).max(Comparator.comparing(BackupSet::stop));
    }

    /** Why a backup was taken. */
    public enum Trigger {
        @JsonProperty("api") API,
        @JsonProperty("schedule") SCHEDULE
    }

    /** How a backup ended. */
    public enum Outcome {
        @JsonProperty("succeeded") SUCCEEDED,
        @JsonProperty("failed") FAILED,
        /** Its keeper stopped being the primary's (failover, restart) before it finished. */
        @JsonProperty("interrupted") INTERRUPTED
    }

    /**
     * One backup run.
     *
     * @param keeperUid  the keeper that runs it (null while requested)
     * @param outcome    null until it finished
     * @param label      pgBackRest's label of the backup it made
     * @param error      why it failed or was interrupted
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(String id, BackupConfig.Type type, Trigger trigger, Instant requestedAt, String keeperUid,
                      Instant startedAt, Instant finishedAt, Outcome outcome, String label, String error) {

        public static Run requested(String id, BackupConfig.Type type, Trigger trigger, Instant at) {
            return new Run(id, type, trigger, at, null, null, null, null, null, null);
        }

        public boolean running() {
            return keeperUid != null;
        }

        public Run startedBy(String keeper, Instant at) {
            return new Run(id, type, trigger, requestedAt, keeper, at, null, null, null, null);
        }

        public Run ended(Outcome how, Instant at, String backupLabel, String why) {
            return new Run(id, type, trigger, requestedAt, keeperUid, startedAt, at, how, backupLabel, why);
        }
    }

    /** A scheduled type: its cron expression and when it is due next (UTC). */
    public record Slot(String cron, Instant next) {
    }

    /**
     * One backup in the repository, as {@code pgbackrest info} lists it.
     *
     * @param prior    the backup it depends on (diff and incr)
     * @param size     the database's size it copied, bytes
     * @param repoSize what it takes in the repository, bytes (compressed, without what it references)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackupSet(String label, BackupConfig.Type type, String prior, Instant start, Instant stop,
                            String walStart, String walStop, String lsnStart, String lsnStop, long size,
                            long repoSize) {
    }
}
