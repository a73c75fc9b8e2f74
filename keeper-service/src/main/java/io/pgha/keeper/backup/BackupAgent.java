package io.pgha.keeper.backup;

import io.pgha.concurrent.ChangedMessage;
import io.pgha.concurrent.DaemonExecutors;
import io.pgha.keeper.postgres.PgCommandException;
import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import io.pgha.model.ClusterData;
import io.pgha.model.MalformedDocumentException;
import io.pgha.store.ClusterRepository;
import io.pgha.store.StoreException;
import io.pgha.store.Versioned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeper's backups (the I/O half of {@link BackupPlanner}): on every keeper it writes the pgBackRest
 * configuration the archive_command reads; on the master's keeper it creates the stanza, claims and runs backups
 * one at a time on a thread of its own (a backup takes minutes, the keeper loop must not wait for it), and
 * publishes the outcome and the repository's catalogue under the store key {@code backups}.
 */
public final class BackupAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackupAgent.class);
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);
    /** No backup may run longer; pgBackRest resumes an interrupted full backup the next time. */
    static final Duration BACKUP_TIMEOUT = Duration.ofHours(24);
    /** A stanza that could not be created, or a catch-up that failed, is tried again after this long. */
    static final Duration RETRY = Duration.ofSeconds(30);

    private final ClusterRepository repository;
    private final String self;
    private final PgBackRestSetup setup;
    private final PgBackRest pgBackRest;
    private final Runnable checkpoint;
    private final Clock clock;
    private final ExecutorService worker = DaemonExecutors.single("keeper-backup");
    private final ChangedMessage problems = new ChangedMessage();
    /** The stanza's and the catch-up's failures, each logged once until one succeeds (they retry every 30 s). */
    private final ChangedMessage setupProblems = new ChangedMessage();
    private volatile Backups lastSeen = Backups.empty();
    private volatile Future<?> task;
    private volatile String runningId;
    /** The stanza was created (or checked) with the configuration as it is now. */
    private volatile boolean stanzaReady;
    private volatile Instant retryAt = Instant.MIN;
    /** The timeline whose predecessors' segments in pg_wal were pushed to the repository after a promotion. */
    private volatile long caughtUpTimeline;

    /**
     * @param checkpoint runs CHECKPOINT on the instance: after a promotion pg_control names the new timeline only
     *                   once a checkpoint ran, and pgBackRest refuses to back up until it does
     */
    public BackupAgent(ClusterRepository repository, String self, String clusterName, PgBackRestSetup setup,
                       Runnable checkpoint, Clock clock) {
        this.repository = repository;
        this.checkpoint = checkpoint;
        this.self = self;
        this.setup = setup;
        this.pgBackRest = setup.cluster(clusterName);
        this.clock = clock;
    }

    /** When the newest backup of a type in the catalogue ended; empty when there is none. */
    public Optional<Instant> lastSuccess(BackupConfig.Type type) {
        return lastSeen.newest(type).map(Backups.BackupSet::stop);
    }

    /**
     * One round, after each keeper step: configure, then (master only) stanza, claim, schedule; a keeper that is
     * not the master's stops the backup it runs.
     *
     * @param master   this keeper's DB is the confirmed master and takes writes
     * @param timeline the timeline the instance runs on
     */
    public void tick(ClusterData cd, boolean master, long timeline) {
        Optional<BackupConfig> config = cd.cluster().spec().effective().backup();
        if (config.isEmpty() && !master && runningId == null) {
            return; // nothing to configure, run, close or stop here: no store read on every standby's step
        }
        try {
            config.ifPresent(this::configure);
            Optional<Versioned<Backups>> read = repository.backups();
            Backups doc = read.map(Versioned::value).orElse(Backups.empty());
            lastSeen = doc;
            if (config.isEmpty() && read.isEmpty()) {
                return;
            }
            if (master && config.isPresent() && idle() && !clock.instant().isBefore(retryAt)) {
                if (!stanzaReady) {
                    task = worker.submit(this::prepareStanza);
                    return;
                }
                if (timeline > 1 && caughtUpTimeline != timeline) {
                    task = worker.submit(() -> catchUpArchive(timeline));
                    return;
                }
            }
            BackupPlanner.Decision d = BackupPlanner.decide(doc, config, self, master, runningId, clock.instant());
            if (!d.next().equals(doc)) {
                if (!repository.putBackups(d.next(), read.map(Versioned::revision).orElse(0L)).succeeded()) {
                    return; // changed meanwhile (a request through the API): decided again on the next round
                }
                lastSeen = d.next();
            }
            switch (d.act()) {
                case START -> start(d.next().current(), d.reason());
                case CANCEL -> cancel(d.reason());
                case NONE -> {
                    if (d.reason() != null) {
                        log.info("event=backup-closed reason=\"{}\"", d.reason());
                    }
                }
            }
            problems.reset();
        } catch (StoreException | MalformedDocumentException | PgCommandException | IllegalStateException e) {
            if (problems.isNew(e.getMessage())) {
                log.warn("backups: {}", e.getMessage());
            }
        }
    }

    private void configure(BackupConfig config) {
        if (pgBackRest.configure(config.options(), setup.secrets())) {
            log.info("event=backup-configured config={} stanza={} options={}", pgBackRest.configFile(),
                    pgBackRest.stanza(), config.options().keySet());
            stanzaReady = false; // a changed repository gets its stanza checked again
        }
    }

    private boolean idle() {
        Future<?> t = task;
        return t == null || t.isDone();
    }

    /** Creates the stanza (or checks the existing one) and publishes the catalogue; a failure is published too. */
    private void prepareStanza() {
        try {
            ensureStanza();
            publishCatalog();
            setupProblems.reset();
        } catch (PgCommandException e) {
            retryAt = clock.instant().plus(RETRY);
            if (setupProblems.isNew(e.getMessage())) {
                log.warn("event=stanza-failed stanza={} retry_in={}s reason=\"{}\"", pgBackRest.stanza(),
                        RETRY.toSeconds(), e.getMessage());
            }
            publishProblem(e.getMessage());
        } catch (StoreException e) {
            log.warn("backups: {}", e.getMessage());
        }
    }

    private void ensureStanza() {
        pgBackRest.stanzaCreate(COMMAND_TIMEOUT);
        if (!stanzaReady) {
            log.info("event=stanza-ready stanza={}", pgBackRest.stanza());
        }
        stanzaReady = true;
    }

    /**
     * After a promotion: the previous timelines' segments still in pg_wal go to the repository. A standby never
     * archives what it receives (pgBackRest does not support archive_mode=always), so segments the lost primary had
     * finished but not archived yet would otherwise be missing before the new timeline; pushing one that is archived
     * already changes nothing.
     */
    private void catchUpArchive(long timeline) {
        long t0 = System.nanoTime();
        Path walDir = setup.pgData().resolve("pg_wal");
        List<Path> older;
        try (Stream<Path> files = Files.list(walDir)) {
            older = segmentsBeforeTimeline(files.map(f -> f.getFileName().toString()).toList(), timeline).stream()
                    .map(walDir::resolve).toList();
        } catch (IOException e) {
            log.warn("backups: cannot list {}: {}", walDir, e.getMessage());
            retryAt = clock.instant().plus(RETRY);
            return;
        }
        try {
            for (Path f : older) {
                pgBackRest.archivePush(f, COMMAND_TIMEOUT);
            }
            checkpoint.run();
            caughtUpTimeline = timeline;
            setupProblems.reset();
            log.info("event=archive-caught-up timeline={} segments={} first={} last={} duration_ms={}", timeline,
                    older.size(), older.isEmpty() ? "-" : older.get(0).getFileName(), older.isEmpty() ? "-"
                            : older.get(older.size() - 1).getFileName(), (System.nanoTime() - t0) / 1_000_000);
        } catch (PgCommandException e) {
            retryAt = clock.instant().plus(RETRY);
            if (setupProblems.isNew(e.getMessage())) {
                log.warn("event=archive-catch-up-failed timeline={} retry_in={}s reason=\"{}\"", timeline,
                        RETRY.toSeconds(), e.getMessage());
            }
        }
    }

    /**
     * The segments of earlier timelines that precede the current timeline's first segment (where it branched off),
     * in order. Later ones with an old timeline's name are files PostgreSQL recycled for reuse, not WAL.
     */
    static List<String> segmentsBeforeTimeline(List<String> walFiles, long timeline) {
        List<String> segments = walFiles.stream().filter(n -> SEGMENT.matcher(n).matches()).sorted().toList();
        Optional<String> branch = segments.stream().filter(n -> timelineOf(n) == timeline).map(n -> n.substring(8))
                .min(Comparator.naturalOrder());
        if (branch.isEmpty()) {
            return List.of();
        }
        return segments.stream().filter(n -> timelineOf(n) < timeline && n.substring(8).compareTo(branch.get()) < 0)
                .sorted(Comparator.comparing((String n) -> n.substring(8))).toList();
    }

    private static long timelineOf(String segment) {
        return Long.parseLong(segment.substring(0, 8), 16);
    }

    private void start(Backups.Run run, String reason) {
        runningId = run.id();
        log.info("event=backup-started id={} type={} reason=\"{}\"", run.id(), run.type().label(), reason);
        task = worker.submit(() -> runBackup(run));
    }

    private void cancel(String reason) {
        Future<?> t = task;
        log.warn("event=backup-cancelled id={} reason=\"{}\"", runningId, reason);
        if (t != null) {
            t.cancel(true); // interrupts pgBackRest (SIGTERM), see PgCommands.run
        }
        runningId = null;
    }

    private void runBackup(Backups.Run run) {
        long t0 = System.nanoTime();
        Backups.Outcome outcome;
        String error = null;
        try {
            ensureStanza();
            pgBackRest.backup(run.type(), BACKUP_TIMEOUT);
            outcome = Backups.Outcome.SUCCEEDED;
        } catch (PgCommandException e) {
            boolean cancelled = Thread.currentThread().isInterrupted() || !run.id().equals(runningId);
            outcome = cancelled ? Backups.Outcome.INTERRUPTED : Backups.Outcome.FAILED;
            error = cancelled ? "cancelled: this keeper's DB is no longer the writable master" : e.getMessage();
        }
        Thread.interrupted(); // the catalogue and the outcome are published even after a cancel
        List<Backups.BackupSet> catalog = null;
        try {
            catalog = catalog();
        } catch (PgCommandException e) {
            log.warn("backups: the catalogue could not be read after backup {}: {}", run.id(), e.getMessage());
        }
        String label = catalog == null || outcome != Backups.Outcome.SUCCEEDED ? null : catalog.stream()
                .filter(b -> b.type() == run.type()).max(Comparator.comparing(Backups.BackupSet::stop))
                .map(Backups.BackupSet::label).orElse(null);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (outcome == Backups.Outcome.SUCCEEDED) {
            log.info("event=backup-finished id={} type={} label={} duration_ms={}", run.id(), run.type().label(), label,
                    ms);
        } else {
            log.warn("event=backup-{} id={} type={} duration_ms={} reason=\"{}\"", outcome == Backups.Outcome.FAILED
                    ? "failed" : "interrupted", run.id(), run.type().label(), ms, error);
        }
        Backups.Outcome how = outcome;
        String why = error;
        List<Backups.BackupSet> sets = catalog;
        try {
            lastSeen = repository.updateBackups(d -> BackupPlanner.finish(d, run, how, label, why, clock.instant(),
                    sets));
        } catch (StoreException e) {
            log.warn("backups: the outcome of backup {} could not be published: {}", run.id(), e.getMessage());
        } finally {
            if (run.id().equals(runningId)) {
                runningId = null;
            }
        }
    }

    private List<Backups.BackupSet> catalog() {
        return BackupCatalog.parse(pgBackRest.info(COMMAND_TIMEOUT), pgBackRest.stanza());
    }

    private void publishCatalog() {
        List<Backups.BackupSet> sets = catalog();
        lastSeen = repository.updateBackups(d -> d.withCatalog(sets, d.catalog().equals(sets) && d.catalogAt() != null
                ? d.catalogAt() : clock.instant()).withProblem(null));
    }

    private void publishProblem(String problem) {
        try {
            lastSeen = repository.updateBackups(d -> d.withProblem(problem));
        } catch (StoreException e) {
            log.warn("backups: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
