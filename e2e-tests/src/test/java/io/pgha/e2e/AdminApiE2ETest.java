package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.testing.EtcdExtension;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API as an operator uses it, against a real cluster (built jars: keepers with PostgreSQL 15,
 * a sentinel, admin-api; real etcd): switchover and failover, refusals, priority 0, maintenance mode.
 */
class AdminApiE2ETest {
    private static final Logger log = LoggerFactory.getLogger(AdminApiE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final String TOKEN = "e2e-operator-token";
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster cluster;
    private LocalCluster.Admin admin;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return admin.call(method, path, body);
    }

    private String masterKeeper() {
        return cluster.masterKeeper().orElseThrow().uid();
    }

    /** The DB topology the operator cares about: master, and each DB's keeper and role. */
    private String topology() {
        ClusterData cd = cluster.clusterData().orElseThrow();
        return cd.cluster().status().master() + " " + cd.dbs().values().stream()
                .map(d -> d.uid() + "@" + d.spec().keeperUid() + ":" + d.spec().role()).sorted()
                .collect(Collectors.joining(","));
    }

    @Test
    void switchoverToANamedStandbyThenFailoverNeverElectingAPriorityZeroKeeper() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "adminswitch");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{}");
        admin = cluster.startAdmin(TOKEN);
        cluster.awaitHealthy(1, SETUP);
        assertThat(call("POST", "/api/v1/keepers", "{\"uid\":\"k3\",\"priority\":0}").statusCode()).isEqualTo(201);
        cluster.startKeeper("k3");
        cluster.awaitHealthy(2, SETUP);
        assertThat(call("GET", "/api/v1/keepers/k3", null).body()).contains("\"role\":\"standby\"", "\"priority\":0");

        String oldMaster = masterKeeper();
        String target = oldMaster.equals("k1") ? "k2" : "k1";
        cluster.keepers.get(oldMaster).sql().exec("CREATE TABLE t (id int PRIMARY KEY); "
                + "INSERT INTO t SELECT generate_series(1, 100)");

        HttpResponse<String> switched = call("POST", "/api/v1/cluster/switchover?timeout=90s",
                "{\"candidate\":\"" + target + "\"}");
        assertThat(switched.statusCode()).as(switched.body()).isEqualTo(200);
        assertThat(switched.body()).contains("\"primaryKeeper\":\"" + target + "\"");
        LocalCluster.Keeper newMaster = cluster.keepers.get(target);
        assertThat(newMaster.sql().value("SELECT count(*) FROM t")).isEqualTo("100");
        assertThat(newMaster.sql().value("SELECT pg_is_in_recovery()")).isEqualTo("f");
        // The old primary follows the new one.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            ClusterData cd = cluster.clusterData().orElseThrow();
            DB old = cd.dbOfKeeper(oldMaster).orElseThrow();
            return old.spec().role() == DB.Role.STANDBY && old.converged() && old.status().healthy()
                    && cd.masterDb().orElseThrow().uid().equals(old.spec().followConfig().dbUid());
        });
        newMaster.sql().exec("INSERT INTO t VALUES (101)");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> cluster.keepers.get(oldMaster).sql().value("SELECT count(*) FROM t"), "101"::equals);
        // ...and the sentinel has seen it on the new timeline (a failover candidate must be on the master's).
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            ClusterData cd = cluster.clusterData().orElseThrow();
            return cd.dbOfKeeper(oldMaster).orElseThrow().status().timelineId()
                    == cd.masterDb().orElseThrow().status().timelineId();
        });

        // The primary can be neither removed nor rebuilt; the priority-0 keeper is never a candidate.
        String before = topology();
        assertThat(call("DELETE", "/api/v1/keepers/" + target, null).statusCode()).isEqualTo(409);
        assertThat(call("POST", "/api/v1/keepers/" + target + "/reinit", null).statusCode()).isEqualTo(409);
        HttpResponse<String> toZero = call("POST", "/api/v1/cluster/switchover?timeout=30s", "{\"candidate\":\"k3\"}");
        assertThat(toZero.statusCode()).as(toZero.body()).isEqualTo(412);
        assertThat(toZero.body()).contains("priority");
        assertThat(topology()).isEqualTo(before);

        HttpResponse<String> failedOver = call("POST", "/api/v1/cluster/failover?timeout=90s", "{}");
        assertThat(failedOver.statusCode()).as(failedOver.body()).isEqualTo(200);
        assertThat(failedOver.body()).contains("\"primaryKeeper\":\"" + oldMaster + "\"");
        assertThat(masterKeeper()).isEqualTo(oldMaster);
    }

    @Test
    void nonSyncCandidateIsRefusedAndPauseHoldsFailoverUntilResume() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "adminpause");
        for (String k : List.of("k1", "k2", "k3")) {
            cluster.startKeeper(k);
        }
        cluster.startSentinel("s1", "{\"synchronousReplication\":true,\"minSynchronousStandbys\":1,"
                + "\"maxSynchronousStandbys\":1}");
        admin = cluster.startAdmin(TOKEN);
        cluster.awaitHealthy(2, SETUP);
        ClusterData cd = await().atMost(Duration.ofSeconds(60)).until(() -> cluster.clusterData().orElseThrow(),
                c -> c.masterDb().orElseThrow().status().synchronousStandbys().size() == 1);
        DB master = cd.masterDb().orElseThrow();
        String syncDb = master.status().synchronousStandbys().get(0);
        String asyncKeeper = cd.dbs().values().stream()
                .filter(d -> !d.uid().equals(master.uid()) && !d.uid().equals(syncDb))
                .findFirst().orElseThrow().spec().keeperUid();
        String syncKeeper = cd.dbs().get(syncDb).spec().keeperUid();

        // Forced failover to the standby that is not synchronous: it may miss acknowledged commits.
        String before = topology();
        HttpResponse<String> refused = call("POST", "/api/v1/cluster/failover?timeout=30s",
                "{\"candidate\":\"" + asyncKeeper + "\"}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(412);
        assertThat(refused.body()).containsIgnoringCase("sync");
        assertThat(topology()).isEqualTo(before);
        // With the synchronous standby out of the running (noFailover), only the non-synchronous one is left.
        assertThat(call("PATCH", "/api/v1/keepers/" + syncKeeper, "{\"noFailover\":true}").statusCode()).isEqualTo(200);
        HttpResponse<String> onlyAsync = call("POST", "/api/v1/cluster/failover?timeout=30s", "{}");
        assertThat(onlyAsync.statusCode()).as(onlyAsync.body()).isEqualTo(412);
        assertThat(onlyAsync.body()).contains("not a synchronous standby in sync", "noFailover");
        assertThat(topology()).isEqualTo(before);
        assertThat(call("PATCH", "/api/v1/keepers/" + syncKeeper, "{\"noFailover\":false}").statusCode()).isEqualTo(200);

        // Paused: the master's node dies and nobody is promoted; after resume, the synchronous standby is.
        assertThat(call("POST", "/api/v1/cluster/pause", null).body()).contains("\"paused\":true");
        String oldMaster = masterKeeper();
        cluster.keepers.get(oldMaster).killNode();
        await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(15))
                .until(() -> cluster.clusterData().orElseThrow().cluster().status().master(), master.uid()::equals);
        assertThat(call("GET", "/api/v1/cluster", null).body()).contains("\"paused\":true");
        assertThat(call("POST", "/api/v1/cluster/resume", null).body()).contains("\"paused\":false");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> cluster.masterKeeper().map(
                LocalCluster.Keeper::uid).orElse(""), syncKeeper::equals);
        assertThat(cluster.clusterData().orElseThrow().masterDb().orElseThrow().uid()).isEqualTo(syncDb);
    }
}
