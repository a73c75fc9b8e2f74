package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.DB;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Standbys: assignment, re-pointing, removal and limits ({@link Standbys}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class StandbysTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("the old master's keeper, back, gets a new resync DB following the new master",
                        () -> aCluster().keeper("k1").keeper("k2").master("db2", "k2"),
                        p -> {
                            DB assigned = p.next().dbOfKeeper("k1").orElseThrow();
                            assertThat(assigned.spec().initMode()).isEqualTo(DB.InitMode.RESYNC);
                            assertThat(assigned.spec().followConfig().dbUid()).isEqualTo("db2");
                            assertThat(db(p, "db2").spec().followers()).containsExactly(assigned.uid());
                        }),
                scenario("standbys are assigned only under a converged master",
                        () -> aCluster().keeper("k1").keeper("k2").master("db2", "k2").notConverged("db2", 1),
                        p -> assertThat(p.next().dbOfKeeper("k1")).isEmpty()),
                scenario("a standby on a forked timeline gets a new DB (resync)",
                        () -> threeNodes().timeline("db1", 2, List.of(new DB.TimelineHistoryEntry(1, 90_000_000,
                                "promoted"))).timeline("db2", 1, List.of()).wal("db2", 95_000_000),
                        p -> {
                            assertThat(p.next().dbs()).doesNotContainKey("db2");
                            assertThat(p.next().dbOfKeeper("k2").orElseThrow().spec().initMode())
                                    .isEqualTo(DB.InitMode.RESYNC);
                        }),
                scenario("a standby behind the fork point is not forked and stays",
                        () -> threeNodes().timeline("db1", 2, List.of(new DB.TimelineHistoryEntry(1, 90_000_000,
                                "promoted"))).timeline("db2", 1, List.of()).wal("db2", 80_000_000),
                        p -> assertThat(p.next().dbs()).containsKey("db2")),
                scenario("a standby with another system id is replaced",
                        () -> threeNodes().systemId("db3", "9999"),
                        p -> assertThat(p.next().dbs()).doesNotContainKey("db3")),
                scenario("a standby that cannot sync within syncTimeout gets a new DB",
                        () -> threeNodes().notConverged("db2", 40 * 60).dbNotReported("db2"),
                        p -> assertThat(p.next().dbOfKeeper("k2").orElseThrow().uid()).isNotEqualTo("db2")),
                scenario("a standby whose needed WAL is gone is replaced",
                        () -> threeNodes().postgresDown("k2", 1).wal("db2", 10_000_000)
                                .oldestWal("db1", "000000010000000000000005"),
                        p -> assertThat(p.next().dbs()).doesNotContainKey("db2")),
                scenario("a running standby that missed one observation is not judged on its replay position",
                        () -> threeNodes().unansweredObservation("k2").wal("db2", 10_000_000)
                                .received("k2", 90_000_000).oldestWal("db1", "000000010000000000000005"),
                        p -> assertThat(p.next().dbs()).containsKeys("db2", "db3")),
                scenario("a running standby that cannot stream because its WAL is gone is replaced",
                        () -> threeNodes().notStreaming("k2").wal("db2", 10_000_000)
                                .oldestWal("db1", "000000010000000000000005"),
                        p -> assertThat(p.next().dbs()).doesNotContainKey("db2").containsKey("db3")),
                scenario("a standby starting up is judged on where it resumes streaming, not on its replay position",
                        () -> threeNodes().notStreaming("k2").wal("db2", 10_000_000).received("k2", 90_000_000)
                                .oldestWal("db1", "000000010000000000000005"),
                        p -> assertThat(p.next().dbs()).containsKeys("db2", "db3")),
                scenario("a streaming standby is kept even when its last report is behind the oldest WAL file",
                        () -> threeNodes().wal("db2", 10_000_000).oldestWal("db1", "000000010000000000000005"),
                        p -> assertThat(p.next().dbs()).containsKeys("db2", "db3")),
                scenario("a lowered maxStandbysPerSender removes a standby",
                        () -> threeNodes().spec("{\"maxStandbysPerSender\":1}").wal("db3", 90_000_000),
                        p -> {
                            assertThat(p.next().dbs()).containsKeys("db1", "db2").doesNotContainKey("db3");
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2");
                        }),
                scenario("a spec change reaches every DB with a new generation",
                        () -> threeNodes().spec("{\"pgParameters\":{\"work_mem\":\"8MB\"}}"),
                        p -> assertThat(p.next().dbs().values()).allMatch(d -> d.spec().pgParameters()
                                .get("work_mem").equals("8MB") && d.generation() > 3 - 1)),
                scenario("a keeper dead longer than deadKeeperRemovalInterval with no DB is removed",
                        () -> aCluster().spec("{\"deadKeeperRemovalInterval\":\"1m\"}").keeper("k1").keeper("k2")
                                .master("db1", "k1").failedKeeper("k2", 120),
                        p -> assertThat(p.next().keepers()).doesNotContainKey("k2")),
                scenario("a recently dead keeper is kept",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").failedKeeper("k2", 120),
                        p -> assertThat(p.next().keepers()).containsKey("k2"))));
    }
}
