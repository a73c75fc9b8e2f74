package io.pgha.proxy.route;

import static io.pgha.proxy.ClusterViewFixture.aView;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.proxy.ClusterViewFixture;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The routing decision, scenario by scenario: what the read-write and read-only listeners would serve. */
class RouterTest {
    private static final long MAX_LAG = 1000;

    /** db1 master on k1:5001 (WAL 10000), db2 on k2:5002 and db3 on k3:5003 replayed up to 10000. */
    private static ClusterViewFixture healthy() {
        return aView().master("db1", "k1", 5001, 10_000).standby("db2", "k2", 5002, 10_000)
                .standby("db3", "k3", 5003, 10_000);
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                scenario("named master and two eligible standbys", healthy(), "db1", List.of("db2", "db3")),
                scenario("handshake in progress: nobody named, reads still served",
                        healthy().named(null), null, List.of("db2", "db3")),
                scenario("named master differs from the elected one: route to the named only, never read from either",
                        healthy().named("db2"), "db2", List.of("db3")),
                scenario("standby lagging over the limit is left out",
                        healthy().report("k3", p -> ClusterViewFixture.replayed(p, 10_000 - MAX_LAG - 1)), "db1",
                        List.of("db2")),
                scenario("standby exactly at the limit is kept",
                        healthy().report("k3", p -> ClusterViewFixture.replayed(p, 10_000 - MAX_LAG)), "db1",
                        List.of("db2", "db3")),
                scenario("standby whose PostgreSQL is down is left out",
                        healthy().report("k2", ClusterViewFixture::stopped), "db1", List.of("db3")),
                scenario("standby that left recovery (promoted) is left out",
                        healthy().report("k2", ClusterViewFixture::promoted), "db1", List.of("db3")),
                scenario("standby whose keeper vanished is left out", healthy().keeperGone("k3"), "db1",
                        List.of("db2")),
                scenario("master's keeper gone: address from the cluster data, lag against its last recorded WAL",
                        healthy().keeperGone("k1"), "db1", List.of("db2", "db3")),
                scenario("this proxy not enabled: routes nowhere", healthy().enabledProxies("other"), null,
                        List.of()),
                scenario("this proxy enabled", healthy().enabledProxies("p1", "other"), "db1",
                        List.of("db2", "db3")),
                scenario("cluster initializing: no readers", healthy().initializing().named(null), null, List.of()),
                scenario("named master unknown in dbs: refuse", healthy().named("db9"), null,
                        List.of("db2", "db3")));
    }

    private static Arguments scenario(String name, ClusterViewFixture view, String rw, List<String> ro) {
        return Arguments.of(name, view, rw, ro);
    }

    @org.junit.jupiter.api.Test
    void synchronousOnlyReadsGoToTheStandbysTheMasterHasInSync() {
        ClusterViewFixture view = healthy().report("k1", ClusterViewFixture.inSync("db3"));
        Routing r = Router.route(view.clusterData(), view.infos(), "p1", MAX_LAG, true);
        assertThat(r.readOnly()).extracting(Backend::dbUid).containsExactly("db3");
        assertThat(r.excluded()).containsExactly("db2: not a synchronous standby in sync (read-only.synchronous-only)");
        assertThat(Router.route(view.clusterData(), view.infos(), "p1", MAX_LAG, false).readOnly()).hasSize(2);
        ClusterViewFixture masterGone = view.keeperGone("k1");
        assertThat(Router.route(masterGone.clusterData(), masterGone.infos(), "p1", MAX_LAG, true).readOnly())
                .as("nobody is known to be in sync without the master's report").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void routes(String name, ClusterViewFixture view, String expectedRw, List<String> expectedRo) {
        Routing r = Router.route(view.clusterData(), view.infos(), "p1", MAX_LAG);
        assertThat(r.readWrite() == null ? null : r.readWrite().dbUid()).as("read-write").isEqualTo(expectedRw);
        assertThat(r.readOnly()).extracting(Backend::dbUid).as("read-only").isEqualTo(expectedRo);
        if (expectedRw == null) {
            assertThat(r.reason()).as("reason").isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void acknowledgesTheGenerationItWasComputedFrom(String name, ClusterViewFixture view, String rw, List<String> ro) {
        assertThat(Router.route(view.generation(42).clusterData(), view.infos(), "p1", MAX_LAG).proxyGeneration())
                .isEqualTo(42);
    }

    @org.junit.jupiter.api.Test
    void noClusterDataRoutesNowhere() {
        Routing r = Router.route(null, java.util.Map.of(), "p1", MAX_LAG);
        assertThat(r.readWrite()).isNull();
        assertThat(r.readOnly()).isEmpty();
        assertThat(r.reason()).isEqualTo("no cluster data");
    }

    @org.junit.jupiter.api.Test
    void addressComesFromTheKeepersCurrentReport() {
        ClusterViewFixture v = healthy();
        v.report("k1", p -> new io.pgha.model.KeeperInfo.PostgresState(p.dbUid(), p.generation(), p.running(),
                p.healthy(), p.inRecovery(), p.systemId(), p.timelineId(), p.timelineHistory(), p.walPosition(),
                p.receivedWalPosition(), p.replayedWalPosition(), p.syncStandbys(), "10.0.0.9", 6000,
                p.pgVersion(), p.pgParameters(), p.oldestWalFile(), p.needsRestart(), p.streaming()));
        assertThat(Router.route(v.clusterData(), v.infos(), "p1", MAX_LAG).readWrite())
                .isEqualTo(new Backend("db1", "10.0.0.9", 6000));
    }
}
