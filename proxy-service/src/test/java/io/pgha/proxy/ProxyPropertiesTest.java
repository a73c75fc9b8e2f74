package io.pgha.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.proxy.net.IoScheduling;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Where the proxy tells clients (pghactl dsn) to reach it. */
class ProxyPropertiesTest {

    private static ProxyProperties props(String listen, String advertise) {
        return new ProxyProperties("p1", listen, 5432, 5433,
                new ProxyProperties.ReadOnly(DataSize.ofMegabytes(16), false, false),
                new ProxyProperties.TcpKeepalive(Duration.ofSeconds(30), Duration.ofSeconds(10), 3), "nio", 1,
                IoScheduling.NORMAL, Duration.ofSeconds(2), Duration.ofSeconds(2),
                new ProxyProperties.RefusalTls(false, null, null),
                new ProxyProperties.ReadWrite(Duration.ofSeconds(10)), advertise);
    }

    @Test
    void aSpecificListenAddressIsWhatClientsUse() {
        assertThat(props("10.1.2.3", null).clientAddress(5432)).isEqualTo("10.1.2.3:5432");
        assertThat(props("::1", null).clientAddress(5433)).isEqualTo("[::1]:5433");
    }

    @Test
    void theAdvertisedHostWins() {
        assertThat(props("0.0.0.0", "pg-pgha-proxy.db.svc").clientAddress(5432))
                .isEqualTo("pg-pgha-proxy.db.svc:5432");
    }

    @Test
    void aWildcardListenAddressPublishesAnAddressOfThisMachineNotTheWildcard() {
        String address = props("0.0.0.0", null).clientAddress(5432);
        assertThat(address).endsWith(":5432").doesNotStartWith("0.0.0.0").doesNotStartWith("127.0.1.1");
    }
}
