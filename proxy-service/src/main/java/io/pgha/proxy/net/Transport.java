package io.pgha.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollMode;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.pgha.config.StartupFailure;
import io.pgha.proxy.ProxyProperties;
import java.util.Locale;

/** The socket implementation: native epoll when available (fewer copies and syscalls), NIO otherwise. */
public enum Transport {
    EPOLL {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        void keepalive(ServerBootstrap server, ProxyProperties.TcpKeepalive k) {
            server.childOption(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED)
                    .childOption(EpollChannelOption.TCP_KEEPIDLE, seconds(k.idle()))
                    .childOption(EpollChannelOption.TCP_KEEPINTVL, seconds(k.interval()))
                    .childOption(EpollChannelOption.TCP_KEEPCNT, k.count());
        }

        @Override
        void keepalive(Bootstrap client, ProxyProperties.TcpKeepalive k) {
            client.option(EpollChannelOption.EPOLL_MODE, EpollMode.LEVEL_TRIGGERED)
                    .option(EpollChannelOption.TCP_KEEPIDLE, seconds(k.idle()))
                    .option(EpollChannelOption.TCP_KEEPINTVL, seconds(k.interval()))
                    .option(EpollChannelOption.TCP_KEEPCNT, k.count());
        }
    },
    NIO {
        @Override
        IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }

        @Override
        void keepalive(ServerBootstrap server, ProxyProperties.TcpKeepalive k) {
            server.childOption(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE), seconds(k.idle()))
                    .childOption(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL),
                            seconds(k.interval()))
                    .childOption(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT), k.count());
        }

        @Override
        void keepalive(Bootstrap client, ProxyProperties.TcpKeepalive k) {
            client.option(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE), seconds(k.idle()))
                    .option(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL), seconds(k.interval()))
                    .option(NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT), k.count());
        }
    };

    abstract IoHandlerFactory ioHandlerFactory();

    abstract Class<? extends ServerChannel> serverChannel();

    abstract Class<? extends SocketChannel> socketChannel();

    /** Sets SO_KEEPALIVE's idle/interval/count on accepted sockets. */
    abstract void keepalive(ServerBootstrap server, ProxyProperties.TcpKeepalive k);

    /** Sets SO_KEEPALIVE's idle/interval/count on backend sockets. */
    abstract void keepalive(Bootstrap client, ProxyProperties.TcpKeepalive k);

    /** {@code auto}: epoll when it loads; {@code epoll}: epoll or a startup failure naming the cause. */
    public static Transport select(String configured) {
        String wanted = configured == null ? "auto" : configured.toLowerCase(Locale.ROOT);
        return switch (wanted) {
            case "nio" -> NIO;
            case "epoll" -> {
                if (!Epoll.isAvailable()) {
                    throw new StartupFailure("pgha.proxy.transport=epoll but native epoll is unavailable: "
                            + Epoll.unavailabilityCause(), "Use pgha.proxy.transport=auto or nio.");
                }
                yield EPOLL;
            }
            case "auto" -> Epoll.isAvailable() ? EPOLL : NIO;
            default -> throw new StartupFailure("pgha.proxy.transport must be auto, epoll or nio, not '"
                    + configured + "'", "Set pgha.proxy.transport to auto, epoll or nio.");
        };
    }

    private static int seconds(java.time.Duration d) {
        return (int) Math.max(1, d.toSeconds());
    }
}
