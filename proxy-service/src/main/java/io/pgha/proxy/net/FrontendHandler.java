package io.pgha.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side. On accept it asks the server for a route (none: close at once), joins that route's
 * connection group, connects to the backend on the same event loop, and starts reading the client only once
 * the backend is connected.
 */
final class FrontendHandler extends Relay {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ProxyServer server;
    private final Listener listener;
    private Channel connecting;

    FrontendHandler(ProxyServer server, Listener listener, Traffic traffic) {
        super(traffic);
        this.server = server;
        this.listener = listener;
    }

    @Override
    void count(int bytes) {
        traffic.addToBackend(bytes);
    }

    /** Client bytes go nowhere once the routing may be stale: the connection ends instead (see viewStale). */
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (server.viewStale()) {
            ReferenceCountUtil.release(msg);
            if (ctx.channel().isOpen()) {
                log.info("event=stale-view-close listener={} reason=\"routing not confirmed within proxyTimeout\"",
                        listener.tag());
                releaseHeld();
                ctx.channel().close();
                if (connecting != null) {
                    connecting.close();
                }
            }
            return;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        Route route = server.admit(listener, client);
        if (route == null) {
            traffic.countRefused(listener);
            client.close();
            return;
        }
        traffic.opened(listener);
        client.closeFuture().addListener(f -> traffic.closed(listener));
        Bootstrap b = server.backendBootstrap(client.eventLoop()).handler(new BackendHandler(client, traffic));
        ChannelFuture connect = b.connect(route.backend().host(), route.backend().port());
        connecting = connect.channel();
        connect.addListener(f -> {
            if (f.isSuccess()) {
                connected(client, connect.channel());
                setReading(client, true);
            } else {
                releaseHeld();
                traffic.countRefused(listener);
                log.info("event=backend-unreachable listener={} backend={} reason=\"{}\"", listener.tag(),
                        route.backend(), f.cause().getMessage());
                client.close();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        closeOnFlush(peer != null ? peer : connecting);
    }
}
