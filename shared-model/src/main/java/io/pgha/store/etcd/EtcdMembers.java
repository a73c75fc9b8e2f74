package io.pgha.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd members a store talks to, one gRPC connection each, and which one to use now.
 *
 * <p>Why not one jetcd client over every endpoint: its round robin keeps sending a share of the calls, the lease
 * keep-alives and the watches to a member that a partition cut off until gRPC's own keep-alive gives up on the
 * connection, and grpc-java does not let that happen sooner than ~12 s. Every client of the cluster then loses a
 * call in three for that long, keepers look silent, sessions expire on the healthy side. Here a call that times
 * out or finds its member unavailable marks the member <em>unavailable</em>; calls go to the first available
 * member in the configured order, and a background probe (a linearizable read, which only a member with a quorum
 * can answer) brings an unavailable member back. When every member is unavailable, calls go to the one that
 * failed longest ago, so they keep rotating over all of them.
 */
final class EtcdMembers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdMembers.class);
    private static final long PROBE_PERIOD_MILLIS = 500;

    /** One member: its connection and how it did lately. */
    static final class Member {
        final String endpoint;
        final Client client;
        final KV kv;
        final Lease leases;
        final Watch watches;
        /** 0 while available; otherwise when it last failed a call (System.nanoTime). */
        private volatile long failedAtNanos;
        private final AtomicBoolean probing = new AtomicBoolean();

        private Member(String endpoint, Client client) {
            this.endpoint = endpoint;
            this.client = client;
            this.kv = client.getKVClient();
            this.leases = client.getLeaseClient();
            this.watches = client.getWatchClient();
        }

        boolean available() {
            return failedAtNanos == 0;
        }

        @Override
        public String toString() {
            return endpoint;
        }
    }

    private final List<Member> members;
    private final Duration timeout;
    private final List<Runnable> switchListeners = new CopyOnWriteArrayList<>();
    private final ScheduledFuture<?> prober;
    private volatile Member preferred;

    EtcdMembers(List<String> endpoints, ClientBuilder template, Duration timeout, ScheduledExecutorService scheduler) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is needed");
        }
        List<Member> list = new ArrayList<>();
        for (String endpoint : endpoints) {
            list.add(new Member(endpoint, template.copy().endpoints(endpoint).build()));
        }
        this.members = List.copyOf(list);
        this.timeout = timeout;
        this.preferred = members.get(0);
        // With a single member there is nothing to choose: its own calls are the probes.
        this.prober = members.size() == 1 ? null : scheduler.scheduleWithFixedDelay(this::probeUnavailable,
                PROBE_PERIOD_MILLIS, PROBE_PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The member calls go to now. */
    Member preferred() {
        return preferred;
    }

    /** The member to try after {@code tried} failed: available ones first, then the one that failed longest ago. */
    Member next(Collection<Member> tried) {
        Member best = null;
        for (Member m : members) {
            if (tried.contains(m)) {
                continue;
            }
            if (m.available()) {
                return m;
            }
            if (best == null || m.failedAtNanos - best.failedAtNanos < 0) {
                best = m;
            }
        }
        return best;
    }

    int size() {
        return members.size();
    }

    /** Runs {@code listener} (on the reporting thread; keep it short) whenever {@link #preferred()} changes. */
    void onSwitch(Runnable listener) {
        switchListeners.add(listener);
    }

    void removeSwitchListener(Runnable listener) {
        switchListeners.remove(listener);
    }

    /** The member answered a call (whatever the answer): it can be used again. */
    void answered(Member m) {
        answered(m, "answered a call");
    }

    private void answered(Member m, String how) {
        if (!m.available()) {
            m.failedAtNanos = 0;
            log.info("store=etcd member={} event=available reason=\"{}\"", m.endpoint, how);
            choose();
        }
    }

    /** The member timed out or could not serve: calls go elsewhere until it answers a probe. */
    void failed(Member m, String problem) {
        boolean wasAvailable = m.available();
        long now = System.nanoTime();
        m.failedAtNanos = now == 0 ? 1 : now;
        Member before = preferred;
        choose();
        if (wasAvailable) {
            log.warn("store=etcd member={} event=unavailable reason=\"{}\" now-using={}", m.endpoint, problem,
                    preferred.endpoint);
        } else if (before != preferred) {
            log.debug("store=etcd member={} failed again ({}), now using {}", m.endpoint, problem, preferred);
        }
    }

    private void choose() {
        Member next = next(List.of());
        if (next != preferred) {
            preferred = next;
            for (Runnable listener : switchListeners) {
                try {
                    listener.run();
                } catch (RuntimeException e) {
                    log.warn("store=etcd member switch listener failed: {}", e.toString());
                }
            }
        }
    }

    /** A linearizable count-only read to every unavailable member; an answer makes it available again. */
    private void probeUnavailable() {
        for (Member m : members) {
            if (m.available() || !m.probing.compareAndSet(false, true)) {
                continue;
            }
            m.kv.get(ByteSequence.from(new byte[] {0}), GetOption.builder().withCountOnly(true).build())
                    .orTimeout(Math.max(250, timeout.toMillis() / 2), TimeUnit.MILLISECONDS)
                    .whenComplete((r, e) -> {
                        m.probing.set(false);
                        if (e == null || !isMemberProblem(e)) {
                            answered(m, "answered a linearizable read");
                        }
                    });
        }
    }

    /**
     * Whether a failure says the member could not serve (unreachable, too slow, no leader, lost its quorum) rather
     * than refusing the request itself (a compacted revision, a lease that is gone): only the first kind is worth
     * trying another member for.
     */
    static boolean isMemberProblem(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof CancellationException) {
                return true;
            }
            Status.Code code = t instanceof StatusRuntimeException sre ? sre.getStatus().getCode()
                    : t instanceof StatusException se ? se.getStatus().getCode() : null;
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                    || code == Status.Code.CANCELLED) {
                return true;
            }
            String message = String.valueOf(t.getMessage());
            if (message.contains("no leader") || message.contains("request timed out")
                    || message.contains("leader changed") || message.contains("UNAVAILABLE")
                    || message.contains("DEADLINE_EXCEEDED")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (prober != null) {
            prober.cancel(false);
        }
        for (Member m : members) {
            try {
                m.client.close();
            } catch (RuntimeException e) {
                log.debug("store=etcd member={} close failed: {}", m.endpoint, e.toString());
            }
        }
    }
}
