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

/** Initialization of a new cluster ({@link Initialization}). One named scenario per case, run by {@link PlannerScenarios#run}. */
class InitializationTest {

    @TestFactory
    Stream<DynamicTest> scenarios() {
        return run(Stream.of(
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
                scenario("init: pitr restores the first master with the spec's pitrConfig, never an initdb",
                        () -> aCluster().initializing().spec("{\"initMode\":\"pitr\",\"pitrConfig\":"
                                + "{\"dataRestoreCommand\":\"tar -xf /b/base.tar -C %d\",\"restoreCommand\":"
                                + "\"cp /a/%f %p\",\"recoveryTargetTime\":\"2026-12-02T14:03:00Z\"}}")
                                .keeper("k1", 1).keeper("k2", 3),
                        p -> {
                            DB db = p.next().masterDb().orElseThrow();
                            assertThat(db.spec().keeperUid()).isEqualTo("k2");
                            assertThat(db.spec().initMode()).isEqualTo(DB.InitMode.PITR);
                            assertThat(db.spec().pitrConfig().recoveryTargetTime()).isEqualTo("2026-12-02T14:03:00Z");
                            assertThat(db.spec().newConfig()).isNull();
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
                scenario("init: with built-in backups the first master's archiving is not merged (each keeper sets its own)",
                        () -> aCluster().initializing().spec("{\"backup\":{\"tool\":\"pgbackrest\"}}")
                                .keeper("k1").master("db1", "k1").reportedParameters("db1", java.util.Map.of(
                                        "max_connections", "100", "archive_mode", "on", "archive_command",
                                        "pgbackrest --config=/k1/pgbackrest.conf --stanza=c archive-push %p")),
                        p -> {
                            assertThat(p.next().cluster().spec().pgParameters()).isEqualTo(java.util.Map.of(
                                    "max_connections", "100"));
                            assertThat(p.next().cluster().spec().validateSubmission()).isEmpty();
                        }),
                scenario("init: with mergePgParameters false the spec keeps only the operator's parameters",
                        () -> aCluster().initializing().spec("{\"mergePgParameters\":false}").keeper("k1")
                                .master("db1", "k1").reportedParameters("db1", java.util.Map.of("timezone", "UTC")),
                        p -> assertThat(p.next().cluster().spec().pgParameters()).isNull()),
                scenario("init: priority 0 keepers are never the first master",
                        () -> aCluster().initializing().keeper("k1", 0),
                        p -> assertThat(p.next().dbs()).isEmpty())));
    }
}
