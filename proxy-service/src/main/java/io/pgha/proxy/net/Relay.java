package io.pgha.proxy.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a proxied connection: bytes read on this channel are written to {@code peer}, flushed
 * once per read batch. Backpressure by writability: while the peer cannot take more, this side stops reading;
 * when this side cannot take more, the peer stops reading. A half-close is forwarded; the pair is closed
 * once both directions are done or either side goes away.
 */
abstract class Relay extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    protected final Traffic traffic;
    /** Where bytes go; null until the backend connection is up (bytes read before that are held). */
    protected volatile Channel peer;
    private List<Object> held;
    private boolean inputShutdownHeld;

    Relay(Traffic traffic) {
        this.traffic = traffic;
    }

    /** Counts what this direction forwards. */
    abstract void count(int bytes);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel p = peer;
        if (p == null) {
            // Read before the backend connected: a client's FIN (EPOLLRDHUP) makes the transport read even with
            // autoRead off. Hold the bytes; they are sent once connected.
            if (held == null) {
                held = new ArrayList<>();
            }
            held.add(msg);
            return;
        }
        if (!p.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            count(buf.readableBytes());
        }
        p.write(msg, p.voidPromise());
        if (!p.isWritable()) {
            setReading(ctx.channel(), false);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Channel p = peer;
        if (p != null) {
            p.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Channel p = peer;
        if (p != null) {
            setReading(p, ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE && peer == null) {
            inputShutdownHeld = true;
        } else if (evt == ChannelInputShutdownEvent.INSTANCE) {
            forwardInputShutdown(ctx.channel());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Resets and garbage are the peer's business; they end this connection only.
        log.debug("connection {} failed: {}", ctx.channel(), cause.toString());
        closeOnFlush(ctx.channel());
    }

    /** Connects this side to {@code p}: sends what was held, forwards a FIN that came meanwhile. */
    void connected(Channel self, Channel p) {
        peer = p;
        if (held != null) {
            held.forEach(m -> {
                if (m instanceof ByteBuf buf) {
                    count(buf.readableBytes());
                }
                p.write(m, p.voidPromise());
            });
            held = null;
            p.flush();
        }
        if (inputShutdownHeld) {
            forwardInputShutdown(self);
        }
    }

    /** Bytes (and a FIN) read before this relay existed, sent first once connected. */
    void hold(ByteBuf bytes, boolean inputShutdown) {
        if (bytes.isReadable()) {
            held = new ArrayList<>();
            held.add(bytes);
        } else {
            bytes.release();
        }
        inputShutdownHeld = inputShutdown;
    }

    /** Drops what was held for a backend that never connected. */
    void releaseHeld() {
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
    }

    /** This side sent FIN: pass it on once what it sent is flushed; close when both directions ended. */
    private void forwardInputShutdown(Channel self) {
        Channel p = peer;
        if (!(p instanceof DuplexChannel out) || !p.isActive()) {
            self.close();
            return;
        }
        p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> out.shutdownOutput().addListener(s -> {
            if (out.isInputShutdown()) {
                out.close();
            }
        }));
        if (self instanceof DuplexChannel d && d.isOutputShutdown()) {
            self.close();
        }
    }

    /**
     * Turns reading on or off, unless the channel's input already ended: the epoll transport has then dropped
     * the socket from its interest set and refuses the change.
     */
    static void setReading(Channel ch, boolean on) {
        if (!(ch instanceof DuplexChannel d && d.isInputShutdown()) && ch.isOpen()) {
            ch.config().setAutoRead(on);
        }
    }

    static void closeOnFlush(Channel ch) {
        if (ch != null && ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (ch != null) {
            ch.close();
        }
    }
}
