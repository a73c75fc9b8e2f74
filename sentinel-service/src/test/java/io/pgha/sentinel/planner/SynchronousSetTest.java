package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The synchronous set ({@link SynchronousSet}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class SynchronousSetTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("sync: a healthy standby joins the synchronous set",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}"),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).hasSize(1)),
                scenario("sync: noSync keepers are never synchronous",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .noSync("k2"),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db3")),
                scenario("sync: a failed member leaves only when another is already in sync",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db3")).failedKeeper("k2", 10),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db3")),
                scenario("sync: the only member, failed, stays until a replacement is in sync",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of()).failedKeeper("k2", 10),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2")),
                scenario("after a failover a standby is first made the new master's follower, so it creates the slot",
                        () -> threeNodes().promotedAfterFailover("db2", "db1", List.of()),
                        p -> {
                            assertThat(db(p, "db2").spec().followers()).contains("db3");
                            assertThat(db(p, "db3").spec().followConfig().dbUid()).isEqualTo("db1");
                        }),
                scenario("a standby is pointed at the new master once it converged with the standby as a follower",
                        () -> threeNodes().promotedAfterFailover("db2", "db1", List.of("db3")),
                        p -> {
                            assertThat(db(p, "db3").spec().followConfig().dbUid()).isEqualTo("db2");
                            assertThat(db(p, "db2").spec().followers()).contains("db3");
                        }),
                scenario("sync: a member the master stops reporting in sync is noted with the time",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of()),
                        p -> {
                            assertThat(db(p, "db2").status().syncUnconfirmedSince()).isEqualTo(PlannerFixture.T0.plusSeconds(60));
                            assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2");
                        }),
                scenario("sync: a member reported in sync again is no longer noted",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of("db2")).syncUnconfirmed("db2", 3),
                        p -> assertThat(db(p, "db2").status().syncUnconfirmedSince()).isNull()),
                scenario("sync: a member unconfirmed for less than failInterval stays",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of()).syncUnconfirmed("db2", 3),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2")),
                scenario("sync: a member unconfirmed for more than failInterval gives its place to a ready standby",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of()).syncUnconfirmed("db2", 5),
                        p -> {
                            assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db3");
                            assertThat(db(p, "db2").status().syncUnconfirmedSince()).isNull();
                            assertThat(db(p, "db3").status().syncUnconfirmedSince()).isEqualTo(PlannerFixture.T0.plusSeconds(60));
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.Info i
                                    && i.what().contains("synchronous standby db2 replaced by db3"));
                        }),
                scenario("sync: an unconfirmed member stays when no other standby is ready",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of()).syncUnconfirmed("db2", 5)
                                .postgresDown("k3", 1),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2")),
                scenario("sync: a stale master report is no evidence that a member stopped confirming",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db2"), List.of()).syncUnconfirmed("db2", 5)
                                .keeperStale("k1", 3),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2")),
                scenario("sync: the replacement is no failover candidate before the master reports it in sync",
                        () -> threeNodes().spec("{\"synchronousReplication\":true}")
                                .synchronous("db1", List.of("db3"), List.of("db2")).keeperGone("k1", 5),
                        p -> assertThat(p.next().cluster().status().master()).isEqualTo("db1")),
                scenario("sync off: the set is emptied",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of("db2")),
                        p -> {
                            assertThat(db(p, "db1").spec().synchronousStandbys()).isEmpty();
                            assertThat(db(p, "db1").spec().synchronousReplication()).isFalse();
                        })));
    }
}
