package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The proxy handshake: nobody routes to a new master while another proxy may route to the old ({@link ProxyHandshake}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class ProxyHandshakeTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("failover first clears the proxies' master and bumps their generation",
                        () -> threeNodes().keeperGone("k1", 5),
                        p -> {
                            assertThat(p.next().proxy().spec().masterDbUid()).isNull();
                            assertThat(p.next().proxy().generation()).isEqualTo(6);
                        }),
                scenario("the new master is not named while a live proxy has not acknowledged",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .proxyCleared(1).proxyInfo("p1", 5),
                        p -> assertThat(p.next().proxy().spec().masterDbUid()).isNull()),
                scenario("the new master is named once every live proxy acknowledged",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .proxyCleared(1).proxyInfo("p1", 6).proxyInfo("p2", 6),
                        p -> {
                            assertThat(p.next().proxy().spec().masterDbUid()).isEqualTo("db1");
                            assertThat(p.next().proxy().generation()).isEqualTo(7);
                        }),
                scenario("a silent proxy is waited for only until proxyTimeout",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .proxyCleared(5).proxyInfo("p1", 5),
                        p -> assertThat(p.next().proxy().spec().masterDbUid()).isEqualTo("db1")),
                scenario("the new master is not named before it is promoted",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .notConverged("db1", 1).notPromotedYet("db1").proxyCleared(10),
                        p -> assertThat(p.next().proxy().spec().masterDbUid()).isNull()),
                scenario("a promoted master is named while it still converges on its new followers",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .notConverged("db1", 1).proxyCleared(10),
                        p -> assertThat(p.next().proxy().spec().masterDbUid()).isEqualTo("db1")),
                scenario("a promoted master that is not healthy is not named",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .notConverged("db1", 1).unansweredObservation("k1").proxyCleared(10),
                        p -> assertThat(p.next().proxy().spec().masterDbUid()).isNull())));
    }
}
