package io.pgha.store;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keep-alive and loss detection shared by the etcd lease and the Consul session.
 *
 * <p>Every {@code ttl/4} it renews (asynchronously, one renewal in flight at most, given up after {@code ttl/3})
 * and checks the local deadline. The deadline is {@code ttl} after the <em>sending</em> time of the last acknowledged renewal:
 * the store refreshed the TTL no earlier than that, so it cannot expire the session before we call it lost.
 */
public abstract class KeptAliveSession implements StoreSession {
    private static final Logger log = LoggerFactory.getLogger(KeptAliveSession.class);

    private final String id;
    private final Duration ttl;
    private final Listener listener;
    private final AtomicBoolean alive = new AtomicBoolean(true);
    private final AtomicBoolean renewing = new AtomicBoolean();
    private volatile boolean abandoned;
    private volatile long lastAckSentNanos;
    private final ScheduledFuture<?> ticker;

    protected KeptAliveSession(String id, Duration ttl, ScheduledExecutorService scheduler, Listener listener) {
        this.id = id;
        this.ttl = ttl;
        this.listener = listener;
        this.lastAckSentNanos = System.nanoTime();
        long period = Math.max(50, ttl.toMillis() / 4);
        this.ticker = scheduler.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
    }

    /** Renews the session; completes with false when the store says it no longer exists. */
    protected abstract CompletableFuture<Boolean> renew();

    /** Ends the session in the store, deleting its keys. */
    protected abstract void revoke();

    @Override
    public String id() {
        return id;
    }

    @Override
    public Duration ttl() {
        return ttl;
    }

    /** Alive until lost, and never past the local deadline, even before the ticker noticed it. */
    @Override
    public boolean isAlive() {
        return alive.get() && System.nanoTime() - lastAckSentNanos < ttl.toNanos();
    }

    protected void requireAlive(String what) {
        if (!alive.get()) {
            throw new StoreException(what + ": session " + id + " is no longer alive");
        }
    }

    @Override
    public void abandon() {
        abandoned = true;
    }

    @Override
    public void close() {
        ticker.cancel(false);
        if (alive.compareAndSet(true, false) && !abandoned) {
            try {
                revoke();
            } catch (RuntimeException e) {
                log.warn("session={} revoke failed, its keys expire with the TTL: {}", id, e.getMessage());
            }
        }
    }

    private void tick() {
        if (!alive.get()) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastAckSentNanos >= ttl.toNanos()) {
            lost("no keep-alive acknowledged for " + ttl.toMillis() + " ms");
            return;
        }
        if (abandoned || !renewing.compareAndSet(false, true)) {
            return;
        }
        long sent = System.nanoTime();
        CompletableFuture<Boolean> f;
        try {
            f = renew();
        } catch (RuntimeException e) {
            renewing.set(false);
            return;
        }
        // A renewal stuck on a member that a partition cut off is given up well before the deadline, so that the
        // next one (sent to another member, the first being marked unavailable) can still save the session.
        f.orTimeout(Math.max(250, ttl.toMillis() / 3), TimeUnit.MILLISECONDS).whenComplete((ok, err) -> {
            renewing.set(false);
            if (err != null && String.valueOf(err.getMessage()).contains("lease not found")) {
                lost("the store reports the session expired (" + err.getMessage() + ")");
            } else if (err != null) {
                log.debug("session={} keep-alive failed: {}", id, err.toString());
            } else if (Boolean.TRUE.equals(ok)) {
                if (sent - lastAckSentNanos > 0 && !abandoned) {
                    lastAckSentNanos = sent;
                }
            } else {
                lost("the store reports the session expired");
            }
        });
    }

    @Override
    public boolean release() {
        if (abandoned) {
            return true;
        }
        try {
            revoke();
            return true;
        } catch (RuntimeException e) {
            // Gone already ("not found") counts as released; anything else (unreachable) is retried by the caller.
            return String.valueOf(e.getMessage()).contains("not found");
        }
    }

    private void lost(String reason) {
        if (!alive.compareAndSet(true, false)) {
            return;
        }
        ticker.cancel(false);
        log.warn("session={} lost: {}", id, reason);
        if (!abandoned) {
            try {
                revoke(); // the store may still hold it: do not leave ephemeral keys of a dead session behind
            } catch (RuntimeException e) {
                log.debug("session={} revoke after loss failed: {}", id, e.getMessage());
            }
        }
        try {
            listener.sessionLost(reason);
        } catch (RuntimeException e) {
            log.error("session={} loss listener failed", id, e);
        }
    }
}
