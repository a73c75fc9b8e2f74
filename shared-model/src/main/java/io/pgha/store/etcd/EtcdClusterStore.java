package io.pgha.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.pgha.store.CasResult;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreException;
import io.pgha.store.StoreSession;
import io.pgha.store.StoreWatch;
import io.pgha.store.Versioned;
import io.pgha.store.WatchListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link ClusterStore} over etcd v3 with jetcd. Every call waits at most {@code timeout}; a future that
 * does not complete in time is cancelled and reported as a {@link StoreException} naming the call.
 */
public final class EtcdClusterStore implements ClusterStore {
    private final Client client;
    private final KV kv;
    private final String root;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;

    public EtcdClusterStore(ClientBuilder builder, String root, Duration timeout) {
        this.client = builder.build();
        this.kv = client.getKVClient();
        this.root = root;
        this.timeout = timeout;
        AtomicInteger n = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "etcd-store-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A client for the given endpoints (e.g. {@code http://127.0.0.1:2379}). */
    public static EtcdClusterStore connect(List<String> endpoints, String root, Duration timeout) {
        return new EtcdClusterStore(builder(endpoints, timeout), root, timeout);
    }

    public static ClientBuilder builder(List<String> endpoints, Duration timeout) {
        return Client.builder()
                .endpoints(endpoints.toArray(String[]::new))
                .connectTimeout(timeout)
                // Short gRPC keepalive so a dead connection is noticed well within a session TTL.
                .keepaliveTime(Duration.ofSeconds(2))
                .keepaliveTimeout(Duration.ofSeconds(2))
                .keepaliveWithoutCalls(true)
                .retryMaxDuration(timeout);
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
        GetResponse r = awaitRetrying("get " + key, () -> kv.get(bytes(key)));
        return r.getKvs().isEmpty() ? Optional.empty() : Optional.of(toVersioned(r.getKvs().get(0)));
    }

    @Override
    public List<Versioned<String>> list(String prefix) {
        GetResponse r = awaitRetrying("list " + prefix, () -> kv.get(bytes(prefix), GetOption.builder().isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND).build()));
        return r.getKvs().stream().map(this::toVersioned).toList();
    }

    @Override
    public long put(String key, String value) {
        return awaitRetrying("put " + key, () -> kv.put(bytes(key), text(value))).getHeader().getRevision();
    }

    long put(String key, String value, long leaseId) {
        PutOption withLease = PutOption.builder().withLeaseId(leaseId).build();
        return awaitRetrying("put " + key, () -> kv.put(bytes(key), text(value), withLease)).getHeader().getRevision();
    }

    @Override
    public CasResult compareAndPut(String key, String value, long expectedRevision) {
        ByteSequence k = bytes(key);
        // mod_revision is 0 for an absent key, so expectedRevision 0 means "create if absent".
        TxnResponse r = awaitRetrying("compare-and-put " + key, () -> kv.txn()
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
        TxnResponse r = awaitRetrying("create " + key, () -> kv.txn()
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
        return await("compare-and-delete " + key, kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expectedRevision)))
                .Then(Op.delete(k, DeleteOption.DEFAULT))
                .commit()).isSucceeded();
    }

    @Override
    public void delete(String key) {
        awaitRetrying("delete " + key, () -> kv.delete(bytes(key)));
    }

    @Override
    public StoreSession openSession(Duration ttl, StoreSession.Listener listener) {
        return EtcdSession.open(this, client.getLeaseClient(), scheduler, ttl, listener);
    }

    @Override
    public StoreWatch watch(String key, boolean prefix, WatchListener listener) {
        long from;
        try {
            from = await("revision for watch " + key, kv.get(bytes(""), GetOption.builder().withCountOnly(true)
                    .build())).getHeader().getRevision() + 1;
        } catch (StoreException e) {
            from = 0;
        }
        return EtcdWatch.start(client.getWatchClient(), scheduler, root, key, prefix, listener, from);
    }

    @Override
    public void ping() {
        // A linearizable read: it succeeds only when a quorum serves, which is what "store up" means.
        await("ping", kv.get(bytes(""), GetOption.builder().withCountOnly(true).build()));
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        client.close();
    }

    /**
     * For idempotent calls: the first attempt gets half of the timeout, and when it times out or the member is
     * unavailable the call is sent again for the rest (the client's round robin picks another member). A member
     * cut off by a partition keeps its connection until gRPC's keep-alive gives up on it; without the second
     * attempt every call routed there would cost the whole timeout.
     */
    <T> T awaitRetrying(String what, java.util.function.Supplier<CompletableFuture<T>> call) {
        long firstMillis = Math.max(250, timeout.toMillis() / 2);
        long start = System.nanoTime();
        CompletableFuture<T> first = call.get();
        try {
            return first.get(firstMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            first.cancel(true);
        } catch (ExecutionException e) {
            if (!String.valueOf(rootMessage(e.getCause())).contains("UNAVAILABLE")
                    && !(e.getCause() instanceof io.grpc.StatusRuntimeException sre
                    && sre.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE)) {
                throw new StoreException("etcd " + what + ": " + rootMessage(e.getCause()), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            first.cancel(true);
            throw new StoreException("etcd " + what + ": interrupted");
        }
        long left = timeout.toMillis() - (System.nanoTime() - start) / 1_000_000;
        if (left <= 0) {
            throw new StoreException("etcd " + what + ": timed out after " + timeout.toMillis() + " ms");
        }
        return await(what, call.get(), left);
    }

    <T> T await(String what, CompletableFuture<T> future) {
        return await(what, future, timeout.toMillis());
    }

    private <T> T await(String what, CompletableFuture<T> future, long millis) {
        try {
            return future.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new StoreException("etcd " + what + ": timed out after " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw new StoreException("etcd " + what + ": " + rootMessage(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
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
