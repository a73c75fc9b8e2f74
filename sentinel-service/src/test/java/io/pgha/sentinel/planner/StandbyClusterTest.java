package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A standby cluster ({@code role: standby}): its standby leader follows the external upstream, the other standbys
 * follow the leader, failover elects a new standby leader, and promotion turns the leader into the master in
 * place ({@link PlanContext#leaderSpec}, {@link Promotion}). One named scenario per case.
 */
class StandbyClusterTest {
    static final String STANDBY_SPEC = "{\"role\":\"standby\",\"standbyConfig\":{\"primaryConninfo\":"
            + "\"host=10.1.0.1 port=25432 user=repluser\",\"primarySlotName\":\"dr_site\"}}";
    static final ClusterSpec.StandbyConfig UPSTREAM = new ClusterSpec.StandbyConfig(
            "host=10.1.0.1 port=25432 user=repluser", "dr_site", null);

    /** A standby cluster: leader db1 on k1, standbys db2 (k2) and db3 (k3) streaming from it. */
    static PlannerFixture standbyCluster() {
        return aCluster().spec(STANDBY_SPEC).keeper("k1").keeper("k2").keeper("k3").standbyLeader("db1", "k1")
                .standby("db2", "k2").standby("db3", "k3");
    }

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("init: the first DB is a standby leader cloned from the upstream, never an initdb",
                        () -> aCluster().initializing().spec(STANDBY_SPEC).keeper("k1", 1).keeper("k2", 3),
                        p -> {
                            DB db = db(p, master(p));
                            assertThat(db.spec().keeperUid()).isEqualTo("k2");
                            assertThat(db.spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(db.spec().initMode()).isEqualTo(DB.InitMode.RESYNC);
                            assertThat(db.spec().followConfig()).isEqualTo(DB.FollowConfig.external(UPSTREAM));
                            assertThat(db.spec().newConfig()).isNull();
                            assertThat(db.spec().leads()).isTrue();
                        }),
                scenario("init: a converged healthy standby leader makes the cluster normal and is named to proxies",
                        () -> aCluster().initializing().spec(STANDBY_SPEC).keeper("k1").standbyLeader("db1", "k1")
                                .proxyCleared(0),
                        p -> {
                            assertThat(p.next().cluster().status().phase()).isEqualTo(Cluster.Phase.NORMAL);
                            assertThat(p.next().proxy().spec().masterDbUid()).isEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.INIT && m.why().contains("standby cluster"));
                        }),
                scenario("a free keeper gets a standby that streams from the standby leader",
                        () -> aCluster().spec(STANDBY_SPEC).keeper("k1").keeper("k2").standbyLeader("db1", "k1"),
                        p -> {
                            DB standby = p.next().dbOfKeeper("k2").orElseThrow();
                            assertThat(standby.spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(standby.spec().followConfig()).isEqualTo(DB.FollowConfig.internal("db1"));
                            assertThat(db(p, "db1").spec().followers()).containsExactly(standby.uid());
                        }),
                scenario("the standby leader has no synchronous standbys, even with synchronousReplication",
                        () -> aCluster().spec("{\"role\":\"standby\",\"synchronousReplication\":true,"
                                        + "\"standbyConfig\":{\"primaryConninfo\":\"host=10.1.0.1 port=25432 user="
                                        + "repluser\",\"primarySlotName\":\"dr_site\"}}")
                                .keeper("k1").keeper("k2").standbyLeader("db1", "k1").standby("db2", "k2"),
                        p -> {
                            assertThat(db(p, "db1").spec().synchronousReplication()).isFalse();
                            assertThat(db(p, "db1").spec().synchronousStandbys()).isEmpty();
                            assertThat(db(p, "db1").spec().followConfig().external()).isTrue();
                        }),
                scenario("steady: nothing changes in a converged standby cluster",
                        StandbyClusterTest::standbyCluster,
                        p -> {
                            standbyCluster().clusterData().dbs().forEach((uid, before) -> {
                                assertThat(db(p, uid).spec()).as(uid).isEqualTo(before.spec());
                                assertThat(db(p, uid).generation()).as(uid).isEqualTo(before.generation());
                            });
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(elected(p)).isFalse();
                        }),
                scenario("failover: the most advanced standby becomes the standby leader and follows the upstream",
                        () -> standbyCluster().wal("db2", 99_900_000).wal("db3", 99_990_000).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(db(p, "db3").spec().followConfig()).isEqualTo(DB.FollowConfig.external(UPSTREAM));
                            assertThat(p.next().dbs()).doesNotContainKey("db1");
                            assertThat(p.next().proxy().spec().masterDbUid()).isNull();
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.FAILOVER && m.toDb().equals("db3"));
                        }),
                scenario("failover: a leader frozen for less than failInterval is not replaced",
                        () -> standbyCluster().keeperGone("k1", 2),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("after a failover the other standbys are re-pointed at the new standby leader",
                        () -> aCluster().spec(STANDBY_SPEC).keeper("k2").keeper("k3").standbyLeader("db2", "k2")
                                .followers("db2", List.of("db3"))
                                .standby("db3", "k3", "db2"),
                        p -> {
                            assertThat(db(p, "db3").spec().followConfig()).isEqualTo(DB.FollowConfig.internal("db2"));
                            assertThat(db(p, "db2").spec().followConfig().external()).isTrue();
                        }),
                scenario("promote: the standby leader becomes the master in place, its standbys keep following it",
                        () -> standbyCluster().spec("{\"role\":\"master\"}"),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(db(p, "db1").spec().followConfig()).isNull();
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2", "db3");
                            assertThat(db(p, "db2").spec().followConfig()).isEqualTo(DB.FollowConfig.internal("db1"));
                            assertThat(db(p, "db2").generation()).isEqualTo(2);
                            assertThat(p.next().proxy().spec().masterDbUid()).isEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.PROMOTE && m.toDb().equals("db1")
                                    && m.fromDb().equals("db1"));
                        }),
                scenario("promote with synchronousReplication: the new master gets its synchronous set",
                        () -> standbyCluster().spec("{\"role\":\"master\",\"synchronousReplication\":true}"),
                        p -> {
                            assertThat(db(p, "db1").spec().synchronousReplication()).isTrue();
                            assertThat(db(p, "db1").spec().synchronousStandbys()).hasSize(1);
                        }),
                scenario("promote waits for a standby leader that has not applied its assignment yet",
                        () -> standbyCluster().spec("{\"role\":\"master\"}").notConverged("db1", 3),
                        p -> {
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(elected(p)).isFalse();
                        }),
                scenario("promote with a failed standby leader: its successor becomes the master directly",
                        () -> standbyCluster().spec("{\"role\":\"master\"}").wal("db2", 99_990_000)
                                .keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(db(p, "db3").spec().followConfig()).isNull();
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.FAILOVER);
                        }),
                scenario("a new upstream in the spec is handed to the standby leader",
                        () -> standbyCluster().spec("{\"role\":\"standby\",\"standbyConfig\":{\"primaryConninfo\":"
                                + "\"host=10.2.0.1 port=5432 user=repluser\"}}"),
                        p -> {
                            assertThat(db(p, "db1").spec().followConfig().standbySettings().primaryConninfo())
                                    .isEqualTo("host=10.2.0.1 port=5432 user=repluser");
                            assertThat(db(p, "db1").generation()).isEqualTo(4);
                            assertThat(db(p, "db2").spec().followConfig()).isEqualTo(DB.FollowConfig.internal("db1"));
                        })));
    }
}
