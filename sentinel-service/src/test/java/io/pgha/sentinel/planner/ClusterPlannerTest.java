package io.pgha.sentinel.planner;

import static io.pgha.sentinel.planner.PlannerFixture.aCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.DB;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The planner, one named scenario per case: given a cluster and observations, then the expected change. */
class ClusterPlannerTest {

    record Scenario(String name, Supplier<PlannerFixture> given, Consumer<Plan> then) {
    }

    static Scenario scenario(String name, Supplier<PlannerFixture> given, Consumer<Plan> then) {
        return new Scenario(name, given, then);
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

    static PlannerFixture threeNodes() {
        return aCluster().keeper("k1").keeper("k2").keeper("k3")
                .master("db1", "k1").standby("db2", "k2").standby("db3", "k3");
    }

    static Stream<Scenario> scenarios() {
        return Stream.of(
                // ---- health ----
                scenario("a healthy stable cluster changes nothing but health times",
                        ClusterPlannerTest::threeNodes,
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
                        p -> assertThat(p.next().keepers()).doesNotContainKey("k9")),

                // ---- failover ----
                scenario("async failover elects the most advanced standby",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 99_900_000).wal("db3", 99_990_000),
                        p -> {
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(p.next().dbs()).doesNotContainKey("db1");
                        }),
                scenario("equally advanced standbys: the highest priority wins",
                        () -> aCluster().keeper("k1").keeper("k2", 1).keeper("k3", 5).master("db1", "k1")
                                .standby("db2", "k2").standby("db3", "k3").keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("a standby lagging beyond maxStandbyLag is not elected",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 90_000_000).wal("db3", 98_000_000),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.NoCandidate n
                                    && n.why().contains("lagging"));
                            assertThat(p.next().cluster().status().message()).contains("no standby may replace it");
                        }),
                scenario("one standby within the lag, one beyond: only the close one is elected",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 99_500_000).wal("db3", 90_000_000),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("sync: only a standby in both the spec and the observed in-sync set is elected",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of("db2"))
                                .wal("db3", 100_000_000).wal("db2", 99_999_000).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("sync: a standby in the spec but not observed in sync is not elected",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of()).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.NoCandidate n
                                    && n.why().contains("not a synchronous standby in sync"));
                        }),
                scenario("sync: an async standby, however advanced, is never elected",
                        () -> threeNodes().synchronous("db1", List.of("db2"), List.of("db2"))
                                .keeperGone("k2", 10).failedKeeper("k2", 10).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db1")),
                scenario("sync: the new master's synchronous set keeps the other in-sync standbys",
                        () -> aCluster().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .keeper("k1").keeper("k2").keeper("k3").master("db1", "k1").standby("db2", "k2")
                                .standby("db3", "k3").synchronous("db1", List.of("db2", "db3"), List.of("db2", "db3"))
                                .wal("db3", 99_000_000).keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db2");
                            assertThat(db(p, "db2").spec().synchronousStandbys()).containsExactly("db3");
                            assertThat(db(p, "db2").spec().synchronousReplication()).isTrue();
                        }),
                scenario("priority 0 is never elected",
                        () -> aCluster().keeper("k1").keeper("k2", 0).master("db1", "k1").standby("db2", "k2")
                                .keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.NoCandidate n
                                    && n.why().contains("priority 0"));
                        }),
                scenario("a forced-failed standby is not elected",
                        () -> threeNodes().forceFail("k2").keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("paused: no failover, and the view says why",
                        () -> threeNodes().paused().keeperGone("k1", 5),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.next().cluster().status().message()).contains("paused");
                        }),
                scenario("a standby on another timeline is not elected",
                        () -> threeNodes().timeline("db2", 2, List.of()).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("a standby with another system id is not elected",
                        () -> threeNodes().systemId("db2", "9999").keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("a standby that has not converged is not elected",
                        () -> threeNodes().notConverged("db2", 1).keeperGone("k1", 5),
                        p -> assertThat(master(p)).isEqualTo("db3")),
                scenario("forced failover of a healthy master elects a standby",
                        () -> threeNodes().forceFail("k1"),
                        p -> {
                            assertThat(master(p)).isNotEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.why().contains("forced"));
                        }),
                scenario("a master that does not converge within convergenceTimeout is failed over",
                        () -> threeNodes().notConverged("db1", 40),
                        p -> assertThat(master(p)).isNotEqualTo("db1")),
                scenario("failover is recorded as an event with from, to, timeline and position",
                        () -> threeNodes().keeperGone("k1", 5).wal("db2", 99_000_000).wal("db3", 100_000_000),
                        p -> assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                && m.reason() == ClusterHistory.Reason.FAILOVER && m.fromDb().equals("db1")
                                && m.toDb().equals("db3") && m.timeline() == 1 && m.walPosition() == 100_000_000)),

                // ---- no false failover: evidence over time, store outages count for nobody ----
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
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.NoCandidate n
                                    && n.why().contains("no fresh report"));
                        }),
                scenario("sync: a member with one unhealthy report stays in the synchronous set",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db3")).postgresDown("k2", 1),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db2", "db3")),
                scenario("sync: a member whose keeper failed (over failInterval) leaves when another is in sync",
                        () -> threeNodes().spec("{\"synchronousReplication\":true,\"maxSynchronousStandbys\":2}")
                                .synchronous("db1", List.of("db2", "db3"), List.of("db3")).postgresDown("k2", 5),
                        p -> assertThat(db(p, "db1").spec().synchronousStandbys()).containsExactly("db3")),

                // ---- operator requests ----
                scenario("a forced failover request elects the best standby and is done",
                        () -> threeNodes().wal("db2", 99_000_000).operation(Cluster.Operation.Type.FAILOVER, null,
                                Cluster.Operation.State.PENDING, null),
                        p -> {
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.DONE);
                        }),
                scenario("a forced failover to a named candidate elects that one",
                        () -> threeNodes().wal("db2", 99_000_000).operation(Cluster.Operation.Type.FAILOVER, "k2",
                                Cluster.Operation.State.PENDING, null),
                        p -> assertThat(master(p)).isEqualTo("db2")),
                scenario("a forced failover with no eligible candidate fails with the reasons and changes nothing",
                        () -> aCluster().keeper("k1").keeper("k2", 0).master("db1", "k1").standby("db2", "k2")
                                .operation(Cluster.Operation.Type.FAILOVER, null, Cluster.Operation.State.PENDING,
                                        null),
                        p -> {
                            assertThat(master(p)).isEqualTo("db1");
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.FAILED);
                            assertThat(p.next().cluster().status().operation().message()).contains("priority 0");
                        }),
                scenario("switchover step 1: proxies fenced, the master restarts as a standby of the candidate",
                        () -> threeNodes().wal("db3", 90_000_000).operation(Cluster.Operation.Type.SWITCHOVER,
                                "db3", Cluster.Operation.State.PENDING, null),
                        p -> {
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(db(p, "db1").spec().followConfig().dbUid()).isEqualTo("db3");
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(master(p)).isEqualTo("db3");
                            assertThat(p.next().proxy().spec().masterDbUid()).isNull();
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.RUNNING);
                        }),
                scenario("switchover step 2 waits until the candidate received the old master's final position",
                        () -> threeNodes().switchingOver("db1", "db3").wal("db1", 100_000_100)
                                .wal("db3", 100_000_000),
                        p -> {
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY);
                            assertThat(elected(p)).isFalse();
                        }),
                scenario("switchover step 2 promotes the candidate once it has everything",
                        () -> threeNodes().switchingOver("db1", "db3").wal("db1", 100_000_100)
                                .wal("db3", 100_000_100),
                        p -> {
                            assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.SWITCHOVER && m.fromDb().equals("db1"));
                        }),
                scenario("switchover step 2 waits while the old master has not restarted as a standby",
                        () -> threeNodes().switchingOver("db1", "db3").notConverged("db1", 1),
                        p -> assertThat(db(p, "db3").spec().role()).isEqualTo(DB.Role.STANDBY)),
                scenario("a scheduled switchover waits for its time",
                        () -> threeNodes().operation(Cluster.Operation.Type.SWITCHOVER, null,
                                Cluster.Operation.State.PENDING, null).scheduled(PlannerFixture.T0.plusSeconds(3600)),
                        p -> {
                            assertThat(db(p, "db1").spec().role()).isEqualTo(DB.Role.MASTER);
                            assertThat(p.next().cluster().status().operation().state())
                                    .isEqualTo(Cluster.Operation.State.PENDING);
                        }),

                // ---- proxy handshake ----
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
                scenario("the new master is not named before it is promoted and converged",
                        () -> aCluster().keeper("k1").keeper("k2").master("db1", "k1").standby("db2", "k2")
                                .notConverged("db1", 1).proxyCleared(10),
                        p -> assertThat(p.next().proxy().spec().masterDbUid()).isNull()),

                // ---- standbys ----
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
                        p -> assertThat(p.next().keepers()).containsKey("k2")),

                // ---- synchronous set ----
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
                        }),

                // ---- initialization ----
                scenario("init: the healthy keeper with the highest priority becomes master with a new DB",
                        () -> aCluster().initializing().keeper("k1", 1).keeper("k2", 3),
                        p -> {
                            DB db = p.next().masterDb().orElseThrow();
                            assertThat(db.spec().keeperUid()).isEqualTo("k2");
                            assertThat(db.spec().initMode()).isEqualTo(DB.InitMode.NEW);
                            assertThat(p.next().cluster().status().phase()).isEqualTo(Cluster.Phase.INITIALIZING);
                        }),
                scenario("init: existing uses existingConfig.keeperUid",
                        () -> aCluster().initializing().spec("{\"initMode\":\"existing\",\"existingConfig\":"
                                + "{\"keeperUid\":\"k1\"}}").keeper("k1", 1).keeper("k2", 3),
                        p -> {
                            DB db = p.next().masterDb().orElseThrow();
                            assertThat(db.spec().keeperUid()).isEqualTo("k1");
                            assertThat(db.spec().initMode()).isEqualTo(DB.InitMode.EXISTING);
                        }),
                scenario("init: a converged healthy master turns the phase normal and is named to proxies",
                        () -> aCluster().initializing().keeper("k1").master("db1", "k1").proxyCleared(0),
                        p -> {
                            assertThat(p.next().cluster().status().phase()).isEqualTo(Cluster.Phase.NORMAL);
                            assertThat(p.next().proxy().spec().masterDbUid()).isEqualTo("db1");
                            assertThat(p.events()).anyMatch(e -> e instanceof PlanEvent.MasterElected m
                                    && m.reason() == ClusterHistory.Reason.INIT);
                        }),
                scenario("init: a master that does not initialize within initTimeout is dropped",
                        () -> aCluster().initializing().keeper("k1").master("db1", "k1").notConverged("db1", 400),
                        p -> {
                            assertThat(p.next().dbs()).isEmpty();
                            assertThat(master(p)).isNull();
                        }),
                scenario("init: mergePgParameters takes the first master's parameters under the spec's",
                        () -> aCluster().initializing().spec("{\"pgParameters\":{\"work_mem\":\"8MB\"}}")
                                .keeper("k1").master("db1", "k1").reportedParameters("db1", java.util.Map.of(
                                        "max_connections", "100", "work_mem", "4096", "port", "5432",
                                        "wal_keep_size", "128MB", "timezone", "Etc/UTC")),
                        p -> {
                            assertThat(p.next().cluster().spec().pgParameters()).isEqualTo(java.util.Map.of(
                                    "max_connections", "100", "timezone", "Etc/UTC", "work_mem", "8MB"));
                            assertThat(p.next().cluster().generation()).isEqualTo(2);
                        }),
                scenario("init: with mergePgParameters false the spec keeps only the operator's parameters",
                        () -> aCluster().initializing().spec("{\"mergePgParameters\":false}").keeper("k1")
                                .master("db1", "k1").reportedParameters("db1", java.util.Map.of("timezone", "UTC")),
                        p -> assertThat(p.next().cluster().spec().pgParameters()).isNull()),
                scenario("init: priority 0 keepers are never the first master",
                        () -> aCluster().initializing().keeper("k1", 0),
                        p -> assertThat(p.next().dbs()).isEmpty()));
    }

    @TestFactory
    Stream<DynamicTest> planner() {
        return scenarios().map(s -> DynamicTest.dynamicTest(s.name(), () -> {
            PlannerFixture f = s.given().get();
            ClusterData before = f.clusterData();
            Plan p = f.plan();
            s.then().accept(p);
            assertThat(f.clusterData()).isEqualTo(before);
            assertThat(p.next().validate()).isEmpty();
        }));
    }
}
