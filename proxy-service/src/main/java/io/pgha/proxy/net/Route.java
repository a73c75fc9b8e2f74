package io.pgha.proxy.net;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pgha.proxy.route.Backend;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend for one epoch of the routing: the client connections sent to it, closed together when the
 * routing moves away from it (Stolon's pollon: fail closed). A retired route admits nobody, so a connection
 * racing with the change is closed rather than left on the old backend.
 */
final class Route {
    /** The route a client connection is admitted to, so that it is counted and released exactly once. */
    private static final AttributeKey<Route> ADMITTED = AttributeKey.valueOf("pgha.route");
    private final Backend backend;
    private final ChannelGroup clients;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean retired;

    Route(Backend backend) {
        this.backend = backend;
        this.clients = new DefaultChannelGroup(backend.toString(), GlobalEventExecutor.INSTANCE);
    }

    Backend backend() {
        return backend;
    }

    /** Connections currently open to this backend through this route (least-connections balancing). */
    int active() {
        return active.get();
    }

    /**
     * Registers a client connection; false when the route was retired meanwhile (the caller must close it).
     * The group is joined first and {@code retired} read after, so {@link #retire()} either sees the channel
     * in the group or the channel sees the route retired.
     */
    boolean admit(Channel client) {
        clients.add(client);
        if (retired) {
            clients.remove(client);
            return false;
        }
        active.incrementAndGet();
        client.attr(ADMITTED).set(this);
        client.closeFuture().addListener(f -> leave(client));
        return true;
    }

    /**
     * Takes a client off this route (its backend did not accept the connection, and it waits for another):
     * a later retirement of this route must not close it. Idempotent, and a no-op once it joined another route.
     */
    void leave(Channel client) {
        if (client.attr(ADMITTED).compareAndSet(this, null)) {
            clients.remove(client);
            active.decrementAndGet();
        }
    }

    boolean retired() {
        return retired;
    }

    /** Refuses new connections and closes every admitted one. */
    ChannelGroupFuture retire() {
        retired = true;
        return clients.close();
    }

    int size() {
        return clients.size();
    }
}
