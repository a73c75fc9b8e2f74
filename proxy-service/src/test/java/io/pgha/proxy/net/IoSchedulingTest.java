package io.pgha.proxy.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.proxy.ProxyProperties;
import io.pgha.testing.FreePorts;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** pgha.proxy.io-scheduling: the event loop threads end up in the kernel class asked for, nothing else moves. */
class IoSchedulingTest {

    private static ProxyProperties props(IoScheduling scheduling) {
        return new ProxyProperties("sched", "127.0.0.1", FreePorts.next(), null,
                new ProxyProperties.ReadOnly(DataSize.ofMegabytes(16), false, false),
                new ProxyProperties.TcpKeepalive(Duration.ofSeconds(30), Duration.ofSeconds(10), 3), "auto", 2,
                scheduling, Duration.ofSeconds(2), Duration.ofMillis(100),
                new ProxyProperties.RefusalTls(false, null, null), new ProxyProperties.ReadWrite(Duration.ZERO), null);
    }

    @Test
    void batchMovesTheCallingThreadIntoSchedBatchAndOnlyIt() throws Exception {
        int before = IoScheduling.policyOfCurrentThread();
        CompletableFuture<int[]> other = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                String failure = IoScheduling.BATCH.applyToCurrentThread();
                other.complete(new int[] {failure == null ? 0 : 1, IoScheduling.policyOfCurrentThread()});
            } catch (Exception e) {
                other.completeExceptionally(e);
            }
        });
        t.start();
        int[] result = other.get(20, TimeUnit.SECONDS);
        assertThat(result[0]).as("applyToCurrentThread reported no failure").isZero();
        assertThat(result[1]).isEqualTo(IoScheduling.SCHED_BATCH);
        assertThat(IoScheduling.policyOfCurrentThread()).as("the test's own thread").isEqualTo(before);
    }

    @Test
    void theServersEventLoopsRunInTheConfiguredClass() throws Exception {
        ProxyServer batch = new ProxyServer(props(IoScheduling.BATCH), Transport.select("auto"), new Traffic());
        ProxyServer normal = new ProxyServer(props(IoScheduling.NORMAL), Transport.select("auto"), new Traffic());
        try {
            assertThat(batch.ioThreadPolicies()).containsExactly(IoScheduling.SCHED_BATCH, IoScheduling.SCHED_BATCH);
            assertThat(normal.ioThreadPolicies()).doesNotContain(IoScheduling.SCHED_BATCH).hasSize(2);
        } finally {
            batch.close();
            normal.close();
        }
    }
}
