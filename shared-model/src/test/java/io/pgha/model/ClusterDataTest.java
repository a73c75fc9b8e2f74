package io.pgha.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterDataTest {
    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    static ClusterData twoNodeCluster() {
        Cluster cluster = new Cluster("c1", 3, T0, ClusterSpecTest.read("{\"synchronousReplication\":true}"),
                new Cluster.Status(Cluster.Phase.NORMAL, "db1", false, null));
        Keeper k1 = new Keeper("k1", 1, new Keeper.Spec(2, false, false, true),
                new Keeper.Status(true, T0, "i-1", "15.18", false));
        Keeper k2 = new Keeper("k2", 1, Keeper.Spec.defaults(), new Keeper.Status(true, T0, "i-2", "15.18", false));
        DB db1 = new DB("db1", 4, T0, new DB.Spec("k1", DB.Role.MASTER, DB.InitMode.NEW, null, true,
                List.of("db2"), null, Map.of("work_mem", "8MB"), List.of(), 20, 5, false, List.of(), List.of("db2"),
                null, null, false),
                new DB.Status(true, 4, "10.0.0.1", 5432, "7301", 2, 50_331_648L,
                        List.of(new DB.TimelineHistoryEntry(1, 33_554_432L, "no recovery target specified")),
                        List.of("db2"), Map.of("work_mem", "8MB"), "000000020000000000000003", T0, null));
        DB db2 = new DB("db2", 2, T0, new DB.Spec("k2", DB.Role.STANDBY, DB.InitMode.RESYNC,
                DB.FollowConfig.internal("db1"), false, List.of(), null, Map.of(), List.of(), 20, 5, true, List.of(),
                List.of(), null, null, false), null);
        return ClusterData.initial(cluster).withKeeper(k1).withKeeper(k2).withDb(db1).withDb(db2)
                .withProxy(new Proxy(7, new Proxy.Spec("db1", List.of("p1"))));
    }

    @Test
    void jsonRoundTripIsLossless() {
        ClusterData d = twoNodeCluster();
        String json = JsonCodec.write(d);
        assertThat(json).startsWith("{\"formatVersion\":1,").contains("\"phase\":\"normal\"")
                .contains("\"role\":\"master\"").contains("\"changeTime\":\"2026-11-27T10:00:00Z\"");
        ClusterData back = JsonCodec.read(json, ClusterData.class, "cluster data");
        assertThat(back).isEqualTo(d);
        assertThat(JsonCodec.write(back)).isEqualTo(json);
        assertThat(d.validate()).isEmpty();
    }

    @Test
    void unknownFieldsAreToleratedAndTopLevelOnesArePreserved() {
        String json = JsonCodec.write(twoNodeCluster());
        String future = json.substring(0, json.length() - 1)
                + ",\"futureFeature\":{\"enabled\":true}}";
        future = future.replace("\"generation\":3,", "\"generation\":3,\"unknownClusterField\":1,");
        ClusterData d = JsonCodec.read(future, ClusterData.class, "cluster data");
        assertThat(d.cluster().generation()).isEqualTo(3);
        assertThat(JsonCodec.write(d)).contains("\"futureFeature\":{\"enabled\":true}");
        assertThat(JsonCodec.write(d.withProxy(d.proxy().withSpec(new Proxy.Spec(null, List.of())))))
                .contains("\"futureFeature\":{\"enabled\":true}");
    }

    @Test
    void derivedViews() {
        ClusterData d = twoNodeCluster();
        assertThat(d.masterDb()).map(DB::uid).contains("db1");
        assertThat(d.dbOfKeeper("k2")).map(DB::uid).contains("db2");
        assertThat(d.dbs().get("db1").converged()).isTrue();
        assertThat(d.dbs().get("db2").converged()).isFalse();
    }

    @Test
    void validateReportsEveryStructuralProblem() {
        ClusterData d = twoNodeCluster();
        DB orphan = new DB("db3", 1, T0, new DB.Spec("k9", DB.Role.STANDBY, DB.InitMode.RESYNC, null, false,
                null, null, null, null, 20, 5, false, null, null, null, null, false), null);
        ClusterData broken = new ClusterData(2, d.cluster().withStatus(d.cluster().status().withMaster("dbX"))
                .withSpec(ClusterSpecTest.read("{\"maxStandbys\":0}"), T0), d.keepers(),
                Map.of("db1", d.dbs().get("db1"), "db3", orphan), new Proxy(1, new Proxy.Spec("db9", null)));
        assertThat(broken.validate()).extracting(Violation::field).containsExactlyInAnyOrder(
                "formatVersion", "cluster.spec.maxStandbys", "dbs.db3.spec.keeperUid", "cluster.status.master",
                "proxy.spec.masterDbUid");
    }

    @Test
    void aMalformedDocumentIsReportedWithWhatWasRead() {
        assertThatThrownBy(() -> JsonCodec.read("{not json", ClusterData.class, "cluster data at pgha/x/clusterdata"))
                .isInstanceOf(MalformedDocumentException.class)
                .hasMessageStartingWith("malformed cluster data at pgha/x/clusterdata");
        assertThatThrownBy(() -> JsonCodec.read("null", ClusterData.class, "cluster data"))
                .isInstanceOf(MalformedDocumentException.class);
    }

    @Test
    void historyIsBoundedNewestLast() {
        ClusterHistory h = ClusterHistory.empty();
        for (int i = 0; i < ClusterHistory.MAX_ENTRIES + 5; i++) {
            h = h.append(new ClusterHistory.Entry(T0.plusSeconds(i), ClusterHistory.Reason.FAILOVER, "a", "k1", "b",
                    "k2", i, i, null));
        }
        assertThat(h.entries()).hasSize(ClusterHistory.MAX_ENTRIES);
        assertThat(h.entries().get(0).timelineId()).isEqualTo(5);
        assertThat(h.entries().get(h.entries().size() - 1).timelineId()).isEqualTo(ClusterHistory.MAX_ENTRIES + 4);
        ClusterHistory back = JsonCodec.read(JsonCodec.write(h), ClusterHistory.class, "history");
        assertThat(back).isEqualTo(h);
        assertThat(JsonCodec.write(h)).contains("\"reason\":\"failover\"");
    }
}
