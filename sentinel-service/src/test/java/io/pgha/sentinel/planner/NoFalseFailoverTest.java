package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** No false failover: failures need evidence over time, and store outages count for nobody. One named scenario per case, run by {@link PlannerScenarios#run}. */
class NoFalseFailoverTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("a master's transient currentGeneration -1 long after its last spec change: no failover",
                        () -> threeNodes().specChanged("db1", 600).reportsUnknownGeneration("db1"),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(elected(p)).isFalse();
                            assertThat(db(p, "db1").status().notConvergedSince()).isEqualTo(PlannerFixture.T0
                                    .plusSeconds(60));
                        }),
                scenario("a standby's transient currentGeneration -1 does not get it replaced",
                        () -> threeNodes().specChanged("db2", 3600).reportsUnknownGeneration("db2"),
                        p -> assertThat(p.next().dbs()).containsKeys("db1", "db2", "db3")),
                scenario("a master that really stopped converging after a spec change fails over after"
                                + " convergenceTimeout, with the signal",
                        () -> threeNodes().notConverged("db1", 31),
                        p -> {
                            assertThat(master(p)).isNotEqualTo("db1");
                            assertThat(evidence(p).signal()).isEqualTo(FailureEvidence.Signal.NOT_CONVERGED);
                            assertThat(evidence(p).lasted()).isGreaterThan(Duration.ofSeconds(30));
                        }),
                scenario("a master not converged for 20 s is not failed over yet",
                        () -> threeNodes().notConverged("db1", 20),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("convergenceTimeout counts from the latest spec change, not from when it stopped converging",
                        () -> threeNodes().notConverged("db1", 40).specChanged("db1", 10),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("a store gap of 10 s with every node alive: no failover",
                        () -> threeNodes().storeOutage(10, 0).keeperStale("k1", 11).keeperStale("k2", 11)
                                .keeperStale("k3", 11),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.next().keepers().values()).allMatch(k -> k.status().healthy());
                        }),
                scenario("a store gap of 60 s, the master's report not republished yet: no failover",
                        () -> threeNodes().storeOutage(61, 1).keeperStale("k1", 62),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(elected(p)).isFalse();
                        }),
                scenario("a store gap of 60 s in which the master's lease ran out: no failover",
                        () -> threeNodes().storeOutage(61, 1).keeperVanished("k1", 62).lastHealthy("k1", 62),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("a store gap does not hide a failure that went on after it",
                        () -> threeNodes().storeOutage(20, 10).keeperVanished("k1", 25).lastHealthy("k1", 25),
                        p -> {
                            assertThat(master(p)).isNotEqualTo("db1");
                            assertThat(evidence(p).lasted()).isEqualTo(Duration.ofSeconds(15));
                        }),
                scenario("a keeper frozen for half of failInterval: no failover",
                        () -> threeNodes().keeperStale("k1", 2),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("a keeper frozen for 3.5 s whose lease ran out: no failover (its last report counts,"
                                + " not the coarse lastHealthyTime)",
                        () -> threeNodes().keeperVanished("k1", 3.5).lastHealthy("k1", 4),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("node loss: no failover before failInterval",
                        () -> threeNodes().keeperVanished("k1", 3.9).lastHealthy("k1", 4),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("node loss: failover after failInterval, naming the signal, its length and the last report",
                        () -> threeNodes().keeperVanished("k1", 4.1).lastHealthy("k1", 5),
                        p -> {
                            assertThat(master(p)).isNotEqualTo("db1");
                            FailureEvidence e = evidence(p);
                            assertThat(e.signal()).isEqualTo(FailureEvidence.Signal.KEEPER_SILENT);
                            assertThat(e.lasted()).isEqualTo(Duration.ofMillis(4100));
                            assertThat(e.lastReport()).isEqualTo(PlannerFixture.T0.plusMillis(55_900));
                            assertThat(p.events()).anyMatch(ev -> ev instanceof PlanEvent.MasterElected m
                                    && m.why().contains("keeper-silent for 4.1 s"));
                        }),
                scenario("node loss, second signal: a silent master whose port refuses connections fails over"
                                + " after half of failInterval",
                        () -> threeNodes().keeperVanished("k1", 2.1).portRefused("db1", 3, 0.5),
                        p -> {
                            assertThat(master(p)).isNotEqualTo("db1");
                            assertThat(evidence(p).signal()).isEqualTo(FailureEvidence.Signal.POSTGRES_REFUSED);
                        }),
                scenario("second signal: a silent master whose port still accepts (frozen) waits for failInterval",
                        () -> threeNodes().keeperVanished("k1", 2.5).portAccepts("db1"),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("second signal: one refusal is not evidence over time",
                        () -> threeNodes().keeperVanished("k1", 2.5).portRefused("db1", 1, 0),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("second signal: refusals while the keeper was silent for less than half of failInterval wait",
                        () -> threeNodes().keeperVanished("k1", 1.5).portRefused("db1", 4, 0.75),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("second signal: a master whose keeper still reports is left to its keeper (restart in place)",
                        () -> threeNodes().portRefused("db1", 8, 2),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("no standby with a fresh report: no failover (the store may not carry anyone's writes)",
                        () -> threeNodes().keeperVanished("k1", 5).keeperStale("k2", 3).keeperStale("k3", 3),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(refused(p)).containsOnly(entry("db2", Disqualification.Reason.NO_FRESH_REPORT),
                                    entry("db3", Disqualification.Reason.NO_FRESH_REPORT));
                        }),
                scenario("sync: a member with one unhealthy report stays in the synchronous set",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db3")).postgresDown("k2", 1),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2", "db3")),
                scenario("sync: a member whose keeper failed (over failInterval) leaves when another is in sync",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db3")).postgresDown("k2", 5),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db3"))));
    }
}
