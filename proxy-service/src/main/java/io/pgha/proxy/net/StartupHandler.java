package io.pgha.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgha.proxy.net.ProxyServer.Admission;
import io.pgha.proxy.net.StartupPacket.CancelRequest;
import io.pgha.proxy.net.StartupPacket.GssEncRequest;
import io.pgha.proxy.net.StartupPacket.Invalid;
import io.pgha.proxy.net.StartupPacket.SslRequest;
import io.pgha.proxy.net.StartupPacket.Startup;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's first packet decides what a connection is. A CancelRequest goes to the backends
 * ({@link CancelRelay}); anything else asks the server for a route: admitted, the backend is connected and this
 * handler gives way to the {@link FrontendHandler} pair, which forwards the first packet and everything after
 * it untouched (an SSLRequest included: TLS is then between client and PostgreSQL). Refused — or when the
 * chosen backend does not accept the connection — the proxy answers the startup phase itself: 'N' to
 * GSSENCRequest, 'S' and a TLS session of its own to SSLRequest (when {@code refusal-tls} is on), and an
 * ErrorResponse naming the reason to the startup message, then closes.
 */
final class StartupHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StartupHandler.class);
    /** A client that does not finish its startup within this is closed, as PostgreSQL's authentication_timeout. */
    private static final long STARTUP_TIMEOUT_SECONDS = 60;

    private enum State { AWAIT_FIRST, CONNECTING, REFUSING, DONE }

    private final ProxyServer server;
    private final Listener listener;
    private final Traffic traffic;
    private State state = State.AWAIT_FIRST;
    private ByteBuf pending = Unpooled.EMPTY_BUFFER;
    private Refusal refusal;
    private boolean tls;
    private boolean inputShutdown;
    private Channel connecting;
    private ScheduledFuture<?> timeout;

    StartupHandler(ProxyServer server, Listener listener, Traffic traffic) {
        this.server = server;
        this.listener = listener;
        this.traffic = traffic;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            log.debug("event=startup-timeout listener={} client={}", listener.tag(), ctx.channel().remoteAddress());
            ctx.close();
        }, STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pending = pending.isReadable() ? Unpooled.wrappedBuffer(pending, buf) : release(pending, buf);
        if (state != State.CONNECTING) {
            process(ctx);
        }
    }

    private static ByteBuf release(ByteBuf old, ByteBuf replacement) {
        old.release();
        return replacement;
    }

    private void process(ChannelHandlerContext ctx) {
        while (ctx.channel().isOpen() && (state == State.AWAIT_FIRST || state == State.REFUSING)) {
            StartupPacket p = StartupPacket.peek(pending);
            if (p == null) {
                if (inputShutdown) {
                    ctx.close();
                }
                return;
            }
            if (state == State.AWAIT_FIRST) {
                first(ctx, p);
            } else {
                answer(ctx, p);
            }
        }
    }

    /** The first packet: cancel, route, or refuse. */
    private void first(ChannelHandlerContext ctx, StartupPacket p) {
        if (p instanceof CancelRequest c) {
            state = State.DONE;
            ByteBuf request = pending.readRetainedSlice(c.length());
            cancelTimeout();
            traffic.countCancel(listener);
            CancelRelay.send(server, ctx.channel(), request, server.cancelTargets());
        } else if (p instanceof Invalid i) {
            close(ctx, i.reason());
        } else {
            route(ctx);
        }
    }

    private void route(ChannelHandlerContext ctx) {
        Admission a = server.admit(listener, ctx.channel());
        if (a.route() == null) {
            traffic.countRefused(listener);
            refuse(a.refusal());
            return;
        }
        state = State.CONNECTING;
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        traffic.opened(listener);
        client.closeFuture().addListener(f -> traffic.closed(listener));
        Bootstrap b = server.backendBootstrap(client.eventLoop()).handler(new BackendHandler(client, traffic));
        ChannelFuture connect = b.connect(a.route().backend().host(), a.route().backend().port());
        connecting = connect.channel();
        connect.addListener(f -> {
            if (!client.isOpen()) {
                connect.channel().close();
            } else if (f.isSuccess()) {
                handOver(ctx, connect.channel());
            } else {
                traffic.countRefused(listener);
                log.info("event=backend-unreachable listener={} backend={} reason=\"{}\"", listener.tag(),
                        a.route().backend(), f.cause().getMessage());
                connecting = null;
                refuse(Refusal.backendUnreachable(listener, a.route().backend(), f.cause().getMessage()));
                client.config().setAutoRead(true);
                process(ctx);
            }
        });
    }

    /** Backend connected: the relay pair takes over, starting with the bytes read so far. */
    private void handOver(ChannelHandlerContext ctx, Channel backend) {
        state = State.DONE;
        cancelTimeout();
        ByteBuf first = pending;
        pending = Unpooled.EMPTY_BUFFER;
        FrontendHandler frontend = new FrontendHandler(server, listener, traffic);
        ctx.pipeline().replace(this, "frontend", frontend);
        frontend.start(ctx.channel(), backend, first, inputShutdown);
    }

    private void refuse(Refusal why) {
        refusal = why;
        state = State.REFUSING;
    }

    /** The startup phase of a refused client, answered by the proxy itself. */
    private void answer(ChannelHandlerContext ctx, StartupPacket p) {
        pending.skipBytes(p.length());
        if (p instanceof SslRequest) {
            SslContext context = server.refusalTls();
            if (tls || context == null) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
                return;
            }
            // 'S' goes out in clear, then everything is TLS: the handler goes in front of this one.
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'}));
            ctx.pipeline().addFirst("refusal-tls", context.newHandler(ctx.alloc()));
            tls = true;
            if (pending.isReadable()) { // a client that did not wait for the 'S': its bytes are TLS
                ByteBuf early = pending;
                pending = Unpooled.EMPTY_BUFFER;
                ctx.pipeline().fireChannelRead(early);
            }
        } else if (p instanceof GssEncRequest) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
        } else if (p instanceof Startup) {
            state = State.DONE;
            cancelTimeout();
            log.debug("event=refused listener={} client={} sqlstate={} reason=\"{}\"", listener.tag(),
                    ctx.channel().remoteAddress(), refusal.sqlState(), refusal.message());
            ctx.writeAndFlush(refusal.encode(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
        } else if (p instanceof Invalid i) {
            close(ctx, i.reason());
        } else {
            close(ctx, "CancelRequest after the startup began");
        }
    }

    private void close(ChannelHandlerContext ctx, String why) {
        state = State.DONE;
        log.debug("event=startup-invalid listener={} client={} reason=\"{}\"", listener.tag(),
                ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputShutdown = true;
            if (state != State.CONNECTING) {
                process(ctx);
            }
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A TLS handshake the client broke off (it did not trust the refusal certificate), resets, garbage.
        log.debug("event=startup-failed listener={} client={} reason=\"{}\"", listener.tag(),
                ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        if (connecting != null && state == State.CONNECTING) {
            connecting.close();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        pending.release();
        pending = Unpooled.EMPTY_BUFFER;
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
