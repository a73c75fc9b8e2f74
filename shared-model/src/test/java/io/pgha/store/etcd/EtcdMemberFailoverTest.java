package io.pgha.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.store.StoreSession;
import io.pgha.store.StoreWatch;
import io.pgha.store.WatchEvent;
import io.pgha.testing.NetworkLabExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client with every endpoint of a real 3-member etcd whose first member a partition cuts off (packets dropped,
 * so the connection hangs rather than fails): calls, the session's keep-alives and a watch must move to the
 * other members within about half the store timeout, not after gRPC's own keep-alive gives up (~12 s).
 */
class EtcdMemberFailoverTest {
    private static final Logger log = LoggerFactory.getLogger(EtcdMemberFailoverTest.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    @RegisterExtension
    static final NetworkLabExtension LAB = new NetworkLabExtension();
    private static final AtomicInteger ROOTS = new AtomicInteger();
    private EtcdClusterStore client;
    private EtcdClusterStore observer;

    @AfterEach
    void tearDown() {
        for (EtcdClusterStore s : new EtcdClusterStore[] {client, observer}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private String root() {
        return "/pgha-lab/m" + ROOTS.incrementAndGet();
    }

    @Test
    void callsSessionsAndWatchesMoveOffACutMemberWithinHalfTheTimeout() {
        String root = root();
        client = EtcdClusterStore.connect(LAB.etcd().endpoints(), root, TIMEOUT);
        observer = EtcdClusterStore.connect(List.of(LAB.etcd().endpoint(2), LAB.etcd().endpoint(3)), root, TIMEOUT);
        client.put("warm", "up");
        AtomicReference<String> lost = new AtomicReference<>();
        StoreSession session = client.openSession(Duration.ofSeconds(3), reason -> lost.set(reason));
        List<WatchEvent> seen = new CopyOnWriteArrayList<>();
        StoreWatch watch = client.watch("w/", true, seen::addAll);
        try {
            LAB.lab().isolate(1); // member 1 unreachable for everyone, the client included

            // When member 1 led, the other two first elect a leader (about a second): a put may time out meanwhile.
            long t0 = System.nanoTime();
            await("a put after the cut").atMost(Duration.ofSeconds(6)).ignoreExceptions()
                    .until(() -> client.put("k", "first") > 0);
            long firstMillis = (System.nanoTime() - t0) / 1_000_000;
            long worstMillis = 0;
            for (int i = 0; i < 20; i++) {
                long t = System.nanoTime();
                client.get("k");
                worstMillis = Math.max(worstMillis, (System.nanoTime() - t) / 1_000_000);
            }
            log.info("measured: first put after the cut {} ms, worst of the next 20 reads {} ms", firstMillis,
                    worstMillis);
            assertThat(worstMillis).as("later calls skip the cut member (ms)").isLessThan(TIMEOUT.toMillis() / 4);

            observer.put("w/after-cut", "x");
            await("the watch delivers a change made after the cut").atMost(Duration.ofSeconds(3))
                    .until(() -> seen.stream().anyMatch(e -> e.key().equals("w/after-cut")));

            // Three TTLs: a session whose keep-alives stayed on member 1 would be lost after one.
            await().pollDelay(Duration.ofSeconds(9)).atMost(Duration.ofSeconds(10)).until(() -> true);
            assertThat(lost.get()).as("session lost while two members served").isNull();
            assertThat(session.isAlive()).isTrue();
            session.putEphemeral("eph", "v");
            assertThat(observer.get("eph")).isPresent();

            LAB.lab().heal();
            await("member 1 available again after the heal").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100)).until(() -> usesMember1Again(client));
        } finally {
            watch.close();
            session.close();
        }
    }

    private static boolean usesMember1Again(EtcdClusterStore store) {
        return store.membersForTest().preferred().endpoint.equals(LAB.etcd().endpoint(1));
    }

    @Test
    void aMemberInTheMinorityIsLeftForOneWithAQuorum() throws Exception {
        String root = root();
        client = EtcdClusterStore.connect(LAB.etcd().endpoints(), root, TIMEOUT);
        observer = EtcdClusterStore.connect(List.of(LAB.etcd().endpoint(2), LAB.etcd().endpoint(3)), root, TIMEOUT);
        client.put("warm", "up");
        LAB.lab().isolateFromNodes(1); // the client still reaches member 1, which cannot reach the others
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
        int failed = 0;
        int calls = 0;
        while (System.nanoTime() < until) {
            calls++;
            try {
                client.put("k", "v" + calls);
            } catch (RuntimeException e) {
                failed++;
            }
        }
        log.info("measured: {} of {} puts failed while member 1 was in the minority", failed, calls);
        assertThat(failed).as("puts failed though two members had a quorum").isZero();
        assertThat(observer.get("k").orElseThrow().value()).isEqualTo("v" + calls);
        assertThat(client.membersForTest().preferred().endpoint).isNotEqualTo(LAB.etcd().endpoint(1));
    }
}
