package io.pgha.store.etcd;

import io.etcd.jetcd.Lease;
import io.pgha.store.KeptAliveSession;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/** An etcd lease kept alive with {@code LeaseKeepAlive} calls; ephemeral keys are put with the lease. */
final class EtcdSession extends KeptAliveSession {
    private final EtcdClusterStore store;
    private final Lease leases;
    private final long leaseId;

    private EtcdSession(EtcdClusterStore store, Lease leases, long leaseId, Duration ttl,
                        ScheduledExecutorService scheduler, Listener listener) {
        super(Long.toHexString(leaseId), ttl, scheduler, listener);
        this.store = store;
        this.leases = leases;
        this.leaseId = leaseId;
    }

    static EtcdSession open(EtcdClusterStore store, Lease leases, ScheduledExecutorService scheduler,
                            Duration ttl, Listener listener) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        long id = store.awaitRetrying("grant lease", () -> leases.grant(seconds)).getID(); // a spare lease expires
        return new EtcdSession(store, leases, id, ttl, scheduler, listener);
    }

    @Override
    protected CompletableFuture<Boolean> renew() {
        return leases.keepAliveOnce(leaseId).thenApply(r -> r.getTTL() > 0);
    }

    @Override
    protected void revoke() {
        store.await("revoke lease " + id(), leases.revoke(leaseId));
    }

    @Override
    public void putEphemeral(String key, String value) {
        requireAlive("put " + key);
        store.put(key, value, leaseId);
    }

    @Override
    public boolean createEphemeralIfAbsent(String key, String value) {
        requireAlive("create " + key);
        return store.createIfAbsent(key, value, leaseId);
    }
}
