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

    /** A held connection asks again this often, besides whenever a new routing is installed. */
    private static final long HOLD_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private enum State { AWAIT_FIRST, CONNECTING, HOLDING, REFUSING, DONE }

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
    private boolean opened;
    /** System.nanoTime() until which a read-write connection may wait for a primary; 0 until it first waits. */
    private long holdUntilNanos;
    private Runnable wake;
    private ScheduledFuture<?> retry;

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
            notNow(ctx, a.refusal());
            return;
        }
        state = State.CONNECTING;
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        if (!opened) {
            opened = true;
            traffic.opened(listener);
            client.closeFuture().addListener(f -> traffic.closed(listener));
        }
        Bootstrap b = server.backendBootstrap(client.eventLoop()).handler(new BackendHandler(client, traffic));
        ChannelFuture connect = b.connect(a.route().backend().host(), a.route().backend().port());
        connecting = connect.channel();
        connect.addListener(f -> {
            if (!client.isOpen()) {
                connect.channel().close();
            } else if (f.isSuccess()) {
                handOver(ctx, connect.channel());
            } else {
                log.info("event=backend-unreachable listener={} backend={} reason=\"{}\"", listener.tag(),
                        a.route().backend(), f.cause().getMessage());
                connecting = null;
                a.route().leave(client);
                notNow(ctx, Refusal.backendUnreachable(listener, a.route().backend(), f.cause().getMessage()));
                process(ctx);
            }
        });
    }

    /**
     * Nowhere to send the client now. A read-write connection waits for a primary up to {@code hold-timeout}
     * — a failover names one within seconds, and a pool whose connect failed backs off for longer — unless the
     * proxy's own view is unconfirmed (it is about to fence: the client should go elsewhere). Otherwise, or
     * once the wait is over, the client is told why.
     */
    private void notNow(ChannelHandlerContext ctx, Refusal why) {
        long now = System.nanoTime();
        if (listener == Listener.RW && !server.viewStale() && server.holdTimeoutNanos() > 0) {
            if (holdUntilNanos == 0) {
                holdUntilNanos = now + server.holdTimeoutNanos();
                traffic.countHeld(listener);
            }
            if (now - holdUntilNanos < 0) {
                hold(ctx, holdUntilNanos - now);
                return;
            }
        }
        traffic.countRefused(listener);
        refuse(why);
        ctx.channel().config().setAutoRead(true);
    }

    private void hold(ChannelHandlerContext ctx, long leftNanos) {
        state = State.HOLDING;
        ctx.channel().config().setAutoRead(false);
        Runnable again = () -> ctx.executor().execute(() -> askAgain(ctx));
        wake = again;
        server.awaitRouting(again);
        retry = ctx.executor().schedule(() -> askAgain(ctx), Math.min(leftNanos, HOLD_RETRY_NANOS),
                TimeUnit.NANOSECONDS);
    }

    /** A held connection asks for a route again: the first packet is still unread in {@code pending}. */
    private void askAgain(ChannelHandlerContext ctx) {
        if (state != State.HOLDING) {
            return;
        }
        stopHolding();
        state = State.AWAIT_FIRST;
        process(ctx);
    }

    private void stopHolding() {
        if (wake != null) {
            server.stopAwaiting(wake);
            wake = null;
        }
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
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
        stopHolding();
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
