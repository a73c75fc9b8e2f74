package io.pgha.proxy.view;

import io.pgha.concurrent.DaemonExecutors;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.EffectiveSpec;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.MalformedDocumentException;
import io.pgha.model.ProxyInfo;
import io.pgha.model.Uids;
import io.pgha.proxy.net.ProxyServer;
import io.pgha.proxy.route.Router;
import io.pgha.proxy.route.Routing;
import io.pgha.store.ClusterRepository;
import io.pgha.store.ClusterStore;
import io.pgha.store.EphemeralRegistration;
import io.pgha.store.StoreException;
import io.pgha.store.StoreKeys;
import io.pgha.store.StoreWatch;
import io.pgha.store.Versioned;
import io.pgha.store.WatchEvent;
import io.pgha.store.WatchListener;
import io.pgha.store.WatchedCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Keeps the proxy's routing in line with the store, and fences it when it cannot.
 *
 * <ul>
 * <li>Watches the cluster root: a new cluster data or keeper report is routed within milliseconds.</li>
 * <li>Every {@code proxyCheckInterval} re-reads the cluster data (a linearizable read). A read that
 * succeeded, and whose routing is applied, <em>confirms</em> the view as of the moment it was sent.</li>
 * <li>Listens only while the view was confirmed within {@code proxyTimeout} and this proxy's info is
 * published through a live lease (TTL = proxyTimeout): the sentinel waits for the acknowledgement of every
 * proxy whose info it sees, and past proxyTimeout for the silent ones — by then they have fenced
 * themselves here.</li>
 * <li>Acknowledges a proxy generation (ProxyInfo.generation) only after the connections it ended are
 * closed.</li>
 * </ul>
 * Decisions run on one "proxy-view" thread; the fence runs on its own timer so a hung store call cannot
 * delay it.
 */
public final class ClusterViewMonitor implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ClusterViewMonitor.class);
    private static final long FENCE_TICK_MS = 100;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

    private final ClusterRepository repository;
    private final ClusterStore store;
    private final ProxyServer server;
    private final String uid;
    private final long maxLagBytes;
    private final boolean synchronousOnly;
    private final String instanceId = Uids.random("");
    private final Object listenLock = new Object();
    private ScheduledExecutorService view;
    private ScheduledExecutorService fence;
    private StoreWatch watch;
    private volatile boolean running;

    // owned by the view thread
    private final WatchedCluster watched;
    private Duration registrationTtl;
    private String published;

    private volatile EphemeralRegistration registration;
    private volatile Routing routing = Routing.none(0, "not started");
    private volatile Duration proxyTimeout = ClusterSpec.empty().effective().proxyTimeout();
    private volatile Duration checkInterval = ClusterSpec.empty().effective().proxyCheckInterval();
    private volatile long confirmedAtNanos;
    private volatile Instant confirmedAt;
    private volatile String problem = "cluster data not read yet";
    private long nextBindNanos;

    /** Where clients reach this proxy ({@code host:port}), published for {@code pghactl dsn}. */
    private final String address;
    private final String readOnlyAddress;

    public ClusterViewMonitor(ClusterRepository repository, ProxyServer server, String uid, long maxLagBytes,
                              boolean synchronousOnly, String address, String readOnlyAddress) {
        this.synchronousOnly = synchronousOnly;
        this.address = address;
        this.readOnlyAddress = readOnlyAddress;
        this.repository = repository;
        this.store = repository.store();
        this.server = server;
        this.uid = uid;
        this.maxLagBytes = maxLagBytes;
        this.watched = new WatchedCluster(store.root());
    }

    public String uid() {
        return uid;
    }

    public Routing routing() {
        return routing;
    }

    /** Wall-clock time of the last confirmed read, or null. */
    public Instant confirmedAt() {
        return confirmedAt;
    }

    /** Why the view is not confirmed right now, or null when it is. */
    public String problem() {
        return problem;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        view = DaemonExecutors.single("proxy-view");
        fence = DaemonExecutors.single("proxy-fence");
        view.execute(this::check);
        watch = store.watch("", true, new WatchListener() {
            @Override
            public void onEvents(List<WatchEvent> events) {
                onView(() -> onWatchEvents(events));
            }

            @Override
            public void onReset() {
                onView(ClusterViewMonitor.this::check);
            }
        });
        fence.scheduleWithFixedDelay(this::reconcileListening, FENCE_TICK_MS, FENCE_TICK_MS, TimeUnit.MILLISECONDS);
        log.info("event=started uid={} instanceId={}", uid, instanceId);
    }

    /** One linearizable read of the cluster view; when applied, it confirms the view as of its sending. */
    private void check() {
        if (!running) {
            return;
        }
        long sent = System.nanoTime();
        try {
            Optional<ClusterData> cd = repository.validClusterData().map(Versioned::value);
            Map<String, KeeperInfo> infos = repository.keeperInfos();
            watched.reset(cd.orElse(null), infos);
            applyView();
            confirmed(sent);
        } catch (MalformedDocumentException e) {
            report(e.getMessage() + "; keeping the last routing until proxyTimeout");
        } catch (StoreException e) {
            report("store unreachable: " + e.getMessage());
        } catch (RuntimeException e) {
            log.error("event=check-failed", e);
            report("check failed: " + e);
        } finally {
            if (running) {
                try {
                    view.schedule(this::check, checkInterval.toMillis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException e) {
                    // stopping
                }
            }
        }
    }

    private void onWatchEvents(List<WatchEvent> events) {
        WatchedCluster.Change change = watched.apply(events);
        if (change.clusterDataProblem() != null) {
            report(change.clusterDataProblem() + "; keeping the last routing until proxyTimeout");
        }
        change.malformedKeeperInfos().forEach(m -> log.warn("event=malformed-keeper-info reason=\"{}\"", m));
        if (change.changed() && running) {
            try {
                applyView();
            } catch (RuntimeException ex) {
                log.error("event=apply-failed", ex);
            }
        }
    }

    /** Routes by the current view, waits for the ended connections to close, then acknowledges. */
    private void applyView() {
        ClusterData clusterData = watched.clusterData();
        EffectiveSpec spec = (clusterData == null ? ClusterSpec.empty() : clusterData.cluster().spec()).effective();
        proxyTimeout = spec.proxyTimeout();
        checkInterval = spec.proxyCheckInterval();
        Routing next = Router.route(clusterData, watched.keepers(), uid, maxLagBytes, synchronousOnly);
        ProxyServer.Closing closing = server.apply(next);
        if (!closing.await(CLOSE_WAIT)) {
            log.warn("event=slow-close connections={} waited={}", closing.connections(), CLOSE_WAIT);
        }
        routing = next;
        publish();
    }

    private void confirmed(long sentNanos) {
        confirmedAtNanos = sentNanos;
        confirmedAt = Instant.now();
        server.viewValidUntil(sentNanos + proxyTimeout.toNanos());
        if (problem != null) {
            log.info("event=view-confirmed master={} generation={} previousProblem=\"{}\"",
                    routing.readWrite() == null ? "none" : routing.readWrite(), routing.proxyGeneration(), problem);
            problem = null;
        }
        reconcileListening();
    }

    private void report(String what) {
        if (!what.equals(problem)) {
            log.warn("event=view-unconfirmed reason=\"{}\"", what);
        }
        problem = what;
    }

    /** Publishes ProxyInfo (the acknowledgement) through a lease whose TTL follows proxyTimeout. */
    private void publish() {
        Duration ttl = proxyTimeout;
        if (registration == null || !ttl.equals(registrationTtl)) {
            EphemeralRegistration old = registration;
            if (old != null) {
                old.close();
            }
            registration = new EphemeralRegistration(store, StoreKeys.PROXIES + uid, ttl);
            registrationTtl = ttl;
            published = null;
        }
        ProxyInfo info = new ProxyInfo(uid, instanceId, routing.proxyGeneration(), server.listening(), Instant.now(),
                address, readOnlyAddress);
        String key = info.generation() + "/" + info.listening();
        if (!key.equals(published)) {
            registration.update(JsonCodec.write(info));
            published = key;
        }
    }

    /**
     * Listens exactly while the view is fresh and this proxy's info is live; runs every tick on the fence
     * thread and right after each confirmation.
     */
    private void reconcileListening() {
        boolean changed = false;
        synchronized (listenLock) {
            long age = System.nanoTime() - confirmedAtNanos;
            boolean fresh = confirmedAt != null && age <= proxyTimeout.toNanos();
            EphemeralRegistration reg = registration;
            boolean registered = reg != null && reg.isLive();
            if (server.listening() && (!fresh || !registered || !running)) {
                server.stopListening(!running ? "stopping"
                        : !fresh ? "cluster data not confirmed for " + TimeUnit.NANOSECONDS.toMillis(age)
                        + " ms (proxyTimeout " + proxyTimeout.toMillis() + " ms)"
                        : "this proxy's info lease may have expired");
                changed = true;
            } else if (!server.listening() && fresh && registered && running
                    && System.nanoTime() - nextBindNanos >= 0) {
                if (server.listen()) {
                    changed = true;
                } else {
                    nextBindNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                }
            }
        }
        if (changed) {
            onView(this::publish);
        }
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        watch.close();
        fence.shutdownNow();
        view.shutdown();
        try {
            view.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        if (registration != null) {
            registration.close();
        }
        log.info("event=stopped uid={}", uid);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void onView(Runnable task) {
        try {
            if (running) {
                view.execute(task);
            }
        } catch (RejectedExecutionException e) {
            // stopping
        }
    }
}
