package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Failover: who may replace a failed master, and when nobody may ({@link Failover}, {@link Candidates}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class FailoverTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("async failover elects the most advanced standby",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 99_900_000).wal("db3", 99_990_000),
                        p -> {
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(p.next().dbs()).doesNotContainKey("db1");
                        }),
                scenario("equally advanced standbys: the highest priority wins",
                        () -> aCluster().keeper("k1").keeper("k2", 1).keeper("k3", 5).master("db1", "k1")
                                .standby("db2", "k2").standby("db3", "k3").keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("a standby lagging beyond maxStandbyLag is not elected",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 90_000_000).wal("db3", 98_000_000),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsOnly(entry("db2", Disqualification.Reason.LAGGING),
                                    entry("db3", Disqualification.Reason.LAGGING));
                            assertThat(p.next().cluster().status().message()).contains("no standby may replace it");
                        }),
                scenario("one standby within the lag, one beyond: only the close one is elected",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 99_500_000).wal("db3", 90_000_000),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("sync: only a standby in both the spec and the observed in-sync set is elected",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of("db2"))
                                .wal("db3", 100_000_000).wal("db2", 99_999_000).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("sync: a standby in the spec but not observed in sync is not elected",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of()).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsOnly(entry("db2", Disqualification.Reason.NOT_IN_SYNC),
                                    entry("db3", Disqualification.Reason.NOT_IN_SYNC));
                        }),
                scenario("sync: an async standby, however advanced, is never elected",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of("db2"))
                                .keeperGone("k2", 10).failedKeeper("k2", 10).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("sync: the new master's synchronous set keeps the other in-sync standbys",
                        () -> aCluster().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .keeper("k1").keeper("k2").keeper("k3").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").synchronous("db1", List.of("db2", "db3"), List.of("db2", "db3"))
                                .wal("db3", 99_000_000).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db2");
                            assertThat(db(p, "db2").spec().synchronousStandbys()).containsExactly("db3");
                            assertThat(db(p, "db2").spec().synchronousReplication()).isTrue();
                        }),
                scenario("priority 0 is never elected",
                        () -> aCluster().keeper("k1").keeper("k2", 0).master("db1", "k1").standby("db2", "k2")
                                .keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsOnly(entry("db2", Disqualification.Reason.PRIORITY_ZERO));
                            assertThat(p.next().cluster().status().message()).contains("db2: priority 0");
                        }),
                scenario("a forced-failed standby is not elected",
                        () -> threeNodes().forceFail("k2").keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("paused: no failover, and the view says why",
                        () -> threeNodes().paused().keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.next().cluster().status().message()).contains("paused");
                        }),
                scenario("a standby on another timeline is not elected",
                        () -> threeNodes().timeline("db2", 2, List.of()).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("a standby with another system id is not elected",
                        () -> threeNodes().systemId("db2", "9999").keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("a standby that has not converged is not elected",
                        () -> threeNodes().notConverged("db2", 1).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("forced failover of a healthy master elects a standby",
                        () -> threeNodes().forceFail("k1"),
                        p -> {
                            assertThat(master(p)).isNotEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.why().contains("forced"));
                        }),
                scenario("a master that does not converge within convergenceTimeout is failed over",
                        () -> threeNodes().notConverged("db1", 40),
                        p -> assertThat(master(p)).isNotEqualTo("db1")),
                scenario("failover is recorded as an event with from, to, timeline and position",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 99_000_000).wal("db3", 100_000_000),
                        p -> assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                && m.reason() == ClusterHistory.Reason.FAILOVER && m.fromDb().equals("db1")
                                && m.toDb().equals("db3") && m.timeline() == 1 && m.walPosition() == 100_000_000))));
    }
}
