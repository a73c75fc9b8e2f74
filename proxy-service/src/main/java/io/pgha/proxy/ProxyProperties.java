package io.pgha.proxy;

import io.pgha.proxy.net.IoScheduling;
import java.nio.file.Path;
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
 * @param ioScheduling   {@code batch}: the event loop threads in Linux's SCHED_BATCH class (why: {@link IoScheduling});
 *                       {@code normal}: as the JVM made them
 * @param connectTimeout how long a backend connect may take before the client is closed
 * @param shutdownGrace  on shutdown, how long open connections may finish on their own before being closed
 * @param refusalTls     how a refused client that asks for TLS is answered (docs/proxy.md, Refusals)
 * @param readWrite      the read-write listener's waiting for a primary
 * @param advertiseHost  the host clients use to reach this proxy, published for {@code pghactl dsn}; absent: the
 *                       listen address, or this machine's address when that is a wildcard
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
        @DefaultValue("batch") IoScheduling ioScheduling,
        @DefaultValue("2s") Duration connectTimeout,
        @DefaultValue("2s") Duration shutdownGrace,
        @DefaultValue RefusalTls refusalTls,
        @DefaultValue ReadWrite readWrite,
        String advertiseHost) {

    /** {@code host:port} where clients reach the listener on {@code listenerPort}. */
    public String clientAddress(int listenerPort) {
        String host = advertiseHost != null && !advertiseHost.isBlank() ? advertiseHost : listenAddress;
        if (host.equals("0.0.0.0") || host.equals("::") || host.isBlank()) {
            host = machineAddress();
        }
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + listenerPort;
    }

    /**
     * This machine's first IPv4 address that is up and not loopback (a pod's IP); the host name's address would often
     * be 127.0.1.1 (Debian's /etc/hosts), which no other machine reaches.
     */
    private static String machineAddress() {
        try {
            for (java.net.NetworkInterface nic : java.util.Collections.list(
                    java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // fall through: nothing better than loopback to say
        }
        return "127.0.0.1";
    }

    /**
     * @param maxLag             a standby further behind the primary's WAL position than this gets no reads
     * @param fallbackToPrimary  with no eligible standby, send reads to the primary (else refuse them)
     * @param synchronousOnly    only synchronous standbys in sync get reads (they hold every acknowledged commit)
     */
    public record ReadOnly(@DefaultValue("16MB") DataSize maxLag, @DefaultValue("false") boolean fallbackToPrimary,
                           @DefaultValue("false") boolean synchronousOnly) {
    }

    /**
     * @param holdTimeout how long a new read-write connection waits for a primary when there is none to send it
     *                    to (during a failover's handshake, or its backend refused it) before it is refused;
     *                    0 = refuse at once. Pools back off after failed connects (HikariCP up to 5 s); a held
     *                    connection is simply slow.
     */
    public record ReadWrite(@DefaultValue("10s") Duration holdTimeout) {
        public ReadWrite {
            if (holdTimeout.isNegative() || holdTimeout.compareTo(Duration.ofSeconds(50)) > 0) {
                throw new IllegalArgumentException("pgha.proxy.read-write.hold-timeout must be between 0 and 50s"
                        + " (a client not connected within 60 s is closed), was " + holdTimeout);
            }
        }
    }

    /** TCP keepalive on client and backend sockets: finds peers that vanished without a FIN. */
    public record TcpKeepalive(@DefaultValue("30s") Duration idle, @DefaultValue("10s") Duration interval,
                               @DefaultValue("3") int count) {
    }

    /**
     * TLS for refusals only: a client that asks for TLS before the proxy tells it why it cannot connect gets a
     * TLS session with this certificate, so that {@code sslmode=require} clients read the reason too.
     *
     * @param enabled     false: answer such clients "no TLS" ('N'), and {@code sslmode=require} clients give up
     *                    without the reason
     * @param certificate PEM certificate chain (e.g. PostgreSQL's server certificate, so that {@code verify-full}
     *                    clients read refusals too); absent: a self-signed certificate made at start
     * @param privateKey  its PKCS#8 PEM private key; required with {@code certificate}, refused without it
     */
    public record RefusalTls(@DefaultValue("true") boolean enabled, Path certificate,
                             Path privateKey) {
        public RefusalTls {
            if ((certificate == null) != (privateKey == null)) {
                throw new IllegalArgumentException("pgha.proxy.refusal-tls.certificate and "
                        + "pgha.proxy.refusal-tls.private-key must be set together (only "
                        + (certificate == null ? "private-key" : "certificate") + " is set)");
            }
        }
    }
}
