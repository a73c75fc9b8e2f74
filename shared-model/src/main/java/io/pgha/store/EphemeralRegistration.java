package io.pgha.store;

import io.pgha.concurrent.DaemonExecutors;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Curator's PersistentNode for pgha: keeps one ephemeral key published for as long as this object is
 * open, re-creating the session and the key after a session loss or a store outage. {@link #update}
 * replaces the value (written at once when possible, otherwise on the next retry).
 * {@link #close()} deletes the key by revoking the session.
 *
 * <p>A lease can be lost without this process hearing it from a keep-alive (a partition where the member it
 * talks to still acknowledged them while the majority expired the lease): a put answered "lease not found"
 * re-creates session and key at once, and every few periods the key is read back; missing or not ours, it is
 * written again, and {@link #isLive()} is false until it is.
 */
public final class EphemeralRegistration implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EphemeralRegistration.class);

    private final ClusterStore store;
    private final String key;
    private final Duration ttl;
    private final ScheduledExecutorService executor;
    private final AtomicReference<String> value = new AtomicReference<>();
    private volatile StoreSession session; // written on the executor thread only
    private volatile String written;
    private volatile boolean closed;
    private volatile String lastError;
    private int periods;
    /** Every this many periods the key is read back to check it is still there. */
    private static final int VERIFY_EVERY = 3;

    public EphemeralRegistration(ClusterStore store, String key, Duration ttl) {
        this.store = store;
        this.key = key;
        this.ttl = ttl;
        this.executor = DaemonExecutors.single("registration-" + key);
        long period = Math.max(100, ttl.toMillis() / 3);
        executor.scheduleWithFixedDelay(this::periodic, period, period, TimeUnit.MILLISECONDS);
    }

    /** Publishes a new value. */
    public void update(String newValue) {
        value.set(newValue);
        try {
            executor.execute(this::sync);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("registration={} closed, update dropped", key);
        }
    }

    /**
     * Publishes a new value and waits until it is written (or the wait ends): for states other parts must
     * have seen, such as "PostgreSQL is down", before the caller goes on.
     *
     * @return true when the value is now in the store
     */
    public boolean updateAndWait(String newValue, Duration wait) {
        value.set(newValue);
        try {
            executor.submit(this::sync).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return isPublished();
    }

    /** True while the current value is published through a live session. */
    public boolean isPublished() {
        return lastError == null && written != null && written.equals(value.get());
    }

    /**
     * True while a value is written through a session that is still alive by the local deadline: once this
     * turns false the store may already have deleted the key, so holders that others rely on must act as if
     * they were gone (a proxy stops routing).
     */
    public boolean isLive() {
        StoreSession s = session;
        return !closed && s != null && s.isAlive() && written != null;
    }

    /** Test and fencing hook: stop keep-alives without revoking, as if this process had died. */
    public void abandon() {
        closed = true;
        executor.shutdownNow();
        StoreSession s = session;
        if (s != null) {
            s.abandon();
        }
    }

    private void periodic() {
        if (++periods % VERIFY_EVERY == 0 && written != null && !closed) {
            try {
                String v = written;
                boolean ours = store.get(key).map(Versioned::value).filter(v::equals).isPresent();
                if (!ours && v.equals(written)) {
                    log.warn("registration={} found missing from the store: writing it again", key);
                    written = null;
                }
            } catch (StoreException e) {
                // the store does not answer: the keep-alives tell whether the session survives
            }
        }
        sync();
    }

    private void sync() {
        for (int attempt = 0; attempt < 2; attempt++) {
            if (!syncOnce()) {
                return;
            }
        }
    }

    /** One attempt; true when it should be retried at once (the session's lease turned out to be gone). */
    private boolean syncOnce() {
        String v = value.get();
        if (closed || v == null) {
            return false;
        }
        try {
            if (session == null || !session.isAlive()) {
                written = null;
                session = store.openSession(ttl, reason -> update(value.get()));
            }
            if (!v.equals(written)) {
                session.putEphemeral(key, v);
                written = v;
            }
            lastError = null;
            return false;
        } catch (StoreException e) {
            if (String.valueOf(e.getMessage()).contains("lease not found")) {
                log.warn("registration={} lease gone ({}): re-creating the session and the key", key, e.getMessage());
                StoreSession dead = session;
                session = null;
                written = null;
                if (dead != null) {
                    dead.abandon(); // nothing to revoke: the store dropped it
                    dead.close();
                }
                return true;
            }
            if (lastError == null) {
                log.warn("registration={} not published: {}", key, e.getMessage());
            }
            lastError = e.getMessage();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdown();
        try {
            executor.awaitTermination(store.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StoreSession s = session;
        if (s != null) {
            s.close();
        }
    }
}
