package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import io.pgha.testing.EtcdExtension;
import io.pgha.testing.PgClient;
import io.pgha.testing.Signals;
import java.net.Socket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An operator's bad days, black box: the built jars as processes on real etcd and PostgreSQL 15, broken with
 * SIGKILL and SIGSTOP. Each scenario asserts rows, roles and where the proxy routes.
 */
class FailureScenariosTest {
    private static final Logger log = LoggerFactory.getLogger(FailureScenariosTest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final Duration FAILOVER = Duration.ofSeconds(60);
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

    /** Starts keepers k1..k{@code keepers} and sentinels s1..s{@code sentinels} with the initial {@code spec}. */
    private void start(String name, int keepers, int sentinels, String spec) {
        cluster = new LocalCluster(ETCD.etcd(), name);
        for (int i = 1; i <= keepers; i++) {
            cluster.startKeeper("k" + i);
        }
        for (int i = 1; i <= sentinels; i++) {
            cluster.startSentinel("s" + i, spec);
        }
    }

    private static long count(PgClient c) throws SQLException {
        return Long.parseLong(c.value("SELECT count(*) FROM t"));
    }

    private static int serverPort(PgClient c) throws SQLException {
        return Integer.parseInt(c.value("SELECT inet_server_port()"));
    }

    /**
     * SIGSTOP the master's WAL senders: with asynchronous replication it keeps committing but sends nothing.
     * (Freezing the standby would not do: what the master sent waits in the socket buffers and arrives on SIGCONT.)
     */
    private static void freezeWalSenders(LocalCluster.Keeper master) throws SQLException {
        List<String> pids = master.sql().column("SELECT pid FROM pg_stat_replication");
        assertThat(pids).isNotEmpty();
        pids.forEach(pid -> Signals.freeze(Long.parseLong(pid)));
    }

    private LocalCluster.Keeper standby(LocalCluster.Keeper not) {
        return cluster.keepers.values().stream().filter(k -> k != not).findFirst().orElseThrow();
    }

    /**
     * After a failover under synchronous replication the remaining standby must stream from the new primary at
     * once: pointed at it before the new primary made its replication slot, it would fail ("replication slot …
     * does not exist") and retry only after wal_retrieve_retry_interval (5 s), holding every commit meanwhile.
     */
    @Test
    void afterTheSynchronousPrimarysNodeIsLostTheStandbyStreamsFromTheNewPrimaryWithoutASlotError() throws Exception {
        start("slots", 3, 1, "{\"synchronousReplication\":true,\"minSynchronousStandbys\":1}");
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        cluster.awaitHealthy(2, SETUP);
        LocalCluster.awaitExec(proxy.sql(), ChaosTest.Writer.CREATE_TABLE, Duration.ofSeconds(30));
        List<ChaosTest.Ack> acks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        ChaosTest.Writer writer = new ChaosTest.Writer(0, List.of(proxy), new java.util.concurrent.atomic.AtomicLong(),
                acks, Duration.ofMillis(20));
        new Thread(writer, "writer").start();
        try {
            await("writes").atMost(Duration.ofSeconds(30)).until(() -> acks.size() > 10);
            LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
            String oldMasterDb = cluster.masterDbUid();
            long oldTimeline = acks.get(0).timeline();
            java.time.Instant killed = java.time.Instant.now();
            master.killNode();
            cluster.awaitNewMaster(oldMasterDb, FAILOVER);
            ChaosTest.Ack first = await("a write on the new primary").atMost(Duration.ofSeconds(30)).until(() -> {
                synchronized (acks) {
                    return acks.stream().filter(a -> a.timeline() > oldTimeline).findFirst().orElse(null);
                }
            }, java.util.Objects::nonNull);
            log.info("measured: first acknowledged insert on the new primary {} ms after the node was killed",
                    Duration.between(killed, first.at()).toMillis());
            master.process().launch(); // the lost node back: it rejoins as a standby
            cluster.awaitHealthy(2, SETUP);
            for (LocalCluster.Keeper k : cluster.keepers.values()) {
                if (k != master) {
                    assertThat(java.nio.file.Files.readString(k.dataDir().resolve("postgres.log")))
                            .as(k.uid() + "'s PostgreSQL log")
                            .doesNotContainPattern("replication slot \"[^\"]+\" does not exist");
                }
            }
        } finally {
            writer.stop();
        }
    }

    /**
     * The shell that starts a keeper may export libpq's variables (a DBA's {@code PGPASSWORD} for the superuser,
     * a {@code PGHOST} of their own): none of them may reach initdb, pg_basebackup or pg_rewind.
     */
    @Test
    void keepersStartedWithTheCallersPgVariablesSetWrongStillInitializeCloneAndRewind() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "pgenv");
        cluster.keeperEnvironment(java.util.Map.of("PGPASSWORD", "not-the-password", "PGUSER", "nobody",
                "PGHOST", "/nonexistent-socket-dir", "PGPORT", "1", "PGSSLMODE", "require",
                "PGPASSFILE", "/nonexistent/passfile"));
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"usePgRewind\":true}");
        cluster.awaitHealthy(1, SETUP); // initialized, and the standby cloned
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        String oldMasterDb = cluster.masterDbUid();
        LocalCluster.awaitExec(master.sql(), "CREATE TABLE t (id int); INSERT INTO t VALUES (1)",
                Duration.ofSeconds(30));
        master.killNode();
        LocalCluster.Keeper next = cluster.awaitNewMaster(oldMasterDb, FAILOVER);
        LocalCluster.awaitExec(next.sql(), "INSERT INTO t VALUES (2)", Duration.ofSeconds(30));
        master.process().launch();
        cluster.awaitHealthy(1, SETUP); // the old master rewound onto the new one's timeline
        await("the old master has the new master's row").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> count(master.sql()) == 2);
        assertThat(master.process().logText()).containsPattern("pg_rewind db=\\S+ done in")
                .doesNotContain("failed, taking a new base backup instead");
        for (LocalCluster.Keeper k : List.of(master, next)) {
            assertThat(k.process().logText()).as(k.uid() + "'s log").doesNotContain("password authentication failed");
        }
    }

    @Test
    void aFrozenMasterNodeIsReplacedTheProxyFollowsAndAfterSigcontItRejoinsAsAStandby() throws Exception {
        start("partition", 3, 1, "{\"usePgRewind\":true}");
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        cluster.awaitHealthy(2, SETUP);
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        LocalCluster.awaitExec(proxy.sql(), "CREATE TABLE t (id int PRIMARY KEY); "
                + "INSERT INTO t SELECT generate_series(1, 100)", Duration.ofSeconds(30));
        assertThat(serverPort(proxy.sql())).isEqualTo(master.pgPort());
        String oldMasterDb = cluster.masterDbUid();

        try (Connection held = proxy.sql().connect()) {
            // Cut off: keeper and PostgreSQL stop answering, their sockets stay open.
            List<Long> frozen = master.freezeNode();
            LocalCluster.Keeper newMaster = cluster.awaitNewMaster(oldMasterDb, FAILOVER);
            LocalCluster.awaitExec(proxy.sql(), "INSERT INTO t VALUES (101)", Duration.ofSeconds(30));
            assertThat(serverPort(proxy.sql())).isEqualTo(newMaster.pgPort());
            assertThat(count(proxy.sql())).isEqualTo(101);
            // The connection to the replaced primary was closed by the proxy, not left hanging on it.
            assertThatThrownBy(() -> held.createStatement().execute("SELECT 1")).isInstanceOf(SQLException.class);

            LocalCluster.thaw(frozen);
        }
        cluster.awaitHealthy(2, SETUP);
        assertThat(cluster.clusterData().orElseThrow().dbOfKeeper(master.uid()).orElseThrow().spec().role())
                .isEqualTo(DB.Role.STANDBY);
        assertThat(master.sql().value("SELECT pg_is_in_recovery()")).isEqualTo("t");
        LocalCluster.awaitExec(proxy.sql(), "INSERT INTO t VALUES (102)", Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(master.sql()) == 102);
        assertThat(serverPort(proxy.sql())).isNotEqualTo(master.pgPort());
    }

    @Test
    void withoutPgRewindAForkedStandbyAndTheOldMasterAreRebuiltAndTheirUnreplicatedWritesAreGone() throws Exception {
        start("fork", 3, 1, "{}");
        LocalCluster.Admin admin = cluster.startAdmin("e2e-token");
        cluster.awaitHealthy(2, SETUP);
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        List<LocalCluster.Keeper> standbys = cluster.keepers.values().stream().filter(k -> k != master).toList();
        LocalCluster.Keeper promoted = standbys.get(0);
        LocalCluster.Keeper ahead = standbys.get(1);
        ClusterData healthy = cluster.clusterData().orElseThrow();
        String oldMasterDb = healthy.cluster().status().master();
        String aheadDb = healthy.dbOfKeeper(ahead.uid()).orElseThrow().uid();
        String promotedDb = healthy.dbOfKeeper(promoted.uid()).orElseThrow().uid();
        master.sql().exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");
        for (LocalCluster.Keeper k : standbys) {
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(k.sql()) == 100);
        }
        // The standby that will be ahead of the fork may not be elected.
        assertThat(admin.call("PATCH", "/api/v1/keepers/" + ahead.uid(), "{\"noFailover\":true}").statusCode())
                .isEqualTo(200);

        // A fork: rows 1001..1010 reach the master and one standby, not the one that will be promoted.
        Signals.freeze(Long.parseLong(master.sql().value(
                "SELECT pid FROM pg_stat_replication WHERE application_name = '" + promotedDb + "'")));
        master.sql().exec("INSERT INTO t SELECT generate_series(1001, 1010)");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(ahead.sql()) == 110);
        master.killNode();
        assertThat(cluster.awaitNewMaster(oldMasterDb, FAILOVER).uid()).isEqualTo(promoted.uid());
        assertThat(count(promoted.sql())).isEqualTo(100);
        promoted.sql().exec("INSERT INTO t VALUES (101)");

        // The standby went past the point where the new master's timeline left the old one: detected, rebuilt.
        await("the forked standby rebuilt").atMost(SETUP).ignoreExceptions().until(() -> count(ahead.sql()) == 101);
        assertThat(cluster.sentinels.get("s1").logText()).contains("action=remove db=" + aheadDb)
                .contains("forked from the master's history");
        assertThat(cluster.clusterData().orElseThrow().dbOfKeeper(ahead.uid()).orElseThrow().uid())
                .isNotEqualTo(aheadDb);
        assertThat(ahead.sql().value("SELECT count(*) FROM t WHERE id > 1000")).isEqualTo("0");
        assertThat(ahead.process().logText()).contains("action=basebackup").doesNotContain("action=pg_rewind");

        // The old master comes back past the fork point too: without pg_rewind it gets a new DB and a base backup.
        master.process().launch();
        cluster.awaitHealthy(2, SETUP);
        DB rebuilt = cluster.clusterData().orElseThrow().dbOfKeeper(master.uid()).orElseThrow();
        assertThat(rebuilt.uid()).isNotEqualTo(oldMasterDb);
        assertThat(rebuilt.spec().role()).isEqualTo(DB.Role.STANDBY);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(master.sql()) == 101);
        assertThat(master.sql().value("SELECT count(*) FROM t WHERE id > 1000")).isEqualTo("0");
        assertThat(master.process().logText()).contains("action=basebackup db=" + rebuilt.uid())
                .doesNotContain("action=pg_rewind");
    }

    @Test
    void aLaggingStandbyIsNotPromotedAndTheOldMasterComesBackWithEveryRow() throws Exception {
        start("lag", 2, 1, "{}");
        cluster.awaitHealthy(1, SETUP);
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        LocalCluster.Keeper standby = standby(master);
        // EXTERNAL storage: the padding is not compressed, so it costs its size in WAL.
        master.sql().exec("CREATE TABLE t (id int PRIMARY KEY, pad text); ALTER TABLE t ALTER pad SET STORAGE EXTERNAL");
        String masterDb = cluster.masterDbUid();
        long before = cluster.clusterData().orElseThrow().masterDb().orElseThrow().status().walPosition();

        // The standby misses 4 MB of WAL (default maxStandbyLag: 1 MB), the master reports it, then dies.
        freezeWalSenders(master);
        master.sql().exec("INSERT INTO t SELECT g, repeat('x', 1000) FROM generate_series(1, 4000) g");
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.clusterData().orElseThrow().masterDb()
                .orElseThrow().status().walPosition() > before + 4_000_000);
        master.killNode();

        await("no failover to the lagging standby").during(Duration.ofSeconds(15)).atMost(Duration.ofSeconds(20))
                .until(() -> masterDb.equals(cluster.masterDbUid()));
        assertThat(standby.sql().value("SELECT pg_is_in_recovery()")).isEqualTo("t");
        assertThat(cluster.clusterData().orElseThrow().cluster().status().message()).contains("lagging");

        master.process().launch();
        cluster.awaitHealthy(1, SETUP);
        assertThat(cluster.masterDbUid()).isEqualTo(masterDb);
        assertThat(count(master.sql())).isEqualTo(4000);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(standby.sql()) == 4000);
    }

    @Test
    void aStandbyThatMissedWalIsRebuiltWithANewBaseBackup() throws Exception {
        // Slots may keep at most 32 MB and nothing else keeps WAL, so a standby down for 100 MB falls off.
        start("missedwal", 2, 1, "{\"pgParameters\":{\"wal_keep_size\":\"0\",\"max_slot_wal_keep_size\":\"32MB\"}}");
        cluster.awaitHealthy(1, SETUP);
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        LocalCluster.Keeper standby = standby(master);
        String standbyDb = cluster.clusterData().orElseThrow().dbOfKeeper(standby.uid()).orElseThrow().uid();
        master.sql().exec("CREATE TABLE t (id int PRIMARY KEY, pad text); ALTER TABLE t ALTER pad SET STORAGE EXTERNAL");

        standby.killNode();
        for (int round = 0; round < 5; round++) {
            master.sql().exec("INSERT INTO t SELECT g, repeat('x', 2000) FROM generate_series(" + (round * 10_000 + 1)
                    + ", " + (round + 1) * 10_000 + ") g; SELECT pg_switch_wal(); CHECKPOINT");
        }
        // Its position is now behind the master's oldest WAL file: the sentinel replaces its DB (it may do so
        // before the keeper is back), and the keeper rebuilds from a fresh base backup.
        await("the standby's DB replaced").atMost(Duration.ofSeconds(60)).until(() -> cluster.clusterData()
                .orElseThrow().dbOfKeeper(standby.uid()).map(db -> !db.uid().equals(standbyDb)).orElse(false));
        standby.process().launch();

        cluster.awaitHealthy(1, SETUP);
        DB rebuilt = cluster.clusterData().orElseThrow().dbOfKeeper(standby.uid()).orElseThrow();
        assertThat(rebuilt.uid()).isNotEqualTo(standbyDb);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> count(standby.sql()) == 50_000);
        assertThat(cluster.sentinels.get("s1").logText()).contains("the WAL it needs was removed from the master");
        assertThat(standby.process().logText()).contains("action=basebackup db=" + rebuilt.uid());
    }

    @Test
    void aRemovedKeeperIsForgottenAndJoinsAgainWithFreshData() throws Exception {
        start("removal", 3, 1, "{}");
        LocalCluster.Admin admin = cluster.startAdmin("e2e-token");
        cluster.awaitHealthy(2, SETUP);
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        LocalCluster.Keeper leaving = standby(master);
        String leavingDb = cluster.clusterData().orElseThrow().dbOfKeeper(leaving.uid()).orElseThrow().uid();
        master.sql().exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100)");

        // The operator stops the node, then removes the keeper: refused while its info is live (it would be
        // admitted again), accepted once it expired; its DB and the master's slot for it go.
        leaving.killNode();
        assertThat(admin.call("DELETE", "/api/v1/keepers/" + leaving.uid(), null).statusCode()).isEqualTo(409);
        await("the keeper removed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> admin.call("DELETE", "/api/v1/keepers/" + leaving.uid(), null).statusCode() == 200);
        ClusterData without = cluster.clusterData().orElseThrow();
        assertThat(without.keepers()).doesNotContainKey(leaving.uid());
        assertThat(without.dbs()).doesNotContainKey(leavingDb);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> master.sql().value(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'pgha_" + leavingDb + "'"), "0"::equals);
        assertThat(admin.call("GET", "/api/v1/keepers/" + leaving.uid(), null).statusCode()).isEqualTo(404);
        master.sql().exec("INSERT INTO t VALUES (101)");

        // Started again (admission open), it is a new member with a new DB that copies the master's data.
        leaving.process().launch();
        cluster.awaitHealthy(2, SETUP);
        DB back = cluster.clusterData().orElseThrow().dbOfKeeper(leaving.uid()).orElseThrow();
        assertThat(back.uid()).isNotEqualTo(leavingDb);
        assertThat(back.spec().role()).isEqualTo(DB.Role.STANDBY);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> count(leaving.sql()) == 101);
    }

    @Test
    void whenTheLeadingSentinelDiesDuringAFailoverTheOtherFinishesItOnce() throws Exception {
        start("leaderloss", 3, 2, "{\"usePgRewind\":true}");
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        cluster.awaitHealthy(2, SETUP);
        LocalCluster.awaitExec(proxy.sql(), "CREATE TABLE t (id int PRIMARY KEY); "
                + "INSERT INTO t SELECT generate_series(1, 100)", Duration.ofSeconds(30));
        LocalCluster.Keeper master = cluster.masterKeeper().orElseThrow();
        String oldMasterDb = cluster.masterDbUid();
        String leader = cluster.leader().orElseThrow();

        master.killNode();
        // Mid-failover: the proxies are being told to stop routing, or the new master is named but not promoted.
        ClusterData mid = await("the failover under way").atMost(FAILOVER).pollInterval(Duration.ofMillis(10))
                .ignoreExceptions().until(() -> cluster.clusterData().orElseThrow(), cd ->
                        cd.proxy().spec().masterDbUid() == null || !oldMasterDb.equals(cd.cluster().status().master()));
        cluster.sentinels.get(leader).kill();
        log.info("killed leader {} mid-failover: master={} proxy master={}", leader, mid.cluster().status().master(),
                mid.proxy().spec().masterDbUid());
        assertThat(mid.masterDb().map(DB::converged).orElse(false) && mid.proxy().spec().masterDbUid() != null)
                .as("caught before the failover completed").isFalse();

        LocalCluster.Keeper newMaster = cluster.awaitNewMaster(oldMasterDb, FAILOVER);
        LocalCluster.awaitExec(proxy.sql(), "INSERT INTO t VALUES (101)", Duration.ofSeconds(30));
        assertThat(serverPort(proxy.sql())).isEqualTo(newMaster.pgPort());
        assertThat(count(proxy.sql())).isEqualTo(101);
        assertThat(cluster.leader()).get().isNotEqualTo(leader);
        ClusterData after = cluster.clusterData().orElseThrow();
        assertThat(after.dbs().values().stream().filter(d -> d.spec().role() == DB.Role.MASTER)).hasSize(1);
        assertThat(cluster.repository.history().orElseThrow().value().entries())
                .extracting(ClusterHistory.Entry::reason)
                .containsExactly(ClusterHistory.Reason.INIT, ClusterHistory.Reason.FAILOVER);
    }

    @Test
    void aFrozenStoreFencesTheProxyAndTheClusterServesAgainOnceItIsBack() throws Exception {
        start("storefreeze", 2, 1, "{}");
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        cluster.awaitHealthy(1, SETUP);
        LocalCluster.awaitExec(proxy.sql(), "CREATE TABLE t (id int PRIMARY KEY); "
                + "INSERT INTO t SELECT generate_series(1, 100)", Duration.ofSeconds(30));

        try (Connection held = proxy.sql().connect(); Statement st = held.createStatement()) {
            ETCD.etcd().freeze();
            try {
                // proxyTimeout (4 s) without a confirmed view: the listener closes and open connections end.
                await("the proxy fenced").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                        .until(() -> !accepts(proxy.port()));
                assertThatThrownBy(() -> st.execute("SELECT 1")).isInstanceOf(SQLException.class);
            } finally {
                ETCD.etcd().thaw();
            }
        }
        LocalCluster.awaitExec(proxy.sql(), "INSERT INTO t VALUES (101)", Duration.ofSeconds(60));
        assertThat(count(proxy.sql())).isEqualTo(101);
        // The sentinel lost its session while etcd was frozen: it must lead again, not sit out as a follower.
        await("the sentinel leads again").atMost(Duration.ofSeconds(60)).until(() -> cluster.sentinels.get("s1")
                .logText().split("role=leader", -1).length - 1 >= 2);
        cluster.awaitHealthy(1, SETUP);
        assertThat(cluster.clusterData().orElseThrow().dbs().values().stream()
                .filter(d -> d.spec().role() == DB.Role.MASTER)).hasSize(1);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
