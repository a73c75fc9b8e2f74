package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.pgha.model.DB;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Quorum commit ({@code synchronousMode: quorum}, {@code ANY n}) and the earlier synchronous sets that still
 * count ({@link SynchronousGuarantee}): which standbys may be promoted, with which reports missing. One named
 * scenario per case, run by {@link PlannerScenarios#run}.
 */
class QuorumCommitTest {
    private static final String ANY_1_OF_2 = "{\"synchronousReplication\":true,\"synchronousMode\":\"quorum\","
            + "\"maxSynchronousStandbys\":2}";
    private static final String ANY_2_OF_3 = "{\"synchronousReplication\":true,\"synchronousMode\":\"quorum\","
            + "\"minSynchronousStandbys\":2,\"maxSynchronousStandbys\":3}";

    /** Master db1 with ANY 1 (db2, db3), both reported in sync. */
    private static PlannerFixture anyOneOfTwo() {
        return threeNodes().spec(ANY_1_OF_2).synchronous("db1", List.of("db2", "db3"), List.of("db2", "db3"));
    }

    /** Master db1 with ANY 2 (db2, db3, db4). */
    private static PlannerFixture anyTwoOfThree() {
        return aCluster().keeper("k1").keeper("k2").keeper("k3").keeper("k4").spec(ANY_2_OF_3)
                .master("db1", "k1").standby("db2", "k2").standby("db3", "k3").standby("db4", "k4")
                .synchronous("db1", List.of("db2", "db3", "db4"), List.of("db2", "db3", "db4"));
    }

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("quorum: the master's set is any minSynchronousStandbys of up to maxSynchronousStandbys",
                        () -> threeNodes().spec(ANY_1_OF_2),
                        p -> {
                            assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactlyInAnyOrder("db2",
                                    "db3");
                            assertThat(db(p, "db1").spec().synchronousQuorum()).isEqualTo(1);
                        }),
                scenario("first: the master's set has no quorum (every member confirms)",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}"),
                        p -> assertThat(db(p, "db1").spec().synchronousQuorum()).isNull()),
                scenario("quorum ANY 1 of 2, master lost, both members report: the most advanced is promoted",
                        () -> anyOneOfTwo().wal("db2", 100_000_900).wal("db3", 100_000_500).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("quorum: the most advanced member wins over a higher priority behind it",
                        () -> aCluster().keeper("k1").keeper("k2", 5).keeper("k3", 1).spec(ANY_1_OF_2)
                                .master("db1", "k1").standby("db2", "k2").standby("db3", "k3")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db2", "db3"))
                                .wal("db2", 100_000_500).wal("db3", 100_000_900).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("quorum ANY 1 of 2, one member's keeper gone: nobody knows who has the last commits",
                        () -> anyOneOfTwo().keeperGone("k3", 5).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).contains(entry("db2",
                                    Disqualification.Reason.SYNCHRONOUS_SET_SILENT));
                            assertThat(p.next().cluster().status().message()).contains("ANY 1 (db2, db3) only 1"
                                    + " report (db2); 2 must");
                        }),
                scenario("quorum ANY 1 of 2, one member's PostgreSQL down: its last position is no report",
                        () -> anyOneOfTwo().postgresDown("k3", 10).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsEntry("db2",
                                    Disqualification.Reason.SYNCHRONOUS_SET_SILENT);
                        }),
                scenario("quorum ANY 1 of 2, one member's report stale: not counted",
                        () -> anyOneOfTwo().keeperLastReported("k3", 3).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("quorum ANY 1 of 2, one member on another timeline: not counted",
                        () -> anyOneOfTwo().timeline("db3", 2, List.of()).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("quorum ANY 2 of 3, one member silent: the most advanced of the other two is promoted",
                        () -> anyTwoOfThree().wal("db2", 100_000_100).wal("db3", 100_000_700)
                                .keeperGone("k4", 5).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("quorum ANY 2 of 3, two members silent: no failover",
                        () -> anyTwoOfThree().keeperGone("k3", 5).keeperGone("k4", 5).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsEntry("db2",
                                    Disqualification.Reason.SYNCHRONOUS_SET_SILENT);
                        }),
                scenario("quorum: when the most advanced member may not be promoted, nobody behind it may",
                        () -> anyOneOfTwo().noFailover("k2").wal("db2", 100_000_900).wal("db3", 100_000_500)
                                .keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsOnly(entry("db2", Disqualification.Reason.NO_FAILOVER),
                                    entry("db3", Disqualification.Reason.BEHIND_THE_SYNCHRONOUS_SET));
                        }),
                scenario("quorum: a standby outside the set is never promoted, however advanced",
                        () -> aCluster().keeper("k1").keeper("k2").keeper("k3").keeper("k4").spec(ANY_1_OF_2)
                                .master("db1", "k1").standby("db2", "k2").standby("db3", "k3").standby("db4", "k4")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db2", "db3"))
                                .wal("db4", 100_000_900).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isIn("db2", "db3");
                            assertThat(db(p, "db4").spec().role()).isEqualTo(DB.Role.STANDBY);
                        }),
                scenario("quorum: a forced failover obeys the same rule",
                        () -> anyOneOfTwo().keeperGone("k3", 5).operation(io.pgha.model.Cluster.Operation.Type
                                .FAILOVER, null, io.pgha.model.Cluster.Operation.State.PENDING, null),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("quorum: a switchover may pick a member behind the set (it waits until it caught up)",
                        () -> anyOneOfTwo().wal("db2", 100_000_900).wal("db3", 100_000_500).operation(
                                io.pgha.model.Cluster.Operation.Type.SWITCHOVER, "db3",
                                io.pgha.model.Cluster.Operation.State.PENDING, null),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("earlier set: a member removed from ANY 1 (db2, db3) still counts until the set caught up",
                        () -> anyOneOfTwo().synchronous("db1", List.of("db2"), List.of("db2"))
                                .earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 100_000_500)
                                .keeperGone("k3", 5).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsEntry("db2",
                                    Disqualification.Reason.SYNCHRONOUS_SET_SILENT);
                        }),
                scenario("earlier set: also under FIRST, after switching from quorum",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of("db2"))
                                .earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 100_000_500)
                                .keeperGone("k3", 5).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("earlier set: forgotten once the current set received the master's position",
                        () -> anyOneOfTwo().noSync("k3").synchronous("db1", List.of("db2"), List.of("db2"))
                                .earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 100_000_000),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets()).isEmpty()),
                scenario("earlier set: kept while the current set has not received the master's position",
                        () -> anyOneOfTwo().noSync("k3").synchronous("db1", List.of("db2"), List.of("db2"))
                                .earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 100_000_500),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets()).hasSize(1)),
                scenario("earlier set: forgotten when the current set includes it with no smaller quorum",
                        () -> anyOneOfTwo().earlierSynchronousSet("db1", List.of("db2"), 1, 100_000_500),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets()).isEmpty()),
                scenario("quorum: a standby joining the set records nothing (the larger set includes the smaller)",
                        () -> threeNodes().spec(ANY_1_OF_2).synchronous("db1", List.of("db2"), List.of("db2")),
                        p -> {
                            assertThat(db(p, "db1").spec().synchronousStandbys()).hasSize(2);
                            assertThat(db(p, "db1").status().earlierSynchronousSets()).isEmpty();
                        }),
                scenario("earlier set: gets the master's position once the master applied the change",
                        () -> anyOneOfTwo().noSync("k3").synchronous("db1", List.of("db2"), List.of("db2"))
                                .wal("db1", 100_000_500)
                                .earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 0),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets())
                                .extracting(DB.EarlierSynchronousSet::position).containsExactly(100_000_500L)),
                scenario("earlier set: no position while the master has not applied the change",
                        () -> anyOneOfTwo().noSync("k3").synchronous("db1", List.of("db2"), List.of("db2"))
                                .wal("db1", 100_000_500).notConverged("db1", 1)
                                .earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 0),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets())
                                .extracting(DB.EarlierSynchronousSet::position).containsExactly(0L)),
                scenario("quorum: a member that leaves the set is recorded as an earlier set",
                        () -> anyOneOfTwo().failedKeeper("k3", 10),
                        p -> {
                            DB m = db(p, "db1");
                            assertThat(m.spec().synchronousStandbys()).containsExactly("db2");
                            assertThat(m.status().earlierSynchronousSets()).singleElement().satisfies(e -> {
                                assertThat(e.members()).containsExactly("db2", "db3");
                                assertThat(e.quorum()).isEqualTo(1);
                                assertThat(e.generation()).isEqualTo(m.generation());
                            });
                        }),
                scenario("first: a member leaving a FIRST set records nothing (every member confirmed every commit)",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db3")).failedKeeper("k2", 10),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets()).isEmpty()),
                scenario("quorum to first: the quorum set is recorded",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2,"
                                        + "\"synchronousMode\":\"quorum\"}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db2", "db3"))
                                .spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}"),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets()).singleElement()
                                .satisfies(e -> assertThat(e.quorum()).isEqualTo(1))),
                scenario("asynchronous replication keeps no earlier set",
                        () -> anyOneOfTwo().earlierSynchronousSet("db1", List.of("db2", "db3"), 1, 100_000_500)
                                .spec("{}"),
                        p -> assertThat(db(p, "db1").status().earlierSynchronousSets()).isEmpty())));
    }
}
