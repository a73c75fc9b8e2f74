package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Operator requests: forced failover and planned switchover ({@link Operations}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class OperationsTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("a forced failover request elects the best standby and is done",
                        () -> threeNodes().wal("db2", 99_000_000).operation(Cluster.Operation.Type.FAILOVER, null,
                                Cluster.Operation.State.PENDING, null),
                        p -> {
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.DONE);
                        }),
                scenario("a forced failover to a named candidate elects that one",
                        () -> threeNodes().wal("db2", 99_000_000).operation(Cluster.Operation.Type.FAILOVER, "k2",
                                Cluster.Operation.State.PENDING, null),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("a forced failover with no eligible candidate fails with the reasons and changes nothing",
                        () -> aCluster().keeper("k1").keeper("k2", 0).master("db1", "k1").standby("db2", "k2")
                                .operation(Cluster.Operation.Type.FAILOVER, null, Cluster.Operation.State.PENDING,
                                        null),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.FAILED);
                            assertThat(p.next().cluster().status().operation().message()).contains("priority 0");
                        }),
                scenario("switchover step 1: proxies fenced, the master restarts as a standby of the candidate",
                        () -> threeNodes().wal("db3", 90_000_000).operation(Cluster.Operation.Type.SWITCHOVER,
                                "db3", Cluster.Operation.State.PENDING, null),
                        p -> {
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(db(p, "db1").spec().followConfig().dbUid()).isEqualTo("db3");
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(db(p, "db3").spec().followers())
                                    .as("its slots for the old master and its other standby, made before they connect")
                                    .containsExactly("db1", "db2");
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(p.next().proxy().spec().masterDbUid()).isNull();
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.RUNNING);
                        }),
                scenario("switchover step 2 waits until the candidate received the old master's final position",
                        () -> threeNodes().switchingOver("db1", "db3").wal("db1", 100_000_100)
                                .wal("db3", 100_000_000),
                        p -> {
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(elected(p)).isFalse();
                        }),
                scenario("switchover step 2 promotes the candidate once it has everything",
                        () -> threeNodes().switchingOver("db1", "db3").wal("db1", 100_000_100)
                                .wal("db3", 100_000_100),
                        p -> {
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(db(p, "db3").spec().followers()).as("at least the old master")
                                    .contains("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.SWITCHOVER && m.fromDb().equals("db1"));
                        }),
                scenario("switchover step 2 keeps the followers the candidate got in step 1",
                        () -> threeNodes().switchingOver("db1", "db3").followers("db3", List.of("db1", "db2"))
                                .wal("db1", 100_000_100).wal("db3", 100_000_100),
                        p -> assertThat(db(p, "db3").spec().followers()).containsExactly("db1", "db2")),
                scenario("switchover step 2 promotes the candidate while the old master restarts, once the candidate"
                                + " received the end of WAL the old master's clean shutdown reported",
                        () -> threeNodes().switchingOver("db1", "db3").stoppedCleanly("db1", 0, 100_000_100)
                                .wal("db3", 100_000_100),
                        p -> {
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(db(p, "db1").status().healthy()).as("still down").isFalse();
                        }),
                scenario("switchover step 2 waits while the candidate has not received the end of WAL of the old"
                                + " master's clean shutdown",
                        () -> threeNodes().switchingOver("db1", "db3").stoppedCleanly("db1", 0, 100_000_200)
                                .wal("db3", 100_000_100),
                        p -> assertThat(elected(p)).isFalse()),
                scenario("a clean shutdown reported for an earlier generation is no evidence for this switchover",
                        () -> threeNodes().switchingOver("db1", "db3").stoppedCleanly("db1", 1, 100_000_100)
                                .wal("db3", 100_000_100),
                        p -> assertThat(elected(p)).isFalse()),
                scenario("switchover step 2 waits while the old master has not restarted as a standby",
                        () -> threeNodes().switchingOver("db1", "db3").notConverged("db1", 1),
                        p -> assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY)),
                scenario("a scheduled switchover waits for its time",
                        () -> threeNodes().operation(Cluster.Operation.Type.SWITCHOVER, null,
                                Cluster.Operation.State.PENDING, null).scheduled(PlannerFixture.T0.plusSeconds(3600)),
                        p -> {
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.PENDING);
                        })));
    }
}
