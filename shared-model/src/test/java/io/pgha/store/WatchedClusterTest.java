package io.pgha.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The view kept current from watch events: only valid cluster data is taken, unreadable keeper infos count as none. */
class WatchedClusterTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ClusterData cluster(String spec) {
        return ClusterData.initial(new Cluster("c1", 1, T0, JsonCodec.read(spec, ClusterSpec.class, "spec"),
                new Cluster.Status(Cluster.Phase.INITIALIZING, null, false, null)));
    }

    private static KeeperInfo keeper(String uid) {
        return new KeeperInfo(uid, "c1", "i-" + uid, T0, 1, false, null);
    }

    private static WatchEvent put(String key, String value) {
        return new WatchEvent(WatchEvent.Type.PUT, key, value, 1);
    }

    @Test
    void validClusterDataAndKeeperInfosAreTakenFromEvents() {
        WatchedCluster w = new WatchedCluster("/pgha/c1/");
        ClusterData cd = cluster("{\"failInterval\":\"8s\"}");
        WatchedCluster.Change c = w.apply(List.of(put(StoreKeys.CLUSTER_DATA, JsonCodec.write(cd)),
                put(StoreKeys.KEEPERS + "k1", JsonCodec.write(keeper("k1")))));
        assertThat(c.changed()).isTrue();
        assertThat(c.clusterDataProblem()).isNull();
        assertThat(w.clusterData()).isEqualTo(cd);
        assertThat(w.keepers()).containsOnlyKeys("k1");
        assertThat(w.snapshot()).isPresent();
        w.apply(List.of(new WatchEvent(WatchEvent.Type.DELETE, StoreKeys.KEEPERS + "k1", null, 2)));
        assertThat(w.keepers()).isEmpty();
    }

    @Test
    void invalidClusterDataIsReportedAndTheLastValidOneKept() {
        WatchedCluster w = new WatchedCluster("/pgha/c1/");
        ClusterData good = cluster("{}");
        w.reset(good, Map.of("k1", keeper("k1")));
        WatchedCluster.Change c = w.apply(List.of(put(StoreKeys.CLUSTER_DATA,
                JsonCodec.write(cluster("{\"failInterval\":\"soon\"}")))));
        assertThat(c.changed()).isFalse();
        assertThat(c.clusterDataProblem()).contains("cluster data at /pgha/c1/").contains("failInterval");
        assertThat(w.clusterData()).isEqualTo(good);
        c = w.apply(List.of(put(StoreKeys.CLUSTER_DATA, "{not json")));
        assertThat(c.clusterDataProblem()).isNotNull();
        assertThat(w.clusterData()).isEqualTo(good);
    }

    @Test
    void anUnreadableKeeperInfoCountsAsNone() {
        WatchedCluster w = new WatchedCluster("/pgha/c1/");
        w.reset(cluster("{}"), Map.of("k1", keeper("k1")));
        WatchedCluster.Change c = w.apply(List.of(put(StoreKeys.KEEPERS + "k1", "{\"uid\":")));
        assertThat(c.changed()).isTrue();
        assertThat(c.malformedKeeperInfos()).hasSize(1).allMatch(m -> m.contains("keeper info k1"));
        assertThat(w.keepers()).isEmpty();
    }
}
