package io.pgha.sentinel;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pgha.concurrent.ChangedMessage;
import io.pgha.concurrent.DaemonExecutors;
import io.pgha.concurrent.PacedLoop;
import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.ClusterSpec;
import io.pgha.model.EffectiveSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.MalformedDocumentException;
import io.pgha.model.ProxyInfo;
import io.pgha.model.SentinelInfo;
import io.pgha.model.Uids;
import io.pgha.model.Violation;
import io.pgha.sentinel.evidence.PortProber;
import io.pgha.sentinel.evidence.StoreOutageTracker;
import io.pgha.sentinel.planner.ClusterPlanner;
import io.pgha.sentinel.planner.FailureEvidence;
import io.pgha.sentinel.planner.Observations;
import io.pgha.sentinel.planner.Plan;
import io.pgha.sentinel.planner.PlanEvent;
import io.pgha.store.CasResult;
import io.pgha.store.ClusterRepository;
import io.pgha.store.EphemeralRegistration;
import io.pgha.store.LeaderElection;
import io.pgha.store.StoreException;
import io.pgha.store.StoreKeys;
import io.pgha.store.StoreWatch;
import io.pgha.store.Versioned;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The sentinel: publishes its info, campaigns for leadership, and while it leads runs the planner on every
 * change it watches (keepers, proxies, cluster data) and every sleepInterval, writing the result with
 * compare-and-swap on the revision it read. It stops writing the moment it hears it lost leadership.
 */
public final class SentinelLoop implements SmartLifecycle, LeaderElection.Listener {
    private static final Logger log = LoggerFactory.getLogger(SentinelLoop.class);
    /** Lease TTL of the leader key and of this sentinel's info. */
    static final Duration LEASE_TTL = Duration.ofSeconds(3);
    private static final Duration MIN_GAP = Duration.ofMillis(50);
    /** How often the master's PostgreSQL port is probed while its keeper is silent. */
    static final Duration PROBE_INTERVAL = Duration.ofMillis(250);
    /** How long a vanished keeper's last report is remembered. */
    private static final Duration SIGHTING_MEMORY = Duration.ofMinutes(10);

    private final ClusterRepository repository;
    private final ClusterPlanner planner = new ClusterPlanner();
    private final String uid;
    private final String instanceId = Uids.random("");
    private final Optional<ClusterSpec> initialSpec;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final Timer planTimer;
    /**
     * Every sentinel reads every sleepInterval and whenever a keeper reports, so that what it knows of the keepers
     * (when it saw each report) and of the store's outages is current the moment it wins an election; only the
     * leader also runs on every other watched change, and plans.
     */
    private final PacedLoop loop = new PacedLoop("sentinel-loop", MIN_GAP, () -> this.sleepInterval, 0, this::check,
            e -> problem("check failed: " + e.getMessage()));
    /** A keeper published a report: every sentinel reads then, so that when it saw each report is exact. */
    private final Instant startTime;
    private volatile boolean leader;
    private volatile Instant lastSuccess;
    private volatile Duration sleepInterval = ClusterSpec.empty().effective().sleepInterval();
    private ScheduledExecutorService probeExecutor;
    private LeaderElection election;
    private EphemeralRegistration registration;
    private StoreWatch watch;
    private final ChangedMessage lastProblem = new ChangedMessage();
    private final ChangedMessage lastNoCandidate = new ChangedMessage();
    /** What each keeper last published and when this sentinel saw it change; kept a while after it vanished. */
    private final Map<String, Observations.Sighting> sightings = new java.util.concurrent.ConcurrentHashMap<>();
    private final StoreOutageTracker outages = new StoreOutageTracker(Duration.ofMinutes(10));
    private final PortProber prober;
    private volatile ClusterData lastRead;

    public SentinelLoop(ClusterRepository repository, String uid, Optional<ClusterSpec> initialSpec, Clock clock,
                        MeterRegistry metrics) {
        this.repository = repository;
        this.uid = uid;
        this.initialSpec = initialSpec;
        this.clock = clock;
        this.metrics = metrics;
        this.startTime = clock.instant();
        this.prober = new PortProber(clock, PROBE_INTERVAL);
        this.planTimer = Timer.builder("pgha.sentinel.plan.duration").description("time to plan one step")
                .register(metrics);
        Gauge.builder("pgha.sentinel.leader", this, s -> s.leader ? 1 : 0)
                .description("1 while this sentinel leads").register(metrics);
        Gauge.builder("pgha.sentinel.check.last.success", this,
                        s -> s.lastSuccess == null ? 0 : s.lastSuccess.toEpochMilli() / 1000.0)
                .description("time of the leader's last successful check, epoch seconds").register(metrics);
    }

    public String uid() {
        return uid;
    }

    public boolean leader() {
        return leader;
    }

    public Instant lastSuccess() {
        return lastSuccess;
    }

    public Duration sleepInterval() {
        return sleepInterval;
    }

    @Override
    public void isLeader() {
        log.info("sentinel={} role=leader reason=\"won the election\"", uid);
        leader = true;
        loop.trigger();
    }

    @Override
    public void notLeader() {
        leader = false;
        log.info("sentinel={} role=follower reason=\"leadership lost\"", uid);
    }

    @Override
    public synchronized void start() {
        registration = new EphemeralRegistration(repository.store(), StoreKeys.sentinel(uid), LEASE_TTL);
        registration.update(JsonCodec.write(new SentinelInfo(uid, instanceId, startTime, clock.instant())));
        election = new LeaderElection(repository.store(), StoreKeys.SENTINEL_LEADER, uid, LEASE_TTL, this);
        election.start();
        try {
            watch = repository.store().watch("", true, events -> {
                if (events.stream().anyMatch(e -> e.key().startsWith(StoreKeys.KEEPERS))) {
                    loop.trigger();
                } else {
                    triggerIfLeading();
                }
            });
        } catch (StoreException e) {
            log.warn("watch not started ({}): polling every sleepInterval", e.getMessage());
        }
        loop.start();
        probeExecutor = DaemonExecutors.single("sentinel-probe");
        probeExecutor.scheduleWithFixedDelay(this::probeSafely, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        log.info("sentinel={} started", uid);
    }

    /** The leader plans on every watched change, on a probe's news, after a conflict; a follower only reads. */
    private void triggerIfLeading() {
        if (leader) {
            loop.trigger();
        }
    }

    /** One step: read and take note of what changed; the leader then plans and writes with CAS. */
    private void check() {
        Optional<Versioned<ClusterData>> read;
        Map<String, KeeperInfo> infos;
        Map<String, ProxyInfo> proxies;
        try {
            read = repository.clusterData();
            infos = repository.keeperInfos();
            proxies = repository.proxyInfos();
        } catch (MalformedDocumentException e) {
            problem(e.getMessage() + " (left as it is)");
            return;
        }
        Instant now = clock.instant();
        if (read.isEmpty()) {
            if (leading()) {
                initialize();
            }
            return;
        }
        ClusterData current = read.get().value();
        List<Violation> problems = current.validate();
        if (!problems.isEmpty()) {
            problem("cluster data is invalid, not acting on it: " + problems);
            return;
        }
        EffectiveSpec spec = current.cluster().spec().effective();
        sleepInterval = spec.sleepInterval();
        lastRead = current;
        Map<String, Observations.Sighting> seen = sight(infos, current, now);
        if (!leading()) {
            return;
        }
        Observations obs = new Observations(infos, proxies, seen, outages.snapshot(now), prober.results());
        Plan plan = planTimer.record(() -> planner.plan(current, obs, now, SentinelLoop::newDbUid));
        if (!plan.next().equals(current)) {
            if (!leading()) {
                return; // leadership lost (or its lease may have expired) while planning: someone else decides now
            }
            CasResult r = repository.putClusterData(plan.next(), read.get().revision());
            if (!r.succeeded()) {
                log.info("cluster data changed concurrently: re-reading and re-planning");
                loop.trigger();
                return;
            }
        }
        plan.events().forEach(e -> report(e, now));
        reconcileHistory(plan.next(), now);
        lastSuccess = now;
        lastProblem.reset();
    }

    /**
     * Updates what each keeper was last seen publishing and when, by this sentinel's clock (keepers' clocks may
     * disagree with it): a keeper first seen now counts as changed now. Tells the outage tracker when any keeper
     * last changed, so that all of them going quiet at once counts as the store's outage, not theirs.
     */
    private Map<String, Observations.Sighting> sight(Map<String, KeeperInfo> infos, ClusterData cd, Instant now) {
        infos.forEach((keeper, info) -> {
            Observations.Sighting seen = sightings.get(keeper);
            if (seen == null || !Objects.equals(seen.info().time(), info.time())
                    || !Objects.equals(seen.info().instanceId(), info.instanceId())) {
                sightings.put(keeper, new Observations.Sighting(info, now));
            }
        });
        sightings.entrySet().removeIf(e -> !cd.keepers().containsKey(e.getKey()) && !infos.containsKey(e.getKey())
                || Duration.between(e.getValue().changedAt(), now).compareTo(SIGHTING_MEMORY) > 0);
        Instant latest = infos.size() < 2 ? null : infos.keySet().stream().map(sightings::get)
                .map(Observations.Sighting::changedAt).max(Instant::compareTo).orElse(null);
        Duration twoReports = cd.cluster().spec().effective().reportStaleAfter();
        outages.grace(twoReports);
        outages.keepersLastChanged(latest, twoReports, now);
        return Map.copyOf(sightings);
    }

    /**
     * While the master's keeper has been silent for a sleepInterval (and the store works), probes the master's
     * PostgreSQL port and runs a planning round when what the probe finds changes: the planner decides what it
     * means. Nothing is probed while every keeper reports.
     */
    private void probeSafely() {
        try {
            ClusterData cd = lastRead;
            EffectiveSpec spec = cd == null ? null : cd.cluster().spec().effective();
            // Followers probe too: a sentinel elected because the leader went down with the master's node has the
            // evidence already, instead of starting to gather it once elected.
            Optional<DB> master = cd == null ? Optional.empty() : cd.masterDb()
                    .filter(m -> m.spec().leads() && m.status().listenAddress() != null
                            && m.status().port() != null);
            Observations.Sighting seen = master.map(m -> sightings.get(m.spec().keeperUid())).orElse(null);
            boolean silent = master.isPresent() && (seen == null || Duration.between(seen.changedAt(),
                    clock.instant()).compareTo(spec.sleepInterval()) >= 0);
            if (!silent || outages.ongoing()) {
                prober.clear();
                return;
            }
            if (Duration.between(seen == null ? startTime : seen.changedAt(), clock.instant())
                    .compareTo(spec.failInterval()) >= 0) {
                // Past failInterval the planner may fail it now: decide within a probe period, not the next loop.
                triggerIfLeading();
            }
            DB m = master.get();
            prober.retainOnly(m.uid());
            if (prober.probe(m.uid(), m.status().listenAddress(), m.status().port())) {
                triggerIfLeading();
            }
        } catch (RuntimeException e) {
            log.debug("probe failed: {}", e.toString());
        }
    }

    /**
     * Leads by the election's callback and by this process's clock: a leader whose lease may have expired
     * stops acting at once, without waiting to hear it lost the election.
     */
    private boolean leading() {
        return leader && election != null && election.isLeader();
    }

    private void initialize() {
        if (initialSpec.isEmpty()) {
            problem("no cluster data and no pgha.sentinel.initial-cluster-spec: waiting for POST /api/v1/cluster");
            return;
        }
        Instant now = clock.instant();
        Cluster cluster = new Cluster(newDbUid().replace("db", "c"), 1, now, initialSpec.get(),
                new Cluster.Status(Cluster.Phase.INITIALIZING, null, false, null));
        CasResult r = repository.putClusterData(ClusterData.initial(cluster), 0);
        if (r.succeeded()) {
            log.info("sentinel={} action=create-cluster uid={} reason=\"no cluster data; initial spec given\"", uid,
                    cluster.uid());
        }
        loop.trigger();
    }

    private void report(PlanEvent e, Instant now) {
        if (e instanceof PlanEvent.MasterElected m) {
            lastNoCandidate.reset();
            FailureEvidence ev = m.evidence();
            log.info("sentinel={} action=elect-master reason={} from={} to={} keeper={} timeline={} wal={} signal={}"
                            + " lasted={} lastReport={} why=\"{}\"", uid, m.reason().name().toLowerCase(), m.fromDb(),
                    m.toDb(), m.toKeeper(), m.timeline(), m.walPosition(), ev == null ? "none" : ev.signal().label(),
                    ev == null ? "-" : ev.lasted().toMillis() + "ms", ev == null || ev.lastReport() == null ? "-"
                            : ev.lastReport(), m.why());
            if (m.reason() != ClusterHistory.Reason.INIT) {
                Counter.builder("pgha.sentinel.failovers").tag("reason", m.reason().name().toLowerCase())
                        .description("master changes").register(metrics).increment();
            }
            appendHistory(new ClusterHistory.Entry(now, m.reason(), m.fromDb(), m.fromKeeper(), m.toDb(),
                    m.toKeeper(), m.timeline(), m.walPosition(), m.why()));
        } else if (e instanceof PlanEvent.NoCandidate n) {
            // Planned again on every change while the master is down: say it once per distinct reason.
            if (lastNoCandidate.isNew(n.why())) {
                log.warn("sentinel={} action=none reason=\"{}\"", uid, n.why());
            }
        } else if (e instanceof PlanEvent.KeeperFailed f) {
            log.info("sentinel={} keeper={} failed: {}", uid, f.keeperUid(), f.evidence().describe());
        } else if (e instanceof PlanEvent.DbAssigned a) {
            log.info("sentinel={} action=assign db={} keeper={} reason=\"{}\"", uid, a.dbUid(), a.keeperUid(),
                    a.why());
        } else if (e instanceof PlanEvent.DbRemoved d) {
            log.info("sentinel={} action=remove db={} keeper={} reason=\"{}\"", uid, d.dbUid(), d.keeperUid(),
                    d.why());
        } else if (e instanceof PlanEvent.Info i) {
            log.info("sentinel={} {}", uid, i.what());
        } else if (e instanceof PlanEvent.OperationStep o) {
            log.info("sentinel={} action=operation-step op={} type={} step={} keeper={} why=\"{}\"", uid,
                    o.operationId(), o.type().label(), o.step(), o.keeperUid() == null ? "-" : o.keeperUid(), o.why());
        }
    }

    /**
     * The history is a second key, written after the cluster data: a leader that died in between left the
     * master change unrecorded. Each round the leader checks that the last entry names the current master and
     * records the change otherwise (a switchover when the finished operation says so, else a failover).
     */
    private void reconcileHistory(ClusterData cd, Instant now) {
        Optional<DB> master = cd.masterDb();
        // A switchover names its candidate master one round before promoting it (and records it then): until it
        // leads, there is no change to record.
        if (master.isEmpty() || !master.get().spec().leads() || !leader
                || cd.cluster().status().phase() != Cluster.Phase.NORMAL) {
            return;
        }
        try {
            Optional<ClusterHistory.Entry> last = repository.history().map(Versioned::value)
                    .flatMap(h -> h.entries().isEmpty() ? Optional.empty()
                            : Optional.of(h.entries().get(h.entries().size() - 1)));
            if (last.isPresent() && master.get().uid().equals(last.get().toDbUid())) {
                return;
            }
            Cluster.Operation op = cd.cluster().status().operation();
            ClusterHistory.Reason reason = last.isEmpty() ? ClusterHistory.Reason.INIT
                    : op != null && (op.type() == Cluster.Operation.Type.SWITCHOVER
                    || op.type() == Cluster.Operation.Type.RESTART) && last.get().toDbUid().equals(op.fromDb()) ? ClusterHistory.Reason.SWITCHOVER
                    : ClusterHistory.Reason.FAILOVER;
            ClusterHistory.Entry entry = new ClusterHistory.Entry(now, reason,
                    last.map(ClusterHistory.Entry::toDbUid).orElse(null),
                    last.map(ClusterHistory.Entry::toKeeperUid).orElse(null), master.get().uid(),
                    master.get().spec().keeperUid(), master.get().status().timelineId(),
                    master.get().status().walPosition(), "recorded by a later leader (the deciding one stopped first)");
            log.info("sentinel={} action=record-history reason=\"master {} not in the history (the previous leader "
                    + "stopped before recording it)\" entry={}", uid, master.get().uid(), entry);
            appendHistory(entry);
        } catch (MalformedDocumentException e) {
            problem(e.getMessage() + " (history left as it is)");
        }
    }

    /** Appends {@code entry} unless the last entry already records that master (idempotent across leaders). */
    private void appendHistory(ClusterHistory.Entry entry) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Optional<Versioned<ClusterHistory>> h = repository.history();
                ClusterHistory current = h.map(Versioned::value).orElse(ClusterHistory.empty());
                // Already recorded (a plan retried after a lost CAS): the same DB elected for the same reason. A
                // standby cluster's promotion elects the DB that already leads, for another reason.
                ClusterHistory.Entry last = current.entries().isEmpty() ? null
                        : current.entries().get(current.entries().size() - 1);
                if (last != null && entry.toDbUid().equals(last.toDbUid()) && entry.reason() == last.reason()) {
                    return;
                }
                ClusterHistory next = current.append(entry);
                if (repository.putHistory(next, h.map(Versioned::revision).orElse(0L)).succeeded()) {
                    return;
                }
            } catch (MalformedDocumentException e) {
                problem(e.getMessage() + " (history left as it is)");
                return;
            }
        }
        log.warn("sentinel={} history entry not recorded after 3 concurrent changes: {}", uid, entry);
    }

    private void problem(String message) {
        if (lastProblem.isNew(message)) {
            log.warn("sentinel={} {}", uid, message);
        }
    }

    static String newDbUid() {
        return Uids.random("db");
    }

    @Override
    public synchronized void stop() {
        if (!loop.running()) {
            return;
        }
        loop.stop(Duration.ZERO);
        probeExecutor.shutdownNow();
        if (watch != null) {
            watch.close();
        }
        // Leave politely (the leases revoked, so another sentinel takes over at once), but in parallel and for one
        // store timeout at most: on a node cut off by a partition each close would wait for its own store calls in
        // turn, and an orchestrator's SIGTERM grace period is short. The leases expire on their own.
        long budget = repository.store().timeout().toMillis() + 1000;
        java.util.concurrent.CompletableFuture<Void> leaving = java.util.concurrent.CompletableFuture.allOf(
                java.util.concurrent.CompletableFuture.runAsync(election::close),
                java.util.concurrent.CompletableFuture.runAsync(registration::close));
        try {
            leaving.get(budget, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            log.warn("sentinel={} stopped without confirming its leases were revoked within {} ms: they expire "
                    + "with their TTL", uid, budget);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leader = false;
    }

    @Override
    public synchronized boolean isRunning() {
        return loop.running();
    }
}
