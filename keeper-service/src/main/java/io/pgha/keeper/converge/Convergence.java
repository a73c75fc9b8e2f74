package io.pgha.keeper.converge;

import io.pgha.keeper.KeeperIdentity;
import io.pgha.keeper.KeeperProperties;
import io.pgha.keeper.postgres.Observation;
import io.pgha.keeper.postgres.PgCommandException;
import io.pgha.keeper.postgres.PostgresConfig;
import io.pgha.keeper.postgres.PostgresInstance;
import io.pgha.keeper.postgres.PostgresObserver;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.PgParameters;
import java.sql.SQLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the local PostgreSQL match this keeper's DB in the cluster data, one step per call: fence,
 * initialize, start, role, configuration, slots. Every action is logged at INFO with its reason.
 */
public final class Convergence {
    private static final Logger log = LoggerFactory.getLogger(Convergence.class);
    public static final String SLOT_PREFIX = "pgha_";

    private final KeeperIdentity id;
    private final KeeperProperties props;
    private final PostgresInstance pg;
    private final PostgresObserver sql;
    private final KeeperProperties.Role superuser;
    private final KeeperProperties.Role replication;
    private LocalState state;
    private long appliedGeneration = -1;
    private boolean syncGateClosed;
    private volatile boolean writesFenced;
    private String waitingFor;
    private long actions;
    private Map<String, String> instanceParameters;
    static final String INSTANCE_PARAMETERS = "instance-parameters.json";

    public Convergence(KeeperIdentity id, KeeperProperties props, PostgresInstance pg, PostgresObserver sql) {
        this.id = id;
        this.props = props;
        this.pg = pg;
        this.sql = sql;
        this.superuser = props.superuser();
        this.replication = props.replication();
        this.state = LocalState.load(id.dataDir());
    }

    public LocalState state() {
        return state;
    }

    /** How many actions (start, stop, promote, reload, ...) this keeper took so far: a change means "look again". */
    public long actions() {
        return actions;
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
        actions++;
    }

    /** The generation of the current DB that was fully applied, or -1. */
    public long appliedGeneration() {
        return appliedGeneration;
    }

    /** The replication slot a standby of {@code dbUid} uses on its primary. */
    public static String slotName(String dbUid) {
        return SLOT_PREFIX + dbUid.toLowerCase().replaceAll("[^a-z0-9_]", "_");
    }

    /** One step towards the cluster data's wishes for this keeper. */
    public synchronized void converge(ClusterData cd, Map<String, KeeperInfo> peers, Observation obs) {
        Optional<DB> assigned = cd.dbOfKeeper(id.uid());
        if (assigned.isEmpty()) {
            fence("no DB is assigned to this keeper");
            return;
        }
        DB db = assigned.get();
        if (state.dbUid() != null && !db.uid().equals(state.dbUid())) {
            fence("its DB " + state.dbUid() + " was replaced by " + db.uid());
        }
        boolean acknowledged = Optional.ofNullable(cd.keepers().get(id.uid())).map(Keeper::status)
                .map(s -> id.instanceId().equals(s.instanceId())).orElse(false);
        boolean paused = cd.cluster().status().paused();
        if (!db.uid().equals(state.dbUid()) || !state.initialized()) {
            if (!acknowledged) {
                waiting("the sentinel to acknowledge instance " + id.instanceId() + " before initializing");
                return;
            }
            initialize(db, cd, peers);
            return;
        }
        if (!pg.isRunning()) {
            if (!acknowledged) {
                waiting("the sentinel to acknowledge instance " + id.instanceId() + " before starting PostgreSQL");
            } else if (paused) {
                waiting("resume: the cluster is paused and PostgreSQL is not restarted");
            } else {
                start(db, cd, peers, "PostgreSQL is not running", true);
            }
            return;
        }
        waitingFor = null;
        if (!obs.reachable()) {
            return; // running but not answering (starting up, recovering): look again next time
        }
        if (!ensureRole(db, cd, peers, obs)) {
            return;
        }
        ensureConfig(db, cd, peers, obs, paused);
        if (db.spec().role() == DB.Role.MASTER) {
            ensureSlots(db, obs);
        }
        if (appliedGeneration != db.generation()) {
            log.info("db={} generation={} applied role={}", db.uid(), db.generation(), db.spec().role());
            appliedGeneration = db.generation();
            actions++;
        }
    }

    private void fence(String reason) {
        appliedGeneration = -1;
        if (pg.isRunning()) {
            log.info("action=stop reason=\"{}\": an instance without a current assignment must not serve", reason);
            actions++;
            pg.stop("fast");
        }
    }

    private void waiting(String what) {
        if (!what.equals(waitingFor)) {
            log.info("waiting for {}", what);
            waitingFor = what;
        }
    }

    private void initialize(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        state = new LocalState(db.uid(), false);
        state.save(id.dataDir());
        appliedGeneration = -1;
        actions++;
        long t0 = System.nanoTime();
        switch (db.spec().initMode()) {
            case NEW -> {
                log.info("action=initdb db={} reason=\"new cluster\"", db.uid());
                pg.stop("immediate");
                ClusterSpec.NewConfig newConfig = db.spec().newConfig() != null ? db.spec().newConfig()
                        : cd.cluster().spec().withDefaults().newConfig();
                pg.initdb(superuser.username(), superuser.password(), newConfig);
                log.info("initdb db={} done in {} ms", db.uid(), millisSince(t0));
                keepInstanceParameters();
                start(db, cd, peers, "initialized", false);
                createReplicationRole();
            }
            case EXISTING, NONE -> {
                if (!pg.exists()) {
                    throw new PgCommandException("initMode " + db.spec().initMode() + ": no PostgreSQL data in "
                            + pg.pgData() + " to adopt");
                }
                log.info("action=adopt db={} reason=\"initMode {}\"", db.uid(), db.spec().initMode());
                pg.stop("fast");
                if (!Files.exists(instanceParametersFile())) {
                    keepInstanceParameters(); // the adopted instance's own settings, before pgha rewrites the file
                }
                start(db, cd, peers, "adopted existing data", false);
                if (db.spec().role() == DB.Role.MASTER) {
                    createReplicationRole();
                }
            }
            case RESYNC -> resync(db, cd, peers);
            case PITR -> throw new PgCommandException("initMode pitr is not supported by this keeper yet");
        }
        state = new LocalState(db.uid(), true);
        state.save(id.dataDir());
        log.info("db={} initialized ({}) in {} ms", db.uid(), db.spec().initMode(), millisSince(t0));
    }

    private void resync(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        forgetInstanceParameters(); // a standby takes its configuration from the spec only
        Source source = source(db, cd, peers).orElseThrow(() -> new PgCommandException(
                "cannot resync db " + db.uid() + ": the address of the DB it follows is not known yet"));
        pg.stop("fast");
        boolean rewound = false;
        if (db.spec().usePgRewind() && pg.exists() && source.systemId() != null) {
            String localSystemId = pg.systemId();
            if (source.systemId().equals(localSystemId)) {
                long t0 = System.nanoTime();
                try {
                    pg.ensureCleanShutdown();
                    log.info("action=pg_rewind db={} source={}:{} reason=\"resync with pg_rewind\"", db.uid(),
                            source.host(), source.port());
                    pg.rewind(conninfo(source, superuser.username(), null), Duration.ofMinutes(30));
                    log.info("pg_rewind db={} done in {} ms", db.uid(), millisSince(t0));
                    rewound = true;
                } catch (PgCommandException e) {
                    log.warn("pg_rewind db={} failed, taking a new base backup instead: {}", db.uid(), e.getMessage());
                }
            } else {
                log.info("db={} system id {} differs from the source's {}: base backup", db.uid(), localSystemId,
                        source.systemId());
            }
        }
        if (!rewound) {
            long t0 = System.nanoTime();
            Duration limit = cd.cluster().spec().syncTimeoutDuration();
            log.info("action=basebackup db={} source={}:{} reason=\"resync\"", db.uid(), source.host(),
                    source.port());
            try {
                pg.basebackup(source.host(), source.port(), replication.username(), slotName(db.uid()), limit);
            } catch (PgCommandException e) {
                if (!e.getMessage().contains("does not exist")) {
                    throw e;
                }
                log.info("db={} slot {} not yet on the primary: base backup without it", db.uid(), slotName(db.uid()));
                pg.basebackup(source.host(), source.port(), replication.username(), null, limit);
            }
            log.info("basebackup db={} done in {} ms", db.uid(), millisSince(t0));
        }
        start(db, cd, peers, rewound ? "rewound" : "base backup taken", false);
    }

    private void start(DB db, ClusterData cd, Map<String, KeeperInfo> peers, String reason, boolean afterRestart) {
        syncGateClosed = afterRestart && db.spec().role() == DB.Role.MASTER && !realSyncStandbys(db).isEmpty();
        writeConfig(db, cd, peers);
        long t0 = System.nanoTime();
        log.info("action=start db={} role={} reason=\"{}\"{}", db.uid(), db.spec().role(), reason,
                syncGateClosed ? " (client access withheld until the synchronous standbys are in sync)" : "");
        actions++;
        pg.start();
        sql.evictConnections(); // pooled connections to the previous server are dead
        log.info("started db={} in {} ms", db.uid(), millisSince(t0));
    }

    /** Promotes or demotes when the observed role differs; returns true when the role already matches. */
    private boolean ensureRole(DB db, ClusterData cd, Map<String, KeeperInfo> peers, Observation obs) {
        if (db.spec().role() == DB.Role.MASTER && obs.inRecovery()) {
            long t0 = System.nanoTime();
            log.info("action=promote db={} reason=\"elected master\"", db.uid());
            actions++;
            writeConfig(db, cd, peers);
            pg.promote();
            pg.reload();
            log.info("promoted db={} in {} ms", db.uid(), millisSince(t0));
            return false;
        }
        if (db.spec().role() == DB.Role.STANDBY && !obs.inRecovery()) {
            log.info("action=demote db={} reason=\"assigned standby while running as primary\"", db.uid());
            pg.stop("fast");
            start(db, cd, peers, "restart as standby", false);
            return false;
        }
        return true;
    }

    private void ensureConfig(DB db, ClusterData cd, Map<String, KeeperInfo> peers, Observation obs, boolean paused) {
        if (syncGateClosed && new HashSet<>(obs.syncStandbys()).containsAll(realSyncStandbys(db))) {
            syncGateClosed = false;
            log.info("db={} synchronous standbys {} in sync: client access restored", db.uid(), obs.syncStandbys());
        }
        if (writeConfig(db, cd, peers)) {
            log.info("action=reload db={} reason=\"configuration changed\"", db.uid());
            actions++;
            pg.reload();
            return;
        }
        if (obs.needsRestart() && db.spec().automaticPgRestart() && !paused) {
            log.info("action=restart db={} reason=\"parameters {} need a restart\"", db.uid(), obs.pendingRestart());
            pg.stop("fast");
            start(db, cd, peers, "parameters changed", true);
        }
    }

    private void ensureSlots(DB db, Observation obs) {
        Set<String> wanted = new HashSet<>(db.spec().additionalReplicationSlots());
        db.spec().followers().forEach(f -> wanted.add(slotName(f)));
        List<String> create = wanted.stream().filter(s -> !obs.replicationSlots().contains(s)).sorted().toList();
        List<String> drop = obs.replicationSlots().stream().filter(s -> s.startsWith(SLOT_PREFIX))
                .filter(s -> !wanted.contains(s)).sorted().toList();
        if (create.isEmpty() && drop.isEmpty()) {
            return;
        }
        actions++;
        try {
            sql.execute(st -> {
                try {
                    for (String s : create) {
                        st.execute("SELECT pg_create_physical_replication_slot('" + s + "')");
                        log.info("action=create-slot db={} slot={}", db.uid(), s);
                    }
                    for (String s : drop) {
                        st.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                + " WHERE slot_name = '" + s + "' AND NOT active");
                        log.info("action=drop-slot db={} slot={} reason=\"no longer a follower\"", db.uid(), s);
                    }
                } catch (SQLException e) {
                    throw new PgCommandException("replication slots: " + e.getMessage());
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
                try {
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
                } catch (SQLException e) {
                    throw new PgCommandException("creating the replication role: " + e.getMessage());
                }
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
        Map<String, String> settings = PostgresConfig.parseSettings(pg.readFile("postgresql.conf"));
        settings.keySet().removeIf(PgParameters::managed);
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

    /** Writes postgresql.conf and pg_hba.conf when they differ from what is wanted; true when written. */
    private boolean writeConfig(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        ClusterSpec spec = cd.cluster().spec().withDefaults();
        int maxStandbys = db.spec().maxStandbys() > 0 ? db.spec().maxStandbys() : spec.maxStandbys();
        int walSenders = maxStandbys + Math.max(db.spec().additionalWalSenders(), 0);
        int slots = walSenders + db.spec().additionalReplicationSlots().size();
        boolean master = db.spec().role() == DB.Role.MASTER;
        String syncNames = master ? PostgresConfig.synchronousStandbyNames(db.spec().synchronousReplication(),
                db.spec().synchronousStandbys(), spec.minSynchronousStandbys()) : "";
        PostgresConfig.Standby standby = null;
        if (!master) {
            Source source = source(db, cd, peers).orElse(null);
            String conninfo = source == null ? "" : conninfo(source, replication.username(), db.uid());
            standby = new PostgresConfig.Standby(conninfo, slotName(db.uid()), null);
        }
        String conf = PostgresConfig.withFence(PostgresConfig.postgresqlConf(new PostgresConfig.Desired(
                props.pg().listenAddress(), props.pg().port(), socketDir(), walSenders, slots, syncNames, standby,
                db.spec().pgParameters(), master ? instanceParameters() : Map.of())), writesFenced);
        List<String> peerAddresses = new ArrayList<>();
        peers.forEach((uid, info) -> {
            if (!uid.equals(id.uid()) && info.postgres() != null && info.postgres().listenAddress() != null) {
                peerAddresses.add(info.postgres().listenAddress());
            }
        });
        // Also every keeper the cluster data knows: one whose registration is missing for a moment (lease lost in a
        // partition) must still be let in to replicate, or it never catches up once it is back.
        cd.dbs().values().forEach(other -> {
            if (!other.spec().keeperUid().equals(id.uid()) && other.status().listenAddress() != null) {
                peerAddresses.add(other.status().listenAddress());
            }
        });
        String hba = PostgresConfig.pgHba(superuser.username(), replication.username(), peerAddresses.stream()
                .sorted().distinct().toList(), db.spec().pgHBA(), syncGateClosed);
        if (!master) {
            pg.setStandbySignal(true);
        } else if (!pg.isRunning()) {
            pg.setStandbySignal(false); // a running standby being promoted removes it itself, and fails if it is gone
        }
        boolean changed = false;
        if (!conf.equals(pg.readFile("postgresql.conf"))) {
            pg.writeFile("postgresql.conf", conf);
            changed = true;
        }
        if (!hba.equals(pg.readFile("pg_hba.conf"))) {
            pg.writeFile("pg_hba.conf", hba);
            changed = true;
        }
        return changed;
    }

    /**
     * The Unix socket goes into the keeper's data dir (private), unless that path is too long for a socket
     * (107 bytes on Linux); then into /tmp, still reachable only by PostgreSQL's user (mode 0700).
     */
    Path socketDir() {
        String socket = id.dataDir() + "/.s.PGSQL." + props.pg().port();
        return socket.length() <= 100 ? id.dataDir() : Path.of("/tmp");
    }

    private static List<String> realSyncStandbys(DB db) {
        if (!db.spec().synchronousReplication()) {
            return List.of();
        }
        return db.spec().synchronousStandbys().stream()
                .filter(n -> !n.startsWith(PostgresConfig.SYNC_PLACEHOLDER)).toList();
    }

    /** Where the followed DB is, from its keeper's published info (fresh) or the DB status the sentinel kept. */
    record Source(String host, int port, String systemId) {
    }

    static Optional<Source> source(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        if (db.spec().followConfig() == null || db.spec().followConfig().dbUid() == null) {
            return Optional.empty();
        }
        DB followed = cd.dbs().get(db.spec().followConfig().dbUid());
        if (followed == null) {
            return Optional.empty();
        }
        KeeperInfo info = peers.get(followed.spec().keeperUid());
        if (info != null && info.postgres() != null && info.postgres().listenAddress() != null
                && info.postgres().port() != null) {
            String systemId = info.postgres().systemId() != null ? info.postgres().systemId()
                    : followed.status().systemId();
            return Optional.of(new Source(info.postgres().listenAddress(), info.postgres().port(), systemId));
        }
        if (followed.status().listenAddress() != null && followed.status().port() != null) {
            return Optional.of(new Source(followed.status().listenAddress(), followed.status().port(),
                    followed.status().systemId()));
        }
        return Optional.empty();
    }

    /** A libpq conninfo; the password comes from the keeper's passfile, never from the conninfo. */
    String conninfo(Source s, String user, String applicationName) {
        StringBuilder b = new StringBuilder("host=").append(s.host()).append(" port=").append(s.port())
                .append(" user=").append(user).append(" dbname=postgres")
                .append(" passfile=").append(id.dataDir().resolve(PassFile.NAME))
                .append(" connect_timeout=2 sslmode=prefer");
        if (applicationName != null) {
            b.append(" application_name=").append(applicationName);
        }
        return b.toString();
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
