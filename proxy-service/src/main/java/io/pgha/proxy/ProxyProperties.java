package io.pgha.proxy;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code pgha.proxy.*} (README, Configuration). Only the read-write listener is mandatory; the read-only listener
 * exists when {@code read-only-port} is set.
 *
 * @param uid            this proxy's uid (generated when absent)
 * @param listenAddress  address both listeners bind
 * @param port           read-write listener: always the elected primary
 * @param readOnlyPort   read-only listener (absent = none)
 * @param transport      {@code auto} (epoll when available, else NIO), {@code epoll} (fail if missing) or
 *                       {@code nio}
 * @param ioThreads      event loop threads for connections (0 = half the cores, at least one)
 * @param connectTimeout how long a backend connect may take before the client is closed
 * @param shutdownGrace  on shutdown, how long open connections may finish on their own before being closed
 */
@ConfigurationProperties("pgha.proxy")
public record ProxyProperties(
        String uid,
        @DefaultValue("0.0.0.0") String listenAddress,
        @DefaultValue("5432") int port,
        Integer readOnlyPort,
        @DefaultValue ReadOnly readOnly,
        @DefaultValue TcpKeepalive tcpKeepalive,
        @DefaultValue("auto") String transport,
        @DefaultValue("0") int ioThreads,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("2s") Duration shutdownGrace) {

    /**
     * @param maxLag             a standby further behind the primary's WAL position than this gets no reads
     * @param fallbackToPrimary  with no eligible standby, send reads to the primary (else refuse them)
     */
    public record ReadOnly(@DefaultValue("16MB") DataSize maxLag, @DefaultValue("false") boolean fallbackToPrimary) {
    }

    /** TCP keepalive on client and backend sockets: finds peers that vanished without a FIN. */
    public record TcpKeepalive(@DefaultValue("30s") Duration idle, @DefaultValue("10s") Duration interval,
                               @DefaultValue("3") int count) {
    }
}
