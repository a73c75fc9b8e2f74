package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import io.pgha.testing.EtcdExtension;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentinels and keepers from the built jars against real etcd and PostgreSQL 15: a cluster initializes
 * from the initial spec, replicates, fails over when the master node is killed, and the old master rejoins.
 */
class SentinelFailoverTest {
    private static final Logger log = LoggerFactory.getLogger(SentinelFailoverTest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
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

    private static List<String> rows(LocalCluster.Keeper k) throws SQLException {
        return k.sql().column("SELECT id::text FROM t ORDER BY id");
    }

    private LocalCluster.Keeper awaitNewMaster(String oldMasterDb) {
        return cluster.awaitNewMaster(oldMasterDb, Duration.ofSeconds(60));
    }

    private static void awaitWritable(LocalCluster.Keeper k, int id) {
        LocalCluster.awaitExec(k.sql(), "INSERT INTO t VALUES (" + id + ")", Duration.ofSeconds(60));
    }

    @Test
    void threeKeepersInitializeReplicateFailOverAndTheOldMasterRejoins() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "async");
        for (String k : List.of("k1", "k2", "k3")) {
            cluster.startKeeper(k);
        }
        cluster.startSentinel("s1", "{\"usePgRewind\":true}");
        ClusterData healthy = cluster.awaitHealthy(2, SETUP);
        // mergePgParameters: initdb's choices joined the spec, so every node runs with the same settings.
        assertThat(healthy.cluster().spec().pgParameters()).containsKeys("max_connections", "lc_messages", "log_timezone");

        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        String logTimezone = "SELECT setting FROM pg_settings WHERE name = 'log_timezone'";
        String timezone = master.sql().value(logTimezone);
        for (LocalCluster.Keeper k : cluster.keepers.values()) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> k.sql().value(logTimezone), timezone::equals);
        }
        master.sql().exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");
        for (LocalCluster.Keeper k : cluster.keepers.values()) {
            await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> rows(k).size() == 100);
        }
        String oldMasterDb = cluster.clusterData().orElseThrow().cluster().status().master();

        long t0 = System.nanoTime();
        master.killNode();
        LocalCluster.Keeper newMaster = awaitNewMaster(oldMasterDb);
        awaitWritable(newMaster, 101);
        log.info("measured: master node SIGKILL -> new master {} accepts writes in {} ms", newMaster.uid(),
                (System.nanoTime() - t0) / 1_000_000);
        assertThat(rows(newMaster)).hasSize(101);
        assertThat(newMaster.uid()).isNotEqualTo(master.uid());

        // The old master node comes back and rejoins as a standby of the new master.
        master.process().launch();
        cluster.awaitHealthy(2, SETUP);
        ClusterData rejoined = cluster.clusterData().orElseThrow();
        DB oldNodeDb = rejoined.dbOfKeeper(master.uid()).orElseThrow();
        assertThat(oldNodeDb.spec().role()).isEqualTo(DB.Role.STANDBY);
        assertThat(oldNodeDb.uid()).isNotEqualTo(oldMasterDb);
        newMaster.sql().exec("INSERT INTO t VALUES (102)");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> rows(master).size() == 102);
        assertThat(master.process().logText()).contains("action=pg_rewind");

        ClusterHistory history = cluster.repository.history().orElseThrow().value();
        assertThat(history.entries()).extracting(ClusterHistory.Entry::reason)
                .containsExactly(ClusterHistory.Reason.INIT, ClusterHistory.Reason.FAILOVER);
        assertThat(history.entries().get(1).fromDbUid()).isEqualTo(oldMasterDb);

        // A second failover right after the first: the standbys followed the new timeline, and still count as
        // on it once the master that fed them is gone (their WAL receivers stop; no restartpoint happened yet).
        String secondMasterDb = cluster.clusterData().orElseThrow().cluster().status().master();
        newMaster.killNode();
        LocalCluster.Keeper third = awaitNewMaster(secondMasterDb);
        awaitWritable(third, 103);
        assertThat(rows(third)).hasSize(103);
        assertThat(cluster.repository.history().orElseThrow().value().entries()).hasSize(3);
    }

    @Test
    void synchronousReplicationLosesNoAcknowledgedCommitAndASecondSentinelTakesOver() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "sync");
        for (String k : List.of("k1", "k2", "k3")) {
            cluster.startKeeper(k);
        }
        String spec = "{\"synchronousReplication\":true,\"minSynchronousStandbys\":1,\"usePgRewind\":true}";
        cluster.startSentinel("s1", spec);
        cluster.startSentinel("s2", spec);
        cluster.awaitHealthy(2, SETUP);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.clusterData().orElseThrow().masterDb()
                .map(m -> !m.status().synchronousStandbys().isEmpty()).orElse(false));

        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        master.sql().exec("CREATE TABLE t (id int PRIMARY KEY)");
        List<Integer> acknowledged = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            master.sql().exec("INSERT INTO t VALUES (" + i + ")");
            acknowledged.add(i);
        }

        // The leading sentinel dies; the other one takes over within the lease TTL.
        String firstLeader = cluster.leader().orElseThrow();
        cluster.sentinels.get(firstLeader).kill();
        String secondLeader = await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> cluster.leader().orElse(""), l -> !l.isEmpty() && !l.equals(firstLeader));

        // Then the master node dies: the new leader fails over to the synchronous standby.
        String oldMasterDb = cluster.clusterData().orElseThrow().cluster().status().master();
        long t0 = System.nanoTime();
        master.killNode();
        LocalCluster.Keeper newMaster = awaitNewMaster(oldMasterDb);
        log.info("measured: sync master node SIGKILL -> new master {} converged in {} ms (leader {})",
                newMaster.uid(), (System.nanoTime() - t0) / 1_000_000, secondLeader);
        List<String> present = rows(newMaster);
        assertThat(present).containsAll(acknowledged.stream().map(String::valueOf).toList());
        assertThat(cluster.sentinels.get(secondLeader).logText()).contains("action=elect-master reason=failover");
    }

    @Test
    void aPlannedSwitchoverLosesNoAcknowledgedCommitWithAsynchronousReplication() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "switchover");
        for (String k : List.of("k1", "k2")) {
            cluster.startKeeper(k);
        }
        cluster.startSentinel("s1", "{}");
        cluster.awaitHealthy(1, SETUP);
        LocalCluster.Keeper oldMaster = cluster.masterKeeper().orElseThrow();
        LocalCluster.Keeper candidate = cluster.keepers.values().stream().filter(k -> k != oldMaster).findFirst()
                .orElseThrow();
        oldMaster.sql().exec("CREATE TABLE t (id int PRIMARY KEY)");
        String oldMasterDb = cluster.clusterData().orElseThrow().cluster().status().master();

        // A writer keeps inserting into whichever node is the master; every acknowledged id must survive.
        List<Integer> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong lastOldAck = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong firstNewAck = new java.util.concurrent.atomic.AtomicLong();
        Thread writer = new Thread(() -> {
            int id = 0;
            while (!stop.get()) {
                LocalCluster.Keeper target = cluster.masterKeeper().orElse(oldMaster);
                try {
                    target.sql().exec("INSERT INTO t VALUES (" + (++id) + ")");
                    acknowledged.add(id);
                    if (target == oldMaster) {
                        lastOldAck.set(System.nanoTime());
                    } else {
                        firstNewAck.compareAndSet(0, System.nanoTime());
                    }
                } catch (SQLException e) {
                    // not writable right now: try again
                }
            }
        });
        writer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() > 50);

        cluster.requestOperation(io.pgha.model.Cluster.Operation.Type.SWITCHOVER, null);
        ClusterData done = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(() -> cluster.clusterData().orElseThrow(),
                        cd -> cd.cluster().status().operation().state() == io.pgha.model.Cluster.Operation.State.DONE
                                && cd.proxy().spec().masterDbUid() != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> firstNewAck.get() != 0);
        stop.set(true);
        writer.join(30_000);

        assertThat(done.masterDb().orElseThrow().spec().keeperUid()).isEqualTo(candidate.uid());
        log.info("measured: switchover write gap (last ack on old master -> first ack on new) {} ms, {} rows",
                (firstNewAck.get() - lastOldAck.get()) / 1_000_000, acknowledged.size());
        List<String> present = rows(candidate);
        assertThat(present).containsAll(acknowledged.stream().map(String::valueOf).toList());
        // The old master rejoined as a standby of the same DB, without pg_rewind or a new base backup.
        DB old = done.dbs().get(oldMasterDb);
        assertThat(old).isNotNull();
        assertThat(old.spec().role()).isEqualTo(DB.Role.STANDBY);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> rows(oldMaster).size() == present.size());
        assertThat(oldMaster.process().logText()).doesNotContain("action=pg_rewind").contains("action=demote");
        assertThat(cluster.repository.history().orElseThrow().value().entries())
                .extracting(ClusterHistory.Entry::reason).contains(ClusterHistory.Reason.SWITCHOVER);
    }
}
