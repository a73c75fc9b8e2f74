package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.ProxyInfo;
import io.pgha.testing.NetworkLabExtension;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real network partitions: three nodes (network namespaces on one bridge), each running an etcd member of one
 * 3-member cluster, a keeper with its PostgreSQL, a sentinel and a proxy, all bound to the node's address; the
 * test is a client outside the nodes. Partitions are iptables rules inside the nodes.
 */
class PartitionTest {
    private static final Logger log = LoggerFactory.getLogger(PartitionTest.class);
    private static final String SYNC = "{\"synchronousReplication\":true,\"minSynchronousStandbys\":1,"
            + "\"usePgRewind\":true}";
    private static final Duration FAIL_INTERVAL = Duration.ofSeconds(4);
    private static final Duration SLEEP_INTERVAL = Duration.ofSeconds(1);
    @RegisterExtension
    static final NetworkLabExtension LAB = new NetworkLabExtension();
    private LocalCluster cluster;
    private final List<ChaosTest.Writer> writers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        writers.forEach(ChaosTest.Writer::stop);
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
        }
    }

    /** k/s/p i on node i; waits for a primary and two healthy standbys. */
    private LocalCluster threeNodes(String name, String spec) {
        cluster = new LocalCluster(LAB.lab(), LAB.etcd(), name);
        for (int i = 1; i <= 3; i++) {
            cluster.startKeeper("k" + i, i);
            cluster.startSentinel("s" + i, spec, i);
            cluster.startProxy("p" + i, i);
        }
        cluster.awaitHealthy(2, Duration.ofSeconds(300));
        LocalCluster.awaitExec(cluster.proxies.get("p1").sql(), ChaosTest.Writer.CREATE_TABLE,
                Duration.ofSeconds(30));
        return cluster;
    }

    /** A writer rotating over every proxy, recording what each acknowledged insert reports. */
    private List<ChaosTest.Ack> write(AtomicLong ids) {
        List<ChaosTest.Ack> acks = Collections.synchronizedList(new ArrayList<>());
        ChaosTest.Writer w = new ChaosTest.Writer(0, List.copyOf(cluster.proxies.values()), ids, acks,
                Duration.ofMillis(20));
        writers.add(w);
        new Thread(w, "writer").start();
        await("writes through the proxies").atMost(Duration.ofSeconds(30)).until(() -> acks.size() > 10);
        return acks;
    }

    /**
     * Healthy again: one converged master, two healthy standbys, and every proxy registered and acknowledging
     * the current proxy generation.
     */
    private void awaitFullyHealthy(Duration atMost) {
        cluster.awaitHealthy(2, atMost);
        await("every proxy registered and acknowledging").atMost(atMost).ignoreExceptions().until(() -> {
            ClusterData cd = cluster.clusterData().orElseThrow();
            Map<String, ProxyInfo> infos = cluster.repository.proxyInfos();
            return infos.keySet().containsAll(cluster.proxies.keySet()) && infos.values().stream()
                    .allMatch(i -> i.generation() >= cd.proxy().generation());
        });
    }

    @Test
    void isolatingThePrimarysNodeElectsANewPrimaryLosesNoAcknowledgedWriteAndHealsWithin30Seconds()
            throws Exception {
        threeNodes("isolate", SYNC);
        AtomicLong ids = new AtomicLong();
        List<ChaosTest.Ack> acks = write(ids);
        String oldMaster = cluster.masterDbUid();
        LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
        long t0 = System.nanoTime();
        LAB.lab().isolate(primary.node());
        LocalCluster.Keeper next = cluster.awaitNewMaster(oldMaster, Duration.ofSeconds(30));
        log.info("measured: node {} isolated -> new master {} in {} ms", primary.node(), next.uid(),
                (System.nanoTime() - t0) / 1_000_000);
        int before = acks.size();
        await("writes through the majority's proxies").atMost(Duration.ofSeconds(30)).until(() -> acks.size()
                > before + 10);
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(10));
        LAB.lab().heal();
        long healed = System.nanoTime();
        awaitFullyHealthy(Duration.ofSeconds(30));
        log.info("measured: healthy again {} ms after the heal", (System.nanoTime() - healed) / 1_000_000);
        writers.forEach(ChaosTest.Writer::stop);

        List<ChaosTest.Ack> acked;
        synchronized (acks) {
            acked = new ArrayList<>(acks);
        }
        LocalCluster.Keeper now = cluster.masterKeeper().orElseThrow();
        assertThat(ChaosTest.lost(acked, ChaosTest.storedRows(now))).as("acknowledged writes lost").isEmpty();
        assertThat(ChaosTest.overlappingPrimaries(acked)).as("two primaries accepting writes").isEmpty();
    }

    @Test
    void aPrimaryCutFromTheStoreButNotFromItsClientsStopsCommittingWithinFailIntervalPlusSleepInterval()
            throws Exception {
        threeNodes("storecut", "{}");
        String oldMaster = cluster.masterDbUid();
        LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
        AtomicReference<Instant> lastDirectCommit = new AtomicReference<>();
        AtomicLong directCommits = new AtomicLong();
        Thread direct = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try (Connection c = primary.sql().connect(); Statement st = c.createStatement()) {
                    st.execute("SET statement_timeout = 0");
                    while (!Thread.currentThread().isInterrupted()) {
                        st.execute("INSERT INTO chaos VALUES (-1, 9, 0, 0, now())");
                        lastDirectCommit.set(Instant.now());
                        directCommits.incrementAndGet();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    }
                } catch (SQLException e) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }, "direct-writer");
        direct.setDaemon(true);
        direct.start();
        await("direct commits").atMost(Duration.ofSeconds(10)).until(() -> directCommits.get() > 10);
        Instant cut = Instant.now();
        // Its etcd member falls into the minority; the test (its clients) still reaches it.
        LAB.lab().isolateFromNodes(primary.node());
        cluster.awaitNewMaster(oldMaster, Duration.ofSeconds(30));
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
        direct.interrupt();
        Duration lastCommitAfterCut = Duration.between(cut, lastDirectCommit.get());
        log.info("measured: last direct commit on the cut-off primary {} ms after the cut ({} commits in all)",
                lastCommitAfterCut.toMillis(), directCommits.get());
        LAB.lab().heal();
        awaitFullyHealthy(Duration.ofSeconds(30));
        assertThat(lastCommitAfterCut).as("direct commits on the old primary after the cut")
                .isLessThanOrEqualTo(FAIL_INTERVAL.plus(SLEEP_INTERVAL));
    }
}
