package io.pgha.store;

import io.pgha.concurrent.ChangedMessage;
import io.pgha.concurrent.DaemonExecutors;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election as a Curator-style latch over any {@link ClusterStore}: the leader is whoever holds the
 * election key bound to a live session.
 *
 * <p>Lifecycle {@code LATENT → STARTED → CLOSED}; {@link #start()} once. The listener is told on edges
 * only, on this recipe's own thread: {@code isLeader()} after the key was won, {@code notLeader()} the
 * moment the session is lost (before the store can expire it), on {@link #resign()} and on
 * {@link #close()}. Leader work must stop when {@code notLeader()} arrives. Candidates re-campaign when
 * they see the key deleted (watch) and every {@code ttl/2} as a safety net.
 */
public final class LeaderElection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** Edge-triggered leadership callbacks. */
    public interface Listener {
        void isLeader();

        void notLeader();
    }

    private enum State { LATENT, STARTED, CLOSED }

    private final ClusterStore store;
    private final String key;
    private final String candidateId;
    private final Duration ttl;
    private final Listener listener;
    private final ScheduledExecutorService executor;
    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    // Written only on the executor thread; read by isLeader() from any thread.
    private volatile StoreSession session;
    private volatile boolean leader;
    private long resignedUntilNanos;
    private StoreWatch watch;
    private volatile boolean abandoned;
    private int sessionFailures;
    private final ChangedMessage lastOutcome = new ChangedMessage();
    /** Our own sessions lost locally whose revoke may not have reached the store: they may still hold the key. */
    private final List<StoreSession> lostSessions = new java.util.ArrayList<>();

    public LeaderElection(ClusterStore store, String key, String candidateId, Duration ttl, Listener listener) {
        if (candidateId == null || candidateId.isBlank()) {
            throw new IllegalArgumentException("candidateId must not be empty");
        }
        if (ttl.toMillis() < 1000) {
            throw new IllegalArgumentException("ttl must be at least 1s (was " + ttl + ")");
        }
        this.store = store;
        this.key = key;
        this.candidateId = candidateId;
        this.ttl = ttl;
        this.listener = listener;
        this.executor = DaemonExecutors.single("election-" + key);
    }

    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("cannot be started more than once");
        }
        watch = store.watch(key, false, this::onKeyEvents);
        long period = Math.max(100, ttl.toMillis() / 2);
        executor.scheduleWithFixedDelay(this::campaign, 0, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether this candidate leads right now: it won the key and its session is alive by this process's own
     * clock (a keep-alive acknowledged less than a TTL ago). Turns false the moment the lease may have expired,
     * even when the {@code notLeader()} callback has not run yet (a blocked thread, a store that hangs): leader
     * work must check it before every write.
     */
    public boolean isLeader() {
        StoreSession s = session;
        return leader && s != null && s.isAlive();
    }

    /** The candidate id that holds the key now, if any (a store read). */
    public Optional<String> currentLeader() {
        return store.get(key).map(Versioned::value);
    }

    /** Gives up leadership (if held) and stays out of the race for one TTL so another candidate wins. */
    public void resign() {
        runOnExecutor(() -> {
            resignedUntilNanos = System.nanoTime() + ttl.toNanos();
            if (session != null) {
                session.close(); // revoking deletes the key at once: the others see it through their watches
                session = null;
            }
            dropLeadership("resigned");
        });
    }

    /**
     * Test and fencing hook: stop campaigning and keeping the session alive, as if this process had frozen.
     * The listener still hears {@code notLeader()} when the session's TTL runs out locally.
     */
    public void abandon() {
        abandoned = true;
        runOnExecutor(() -> {
            if (session != null) {
                session.abandon();
            }
        });
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) != State.STARTED) {
            executor.shutdownNow();
            return;
        }
        runOnExecutor(() -> {
            if (watch != null) {
                watch.close();
            }
            if (session != null) {
                session.close();
                session = null;
            }
            dropLeadership("closed");
        });
        executor.shutdownNow();
    }

    private void onKeyEvents(List<WatchEvent> events) {
        if (events.stream().anyMatch(e -> e.type() == WatchEvent.Type.DELETE)) {
            executeQuietly(this::campaign);
        }
    }

    private void campaign() {
        if (state.get() != State.STARTED || abandoned || System.nanoTime() - resignedUntilNanos < 0) {
            return;
        }
        try {
            if (session == null || !session.isAlive()) {
                if (session != null) {
                    // Lost, its loss event still queued behind this campaign: step down now, not after.
                    lostSessions.add(session);
                    dropLeadership("session lost");
                }
                StoreSession[] opened = new StoreSession[1];
                opened[0] = store.openSession(ttl, reason -> executeQuietly(() -> onSessionLost(opened[0], reason)));
                session = opened[0];
            }
            boolean won = session.createEphemeralIfAbsent(key, candidateId);
            sessionFailures = 0;
            if (won) {
                outcome("holds the key");
                if (!leader) {
                    leader = true;
                    log.info("election={} candidate={} became leader", key, candidateId);
                    listener.isLeader();
                }
            } else {
                outcome("the key is held by another session");
                if (leader) {
                    dropLeadership("the election key is held by another candidate");
                }
                // It may be one of ours, lost during a store outage and never revoked: revoke it so that the key
                // is freed (the watch then sees the delete and the next campaign wins).
                lostSessions.removeIf(StoreSession::release);
            }
        } catch (StoreException e) {
            outcome("campaign failed: " + e.getMessage());
            // A session the store no longer knows (its lease expired while the store was unreachable) can look
            // alive here until its keep-alives time out; after repeated failures start over with a new one.
            if (session != null && !leader && ++sessionFailures >= 3) {
                log.info("election={} candidate={} opening a new session after {} failed campaigns", key,
                        candidateId, sessionFailures);
                session.close();
                lostSessions.add(session); // its revoke may not have reached the store either
                session = null;
                sessionFailures = 0;
            }
        } catch (RuntimeException e) {
            log.error("election={} campaign failed", key, e);
        }
    }

    /** Logs what a campaign found, once per change: a candidate that never wins says why. */
    private void outcome(String what) {
        if (lastOutcome.isNew(what)) {
            log.info("election={} candidate={} {}", key, candidateId, what);
        }
    }

    /** A session's loss, bound to that session: a late event about an older session leaves the current alone. */
    private void onSessionLost(StoreSession lost, String reason) {
        if (lost != null && !lostSessions.contains(lost)) {
            lostSessions.add(lost);
        }
        if (lost == session) {
            session = null;
            dropLeadership("session lost: " + reason);
        }
    }

    private void dropLeadership(String reason) {
        if (leader) {
            leader = false;
            log.info("election={} candidate={} lost leadership: {}", key, candidateId, reason);
            listener.notLeader();
        }
    }

    private void executeQuietly(Runnable r) {
        try {
            executor.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("election={} closed, event dropped", key);
        }
    }

    private void runOnExecutor(Runnable r) {
        try {
            executor.submit(r).get(store.timeout().toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("election={} already closed", key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("election={} {} did not complete: {}", key, r, e.toString());
        }
    }
}
