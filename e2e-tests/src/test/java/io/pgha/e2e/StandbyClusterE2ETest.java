package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.testing.EtcdExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * A standby (disaster-recovery) cluster: cluster "dr" follows cluster "main" through main's read-write proxy. Its
 * standby leader is cloned from main and streams from it through the operator's slot, its other keepers stream
 * from the leader; its proxy serves the leader read-only; killing the leader elects a new one that follows main
 * and the remaining standby is re-pointed at it; promotion makes the leader dr's master in place, its standby
 * follows onto the new timeline without a rebuild, and history records it.
 */
class StandbyClusterE2ETest {
    private static final Logger log = LoggerFactory.getLogger(StandbyClusterE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(300);
    private static final String TOKEN = "dr-operator";
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster main;
    private LocalCluster dr;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void tearDown() {
        for (LocalCluster c : new LocalCluster[] {dr, main}) {
            if (c != null) {
                log.info("cluster {}:{}", c.name, c.dump());
                c.close();
            }
        }
    }

    @Test
    void followsTheUpstreamFailsOverInsideAndIsPromoted() throws Exception {
        main = new LocalCluster(ETCD.etcd(), "main");
        main.startKeeper("m1");
        main.startKeeper("m2");
        main.startSentinel("ms1", "{\"additionalMasterReplicationSlots\":[\"dr_site\"]}");
        LocalCluster.Proxy upstream = main.startProxy("mp1");
        main.awaitHealthy(1, SETUP);
        LocalCluster.awaitExec(upstream.sql(), "CREATE TABLE t (id int PRIMARY KEY)", Duration.ofSeconds(30));
        upstream.sql().exec("INSERT INTO t VALUES (1)");

        dr = new LocalCluster(ETCD.etcd(), "dr");
        Path password = Files.createTempFile("dr-upstream-", ".pw");
        Files.writeString(password, LocalCluster.REPLICATION_PASSWORD + "\n");
        dr.keeperArguments(List.of("--pgha.keeper.standby.password-file=" + password));
        for (String uid : List.of("d1", "d2", "d3")) {
            dr.startKeeper(uid);
        }
        dr.startSentinel("ds1", "{\"role\":\"standby\",\"standbyConfig\":{\"primaryConninfo\":\"host="
                + upstream.host() + " port=" + upstream.port() + " user=repluser\",\"primarySlotName\":\"dr_site\"}}");
        LocalCluster.Proxy drProxy = dr.startProxy("dp1");
        LocalCluster.Admin admin = dr.startAdmin(TOKEN);
        ClusterData cd = awaitStandbyCluster(3);
        DB leader = cd.masterDb().orElseThrow();
        LocalCluster.Keeper leaderKeeper = dr.keepers.get(leader.spec().keeperUid());
        log.info("standby leader {} on {}", leader.uid(), leaderKeeper.uid());

        // The leader streams from main through its proxy and the operator's slot; the others from the leader.
        LocalCluster.awaitRow(dr.keepers.values().stream().toList(), 1);
        assertThat(leaderKeeper.sql().value("SELECT sender_port FROM pg_stat_wal_receiver"))
                .isEqualTo(Integer.toString(upstream.port()));
        assertThat(main.masterKeeper().orElseThrow().sql().value(
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'dr_site'")).isEqualTo("t");
        for (LocalCluster.Keeper k : dr.keepers.values()) {
            if (k != leaderKeeper) {
                assertThat(k.sql().value("SELECT sender_port FROM pg_stat_wal_receiver")).as(k.uid())
                        .isEqualTo(Integer.toString(leaderKeeper.pgPort()));
                assertThat(probe(k, "/standby-leader")).as(k.uid()).isEqualTo(503);
            }
        }
        assertThat(probe(leaderKeeper, "/standby-leader")).isEqualTo(200);
        assertThat(probe(leaderKeeper, "/primary")).isEqualTo(503);

        // Its proxy serves the standby leader, read-only: reads work, writes are refused by PostgreSQL.
        assertThat(drProxy.sql().value("SELECT count(*) FROM t")).isEqualTo("1");
        assertThatThrownBy(() -> drProxy.sql().exec("INSERT INTO t VALUES (100)")).isInstanceOf(SQLException.class)
                .hasMessageContaining("read-only");
        JsonNode view = await("GET /cluster shows the upstream").atMost(Duration.ofSeconds(30))
                .ignoreExceptions().until(() -> json(admin.call("GET", "/api/v1/cluster", null).body()),
                        v -> v.path("standbyCluster").path("streaming").asBoolean());
        assertThat(view.path("standbyCluster").path("upstreamPort").asInt()).isEqualTo(upstream.port());
        assertThat(view.path("standbyCluster").path("standbyLeaderLagBytes").isNumber()).isTrue();
        assertThat(view.path("standbyCluster").path("primaryConninfo").asString()).doesNotContain("password");

        // Lose the standby leader: another keeper becomes the leader, follows main, the third follows it.
        LocalCluster.Keeper killed = leaderKeeper;
        log.info("killing standby leader {} ({})", leader.uid(), killed.uid());
        killed.killNode();
        LocalCluster.Keeper newLeader = dr.awaitNewMaster(leader.uid(), Duration.ofSeconds(60));
        LocalCluster.Keeper follower = dr.keepers.values().stream().filter(k -> k != newLeader && k != killed)
                .findFirst().orElseThrow();
        upstream.sql().exec("INSERT INTO t VALUES (2)");
        LocalCluster.awaitRow(List.of(newLeader, follower), 2);
        await("the standby re-pointed at the new standby leader").atMost(Duration.ofSeconds(60))
                .ignoreExceptions().until(() -> follower.sql().value("SELECT sender_port FROM pg_stat_wal_receiver")
                        .equals(Integer.toString(newLeader.pgPort())));
        assertThat(newLeader.sql().value("SELECT sender_port FROM pg_stat_wal_receiver"))
                .isEqualTo(Integer.toString(upstream.port()));
        String followerDb = dr.clusterData().orElseThrow().dbOfKeeper(follower.uid()).orElseThrow().uid();

        // Promote: the leader becomes dr's master in place; its standby follows without a rebuild.
        assertThat(admin.call("POST", "/api/v1/cluster/promote", null).statusCode()).isEqualTo(200);
        LocalCluster.awaitExec(drProxy.sql(), "INSERT INTO t VALUES (3)", Duration.ofSeconds(60));
        LocalCluster.awaitRow(List.of(follower), 3);
        assertThat(follower.sql().value("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("2");
        assertThat(dr.clusterData().orElseThrow().dbOfKeeper(follower.uid()).orElseThrow().uid())
                .as("the standby's DB (a rebuild would replace it)").isEqualTo(followerDb);
        assertThat(admin.call("POST", "/api/v1/cluster/promote", null).statusCode()).isEqualTo(409);
        assertThat(upstream.sql().value("SELECT count(*) FROM t WHERE id = 3")).as("main is not written").isEqualTo("0");
        ClusterHistory history = JsonCodec.read(admin.call("GET", "/api/v1/cluster/history", null).body(),
                ClusterHistory.class, "history");
        assertThat(history.entries()).extracting(ClusterHistory.Entry::reason).containsSubsequence(
                ClusterHistory.Reason.INIT, ClusterHistory.Reason.FAILOVER, ClusterHistory.Reason.PROMOTE);
        assertThat(probe(newLeader, "/primary")).isEqualTo(200);
    }

    /** Phase normal, the standby leader named to the proxies, {@code dbs} converged healthy DBs. */
    private ClusterData awaitStandbyCluster(int dbs) {
        return await("standby cluster with " + dbs + " DBs").atMost(SETUP).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> dr.clusterData().orElse(null), cd -> cd != null
                        && cd.cluster().status().phase() == io.pgha.model.Cluster.Phase.NORMAL
                        && cd.proxy().spec().masterDbUid() != null
                        && cd.masterDb().orElseThrow().spec().followConfig().external()
                        && cd.dbs().values().stream().filter(d -> d.converged() && d.status().healthy()).count()
                                == dbs);
    }

    private int probe(LocalCluster.Keeper k, String path) throws Exception {
        return await(k.uid() + " " + path).atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create("http://" + k.host() + ":" + k.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode(), code -> true);
    }

    private static JsonNode json(String body) {
        return JsonCodec.mapper().readTree(body);
    }
}
