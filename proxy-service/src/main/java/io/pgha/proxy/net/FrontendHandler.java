package io.pgha.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client side of a routed connection, installed by {@link StartupHandler} once the backend is connected:
 * forwards the client's bytes, its first packet first.
 */
final class FrontendHandler extends Relay {
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ProxyServer server;
    private final Listener listener;

    FrontendHandler(ProxyServer server, Listener listener, Traffic traffic) {
        super(traffic);
        this.server = server;
        this.listener = listener;
    }

    /** Joins the client to its connected backend: sends what was read so far, then reads on. */
    void start(Channel client, Channel backend, ByteBuf firstBytes, boolean inputShutdown) {
        if (server.viewStale()) {
            firstBytes.release();
            staleViewClose(client, backend);
            return;
        }
        hold(firstBytes, inputShutdown);
        connected(client, backend);
        setReading(client, true);
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
                staleViewClose(ctx.channel(), peer);
            }
            return;
        }
        super.channelRead(ctx, msg);
    }

    private void staleViewClose(Channel client, Channel backend) {
        log.info("event=stale-view-close listener={} reason=\"routing not confirmed within proxyTimeout\"",
                listener.tag());
        client.close();
        if (backend != null) {
            backend.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        closeOnFlush(peer);
    }
}
