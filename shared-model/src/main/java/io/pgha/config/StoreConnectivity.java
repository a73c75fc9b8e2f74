package io.pgha.config;

import io.pgha.concurrent.DaemonExecutors;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Pings the store in the background and remembers the outcome, so health checks answer at once and an
 * outage is logged once when it starts and once when it ends. It never stops the service: pgha keeps
 * running through a store outage and recovers without a restart.
 */
public final class StoreConnectivity implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(StoreConnectivity.class);

    /** The last ping's outcome. {@code error} is null when the store answered. */
    public record Status(boolean reachable, Instant checkedAt, String error, Instant lastSuccess) {
    }

    private final ClusterStore store;
    private final Duration interval;
    private volatile Status status = new Status(false, null, "not checked yet", null);
    private ScheduledExecutorService executor;

    public StoreConnectivity(ClusterStore store, Duration interval) {
        this.store = store;
        this.interval = interval;
    }

    public Status status() {
        return status;
    }

    /** Pings now and records the outcome. */
    public Status check() {
        Instant now = Instant.now();
        Status previous = status;
        try {
            store.ping();
            status = new Status(true, now, null, now);
            if (!previous.reachable() && previous.checkedAt() != null) {
                log.info("store={} reachable again", store.backend());
            }
        } catch (StoreException e) {
            status = new Status(false, now, e.getMessage(), previous.lastSuccess());
            if (previous.reachable() || previous.checkedAt() == null) {
                log.warn("store={} unreachable: {}", store.backend(), e.getMessage());
            }
        }
        return status;
    }

    @Override
    public synchronized void start() {
        executor = DaemonExecutors.single("store-connectivity");
        executor.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
