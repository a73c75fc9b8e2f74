package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.testing.EtcdExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cascading replication: five keepers with {@code maxStandbysPerSender: 2} all get a DB, no PostgreSQL sends to
 * more than two standbys, and a killed cascading sender's followers are re-pointed and keep replicating.
 */
class CascadingE2ETest {
    private static final Logger log = LoggerFactory.getLogger(CascadingE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(300);
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
    void fiveKeepersTwoPerSenderAndAKilledSenderIsReplaced() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "cascade");
        for (int i = 1; i <= 5; i++) {
            cluster.startKeeper("k" + i);
        }
        cluster.startSentinel("s1", "{\"maxStandbysPerSender\":2}");
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        cluster.awaitHealthy(4, SETUP);
        awaitStreamingTree(cluster.keepers.values().stream().toList());
        LocalCluster.awaitExec(proxy.sql(), "CREATE TABLE t (id int)", Duration.ofSeconds(30));
        proxy.sql().exec("INSERT INTO t VALUES (1)");
        LocalCluster.awaitRow(cluster.keepers.values().stream().toList(), 1);

        // Kill a standby that sends to others: its followers move to another sender and keep replicating.
        ClusterData cd = cluster.clusterData().orElseThrow();
        DB sender = cd.dbs().values().stream().filter(d -> d.spec().role() == DB.Role.STANDBY
                && !d.spec().followers().isEmpty()).findFirst().orElseThrow();
        List<String> orphans = sender.spec().followers();
        LocalCluster.Keeper killed = cluster.keepers.get(sender.spec().keeperUid());
        log.info("killing cascading sender {} ({}), followers {}", sender.uid(), killed.uid(), orphans);
        killed.killNode();
        List<LocalCluster.Keeper> alive = cluster.keepers.values().stream().filter(k -> k != killed).toList();
        awaitStreamingTree(alive);
        proxy.sql().exec("INSERT INTO t VALUES (2)");
        LocalCluster.awaitRow(alive, 2);
        ClusterData after = cluster.clusterData().orElseThrow();
        for (String uid : orphans) {
            assertThat(after.dbs().get(uid).spec().followConfig().dbUid()).as(uid + "'s sender")
                    .isNotEqualTo(sender.uid());
        }
    }

    /**
     * Every keeper but the primary's streams (WAL receiver streaming), and no PostgreSQL has more than two
     * streaming standbys in pg_stat_replication.
     */
    private void awaitStreamingTree(List<LocalCluster.Keeper> keepers) {
        await("every standby streaming, at most 2 per sender").atMost(SETUP).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().untilAsserted(() -> {
                    LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
                    Map<String, Integer> sent = new HashMap<>();
                    int streaming = 0;
                    for (LocalCluster.Keeper k : keepers) {
                        int followers = Integer.parseInt(k.sql().value(
                                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"));
                        sent.put(k.uid(), followers);
                        if (k != primary) {
                            assertThat(k.sql().value("SELECT status FROM pg_stat_wal_receiver")).as(k.uid())
                                    .isEqualTo("streaming");
                            streaming++;
                        }
                    }
                    log.info("streaming standbys per sender: {}", sent);
                    assertThat(sent.values()).allMatch(n -> n <= 2);
                    assertThat(sent.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(streaming);
                    assertThat(sent.values().stream().filter(n -> n > 0).count()).as("senders").isGreaterThan(1);
                });
    }

}
