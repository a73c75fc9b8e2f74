package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The planner's scenario tables, one class per phase: given a cluster and observations, then the expected
 * change. Every scenario also checks that the planner left its input unchanged and that its answer is valid
 * cluster data.
 */
final class PlannerScenarios {
    private PlannerScenarios() {
    }

    record Scenario(String name, Supplier<PlannerFixture> given, Consumer<Plan> then) {
    }

    static Scenario scenario(String name, Supplier<PlannerFixture> given, Consumer<Plan> then) {
        return new Scenario(name, given, then);
    }

    static Stream<DynamicTest> run(Stream<Scenario> scenarios) {
        return scenarios.map(s -> DynamicTest.dynamicTest(s.name(), () -> {
            PlannerFixture f = s.given().get();
            ClusterData before = f.clusterData();
            Plan p = f.plan();
            s.then().accept(p);
            assertThat(f.clusterData()).isEqualTo(before);
            assertThat(p.next().validate()).isEmpty();
        }));
    }

    static String master(Plan p) {
        return p.next().cluster().status().master();
    }

    static DB db(Plan p, String uid) {
        return p.next().dbs().get(uid);
    }

    /** The failure evidence of the failover in {@code p}. */
    static FailureEvidence evidence(Plan p) {
        return p.events().stream().filter(e -> e instanceof PlanEvent.MasterElected)
                .map(e -> ((PlanEvent.MasterElected) e).evidence()).findFirst().orElseThrow();
    }

    static boolean elected(Plan p) {
        return p.events().stream().anyMatch(e -> e instanceof PlanEvent.MasterElected);
    }

    /** The reasons the planner gave for each standby it could not promote, by DB uid. */
    static java.util.Map<String, Disqualification.Reason> refused(Plan p) {
        return p.events().stream().filter(e -> e instanceof PlanEvent.NoCandidate)
                .flatMap(e -> ((PlanEvent.NoCandidate) e).refused().stream())
                .collect(java.util.stream.Collectors.toMap(Disqualification::dbUid, Disqualification::reason));
    }

    static PlannerFixture threeNodes() {
        return aCluster().keeper("k1").keeper("k2").keeper("k3")
                .master("db1", "k1").standby("db2", "k2").standby("db3", "k3");
    }
}
