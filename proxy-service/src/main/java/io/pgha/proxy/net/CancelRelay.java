package io.pgha.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.pgha.proxy.route.Backend;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one CancelRequest to several backends: a new connection to each, the 16 bytes, and the wait until
 * the postmaster closes it — which it does once it signalled the backend (or found no such pair). The
 * client's connection is closed when every backend is done, as a PostgreSQL closes it when it processed the
 * request: a client that waits for that (libpq does) knows the cancel arrived.
 */
final class CancelRelay {
    private static final Logger log = LoggerFactory.getLogger(CancelRelay.class);

    private CancelRelay() {
    }

    static void send(ProxyServer server, Channel client, ByteBuf request, List<Backend> targets) {
        log.debug("event=cancel-request client={} backends={}", client.remoteAddress(), targets);
        if (targets.isEmpty()) {
            request.release();
            client.close();
            return;
        }
        AtomicInteger left = new AtomicInteger(targets.size());
        for (Backend b : targets) {
            ChannelFuture connect = server.backendBootstrap(client.eventLoop())
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.writeAndFlush(request.retainedDuplicate());
                        }

                        /** The postmaster closed its side (backend sockets allow half-closure): done. */
                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof ChannelInputShutdownEvent) {
                                ctx.close();
                            }
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg); // a postmaster answers nothing; ignore whatever comes
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    })
                    .connect(b.host(), b.port());
            Channel ch = connect.channel();
            // A postmaster that accepted but never answers must not hold the client: one connect timeout at most.
            client.eventLoop().schedule(() -> ch.close(), server.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(f -> {
                if (left.decrementAndGet() == 0) {
                    request.release();
                    client.close();
                }
            });
        }
    }
}
