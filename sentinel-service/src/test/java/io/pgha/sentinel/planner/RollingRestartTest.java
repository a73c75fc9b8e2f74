package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static io.pgha.sentinel.planner.PlannerScenarios.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Rolling restart and reload ({@link RollingRestart}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class RollingRestartTest {

    private static Cluster.Operation op(Plan p) {
        return p.next().cluster().status().operation();
    }

    private static DB.Request request(Plan p, String db) {
        return db(p, db).spec().request();
    }

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
                scenario("a rolling restart asks the first standby that needs one, not the primary",
                        () -> threeNodes().needsRestart("k1", "k2", "k3").restart(true),
                        p -> {
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(request(p, "db1")).isNull();
                            assertThat(request(p, "db3")).isNull();
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.RUNNING);
                            assertThat(op(p).progress().current()).isEqualTo("k2");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.OperationStep s
                                    && s.step().equals("restart") && "k2".equals(s.keeperUid()));
                        }),
                scenario("the first step waits until every healthy keeper applied the current spec",
                        () -> threeNodes().needsRestart("k1").restart(true).notConverged("db2", 2),
                        p -> {
                            p.next().dbs().values().forEach(d -> assertThat(d.spec().request()).isNull());
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.RUNNING);
                            assertThat(op(p).message()).isEqualTo("waiting for [k2] to apply the current spec");
                        }),
                scenario("a keeper that does not apply the spec within convergenceTimeout holds the restart no longer",
                        () -> threeNodes().needsRestart("k1", "k3").restart(true).requestedSecondsAgo(200)
                                .notConverged("db2", 200),
                        p -> assertThat(request(p, "db3")).isEqualTo(DB.Request.restart("op1"))),
                scenario("pendingOnly passes over a standby without parameters waiting for a restart",
                        () -> threeNodes().needsRestart("k1", "k3").restart(true),
                        p -> {
                            assertThat(request(p, "db2")).isNull();
                            assertThat(request(p, "db3")).isEqualTo(DB.Request.restart("op1"));
                        }),
                scenario("the step waits while the restarted standby does not stream again; its request stays",
                        () -> threeNodes().needsRestart("k1", "k3").restarting("k2", 3).notStreaming("k2"),
                        p -> {
                            assertThat(op(p).progress().current()).isEqualTo("k2");
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(request(p, "db3")).isNull();
                        }),
                scenario("the step waits while the keeper has not reported the restart (generation not applied)",
                        () -> threeNodes().needsRestart("k1", "k2", "k3").restarting("k2", 3).notConverged("db2", 3),
                        p -> assertThat(op(p).progress().current()).isEqualTo("k2")),
                scenario("once the standby streams again the next one is asked and the first's request withdrawn",
                        () -> threeNodes().needsRestart("k1", "k3").restarting("k2", 3),
                        p -> {
                            assertThat(op(p).progress().done()).containsExactly("k2");
                            assertThat(op(p).progress().current()).isEqualTo("k3");
                            assertThat(request(p, "db2")).isNull();
                            assertThat(request(p, "db3")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(request(p, "db1")).isNull();
                        }),
                scenario("a step not done within convergenceTimeout fails the restart and withdraws its request",
                        () -> threeNodes().needsRestart("k1", "k2", "k3").restarting("k2", 200)
                                .notConverged("db2", 200),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.FAILED);
                            assertThat(op(p).message()).contains("k2").contains("convergenceTimeout");
                            assertThat(request(p, "db2")).isNull();
                            assertThat(request(p, "db3")).isNull();
                        }),
                scenario("the primary goes last, by a switchover to a standby with every acknowledged commit",
                        () -> threeNodes().needsRestart("k1").restarting(null, 0, "k2", "k3"),
                        p -> {
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(master(p)).isIn("db2", "db3");
                            assertThat(db(p, "db1").spec().followConfig().dbUid()).isEqualTo(master(p));
                            assertThat(p.next().proxy().spec().masterDbUid()).isNull();
                            assertThat(op(p).fromDb()).isEqualTo("db1");
                            assertThat(op(p).progress().current()).isEqualTo("k1");
                            assertThat(request(p, "db1")).isNull();
                        }),
                scenario("lowering max_connections restarts the primary first, in place, even before it reports it"
                                + " pending: no standby could start first",
                        () -> threeNodes().spec("{\"pgParameters\": {\"max_connections\": \"50\"}}")
                                .reportedParameters("db1", java.util.Map.of("max_connections", "100"))
                                .needsRestart("k2", "k3").restart(true),
                        p -> {
                            assertThat(request(p, "db1")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(request(p, "db2")).isNull();
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.OperationStep s
                                    && s.why().contains("max_connections 100 → 50"));
                        }),
                scenario("after the primary's restart, standbys wait until they replayed past it (where it recorded"
                                + " its new values, which a standby's control file must hold before it can start)",
                        () -> threeNodes().spec("{\"pgParameters\": {\"max_connections\": \"50\"}}")
                                .reportedParameters("db1", java.util.Map.of("max_connections", "50"))
                                .needsRestart("k2", "k3").restarting("k1", 3).wal("db2", 99_000_000),
                        p -> {
                            assertThat(op(p).progress().done()).containsExactly("k1");
                            assertThat(op(p).progress().replayBeforeStandbys()).isEqualTo(100_000_000L);
                            assertThat(op(p).message()).contains("[k2] to replay the primary's restart");
                            assertThat(request(p, "db2")).isNull();
                            assertThat(request(p, "db3")).isNull();
                        }),
                scenario("while the primary runs with more, a standby named alone is skipped, not started to fail",
                        () -> threeNodes().spec("{\"pgParameters\": {\"max_connections\": \"50\"}}")
                                .reportedParameters("db1", java.util.Map.of("max_connections", "100"))
                                .needsRestart("k1", "k2", "k3").restart(true, "k2"),
                        p -> {
                            assertThat(request(p, "db2")).isNull();
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.DONE);
                            assertThat(op(p).progress().skipped().get("k2")).contains("the primary must restart first");
                        }),
                scenario("raising max_connections keeps the standbys first",
                        () -> threeNodes().spec("{\"pgParameters\": {\"max_connections\": \"200\"}}")
                                .reportedParameters("db1", java.util.Map.of("max_connections", "100"))
                                .needsRestart("k1", "k2", "k3").restart(true),
                        p -> {
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(request(p, "db1")).isNull();
                        }),
                scenario("after the primary's restart with the lowered value, the standbys follow",
                        () -> threeNodes().spec("{\"pgParameters\": {\"max_connections\": \"50\"}}")
                                .reportedParameters("db1", java.util.Map.of("max_connections", "50"))
                                .needsRestart("k2", "k3").restarting("k1", 3),
                        p -> {
                            assertThat(op(p).progress().done()).containsExactly("k1");
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(request(p, "db1")).isNull();
                        }),
                scenario("with no standby that may take over, the primary restarts in place",
                        () -> aCluster().keeper("k1").keeper("k2", 0).master("db1", "k1").standby("db2", "k2")
                                .needsRestart("k1").restarting(null, 0, "k2"),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(request(p, "db1")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(op(p).progress().current()).isEqualTo("k1");
                        }),
                scenario("the primary's switchover promotes the candidate once it has the old primary's last WAL",
                        () -> threeNodes().switchingOver("db1", "db3").restartSwitchingOver("k1", "db1", "db3", "k2", "k3"),
                        p -> {
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.SWITCHOVER && m.why().contains("op1"));
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.RUNNING);
                        }),
                scenario("the restart is done once the new primary leads: every keeper restarted, primary last",
                        () -> aCluster().keeper("k1").keeper("k2").keeper("k3").master("db3", "k3")
                                .standby("db1", "k1").standby("db2", "k2")
                                .restartSwitchingOver("k1", "db1", "db3", "k2", "k3"),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.DONE);
                            assertThat(op(p).progress().done()).containsExactly("k2", "k3", "k1");
                            assertThat(op(p).message()).isEqualTo("restarted k2, k3, k1");
                        }),
                scenario("nothing needs a restart: the restart is done at once and nobody is asked",
                        () -> threeNodes().restart(true),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.DONE);
                            assertThat(op(p).message()).isEqualTo("nothing needed a restart");
                            p.next().dbs().values().forEach(d -> assertThat(d.spec().request()).isNull());
                        }),
                scenario("pendingOnly=false restarts the keepers in scope whether or not they need it",
                        () -> threeNodes().restart(false, "k3"),
                        p -> {
                            assertThat(request(p, "db3")).isEqualTo(DB.Request.restart("op1"));
                            assertThat(request(p, "db2")).isNull();
                        }),
                scenario("a keeper outside the scope is left alone: done after the keepers named",
                        () -> threeNodes().needsRestart("k1", "k2").restart(true, "k3"),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.DONE);
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(request(p, "db2")).isNull();
                        }),
                scenario("a standby that is not healthy is skipped and named in the outcome",
                        () -> threeNodes().postgresDown("k2", 5).restart(false, "k2"),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.DONE);
                            assertThat(op(p).message()).contains("k2=not healthy");
                            assertThat(request(p, "db2")).isNull();
                        }),
                scenario("automaticPgRestart starts a rolling restart when an instance needs one: a standby first",
                        () -> threeNodes().spec("{\"automaticPgRestart\": true}").needsRestart("k1", "k2", "k3"),
                        p -> {
                            assertThat(op(p).type()).isEqualTo(Cluster.Operation.Type.RESTART);
                            assertThat(op(p).progress().automatic()).isTrue();
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.restart(op(p).id()));
                            assertThat(request(p, "db1")).isNull();
                        }),
                scenario("without automaticPgRestart nothing restarts on its own",
                        () -> threeNodes().needsRestart("k1", "k2", "k3"),
                        p -> {
                            assertThat(op(p)).isNull();
                            p.next().dbs().values().forEach(d -> assertThat(d.spec().request()).isNull());
                        }),
                scenario("after a failed automatic restart no other starts for the same spec",
                        () -> threeNodes().spec("{\"automaticPgRestart\": true}").needsRestart("k2")
                                .automaticRestartEnded(Cluster.Operation.State.FAILED, 1),
                        p -> {
                            assertThat(op(p).id()).isEqualTo("op-auto-1");
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.FAILED);
                            assertThat(request(p, "db2")).isNull();
                        }),
                scenario("an automatic restart that left a parameter pending is not repeated for the same spec",
                        () -> threeNodes().spec("{\"automaticPgRestart\": true}").needsRestart("k2")
                                .automaticRestartEnded(Cluster.Operation.State.DONE, 1),
                        p -> assertThat(op(p).id()).isEqualTo("op-auto-1")),
                scenario("a spec changed since the last automatic restart gets one of its own",
                        () -> threeNodes().spec("{\"automaticPgRestart\": true}").needsRestart("k2")
                                .automaticRestartEnded(Cluster.Operation.State.FAILED, 0),
                        p -> {
                            assertThat(op(p).id()).isNotEqualTo("op-auto-1");
                            assertThat(op(p).progress().specGeneration()).isEqualTo(1L);
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.restart(op(p).id()));
                        }),
                scenario("pausing the cluster fails a running restart and withdraws its request",
                        () -> threeNodes().paused().needsRestart("k2").restarting("k2", 2).notConverged("db2", 2),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.FAILED);
                            assertThat(op(p).message()).contains("paused");
                            assertThat(request(p, "db2")).isNull();
                        }),
                scenario("a scheduled restart waits for its time",
                        () -> threeNodes().needsRestart("k2").restart(true)
                                .scheduled(PlannerFixture.T0.plusSeconds(3600)),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.PENDING);
                            assertThat(request(p, "db2")).isNull();
                        }),
                scenario("a reload asks every healthy keeper at once",
                        () -> threeNodes().postgresDown("k3", 5).reload(Cluster.Operation.State.PENDING, 0),
                        p -> {
                            assertThat(request(p, "db1")).isEqualTo(DB.Request.reload("op1"));
                            assertThat(request(p, "db2")).isEqualTo(DB.Request.reload("op1"));
                            assertThat(request(p, "db3")).isNull();
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.RUNNING);
                            assertThat(op(p).progress().skipped()).containsKey("k3");
                        }),
                scenario("a reload is done once every keeper asked reported it applied; the requests are withdrawn",
                        () -> threeNodes().reload(Cluster.Operation.State.RUNNING, 2),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.DONE);
                            assertThat(op(p).message()).isEqualTo("reloaded k1, k2, k3");
                            p.next().dbs().values().forEach(d -> assertThat(d.spec().request()).isNull());
                        }),
                scenario("a reload waits for a keeper that has not reported it, and fails after convergenceTimeout",
                        () -> threeNodes().reload(Cluster.Operation.State.RUNNING, 200).notConverged("db2", 200),
                        p -> {
                            assertThat(op(p).state()).isEqualTo(Cluster.Operation.State.FAILED);
                            assertThat(op(p).message()).contains("[k2] did not reload");
                        }),
                scenario("a request left from an operation that ended is withdrawn",
                        () -> threeNodes().request("db2", DB.Request.restart("op0")),
                        p -> assertThat(request(p, "db2")).isNull())));
    }
}
