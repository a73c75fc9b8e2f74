package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Keeper admission, acknowledgement and health ({@link KeeperHealth}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class KeeperHealthTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("a healthy stable cluster changes nothing but health times",
                        PlannerScenarios::threeNodes,
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.next().dbs()).containsOnlyKeys("db1", "db2", "db3");
                            assertThat(p.next().dbs().values()).allMatch(d -> d.generation() <= 3);
                            assertThat(elected(p)).isFalse();
                        }),
                scenario("a keeper missing for less than failInterval is not failed yet",
                        () -> threeNodes().keeperGone("k2", 2),
                        p -> assertThat(p.next().keepers().get("k2").status().healthy()).isTrue()),
                scenario("a keeper missing for longer than failInterval is failed",
                        () -> threeNodes().keeperGone("k2", 5),
                        p -> {
                            assertThat(p.next().keepers().get("k2").status().healthy()).isFalse();
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.KeeperFailed f
                                    && f.keeperUid().equals("k2"));
                        }),
                scenario("a keeper reporting PostgreSQL down longer than failInterval is failed",
                        () -> threeNodes().postgresDown("k3", 6),
                        p -> assertThat(p.next().keepers().get("k3").status().healthy()).isFalse()),
                scenario("a keeper whose info stopped changing is failed after failInterval, before its lease ends",
                        () -> threeNodes().keeperStale("k1", 5),
                        p -> {
                            assertThat(p.next().keepers().get("k1").status().healthy()).isFalse();
                            assertThat(master(p)).isNotEqualTo("db1");
                        }),
                scenario("a keeper whose info is briefly stale is not failed yet",
                        () -> threeNodes().keeperStale("k1", 3),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("lastHealthyTime is the keeper's last report, so failInterval counts from its death",
                        () -> threeNodes().lastHealthy("k1", 3).keeperLastReported("k1", 1),
                        p -> assertThat(p.next().keepers().get("k1").status().lastHealthyTime())
                                .isEqualTo(PlannerFixture.T0.plusSeconds(59))),
                scenario("forceFail fails a keeper at once",
                        () -> threeNodes().forceFail("k2"),
                        p -> assertThat(p.next().keepers().get("k2").status().healthy()).isFalse()),
                scenario("lastHealthyTime is kept in cluster data so a new leader need not wait again",
                        () -> threeNodes().keeperGone("k1", 2),
                        p -> assertThat(p.next().keepers().get("k1").status().lastHealthyTime())
                                .isEqualTo(PlannerFixture.T0.plusSeconds(58))),
                scenario("a new keeper is admitted and its instance acknowledged when admission is open",
                        () -> threeNodes().newKeeperInfo("k9"),
                        p -> assertThat(p.next().keepers().get("k9").status().instanceId()).isEqualTo("i-k9")),
                scenario("keeperAdmission=registered ignores keepers that were not added",
                        () -> threeNodes().spec("{\"keeperAdmission\":\"registered\"}").newKeeperInfo("k9"),
                        p -> assertThat(p.next().keepers()).doesNotContainKey("k9"))));
    }
}
