package io.pgha.keeper.converge;

import io.pgha.concurrent.ChangedMessage;
import io.pgha.concurrent.DaemonExecutors;
import io.pgha.concurrent.PacedLoop;
import io.pgha.keeper.KeeperIdentity;
import io.pgha.keeper.KeeperProperties;
import io.pgha.keeper.archive.ArchiveWatch;
import io.pgha.keeper.backup.BackupAgent;
import io.pgha.keeper.postgres.Observation;
import io.pgha.keeper.postgres.PostgresInstance;
import io.pgha.keeper.postgres.PostgresObserver;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSnapshot;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.EffectiveSpec;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.MalformedDocumentException;
import io.pgha.store.ClusterRepository;
import io.pgha.store.EphemeralRegistration;
import io.pgha.store.StoreException;
import io.pgha.store.StoreKeys;
import io.pgha.store.StoreWatch;
import io.pgha.store.WatchEvent;
import io.pgha.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The keeper's loop: on every {@code sleepInterval}, on every change of the cluster data (watch) and
 * within a quarter second of the postmaster exiting, it looks at PostgreSQL, publishes what it saw, converges one
 * step, and publishes again when that step did something; a step that started, stopped or promoted the instance
 * is followed by the next one at once. A store outage changes nothing locally; the loop
 * goes on and catches up.
 */
public final class KeeperLoop implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(KeeperLoop.class);
    private static final Duration TICK = Duration.ofMillis(250);
    /** How often the candidate of a switchover under way reports (see {@link KeeperStep#switchoverCandidate}). */
    private static final Duration CANDIDATE_REPORTS = Duration.ofMillis(50);

    private final ClusterRepository repository;
    private final KeeperIdentity id;
    private final KeeperProperties props;
    private final PostgresInstance pg;
    private final PostgresObserver observer;
    private final Convergence convergence;
    private final EphemeralRegistration registration;
    private final Clock clock;
    // Retries soon after a failure (e.g. a start racing the crashed postmaster's children, which hold its shared
    // memory for a moment), then every sleepInterval.
    private final PacedLoop loop = new PacedLoop("keeper-loop", TICK, () -> this.sleepInterval, 8, this::tick,
            this::stepFailed).beforeEachTick(this::watchPostmaster);
    private volatile KeeperView view = KeeperView.initial();
    private StoreWatch watch;
    /** What concerned this keeper in the last cluster data its watch delivered (watch thread only). */
    private WatchedPart watched;
    private boolean lastSeenRunning;
    private volatile Duration sleepInterval = ClusterSpec.empty().effective().sleepInterval();
    private volatile Duration failInterval = ClusterSpec.empty().effective().failInterval();
    /** When the last cluster data read that named this keeper's DB the master was sent (start: the keeper's start). */
    private volatile Instant lastConfirmed;
    private ScheduledExecutorService fenceExecutor;
    /** The last observation that reached PostgreSQL found it read-write. */
    private volatile boolean runsAsPrimary;
    /** The last keeper infos read: a failed read must not empty pg_hba.conf of the peers. */
    private Map<String, KeeperInfo> lastPeers = Map.of();
    private final ChangedMessage failure = new ChangedMessage();
    /** Why the last convergence step failed, published with the keeper's info; null after a step that succeeded. */
    private volatile String problem;
    private final ArchiveWatch archive = new ArchiveWatch();
    private final BackupAgent backups;
    private String clusterUid;

    public KeeperLoop(ClusterRepository repository, KeeperIdentity id, KeeperProperties props, PostgresInstance pg,
                      PostgresObserver observer, Convergence convergence, EphemeralRegistration registration,
                      BackupAgent backups, Clock clock) {
        this.backups = backups;
        this.repository = repository;
        this.id = id;
        this.props = props;
        this.pg = pg;
        this.observer = observer;
        this.convergence = convergence;
        this.registration = registration;
        this.clock = clock;
    }

    public KeeperView view() {
        return view;
    }

    /** The WAL archiver's failures and last success as the observations saw them. */
    public ArchiveWatch archive() {
        return archive;
    }

    /** The built-in backups as this keeper last saw them. */
    public BackupAgent backups() {
        return backups;
    }

    /** Runs the loop soon (coalesced), e.g. on a watch event. */
    public void trigger() {
        loop.trigger();
    }

    @Override
    public synchronized void start() {
        lastConfirmed = clock.instant();
        // Its own thread: the loop may be stuck in a store call that times out, and the fence must not wait for it.
        // It also schedules the switchover candidate's frequent reports.
        fenceExecutor = DaemonExecutors.single("keeper-fence");
        fenceExecutor.scheduleWithFixedDelay(this::checkFence, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        try {
            watch = repository.store().watch(StoreKeys.CLUSTER_DATA, false, this::clusterDataChanged);
        } catch (StoreException e) {
            log.warn("cluster data watch not started ({}); polling every sleepInterval", e.getMessage());
        }
        loop.start();
    }

    /** A step on a change that concerns this keeper ({@link WatchedPart}); any other waits for the next interval. */
    private void clusterDataChanged(List<WatchEvent> events) {
        for (WatchEvent e : events) {
            WatchedPart part = e.value() == null ? null : WatchedPart.decode(e.value());
            if (part == null || !part.equals(watched)) {
                watched = part;
                trigger();
            }
        }
    }

    /** Cheap (pid file and process table), every tick: a postmaster that exited is seen within a tick. */
    private void watchPostmaster() {
        boolean running = pg.isRunning();
        if (lastSeenRunning && !running) {
            log.warn("postmaster exited");
            loop.trigger();
        }
        lastSeenRunning = running;
    }

    /** Never lets the loop die silently: each distinct failure is logged once. */
    private void stepFailed(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        problem = msg;
        if (failure.isNew(msg)) {
            log.warn("convergence step failed: {}", msg, e instanceof Error ? e : null);
        }
    }

    private void tick() {
        ClusterData cd = readClusterData();
        Map<String, KeeperInfo> peers = readPeers();
        Observation before = observer.observe();
        archive.observe(before.archiver());
        if (convergence.writesFenced() && (confirmedMaster(cd) || (before.running() && before.inRecovery()))) {
            convergence.fenceWrites(false, confirmedMaster(cd) ? "the store confirms this DB is still the master"
                    : "the instance is a standby now");
        }
        publish(cd, peers, before, true);
        if (cd != null) {
            Convergence.Outcome step = convergence.converge(cd, peers, before,
                    stopped -> publish(cd, peers, Observation.down(false), false, stopped));
            failure.reset();
            problem = null;
            if (step.lookAgain()) {
                loop.trigger(); // the next step, at once, publishes what the instance is now
            } else if (step.acted()) {
                publish(cd, peers, observer.observe(), false); // show the result now, not a sleepInterval later
            }
            if (!step.lookAgain() && KeeperStep.switchoverCandidate(cd, id.uid())) {
                fenceExecutor.schedule(loop::trigger, CANDIDATE_REPORTS.toMillis(), TimeUnit.MILLISECONDS);
            }
            backups.tick(cd, confirmedMaster(cd) && runsAsPrimary && !convergence.writesFenced(),
                    before.timelineId());
        }
    }

    private ClusterData readClusterData() {
        Instant sent = clock.instant();
        try {
            Optional<Versioned<ClusterData>> v = repository.validClusterData();
            if (v.isEmpty()) {
                return null;
            }
            ClusterData cd = v.get().value();
            EffectiveSpec spec = cd.cluster().spec().effective();
            sleepInterval = spec.sleepInterval();
            failInterval = spec.failInterval();
            observer.requestTimeout(spec.requestTimeout());
            clusterUid = cd.cluster().uid();
            if (confirmedMaster(cd)) {
                lastConfirmed = sent;
            }
            return cd;
        } catch (StoreException | MalformedDocumentException e) {
            String msg = e.getMessage();
            if (failure.isNew(msg)) {
                log.warn("cluster data not usable, PostgreSQL left as it is: {}", msg);
            }
            return null;
        }
    }

    private Map<String, KeeperInfo> readPeers() {
        try {
            lastPeers = repository.keeperInfos();
        } catch (StoreException e) {
            // keep the last ones: an empty list would drop every peer from pg_hba.conf
        }
        return lastPeers;
    }

    /** The cluster data names this keeper's local DB the master. */
    private boolean confirmedMaster(ClusterData cd) {
        String local = convergence.state().dbUid();
        return cd != null && local != null && local.equals(cd.cluster().status().master())
                && cd.dbs().containsKey(local) && cd.dbs().get(local).spec().role() == DB.Role.MASTER;
    }

    /**
     * Every quarter second: a primary whose keeper has not confirmed it is the master for failInterval withholds
     * writes (self-fencing, docs/keeper.md), for clients connected directly as well as through proxies; the loop lifts
     * the fence as soon as a read confirms it again.
     */
    private void checkFence() {
        try {
            boolean primary = runsAsPrimary && pg.isRunning();
            Instant now = clock.instant();
            if (!convergence.writesFenced() && SelfFence.mustFence(primary, lastConfirmed, now, failInterval)) {
                convergence.fenceWrites(true, "no confirmation from the store that this DB is still the master for "
                        + Duration.between(lastConfirmed, now).toMillis() + " ms (failInterval " + failInterval
                        .toMillis() + " ms): another master may have been elected");
            }
        } catch (RuntimeException e) {
            log.warn("fence check failed: {}", e.getMessage());
        }
    }

    /** True while the primary withholds writes: it could not confirm in the store that it is the master. */
    public boolean fenced() {
        return convergence.writesFenced();
    }

    private void publish(ClusterData cd, Map<String, KeeperInfo> peers, Observation obs, boolean waitForStore) {
        publish(cd, peers, obs, waitForStore, null);
    }

    private void publish(ClusterData cd, Map<String, KeeperInfo> peers, Observation obs, boolean waitForStore,
                         KeeperInfo.CleanShutdown cleanShutdown) {
        Optional<DB> db = cd == null ? Optional.empty() : cd.dbOfKeeper(id.uid());
        // What this keeper applied to its local DB is local knowledge: it holds whether or not the cluster data
        // could be read just now. A failed read must never publish "not converged" (-1): the sentinel would take
        // it for a master that stopped applying its assignment.
        long generation = convergence.appliedGeneration();
        KeeperInfo info = new KeeperInfo(id.uid(), clusterUid, id.instanceId(), clock.instant(), props.priority(),
                props.noSync(), new KeeperInfo.PostgresState(convergence.state().dbUid(), generation, obs.running(),
                obs.healthy(), obs.inRecovery(), obs.systemId(), obs.timelineId(), obs.timelineHistory(),
                obs.walPosition(), obs.receivedWalPosition(), obs.replayedWalPosition(), obs.syncStandbys(),
                props.pg().effectiveAdvertiseAddress(), props.pg().effectiveAdvertisePort(), obs.pgVersion(),
                obs.parameters(), obs.oldestWalFile(), obs.needsRestart(), obs.streaming(), obs.archiver(),
                obs.upstream(), cleanShutdown), problem);
        if (obs.reachable()) {
            runsAsPrimary = obs.running() && !obs.inRecovery();
        }
        String json = JsonCodec.write(info);
        if (waitForStore && !obs.healthy()) {
            // Others must see "unhealthy" before this keeper acts on it (e.g. restarts PostgreSQL).
            registration.updateAndWait(json, Duration.ofSeconds(1));
        } else {
            registration.update(json);
        }
        boolean elected = db.isPresent() && cd.cluster().status().master() != null
                && cd.cluster().status().master().equals(db.get().uid());
        view = new KeeperView(obs, db.map(d -> d.spec().role()).orElse(null), elected, lag(cd, peers, obs),
                cd != null ? clock.instant() : view.lastConverge(), db.isPresent() && synchronous(cd, peers, db.get()),
                elected && db.get().spec().followsUpstream());
    }

    /**
     * {@code db} is a standby that the master's keeper reports synchronous and in sync ({@code pg_stat_replication}
     * on the master): its commits wait for this one.
     */
    private static boolean synchronous(ClusterData cd, Map<String, KeeperInfo> peers, DB db) {
        if (db.spec().role() != DB.Role.STANDBY) {
            return false;
        }
        ClusterSnapshot snapshot = new ClusterSnapshot(cd, peers);
        return cd.masterDb().flatMap(snapshot::report).map(m -> m.syncStandbys().contains(db.uid())).orElse(false);
    }

    /** Replication lag: the running master's WAL position minus what this standby replayed (0 on a primary). */
    private static Long lag(ClusterData cd, Map<String, KeeperInfo> peers, Observation obs) {
        if (cd == null || !obs.inRecovery()) {
            return obs.healthy() && !obs.inRecovery() ? 0L : null;
        }
        return new ClusterSnapshot(cd, peers).liveLag(obs.replayedWalPosition()).orElse(null);
    }

    public Instant lastConverge() {
        return view.lastConverge();
    }

    @Override
    public synchronized void stop() {
        if (!loop.running()) {
            return;
        }
        if (watch != null) {
            watch.close();
        }
        fenceExecutor.shutdownNow();
        loop.stop(Duration.ofSeconds(5));
        backups.close();
        registration.close();
        observer.close();
        log.info("keeper stopped; PostgreSQL keeps running (pid {})", pg.postmasterPid());
    }

    @Override
    public synchronized boolean isRunning() {
        return loop.running();
    }
}
