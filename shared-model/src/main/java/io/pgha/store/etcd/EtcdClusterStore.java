package io.pgha.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.pgha.concurrent.DaemonExecutors;
import io.pgha.store.CasResult;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreException;
import io.pgha.store.StoreSession;
import io.pgha.store.StoreWatch;
import io.pgha.store.Versioned;
import io.pgha.store.WatchListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * {@link ClusterStore} over etcd v3 with jetcd. Every call waits at most {@code timeout}; a future that
 * does not complete in time is cancelled and reported as a {@link StoreException} naming the call. Calls go to
 * one member at a time ({@link EtcdMembers}); idempotent ones move to the next member after half the timeout.
 */
public final class EtcdClusterStore implements ClusterStore {
    private final EtcdMembers members;
    private final String root;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;

    /**
     * A store over the given endpoints; {@code template} carries everything but the endpoints (TLS, credentials,
     * timeouts) and is copied once per endpoint.
     */
    public EtcdClusterStore(List<String> endpoints, ClientBuilder template, String root, Duration timeout) {
        this.root = root;
        this.timeout = timeout;
        this.scheduler = DaemonExecutors.pool(2, "etcd-store");
        this.members = new EtcdMembers(endpoints, template, timeout, scheduler);
    }

    /** A client for the given endpoints (e.g. {@code http://127.0.0.1:2379}). */
    public static EtcdClusterStore connect(List<String> endpoints, String root, Duration timeout) {
        return new EtcdClusterStore(endpoints, builder(timeout), root, timeout);
    }

    /** The client settings shared by every member's connection; the endpoints are set per member. */
    public static ClientBuilder builder(Duration timeout) {
        return Client.builder()
                .connectTimeout(timeout)
                // Short gRPC keepalive so a dead connection is noticed well within a session TTL.
                .keepaliveTime(Duration.ofSeconds(2))
                .keepaliveTimeout(Duration.ofSeconds(2))
                .keepaliveWithoutCalls(true)
                // Another member is tried by us, after half the timeout; jetcd's own retries (of a member that
                // answered "unavailable") stay within that, with short pauses.
                .retryDelay(100)
                .retryMaxDelay(250)
                .retryMaxDuration(Duration.ofMillis(Math.max(300, timeout.toMillis() / 2)));
    }

    @Override
    public String backend() {
        return "etcdv3";
    }

    @Override
    public String root() {
        return root;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public Optional<Versioned<String>> get(String key) {
        GetResponse r = awaitRetrying("get " + key, m -> m.kv.get(bytes(key)));
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(toVersioned(r.getKvs().get(0)));
    }

    @Override
    public List<Versioned<String>> list(String prefix) {
        GetResponse r = awaitRetrying("list " + prefix, m -> m.kv.get(bytes(prefix), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build()));
        return r.getKvs().stream().map(this::toVersioned).toList();
    }

    @Override
    public long put(String key, String value) {
        return awaitRetrying("put " + key, m -> m.kv.put(bytes(key), text(value))).getHeader().getRevision();
    }

    long put(String key, String value, long leaseId) {
        PutOption withLease = PutOption.builder().withLeaseId(leaseId).build();
        return awaitRetrying("put " + key, m -> m.kv.put(bytes(key), text(value), withLease)).getHeader().getRevision();
    }

    @Override
    public CasResult compareAndPut(String key, String value, long expectedRevision) {
        ByteSequence k = bytes(key);
        // mod_revision is 0 for an absent key, so expectedRevision 0 means "create if absent".
        TxnResponse r = awaitRetrying("compare-and-put " + key, m -> m.kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
                .Then(Op.put(k, text(value), PutOption.DEFAULT))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        if (r.isSucceeded()) {
            return CasResult.success(r.getHeader().getRevision());
        }
        Optional<Versioned<String>> current = firstOf(r);
        if (current.isPresent() && current.get().value().equals(value)) {
            // A first attempt that timed out after it was applied: the retry finds our own value there.
            return CasResult.success(current.get().revision());
        }
        return CasResult.conflict(current);
    }

    /** Creates {@code key} bound to a lease if absent; true when the key is (now or already) this lease's. */
    boolean createIfAbsent(String key, String value, long leaseId) {
        ByteSequence k = bytes(key);
        TxnResponse r = awaitRetrying("create " + key, m -> m.kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
                .Then(Op.put(k, text(value), PutOption.builder().withLeaseId(leaseId).build()))
                .Else(Op.get(k, GetOption.DEFAULT))
                .commit());
        if (r.isSucceeded()) {
            return true;
        }
        List<KeyValue> kvs = r.getGetResponses().isEmpty() ? List.of() : r.getGetResponses().get(0).getKvs();
        return !kvs.isEmpty() && kvs.get(0).getLease() == leaseId;
    }

    @Override
    public boolean compareAndDelete(String key, long expectedRevision) {
        ByteSequence k = bytes(key);
        // Not retried: a first attempt that was applied would make the retry report a conflict.
        return await("compare-and-delete " + key, m -> m.kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .commit()).isSucceeded();
    }

    @Override
    public void delete(String key) {
        awaitRetrying("delete " + key, m -> m.kv.delete(bytes(key)));
    }

    @Override
    public StoreSession openSession(Duration ttl, StoreSession.Listener listener) {
        return EtcdSession.open(this, scheduler, ttl, listener);
    }

    @Override
    public StoreWatch watch(String key, boolean prefix, WatchListener listener) {
        long from;
        try {
            from = awaitRetrying("revision for watch " + key, m -> m.kv.get(bytes(""), GetOption.builder()
                    .withCountOnly(true).build())).getHeader().getRevision() + 1;
        } catch (StoreException e) {
            from = 0;
        }
        return EtcdWatch.start(members, scheduler, root, key, prefix, listener, from);
    }

    @Override
    public void ping() {
        // A linearizable read: it succeeds only when a quorum serves, which is what "store up" means.
        awaitRetrying("ping", m -> m.kv.get(bytes(""), GetOption.builder().withCountOnly(true).build()));
    }

    /** Which member calls go to (tests). */
    EtcdMembers membersForTest() {
        return members;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        members.close();
    }

    /**
     * For idempotent calls: an attempt gets half of the timeout, and when it times out or its member cannot serve,
     * the call is sent to the next member for the rest (the member is marked unavailable, so later calls skip it).
     * A member cut off by a partition keeps its connection until gRPC's keep-alive gives up on it; without moving
     * on, every call routed there would cost the whole timeout.
     */
    <T> T awaitRetrying(String what, Function<EtcdMembers.Member, CompletableFuture<T>> call) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long attemptMillis = Math.max(250, timeout.toMillis() / 2);
        List<EtcdMembers.Member> tried = new ArrayList<>();
        EtcdMembers.Member m = members.preferred();
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new StoreException("etcd " + what + ": timed out after " + timeout.toMillis() + " ms");
            }
            tried.add(m);
            long started = System.nanoTime();
            Attempt<T> attempt = attempt(what, m, call, Math.min(left, attemptMillis));
            if (attempt.result() != null) {
                return attempt.result();
            }
            EtcdMembers.Member next = members.next(tried);
            if (next == null) {
                // Every member tried once: go round again, but not in a busy loop when they fail fast.
                tried.clear();
                next = members.preferred();
                long spent = (System.nanoTime() - started) / 1_000_000;
                if (spent < 100) {
                    sleep(100 - spent, what);
                }
            }
            m = next;
        }
    }

    /** A call that is not retried: one member, the whole timeout. */
    <T> T await(String what, Function<EtcdMembers.Member, CompletableFuture<T>> call) {
        Attempt<T> attempt = attempt(what, members.preferred(), call, timeout.toMillis());
        if (attempt.result() == null) {
            throw attempt.failure();
        }
        return attempt.result();
    }

    /**
     * A call for {@link KeptAliveSession}-style callers that wait themselves: sent to the preferred member, whose
     * health is judged by the answer (or its absence after {@code millis}).
     */
    <T> CompletableFuture<T> async(Function<EtcdMembers.Member, CompletableFuture<T>> call, long millis) {
        EtcdMembers.Member m = members.preferred();
        return call.apply(m).orTimeout(millis, TimeUnit.MILLISECONDS).whenComplete((r, e) -> {
            if (e == null || !EtcdMembers.isMemberProblem(e)) {
                members.answered(m);
            } else {
                members.failed(m, rootMessage(e));
            }
        });
    }

    /** A result, or the failure of a member that could not serve (other failures are thrown at once). */
    private record Attempt<T>(T result, StoreException failure) {
    }

    private <T> Attempt<T> attempt(String what, EtcdMembers.Member m,
                                   Function<EtcdMembers.Member, CompletableFuture<T>> call, long millis) {
        CompletableFuture<T> future = call.apply(m);
        try {
            T result = future.get(millis, TimeUnit.MILLISECONDS);
            members.answered(m);
            return new Attempt<>(result, null);
        } catch (TimeoutException e) {
            future.cancel(true);
            members.failed(m, "no answer to " + what + " within " + millis + " ms");
            return new Attempt<>(null, new StoreException("etcd " + what + ": timed out after " + millis + " ms"));
        } catch (ExecutionException e) {
            String message = rootMessage(e.getCause());
            if (!EtcdMembers.isMemberProblem(e.getCause())) {
                members.answered(m);
                throw new StoreException("etcd " + what + ": " + message, e.getCause());
            }
            members.failed(m, message);
            return new Attempt<>(null, new StoreException("etcd " + what + ": " + message, e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            throw new StoreException("etcd " + what + ": interrupted");
        }
    }

    private static void sleep(long millis, String what) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("etcd " + what + ": interrupted");
        }
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }

    private Optional<Versioned<String>> firstOf(TxnResponse r) {
        if (r.getGetResponses().isEmpty() || r.getGetResponses().get(0).getKvs().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(toVersioned(r.getGetResponses().get(0).getKvs().get(0)));
    }

    private Versioned<String> toVersioned(KeyValue kv) {
        String full = kv.getKey().toString(StandardCharsets.UTF_8);
        return new Versioned<>(full.substring(root.length()), kv.getValue().toString(StandardCharsets.UTF_8),
                kv.getModRevision());
    }

    private ByteSequence bytes(String key) {
        return text(root + key);
    }

    static ByteSequence text(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
