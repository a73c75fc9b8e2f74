package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.testing.EtcdExtension;
import io.pgha.testing.PgClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Quorum commit ({@code synchronousMode: quorum}): the primary waits for any one of its two synchronous
 * standbys, so a frozen standby does not stall commits, and a failover still promotes a standby holding every
 * acknowledged commit.
 */
class QuorumCommitE2ETest {
    private static final Logger log = LoggerFactory.getLogger(QuorumCommitE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final String SPEC = "{\"synchronousReplication\":true,\"synchronousMode\":\"quorum\","
            + "\"minSynchronousStandbys\":1,\"maxSynchronousStandbys\":2}";
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
        }
    }

    @Test
    void aFrozenStandbyDoesNotBlockCommitsAndFailoverKeepsEveryAcknowledgedRow() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "quorum");
        for (int i = 1; i <= 3; i++) {
            cluster.startKeeper("k" + i);
        }
        cluster.startSentinel("s1", SPEC);
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        cluster.awaitHealthy(2, SETUP);
        awaitQuorumOfTwo();
        LocalCluster.awaitExec(proxy.sql(), ChaosTest.Writer.CREATE_TABLE, Duration.ofSeconds(30));

        // One standby frozen (keeper and PostgreSQL SIGSTOPped): under FIRST 2 every commit would wait for it.
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        LocalCluster.Keeper frozen = cluster.keepers.values().stream().filter(k -> k != master).findFirst()
                .orElseThrow();
        List<Long> pids = frozen.freezeNode();
        long slowest;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + proxy.host() + ":" + proxy.port()
                + "/postgres?socketTimeout=10", "postgres", LocalCluster.SUPERUSER_PASSWORD);
             Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = '5s'");
            slowest = 0;
            for (int i = 0; i < 20; i++) {
                long started = System.nanoTime();
                st.execute("INSERT INTO chaos VALUES (-" + (i + 1) + ", -1, 0, 0, now())");
                slowest = Math.max(slowest, (System.nanoTime() - started) / 1_000_000);
            }
        } finally {
            LocalCluster.thaw(pids);
        }
        log.info("measured: 20 commits with standby {} frozen, slowest {} ms", frozen.uid(), slowest);
        assertThat(slowest).as("commit time with one standby frozen (ms)").isLessThan(5_000);

        cluster.awaitHealthy(2, SETUP);
        awaitQuorumOfTwo();

        // A writer through the proxy; the primary's node killed; every acknowledged row on the new primary.
        List<ChaosTest.Ack> acks = Collections.synchronizedList(new ArrayList<>());
        ChaosTest.Writer writer = new ChaosTest.Writer(0, List.of(proxy), new AtomicLong(), acks,
                Duration.ofMillis(10));
        new Thread(writer, "writer").start();
        try {
            await("writes").atMost(Duration.ofSeconds(30)).until(() -> acks.size() > 50);
            String oldMasterDb = cluster.masterDbUid();
            long oldTimeline = acks.get(0).timeline();
            Instant killed = Instant.now();
            master.killNode();
            LocalCluster.Keeper promoted = cluster.awaitNewMaster(oldMasterDb, Duration.ofSeconds(60));
            ChaosTest.Ack first = await("a write on the new primary").atMost(Duration.ofSeconds(30)).until(() -> {
                synchronized (acks) {
                    return acks.stream().filter(a -> a.timeline() > oldTimeline).findFirst().orElse(null);
                }
            }, Objects::nonNull);
            log.info("measured: first acknowledged insert on the new primary {} {} ms after the node was killed",
                    promoted.uid(), Duration.between(killed, first.at()).toMillis());
            writer.stop();
            List<ChaosTest.Ack> acked;
            synchronized (acks) {
                acked = new ArrayList<>(acks);
            }
            assertThat(ChaosTest.lost(acked, ChaosTest.storedRows(promoted)))
                    .as("acknowledged rows missing on the new primary " + promoted.uid()).isEmpty();
        } finally {
            writer.stop();
        }
    }

    /** The primary runs {@code ANY 1} over both standbys. */
    private void awaitQuorumOfTwo() {
        await("ANY 1 over both standbys").atMost(SETUP).untilAsserted(() -> {
            PgClient primary = cluster.masterKeeper().orElseThrow().sql();
            assertThat(primary.value("SHOW synchronous_standby_names")).matches("ANY 1 \\(\"\\w+\", \"\\w+\"\\)");
            assertThat(primary.column("SELECT sync_state FROM pg_stat_replication")).containsExactly("quorum",
                    "quorum");
        });
        ClusterData cd = cluster.clusterData().orElseThrow();
        log.info("synchronous set {}", cd.masterDb().orElseThrow().spec().synchronousStandbys());
    }
}
