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
                scenario("a lowered maxStandbysPerSender cascades a standby from another (once it is its follower)",
                        () -> threeNodes().spec("{\"maxStandbysPerSender\":1}").wal("db3", 90_000_000),
                        p -> {
                            assertThat(p.next().dbs()).containsKeys("db1", "db2", "db3");
                            // db3 still streams from db1 (which keeps its slot) until db2 made one for it.
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2", "db3");
                            assertThat(db(p, "db2").spec().followers()).containsExactly("db3");
                            assertThat(db(p, "db3").spec().followConfig().dbUid()).isEqualTo("db1");
                        }),
                scenario("cascading: re-pointed once its new sender converged with it as a follower",
                        () -> threeNodes().spec("{\"maxStandbysPerSender\":1}").wal("db3", 90_000_000)
                                .followers("db2", List.of("db3")),
                        p -> {
                            assertThat(db(p, "db3").spec().followConfig().dbUid()).isEqualTo("db2");
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2");
                        }),
                scenario("cascading: five keepers with the defaults all get a DB, none sender over 3 followers",
                        () -> aCluster().keeper("k1").keeper("k2").keeper("k3").keeper("k4").keeper("k5")
                                .master("db1", "k1").standby("db2", "k2").standby("db3", "k3").standby("db4", "k4"),
                        p -> {
                            DB fifth = p.next().dbOfKeeper("k5").orElseThrow();
                            assertThat(fifth.spec().followConfig().dbUid()).isIn("db2", "db3", "db4");
                            assertThat(db(p, fifth.spec().followConfig().dbUid()).spec().followers())
                                    .containsExactly(fifth.uid());
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2", "db3", "db4");
                        }),
                scenario("cascading: maxStandbysPerSender 2 over five keepers: two direct, two cascaded, one each",
                        () -> aCluster().spec("{\"maxStandbysPerSender\":2}").keeper("k1").keeper("k2")
                                .keeper("k3").keeper("k4").keeper("k5").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").standby("db4", "k4", "db2").standby("db5", "k5", "db3"),
                        p -> {
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2", "db3");
                            assertThat(db(p, "db2").spec().followers()).containsExactly("db4");
                            assertThat(db(p, "db3").spec().followers()).containsExactly("db5");
                            assertThat(db(p, "db4").spec().followConfig().dbUid()).isEqualTo("db2");
                            assertThat(db(p, "db5").spec().followConfig().dbUid()).isEqualTo("db3");
                        }),
                scenario("cascading: a sender's keeper failed: its follower moves to another sender with room",
                        () -> aCluster().spec("{\"maxStandbysPerSender\":2}").keeper("k1").keeper("k2")
                                .keeper("k3").keeper("k4").keeper("k5").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").standby("db4", "k4", "db2").standby("db5", "k5", "db3")
                                .failedKeeper("k3", 10),
                        p -> {
                            assertThat(db(p, "db2").spec().followers()).containsExactly("db4", "db5");
                            assertThat(db(p, "db3").spec().followers()).containsExactly("db5");
                            assertThat(db(p, "db5").spec().followConfig().dbUid()).isEqualTo("db3");
                        }),
                scenario("cascading: a re-point under way stays on course while its new sender converges on it",
                        () -> aCluster().spec("{\"maxStandbysPerSender\":2}").keeper("k1").keeper("k2")
                                .keeper("k3").keeper("k4").keeper("k5").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").standby("db4", "k4", "db3").standby("db5", "k5", "db3")
                                .failedKeeper("k3", 10).followers("db2", List.of("db4", "db5"))
                                .notConverged("db2", 1),
                        p -> {
                            assertThat(db(p, "db2").spec().followers()).containsExactly("db4", "db5");
                            assertThat(db(p, "db4").spec().followConfig().dbUid()).isEqualTo("db3");
                        }),
                scenario("cascading: a synchronous standby always follows the master directly",
                        () -> aCluster().spec("{\"maxStandbysPerSender\":1,\"synchronousReplication\":true}")
                                .keeper("k1").keeper("k2").keeper("k3").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").synchronous("db1", List.of("db3"), List.of("db3")),
                        p -> {
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2", "db3");
                            assertThat(db(p, "db3").spec().followers()).containsExactly("db2");
                            assertThat(db(p, "db2").spec().followConfig().dbUid()).isEqualTo("db1");
                        }),
                scenario("cascading: a cascaded standby is no failover candidate",
                        () -> aCluster().spec("{\"maxStandbysPerSender\":1}").keeper("k1").keeper("k2")
                                .keeper("k3").master("db1", "k1").standby("db2", "k2").standby("db3", "k3", "db2")
                                .wal("db3", 100_000_100).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db2");
                            assertThat(db(p, "db3").spec().followConfig().dbUid()).isEqualTo("db2");
                        }),
                scenario("cascading after a failover: the old master's direct standbys stay direct, theirs stay",
                        () -> aCluster().spec("{\"maxStandbysPerSender\":2}").keeper("k1").keeper("k2")
                                .keeper("k3").keeper("k4").keeper("k5").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").standby("db4", "k4", "db2").standby("db5", "k5", "db3")
                                .promotedAfterFailover("db2", "db1", List.of("db4")),
                        p -> {
                            assertThat(db(p, "db2").spec().followers()).containsExactly("db3", "db4");
                            assertThat(db(p, "db3").spec().followers()).containsExactly("db5");
                            assertThat(db(p, "db5").spec().followConfig().dbUid()).isEqualTo("db3");
                            assertThat(db(p, "db4").spec().followConfig().dbUid()).isEqualTo("db2");
                        }),
                scenario("cascading: one left under a former master by a switchover returns to the master with room",
                        () -> threeNodes().standby("db4", "k4", "db2").keeper("k4"),
                        p -> {
                            assertThat(db(p, "db1").spec().followers()).containsExactly("db2", "db3", "db4");
                            assertThat(db(p, "db4").spec().followConfig().dbUid()).as("until db1 has its slot")
                                    .isEqualTo("db2");
                        }),
                scenario("cascading: ... and is re-pointed once the master converged with it as a follower",
                        () -> threeNodes().standby("db4", "k4", "db2").keeper("k4")
                                .followers("db1", List.of("db2", "db3", "db4")),
                        p -> {
                            assertThat(db(p, "db4").spec().followConfig().dbUid()).isEqualTo("db1");
                            assertThat(db(p, "db2").spec().followers()).isEmpty();
                        }),
                scenario("more standbys than maxStandbys: the extra one is removed",
                        () -> threeNodes().spec("{\"maxStandbys\":1}").wal("db3", 90_000_000),
                        p -> assertThat(p.next().dbs()).containsKeys("db1", "db2").doesNotContainKey("db3")),
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
