package io.pgha.proxy.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.proxy.ProxyProperties;
import io.pgha.proxy.route.Backend;
import io.pgha.proxy.route.Routing;
import io.pgha.testing.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The data path's own guard: once the routing's confirmation has expired (a proxy frozen by SIGSTOP resumes
 * with client bytes already queued), not one more client byte reaches the backend and no connection is
 * admitted, even before the fence thread runs.
 */
class StaleViewGateTest {
    private ServerSocket backend;
    private ProxyServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        port = FreePorts.next();
        ProxyProperties props = new ProxyProperties("gate", "127.0.0.1", port, null,
                new ProxyProperties.ReadOnly(DataSize.ofMegabytes(16), false, false),
                new ProxyProperties.TcpKeepalive(Duration.ofSeconds(30), Duration.ofSeconds(10), 3), "nio", 1,
                IoScheduling.NORMAL, Duration.ofSeconds(2), Duration.ofMillis(100),
                new ProxyProperties.RefusalTls(false, null, null),
                new ProxyProperties.ReadWrite(Duration.ZERO), null);
        server = new ProxyServer(props, Transport.select("nio"), new Traffic());
        server.apply(new Routing(new Backend("db1", "127.0.0.1", backend.getLocalPort()), List.of(), 1, null,
                List.of()));
        server.viewValidUntil(System.nanoTime() + TimeUnit.HOURS.toNanos(1));
        assertThat(server.listen()).isTrue();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        backend.close();
    }

    @Test
    void clientBytesStopAtTheProxyOnceTheViewExpires() throws Exception {
        byte[] startup = StartupPacketTest.startup("postgres");
        try (Socket client = new Socket("127.0.0.1", port)) {
            // The proxy connects to the backend once the client's startup packet says what the connection is.
            client.getOutputStream().write(startup);
            Socket accepted = backend.accept();
            accepted.setSoTimeout(5000);
            assertThat(accepted.getInputStream().readNBytes(startup.length)).isEqualTo(startup);

            server.viewValidUntil(System.nanoTime() - 1);
            client.getOutputStream().write("after".getBytes());
            // The backend connection ends without the bytes written after the expiry...
            assertThat(readToEnd(accepted.getInputStream())).isEmpty();
            // ...and so does the client's.
            client.setSoTimeout(5000);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
            accepted.close();
        }
        // New connections are refused with the reason, never forwarded.
        try (Socket late = new Socket("127.0.0.1", port)) {
            late.setSoTimeout(5000);
            late.getOutputStream().write(StartupPacketTest.startup("postgres"));
            String answer = new String(readToEnd(late.getInputStream()), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("E").contains("C57P03").contains("not confirmed by the store");
        }
        backend.setSoTimeout(300);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> {
            try (Socket none = backend.accept()) {
                return false;
            } catch (java.net.SocketTimeoutException expected) {
                return true;
            }
        });
    }

    private static byte[] readToEnd(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
