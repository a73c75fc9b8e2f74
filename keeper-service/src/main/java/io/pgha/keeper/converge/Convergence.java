package io.pgha.keeper.converge;

import io.pgha.concurrent.ChangedMessage;
import io.pgha.keeper.KeeperIdentity;
import io.pgha.keeper.KeeperProperties;
import io.pgha.keeper.backup.BackupCatalog;
import io.pgha.keeper.backup.PgBackRest;
import io.pgha.keeper.backup.PgBackRestSetup;
import io.pgha.keeper.postgres.Lsn;
import io.pgha.keeper.postgres.Observation;
import io.pgha.keeper.postgres.PgCommandException;
import io.pgha.keeper.postgres.PostgresConfig;
import io.pgha.keeper.postgres.PostgresInstance;
import io.pgha.keeper.postgres.PostgresObserver;
import io.pgha.keeper.postgres.StopMode;
import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.PgParameters;
import java.sql.SQLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keeper's executor: reads what a step needs ({@link KeeperSituation}), lets {@link KeeperStep} decide, and
 * carries out the actions in order — the I/O half of a step. Every action is logged at INFO with its reason.
 * Initialization is one action here whose procedure (initdb, adopt, rewind or base backup) runs inside it.
 */
public final class Convergence {
    private static final Logger log = LoggerFactory.getLogger(Convergence.class);

    private final KeeperIdentity id;
    private final KeeperProperties props;
    private final PostgresInstance pg;
    private final PostgresObserver sql;
    private final KeeperProperties.Role superuser;
    private final KeeperProperties.Role replication;
    private final ConfigSettings settings;
    private final PgBackRestSetup pgBackRest;
    private final String clusterName;
    private LocalState state;
    private KeeperMemory memory = KeeperMemory.INITIAL;
    private volatile boolean writesFenced;
    private final ChangedMessage waitingFor = new ChangedMessage();
    private Map<String, String> instanceParameters;
    static final String INSTANCE_PARAMETERS = "instance-parameters.json";

    public Convergence(KeeperIdentity id, KeeperProperties props, PostgresInstance pg, PostgresObserver sql,
                       PgBackRestSetup pgBackRest, String clusterName) {
        this.id = id;
        this.pgBackRest = pgBackRest;
        this.clusterName = clusterName;
        this.props = props;
        this.pg = pg;
        this.sql = sql;
        this.superuser = props.superuser();
        this.replication = props.replication();
        PgBackRest clusterBackups = pgBackRest.cluster(clusterName);
        this.settings = new ConfigSettings(id.uid(), props.pg().listenAddress(), props.pg().port(),
                socketDir(id.dataDir(), props.pg().port()), superuser.username(), replication.username(),
                id.dataDir().resolve(PassFile.NAME), id.dataDir().resolve(PassFile.UPSTREAM_NAME),
                new ConfigSettings.BackupArchiving(
                        clusterBackups.archiveCommand(), clusterBackups.restoreCommand()));
        this.state = LocalState.load(id.dataDir());
    }

    public LocalState state() {
        return state;
    }

    /** True while this instance withholds writes (it could not confirm it is still the master). */
    public boolean writesFenced() {
        return writesFenced;
    }

    /**
     * Fences or unfences the instance's writes: rewrites the fence block of the {@code postgresql.conf} on disk
     * and reloads. Works without the cluster data (that is when it is needed). Synchronized with
     * {@link #converge}, which writes the same file.
     */
    public synchronized void fenceWrites(boolean fenced, String reason) {
        if (fenced == writesFenced) {
            return;
        }
        writesFenced = fenced;
        log.info("action={} reason=\"{}\"", fenced ? "fence-writes" : "unfence-writes", reason);
        if (pg.exists()) {
            String conf = pg.readFile("postgresql.conf");
            if (!conf.isEmpty()) {
                pg.writeFile("postgresql.conf", PostgresConfig.withFence(conf, fenced));
            }
            if (pg.isRunning()) {
                pg.reload();
            }
        }
    }

    /** The generation of the current DB that was fully applied, or -1. */
    public long appliedGeneration() {
        return memory.appliedGeneration();
    }

    /** The replication slot a standby of {@code dbUid} uses on its primary. */
    public static String slotName(String dbUid) {
        return KeeperStep.slotName(dbUid);
    }

    /**
     * What one step did: {@code acted}, it changed the instance (the caller publishes the result at once);
     * {@code lookAgain}, it changed what runs, and the next step is to follow at once.
     */
    public record Outcome(boolean acted, boolean lookAgain) {
    }

    /**
     * One step towards the cluster data's wishes for this keeper; {@code cleanShutdown} publishes, in the middle of
     * a demotion, where the stopped primary's WAL ends.
     */
    public synchronized Outcome converge(ClusterData cd, Map<String, KeeperInfo> peers, Observation obs,
                                         Consumer<KeeperInfo.CleanShutdown> cleanShutdown) {
        KeeperSituation situation = new KeeperSituation(settings, id.instanceId(), cd, peers, state, pg.isRunning(),
                obs, instanceParameters(), writesFenced, pg.readFile("postgresql.conf"), pg.readFile("pg_hba.conf"),
                memory);
        KeeperStep.Decision d = KeeperStep.decide(situation);
        boolean acted = false;
        DB db = cd.dbOfKeeper(id.uid()).orElse(null);
        for (KeeperAction a : d.actions()) {
            acted |= perform(a, db, cd, peers, cleanShutdown);
        }
        if (d.actions().stream().noneMatch(a -> a instanceof KeeperAction.Wait)) {
            waitingFor.reset();
        }
        memory = d.next();
        return new Outcome(acted, d.lookAgain());
    }

    /** Carries out one action; false for those that leave the instance as it was (a wait). */
    private boolean perform(KeeperAction a, DB db, ClusterData cd, Map<String, KeeperInfo> peers,
                            Consumer<KeeperInfo.CleanShutdown> cleanShutdown) {
        if (a instanceof KeeperAction.Wait w) {
            if (waitingFor.isNew(w.reason())) {
                log.info("waiting for {}", w.reason());
            }
            return false;
        }
        if (a instanceof KeeperAction.Stop stop) {
            log.info("action={} db={} mode={} reason=\"{}\"", stop.purpose().logName(), db == null ? "none" : db.uid(),
                    stop.mode().name().toLowerCase(), stop.reason());
            pg.stop(stop.mode());
        } else if (a instanceof KeeperAction.ReportCleanShutdown report) {
            reportCleanShutdown(db, report, cleanShutdown);
        } else if (a instanceof KeeperAction.Initialize init) {
            initialize(db, cd, peers, init);
        } else if (a instanceof KeeperAction.WriteConfig w) {
            return write(w.files());
        } else if (a instanceof KeeperAction.Start start) {
            long t0 = System.nanoTime();
            log.info("action=start db={} role={} reason=\"{}\"{}", db.uid(), db.spec().role(), start.reason(),
                    start.syncGateClosed() ? " (client access withheld until the synchronous standbys are in sync)" : "");
            pg.start(start.waitReady());
            sql.evictConnections(); // pooled connections to the previous server are dead
            log.info("started db={} in {} ms", db.uid(), millisSince(t0));
        } else if (a instanceof KeeperAction.Promote p) {
            long t0 = System.nanoTime();
            log.info("action=promote db={} reason=\"{}\"", db.uid(), p.reason());
            promote();
            pg.reload();
            log.info("promoted db={} in {} ms", db.uid(), millisSince(t0));
        } else if (a instanceof KeeperAction.Reload r) {
            log.info("action=reload db={} reason=\"{}\"", db.uid(), r.reason());
            pg.reload();
        } else if (a instanceof KeeperAction.OpenSyncGate g) {
            log.info("db={} {}", db.uid(), g.reason());
            return false;
        } else if (a instanceof KeeperAction.Slots slots) {
            replicationSlots(db, slots);
        } else if (a instanceof KeeperAction.Applied applied) {
            log.info("db={} generation={} applied role={}", db.uid(), applied.generation(), applied.role());
        }
        return true;
    }

    /**
     * Without a report the sentinel waits until the instance runs as a standby and reports its position from
     * there: slower, and as safe.
     */
    private void reportCleanShutdown(DB db, KeeperAction.ReportCleanShutdown report,
                                     Consumer<KeeperInfo.CleanShutdown> cleanShutdown) {
        try {
            pg.shutdownCheckpoint().ifPresentOrElse(checkpoint -> {
                log.info("db={} stopped cleanly: WAL ends at {} on timeline {} ({})", db.uid(),
                        Lsn.format(checkpoint.end()), checkpoint.timelineId(), report.reason());
                cleanShutdown.accept(new KeeperInfo.CleanShutdown(report.generation(), checkpoint.timelineId(),
                        checkpoint.end()));
            }, () -> log.info("db={} not stopped cleanly as a primary: its position is reported once it runs as a"
                    + " standby", db.uid()));
        } catch (PgCommandException e) {
            log.warn("db={} end of WAL not read ({}): its position is reported once it runs as a standby", db.uid(),
                    e.getMessage());
        }
    }

    /** Promotes the standby and waits until it accepts writes (within the commands' timeout). */
    private void promote() {
        pg.requestPromotion();
        try {
            if (!sql.awaitOutOfRecovery(Instant.now().plus(pg.commandTimeout()))) {
                throw new PgCommandException("promotion did not finish within " + pg.commandTimeout().toSeconds()
                        + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgCommandException("interrupted while waiting for the promotion");
        }
    }

    /** Writes the files that differ and sets standby.signal; true when something on disk changed. */
    private boolean write(DesiredConfig files) {
        if (files.standbySignal() != null) {
            pg.setStandbySignal(files.standbySignal());
        }
        boolean changed = false;
        if (!files.postgresqlConf().equals(pg.readFile("postgresql.conf"))) {
            pg.writeFile("postgresql.conf", files.postgresqlConf());
            changed = true;
        }
        if (!files.pgHba().equals(pg.readFile("pg_hba.conf"))) {
            pg.writeFile("pg_hba.conf", files.pgHba());
            changed = true;
        }
        return changed;
    }

    /** Renders and writes the configuration now (inside an initialization, whose steps change what it depends on). */
    private void writeConfig(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        write(DesiredConfig.render(settings, db, cd, peers,
                db.spec().role() == DB.Role.MASTER ? instanceParameters() : Map.of(), false, writesFenced,
                pg.isRunning()));
    }

    private void initialize(DB db, ClusterData cd, Map<String, KeeperInfo> peers, KeeperAction.Initialize action) {
        state = new LocalState(db.uid(), false);
        state.save(id.dataDir());
        long t0 = System.nanoTime();
        switch (action.mode()) {
            case NEW -> {
                log.info("action=initdb db={} reason=\"new cluster: {}\"", db.uid(), action.reason());
                pg.stop(StopMode.IMMEDIATE);
                ClusterSpec.NewConfig newConfig = db.spec().newConfig() != null ? db.spec().newConfig()
                        : cd.cluster().spec().effective().newConfig();
                pg.initdb(superuser.username(), superuser.password(), newConfig);
                log.info("initdb db={} done in {} ms", db.uid(), millisSince(t0));
                keepInstanceParameters();
                startAfterInit(db, cd, peers, "initialized");
                createReplicationRole();
            }
            case EXISTING, NONE -> {
                if (!pg.exists()) {
                    throw new PgCommandException("initMode " + action.mode() + ": no PostgreSQL data in "
                            + pg.pgData() + " to adopt");
                }
                log.info("action=adopt db={} reason=\"initMode {}\"", db.uid(), action.mode());
                pg.stop(StopMode.FAST);
                if (!Files.exists(instanceParametersFile())) {
                    keepInstanceParameters(); // the adopted instance's own settings, before pgha rewrites the file
                }
                startAfterInit(db, cd, peers, "adopted existing data");
                if (db.spec().role() == DB.Role.MASTER) {
                    createReplicationRole();
                }
            }
            case RESYNC -> resync(db, cd, peers);
            case PITR -> restore(db, cd, peers);
        }
        state = new LocalState(db.uid(), true);
        state.save(id.dataDir());
        log.info("db={} initialized ({}) in {} ms", db.uid(), action.mode(), millisSince(t0));
    }

    private void startAfterInit(DB db, ClusterData cd, Map<String, KeeperInfo> peers, String reason) {
        writeConfig(db, cd, peers);
        perform(new KeeperAction.Start(false, cd.cluster().spec().effective().dbWaitReadyTimeout(), reason), db, cd,
                peers, stopped -> { });
    }

    private void resync(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        forgetInstanceParameters(); // a standby takes its configuration from the spec only
        if (db.spec().followsUpstream()) {
            cloneUpstream(db, cd, peers, db.spec().followConfig().standbySettings());
            return;
        }
        Source source = Source.of(db, cd, peers).orElseThrow(() -> new PgCommandException(
                "cannot resync db " + db.uid() + ": the address of the DB it follows is not known yet"));
        pg.stop(StopMode.FAST);
        ResyncMethod method = ResyncMethod.choose(db.spec().usePgRewind(), pg.exists(),
                pg.exists() && source.systemId() != null ? pg.systemId() : null, source.systemId());
        boolean rewound = false;
        if (method.rewind()) {
            long t0 = System.nanoTime();
            try {
                pg.ensureCleanShutdown();
                log.info("action=pg_rewind db={} source={}:{} reason=\"{}\"", db.uid(), source.host(), source.port(),
                        method.reason());
                pg.rewind(settings.conninfo(source, superuser.username(), null), Duration.ofMinutes(30));
                log.info("pg_rewind db={} done in {} ms", db.uid(), millisSince(t0));
                rewound = true;
            } catch (PgCommandException e) {
                log.warn("pg_rewind db={} failed, taking a new base backup instead: {}", db.uid(), e.getMessage());
            }
        }
        if (!rewound) {
            long t0 = System.nanoTime();
            Duration limit = cd.cluster().spec().effective().syncTimeout();
            log.info("action=basebackup db={} source={}:{} reason=\"{}\"", db.uid(), source.host(), source.port(),
                    method.rewind() ? "pg_rewind failed" : method.reason());
            try {
                pg.basebackup(source.host(), source.port(), replication.username(), slotName(db.uid()), limit);
            } catch (PgCommandException e) {
                if (!e.missingReplicationSlot()) {
                    throw e;
                }
                log.info("db={} slot {} not yet on the primary: base backup without it", db.uid(), slotName(db.uid()));
                pg.basebackup(source.host(), source.port(), replication.username(), null, limit);
            }
            log.info("basebackup db={} done in {} ms", db.uid(), millisSince(t0));
        }
        startAfterInit(db, cd, peers, rewound ? "rewound" : "base backup taken");
    }

    /**
     * A standby cluster's first leader: a base backup of the upstream over the operator's conninfo (the password
     * from the upstream passfile), through the operator's slot when one is given. The conninfo may name hosts and
     * users, not secrets: the log says only that it is the upstream.
     */
    private void cloneUpstream(DB db, ClusterData cd, Map<String, KeeperInfo> peers,
                               ClusterSpec.StandbyConfig upstream) {
        pg.stop(StopMode.FAST);
        long t0 = System.nanoTime();
        log.info("action=basebackup db={} source=upstream slot={} reason=\"standby leader of a standby cluster\"",
                db.uid(), upstream.primarySlotName() == null ? "none" : upstream.primarySlotName());
        pg.basebackup(settings.upstreamConninfo(upstream.primaryConninfo(), db.uid()), settings.upstreamPassFile(),
                upstream.primarySlotName(), cd.cluster().spec().effective().syncTimeout());
        log.info("basebackup db={} from the upstream done in {} ms", db.uid(), millisSince(t0));
        startAfterInit(db, cd, peers, "base backup of the upstream taken");
    }

    /**
     * initMode=pitr: the operator's dataRestoreCommand fills the data directory, PostgreSQL replays archived WAL
     * (restoreCommand) up to the target, promotes itself, and this becomes the first master. A failed restore or a
     * recovery that ends before its target fails the initialization with PostgreSQL's reason; the next step
     * tries again, and the sentinel never turns it into an initdb. Without a restoreCommand the backup's own WAL
     * is all there is: the instance starts from it as a primary.
     */
    private void restore(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        ClusterSpec.PitrConfig pitr = db.spec().pitrConfig() != null ? db.spec().pitrConfig()
                : cd.cluster().spec().effective().pitrConfig();
        if (pitr == null || (pitr.dataRestoreCommand() == null && pitr.backup() == null)) {
            throw new PgCommandException("initMode pitr without pitrConfig.dataRestoreCommand or pitrConfig.backup");
        }
        Duration limit = cd.cluster().spec().effective().initTimeout();
        Map<String, String> target = pitr.recoveryTarget();
        RestoreCommands commands = pitr.backup() != null ? fromRepository(db, pitr)
                : new RestoreCommands(pitr.dataRestoreCommand(), pitr.restoreCommand());
        boolean archiveRecovery = commands.wal() != null && !commands.wal().isBlank();
        // The commands are the operator's and may carry credentials: the log names the target, not them.
        log.info("action=restore db={} target={} timeline={} reason=\"initMode pitr\"", db.uid(),
                target.isEmpty() ? "end of archive" : target, pitr.recoveryTargetTimeline() == null ? "latest"
                        : pitr.recoveryTargetTimeline());
        long t0 = System.nanoTime();
        pg.stop(StopMode.IMMEDIATE);
        pg.restoreData(commands.data(), limit);
        log.info("restore db={} data restored in {} ms; recovering", db.uid(), millisSince(t0));
        pg.writeFile("postgresql.conf", PostgresConfig.withFence(pg.readFile("postgresql.conf"), false));
        keepInstanceParameters(RESTORED_NOT_KEPT); // the restored instance's own settings, below the spec's
        DesiredConfig wanted = DesiredConfig.render(settings, db, cd, peers, instanceParameters(), false, false, false);
        write(!archiveRecovery ? wanted : new DesiredConfig(PostgresConfig.withRecovery(wanted.postgresqlConf(),
                commands.wal(), target, pitr.recoveryTargetTimeline()), wanted.pgHba(), wanted.standbySignal()));
        pg.setRecoverySignal(archiveRecovery);
        long logFrom = pg.logSize();
        try {
            pg.start(limit);
            awaitPromotion(db, Instant.now().plus(limit));
        } catch (PgCommandException e) {
            List<String> why = pg.errorsSince(logFrom);
            pg.stop(StopMode.IMMEDIATE);
            throw new PgCommandException("point-in-time recovery of db " + db.uid() + " failed"
                    + (why.isEmpty() ? ": " + e.getMessage() : ": " + String.join(" / ", why)));
        }
        sql.evictConnections();
        write(DesiredConfig.render(settings, db, cd, peers, instanceParameters(), false, writesFenced, true));
        pg.reload();
        log.info("restore db={} recovered and promoted in {} ms", db.uid(), millisSince(t0));
        createReplicationRole();
    }

    /** What fills the data directory ({@code %d}) and what fetches archived WAL ({@code restore_command}). */
    private record RestoreCommands(String data, String wal) {
    }

    /**
     * pitrConfig.backup: pgBackRest restores the chosen backup (the given set, else the newest that ends before the
     * target) without recovery settings, and recovery fetches WAL from the same repository.
     */
    private RestoreCommands fromRepository(DB db, ClusterSpec.PitrConfig pitr) {
        BackupConfig.Restore from = pitr.backup();
        PgBackRest repository = pgBackRest.restore(from.stanza() != null ? from.stanza() : clusterName);
        repository.configure(from.options(), pgBackRest.secrets());
        String set = from.set();
        if (set == null) {
            List<Backups.BackupSet> sets = BackupCatalog.parse(repository.info(Duration.ofMinutes(5)),
                    repository.stanza());
            set = BackupCatalog.forTarget(sets, pitr).map(Backups.BackupSet::label).orElseThrow(() ->
                    new PgCommandException("stanza " + repository.stanza() + " has no backup to restore "
                            + (sets.isEmpty() ? "(it holds none)" : "that ends before the recovery target (the oldest"
                            + " ends at " + sets.get(0).stop() + ")")));
        }
        log.info("restore db={} from stanza={} set={}", db.uid(), repository.stanza(), set);
        return new RestoreCommands(repository.restoreCommandLine(pg.pgData(), set), repository.restoreCommand());
    }

    /** Waits until the recovering instance promoted itself, logging the replay position every 10 s. */
    private void awaitPromotion(DB db, Instant deadline) {
        Instant nextLog = Instant.now().plusSeconds(10);
        while (true) {
            Observation o = sql.observe();
            if (o.reachable() && !o.inRecovery()) {
                return;
            }
            if (!pg.isRunning()) {
                throw new PgCommandException("PostgreSQL stopped during recovery");
            }
            if (Instant.now().isAfter(deadline)) {
                throw new PgCommandException("recovery did not finish within initTimeout");
            }
            if (Instant.now().isAfter(nextLog)) {
                log.info("restore db={} recovering: replayed up to {}", db.uid(),
                        o.reachable() ? Lsn.format(o.replayedWalPosition()) : "(not answering yet)");
                nextLog = Instant.now().plusSeconds(10);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PgCommandException("interrupted while waiting for the recovery");
            }
        }
    }

    private void replicationSlots(DB db, KeeperAction.Slots slots) {
        try {
            sql.execute(st -> {
                for (String s : slots.create()) {
                    st.execute("SELECT pg_create_physical_replication_slot('" + s + "')");
                    log.info("action=create-slot db={} slot={}", db.uid(), s);
                }
                for (String s : slots.drop()) {
                    st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                            + " WHERE slot_name = '" + s + "' AND NOT active");
                    log.info("action=drop-slot db={} slot={} reason=\"no longer a follower\"", db.uid(), s);
                }
            });
        } catch (SQLException e) {
            throw new PgCommandException("replication slots: " + e.getMessage());
        }
    }

    /** Creates the replication role; the statement carries a password, so keep it out of the server log. */
    private void createReplicationRole() {
        if (replication.username().equals(superuser.username())) {
            return;
        }
        try {
            sql.execute(st -> {
                st.execute("SET log_min_error_statement = panic");
                st.execute("SET log_statement = 'none'");
                // Not waiting for synchronous standbys that do not exist yet: this is bootstrap, not data.
                st.execute("SET synchronous_commit = local");
                String pw = replication.password().replace("'", "''");
                String user = replication.username().replace("\"", "\"\"");
                st.execute("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '"
                        + replication.username().replace("'", "''") + "') THEN CREATE ROLE \"" + user
                        + "\" LOGIN REPLICATION; END IF; END$$");
                st.execute("ALTER ROLE \"" + user + "\" WITH LOGIN REPLICATION PASSWORD '" + pw + "'");
            });
            log.info("replication role {} ready", replication.username());
        } catch (SQLException e) {
            throw new PgCommandException("creating the replication role: " + e.getMessage());
        }
    }

    private Path instanceParametersFile() {
        return id.dataDir().resolve(INSTANCE_PARAMETERS);
    }

    /**
     * Keeps the settings initdb (or an adopted instance) wrote into postgresql.conf before pgha rewrites it:
     * they stay below the spec's parameters, and the sentinel merges them into the spec when
     * {@code mergePgParameters} so that every standby gets the same.
     */
    private void keepInstanceParameters() {
        keepInstanceParameters(Set.of());
    }

    /**
     * What a restored instance does not keep of its source's settings: archiving. Its source's archive_command would
     * write the restored cluster's new timeline into the source cluster's archive; the new cluster's spec decides.
     */
    private static final Set<String> RESTORED_NOT_KEPT = Set.of("archive_mode", "archive_command", "archive_library");

    private void keepInstanceParameters(Set<String> notKept) {
        Map<String, String> settings = PostgresConfig.parseSettings(pg.readFile("postgresql.conf"));
        settings.keySet().removeIf(PgParameters::managed);
        settings.keySet().removeIf(notKept::contains);
        try {
            Files.writeString(instanceParametersFile(), JsonCodec.write(settings));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        instanceParameters = settings;
    }

    private void forgetInstanceParameters() {
        try {
            Files.deleteIfExists(instanceParametersFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        instanceParameters = Map.of();
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> instanceParameters() {
        if (instanceParameters == null) {
            try {
                Path f = instanceParametersFile();
                instanceParameters = Files.exists(f) ? JsonCodec.read(Files.readString(f), Map.class, f.toString())
                        : Map.of();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instanceParameters;
    }

    /**
     * The Unix socket goes into the keeper's data dir (private), unless that path is too long for a socket
     * (107 bytes on Linux); then into /tmp, still reachable only by PostgreSQL's user (mode 0700).
     */
    public static Path socketDir(Path dataDir, int port) {
        String socket = dataDir + "/.s.PGSQL." + port;
        return socket.length() <= 100 ? dataDir : Path.of("/tmp");
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
