package io.pgha.store.etcd;

import io.pgha.store.KeptAliveSession;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/** An etcd lease kept alive with {@code LeaseKeepAlive} calls; ephemeral keys are put with the lease. */
final class EtcdSession extends KeptAliveSession {
    private final EtcdClusterStore store;
    private final long leaseId;

    private EtcdSession(EtcdClusterStore store, long leaseId, Duration ttl, ScheduledExecutorService scheduler,
                        Listener listener) {
        super(Long.toHexString(leaseId), ttl, scheduler, listener);
        this.store = store;
        this.leaseId = leaseId;
    }

    static EtcdSession open(EtcdClusterStore store, ScheduledExecutorService scheduler, Duration ttl,
                            Listener listener) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        long id = store.awaitRetrying("grant lease", m -> m.leases.grant(seconds)).getID(); // a spare lease expires
        return new EtcdSession(store, id, ttl, scheduler, listener);
    }

    @Override
    protected CompletableFuture<Boolean> renew() {
        // Given up after a third of the TTL, as the caller does: a silent member is then marked unavailable.
        return store.async(m -> m.leases.keepAliveOnce(leaseId), Math.max(250, ttl().toMillis() / 3))
                .thenApply(r -> r.getTTL() > 0);
    }

    @Override
    protected void revoke() {
        store.await("revoke lease " + id(), m -> m.leases.revoke(leaseId));
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
