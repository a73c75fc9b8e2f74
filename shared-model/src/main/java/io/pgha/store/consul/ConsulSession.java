package io.pgha.store.consul;

import io.pgha.model.JsonCodec;
import io.pgha.store.KeptAliveSession;
import io.pgha.store.StoreException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/** A Consul session (behavior {@code delete}); keys acquired with it vanish when it ends. */
final class ConsulSession extends KeptAliveSession {
    private final ConsulClusterStore store;

    private ConsulSession(ConsulClusterStore store, String id, Duration ttl, ScheduledExecutorService scheduler,
                          Listener listener) {
        super(id, ttl, scheduler, listener);
        this.store = store;
    }

    static ConsulSession open(ConsulClusterStore store, ScheduledExecutorService scheduler, Duration ttl,
                              Listener listener) {
        ConsulHttp.Response r = store.http().send("create session", "PUT", "/v1/session/create",
                JsonCodec.write(ConsulClusterStore.sessionRequest("pgha " + store.root(), ttl)));
        ConsulClusterStore.expect(r, "create session");
        String id = JsonCodec.mapper().readTree(r.body()).path("ID").asString();
        return new ConsulSession(store, id, ttl, scheduler, listener);
    }

    @Override
    protected CompletableFuture<Boolean> renew() {
        return store.http().sendAsync("PUT", "/v1/session/renew/" + id(), null, store.timeout())
                .thenApply(r -> {
                    if (r.status() == 404) {
                        return false;
                    }
                    ConsulClusterStore.expect(r, "renew session");
                    return true;
                });
    }

    @Override
    protected void revoke() {
        ConsulClusterStore.expect(store.http().send("destroy session", "PUT", "/v1/session/destroy/" + id(), null),
                "destroy session");
    }

    @Override
    public void putEphemeral(String key, String value) {
        if (!acquire(key, value)) {
            throw new StoreException("consul put " + key + ": held by another session");
        }
    }

    @Override
    public boolean createEphemeralIfAbsent(String key, String value) {
        return acquire(key, value);
    }

    private boolean acquire(String key, String value) {
        requireAlive("acquire " + key);
        ConsulHttp.Response r = store.http().send("acquire " + key, "PUT", store.kvPath(key) + "?acquire=" + id(),
                value);
        ConsulClusterStore.expect(r, "acquire " + key);
        return r.body().strip().equals("true");
    }
}
