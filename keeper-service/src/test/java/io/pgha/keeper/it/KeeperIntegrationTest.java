package io.pgha.keeper.it;

import static io.pgha.keeper.it.ClusterHarness.db;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.store.StoreKeys;
import io.pgha.store.StoreWatch;
import io.pgha.store.WatchEvent;
import io.pgha.testing.EtcdExtension;
import io.pgha.testing.PgClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real keepers (OS processes) converging real PostgreSQL 15 instances to cluster data the test writes
 * itself in a real etcd, as the sentinel would. Assertions are on data, roles and what the keepers publish.
 */
class KeeperIntegrationTest {
    private static final Logger log = LoggerFactory.getLogger(KeeperIntegrationTest.class);
    private static final Duration START = Duration.ofSeconds(120);
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ClusterHarness h;

    private ClusterHarness harness(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName().toLowerCase();
        h = new ClusterHarness(ETCD.etcd(), method.substring(0, Math.min(12, method.length())));
        return h;
    }

    @AfterEach
    void tearDown() {
        if (h != null) {
            log.info("cluster {}:{}", h.name, h.dump());
            h.close();
        }
    }

    /**
     * k1 runs db1 (master, initdb; first alone and asynchronous, so the first commit cannot wait for a standby
     * that does not exist yet), k2 runs db2 cloned from it; returns once both converged.
     */
    private void primaryAndStandby(ClusterHarness h, DB db1, DB db2) throws Exception {
        h.startKeeper("k1");
        h.startKeeper("k2");
        DB alone = db(db1.uid()).on("k1").master().generation(db1.generation() - 1).build();
        h.assign("db1", alone);
        h.awaitConverged("k1", alone, START);
        pg(h.keeper("k1").pgPort).exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')");
        h.assign("db1", db1, db2);
        h.awaitConverged("k2", db2, START);
    }

    /** k1 runs db1 as a master of its own; returns its PostgreSQL port once converged. */
    private static int aloneMaster(ClusterHarness h) {
        h.startKeeper("k1");
        DB db1 = db("db1").on("k1").master().build();
        h.assign("db1", db1);
        h.awaitConverged("k1", db1, START);
        return h.keeper("k1").pgPort;
    }

    private static List<String> rows(int port) throws Exception {
        return pg(port).column("SELECT v FROM t ORDER BY id");
    }

    @Test
    void aNewMasterInitializesAndAStandbyClonesItAndReplicates(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        DB db1 = db("db1").on("k1").master().followers("db2").generation(2).build();
        DB db2 = db("db2").on("k2").standbyOf("db1").build();
        primaryAndStandby(h, db1, db2);
        int p1 = h.keeper("k1").pgPort;
        int p2 = h.keeper("k2").pgPort;

        pg(p1).exec("INSERT INTO t VALUES (2, 'two')");
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> rows(p2), r -> r.equals(List.of("one",
                "two")));
        assertThat(pg(p2).value("SELECT pg_is_in_recovery()")).isEqualTo("t");
        assertThat(pg(p1).column("SELECT slot_name FROM pg_replication_slots")).containsExactly("pgha_db2");
        assertThat(pg(p1).value("SELECT application_name FROM pg_stat_replication")).isEqualTo("db2");
        assertThat(pg(p1).value("SHOW data_checksums")).isEqualTo("on");
        KeeperInfo i2 = h.info("k2").orElseThrow();
        assertThat(i2.postgres().inRecovery()).isTrue();
        assertThat(i2.postgres().systemId()).isEqualTo(h.info("k1").orElseThrow().postgres().systemId());

        // Probes: only the elected primary is /primary, only the streaming standby is /replica.
        await().atMost(Duration.ofSeconds(5)).until(() -> status("k1", "/primary") == 200);
        assertThat(status("k2", "/primary")).isEqualTo(503);
        assertThat(status("k2", "/replica")).isEqualTo(200);
        assertThat(status("k1", "/replica")).isEqualTo(503);
        assertThat(status("k1", "/read-only")).isEqualTo(200);
        assertThat(status("k2", "/read-only")).isEqualTo(200);
        assertThat(status("k2", "/async")).as("an asynchronous standby").isEqualTo(200);
        assertThat(status("k2", "/sync")).isEqualTo(503);
        assertThat(status("k1", "/health")).isEqualTo(200);
        assertThat(head("k1", "/primary")).isEqualTo(200);
        assertThat(head("k2", "/primary")).isEqualTo(503);

        // A standby that falls behind is not a /replica within 1 byte, but still within 1GB.
        pg(p2).exec("SELECT pg_wal_replay_pause()");
        pg(p1).exec("INSERT INTO t VALUES (3, 'three')");
        await().atMost(Duration.ofSeconds(10)).until(() -> status("k2", "/replica?lag=1") == 503);
        assertThat(status("k2", "/replica?lag=1GB")).isEqualTo(200);
        pg(p2).exec("SELECT pg_wal_replay_resume()");
        await().atMost(Duration.ofSeconds(10)).until(() -> status("k2", "/replica?lag=1") == 200);

        String metrics = get("k1", "/actuator/prometheus").body();
        assertThat(metrics).contains("pgha_keeper_role{cluster=\"" + h.name + "\",role=\"primary\"} 1.0")
                .contains("pgha_keeper_postgres_up{cluster=\"" + h.name + "\"} 1.0")
                .contains("pgha_keeper_timeline{cluster=\"" + h.name + "\"} 1.0");
        assertThat(get("k2", "/actuator/prometheus").body())
                .contains("pgha_keeper_role{cluster=\"" + h.name + "\",role=\"standby\"} 1.0");
        report("initdb", h.keeper("k1").logText(), "initdb db=db1 done in (\\d+) ms");
        report("basebackup", h.keeper("k2").logText(), "basebackup db=db2 done in (\\d+) ms");
    }

    @Test
    void rolesFlippedTheStandbyIsPromotedAndTheOldMasterRewindsOrReclones(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        DB db1 = db("db1").on("k1").master().followers("db2").generation(2).build();
        DB db2 = db("db2").on("k2").standbyOf("db1").build();
        primaryAndStandby(h, db1, db2);
        int p1 = h.keeper("k1").pgPort;
        int p2 = h.keeper("k2").pgPort;
        pg(p1).exec("INSERT INTO t VALUES (2, 'two')");
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> rows(p2).size() == 2);

        // Failover: db1 is dropped (its keeper must stop serving), db2 becomes master.
        DB db2Master = db("db2").on("k2").master().init(DB.InitMode.RESYNC).generation(2).build();
        h.assign("db2", db2Master);
        h.awaitConverged("k2", db2Master, START);
        assertThat(pg(p2).value("SELECT pg_is_in_recovery()")).isEqualTo("f");
        pg(p2).exec("INSERT INTO t VALUES (3, 'three')");
        await().atMost(Duration.ofSeconds(10)).until(() -> !pg(p1).answers());
        report("promote", h.keeper("k2").logText(), "promoted db=db2 in (\\d+) ms");

        // The old master comes back as a standby of the new one through pg_rewind.
        DB db3 = db("db3").on("k1").standbyOf("db2").usePgRewind(true).build();
        DB db2WithDb3 = db("db2").on("k2").master().init(DB.InitMode.RESYNC).generation(3).followers("db3").build();
        h.assign("db2", db2WithDb3, db3);
        h.awaitConverged("k1", db3, START);
        assertThat(h.keeper("k1").logText()).contains("action=pg_rewind db=db3").contains("pg_rewind db=db3 done");
        assertThat(h.keeper("k1").logText()).doesNotContain("action=basebackup db=db3");
        pg(p2).exec("INSERT INTO t VALUES (4, 'four')");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> rows(p1),
                r -> r.equals(List.of("one", "two", "three", "four")));
        assertThat(pg(p1).value("SELECT pg_is_in_recovery()")).isEqualTo("t");
        report("pg_rewind", h.keeper("k1").logText(), "pg_rewind db=db3 done in (\\d+) ms");

        // Without pg_rewind, a new assignment re-clones from scratch.
        DB db4 = db("db4").on("k1").standbyOf("db2").usePgRewind(false).build();
        DB db2WithDb4 = db("db2").on("k2").master().init(DB.InitMode.RESYNC).generation(4).followers("db4").build();
        h.assign("db2", db2WithDb4, db4);
        h.awaitConverged("k1", db4, START);
        assertThat(h.keeper("k1").logText()).contains("action=basebackup db=db4");
        pg(p2).exec("INSERT INTO t VALUES (5, 'five')");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> rows(p1).size() == 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> pg(p2).column(
                "SELECT slot_name FROM pg_replication_slots"), s -> s.equals(List.of("pgha_db4")));
    }

    @Test
    void aSynchronousCommitWaitsForTheStandbyAndDoesNotOnceTheStandbyIsDropped(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        h.spec = JsonCodec.read("{\"synchronousReplication\":true,\"minSynchronousStandbys\":1}", ClusterSpec.class,
                "spec");
        DB db1 = db("db1").on("k1").master().followers("db2").synchronousStandbys("db2").generation(2).build();
        DB db2 = db("db2").on("k2").standbyOf("db1").build();
        primaryAndStandby(h, db1, db2);
        int p1 = h.keeper("k1").pgPort;
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> pg(p1).value(
                "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'db2'"), "sync"::equals);
        await().atMost(Duration.ofSeconds(5)).until(() -> h.info("k1").orElseThrow().postgres().syncStandbys()
                .equals(List.of("db2")));
        // Probes: the synchronous standby is /sync, not /async; the primary is neither.
        await().atMost(Duration.ofSeconds(5)).until(() -> status("k2", "/sync") == 200);
        assertThat(status("k2", "/async")).isEqualTo(503);
        assertThat(status("k1", "/sync")).isEqualTo(503);
        assertThat(status("k1", "/async")).isEqualTo(503);

        h.keeper("k2").close(); // the standby and its PostgreSQL are gone
        CompletableFuture<Void> commit = CompletableFuture.runAsync(() -> {
            try {
                pg(p1).exec("INSERT INTO t VALUES (2, 'waits for db2')");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !commit.isDone());

        h.keeper("k2").launch(); // the standby returns (a new instance, acknowledged below)
        await().atMost(START).pollInterval(Duration.ofMillis(500)).until(() -> {
            h.assign("db1", db1, db2);
            return h.info("k2").map(i -> i.postgres().healthy()).orElse(false);
        });
        commit.get(30, TimeUnit.SECONDS);
        assertThat(rows(h.keeper("k2").pgPort)).contains("waits for db2");

        // A synchronous primary that restarts serves no client until its standby is back in sync.
        pg(p1).exec("CREATE ROLE app LOGIN PASSWORD 'app'");
        assertThat(appConnects(p1)).isTrue();
        h.keeper("k2").close();
        long pid = h.keeper("k1").postmasterPid().orElseThrow();
        h.keeper("k1").killPostgres();
        await().atMost(Duration.ofSeconds(10)).until(() -> h.keeper("k1").postmasterPid().stream()
                .anyMatch(p -> p != pid) && pg(p1).answers());
        assertThat(appConnects(p1)).isFalse();
        h.keeper("k2").launch();
        await().atMost(START).pollInterval(Duration.ofMillis(500)).until(() -> {
            h.assign("db1", db1, db2);
            return h.info("k2").map(i -> i.postgres().healthy()).orElse(false);
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> appConnects(p1));
        assertThat(h.keeper("k1").logText()).contains("client access withheld").contains("client access restored");

        // With minSynchronousStandbys=0 the sentinel may drop the standby from the set: commits go on alone.
        h.spec = JsonCodec.read("{\"synchronousReplication\":true,\"minSynchronousStandbys\":0}", ClusterSpec.class,
                "spec");
        DB relaxed = db("db1").on("k1").master().followers("db2").synchronousStandbys().generation(3).build();
        h.assign("db1", relaxed, db2);
        h.awaitConverged("k1", relaxed, Duration.ofSeconds(30));
        h.keeper("k2").close();
        CompletableFuture<Void> alone = CompletableFuture.runAsync(() -> {
            try {
                pg(p1).exec("INSERT INTO t VALUES (3, 'no standby needed')");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        alone.get(5, TimeUnit.SECONDS);
        assertThat(rows(p1)).contains("no standby needed");
    }

    @Test
    void aParameterChangeReloadsAndARestartOnlyParameterRestartsOnlyWhenRequested(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        h.startKeeper("k1");
        int p1 = h.keeper("k1").pgPort;
        DB g1 = db("db1").on("k1").master().params(Map.of("work_mem", "8MB")).build();
        h.assign("db1", g1);
        h.awaitConverged("k1", g1, START);
        assertThat(pg(p1).value("SHOW work_mem")).isEqualTo("8MB");
        long pid = h.keeper("k1").postmasterPid().orElseThrow();

        DB g2 = db("db1").on("k1").master().params(Map.of("work_mem", "16MB")).generation(2).build();
        h.assign("db1", g2);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> pg(p1).value("SHOW work_mem"),
                "16MB"::equals);
        assertThat(h.keeper("k1").postmasterPid()).hasValue(pid);

        // ALTER SYSTEM cannot override a managed parameter.
        pg(p1).exec("ALTER SYSTEM SET wal_level = 'minimal'");
        DB g3 = db("db1").on("k1").master().params(Map.of("work_mem", "16MB", "max_connections", "150"))
                .generation(3).build();
        h.assign("db1", g3);
        await().atMost(Duration.ofSeconds(10)).until(() -> get("k1", "/actuator/prometheus").body()
                .contains("pgha_keeper_needs_restart{cluster=\"" + h.name + "\"} 1.0"));
        assertThat(pg(p1).value("SHOW max_connections")).isEqualTo("100");
        assertThat(h.keeper("k1").postmasterPid()).hasValue(pid);

        // The sentinel's restart request (one step of a rolling restart): carried out once, then applied.
        DB g4 = db("db1").on("k1").master().params(Map.of("work_mem", "16MB", "max_connections", "150"))
                .request(DB.Request.restart("op-1")).generation(4).build();
        h.assign("db1", g4);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> pg(p1).value("SHOW max_connections"),
                "150"::equals);
        assertThat(h.keeper("k1").postmasterPid().orElseThrow()).isNotEqualTo(pid);
        assertThat(pg(p1).value("SHOW wal_level")).isEqualTo("replica");
        await().atMost(Duration.ofSeconds(10)).until(() -> get("k1", "/actuator/prometheus").body()
                .contains("pgha_keeper_needs_restart{cluster=\"" + h.name + "\"} 0.0"));
        assertThat(Files.readString(h.keeper("k1").dataDir.resolve("postgres/postgresql.auto.conf")))
                .doesNotContain("wal_level");

        // The same request in a later generation (the DB changed for another reason) is not carried out again.
        h.awaitConverged("k1", g4, START);
        long restarted = h.keeper("k1").postmasterPid().orElseThrow();
        DB g5 = db("db1").on("k1").master().params(Map.of("work_mem", "32MB", "max_connections", "150"))
                .request(DB.Request.restart("op-1")).generation(5).build();
        h.assign("db1", g5);
        h.awaitConverged("k1", g5, START);
        assertThat(pg(p1).value("SHOW work_mem")).isEqualTo("32MB");
        assertThat(h.keeper("k1").postmasterPid()).hasValue(restarted);
    }

    @Test
    void anExistingDataDirIsAdoptedWithoutLosingItsDataOrInitdbsSettings(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        int p1 = aloneMaster(h);
        pg(p1).exec("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'kept')");
        String logTimezone = "SELECT setting FROM pg_settings WHERE name = 'log_timezone'";
        String timezone = pg(p1).value(logTimezone);

        DB adopted = db("db2").on("k1").master().init(DB.InitMode.EXISTING).build();
        h.assign("db2", adopted);
        h.awaitConverged("k1", adopted, START);
        assertThat(h.keeper("k1").logText()).contains("action=adopt db=db2").doesNotContain("action=initdb db=db2");
        assertThat(rows(p1)).containsExactly("kept");
        assertThat(pg(p1).value(logTimezone)).isEqualTo(timezone);
        assertThat(h.info("k1").orElseThrow().postgres().pgParameters()).containsKey("max_connections");
    }

    @Test
    void aKilledPostmasterIsBackWithinThreeSecondsAndWasReportedUnhealthyMeanwhile(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        int p1 = aloneMaster(h);
        List<KeeperInfo> published = new CopyOnWriteArrayList<>();
        try (StoreWatch w = h.store.watch(StoreKeys.keeper("k1"), false, events -> events.stream()
                .filter(e -> e.type() == WatchEvent.Type.PUT)
                .forEach(e -> published.add(JsonCodec.read(e.value(), KeeperInfo.class, "keeper info"))))) {
            long pid = h.keeper("k1").postmasterPid().orElseThrow();
            long t0 = System.nanoTime();
            h.keeper("k1").killPostgres();
            await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() ->
                    h.keeper("k1").postmasterPid().stream().anyMatch(p -> p != pid) && pg(p1).answers());
            log.info("measured: postmaster SIGKILL -> accepting connections in {} ms",
                    (System.nanoTime() - t0) / 1_000_000);
            await().atMost(Duration.ofSeconds(3)).until(() -> published.stream().anyMatch(i ->
                    i.postgres().healthy()) && published.stream().anyMatch(i -> !i.postgres().healthy()));
            int firstDown = indexOf(published, false);
            assertThat(firstDown).isGreaterThanOrEqualTo(0);
            assertThat(published.subList(firstDown, published.size())).anyMatch(i -> i.postgres().healthy());
        }
    }

    @Test
    void aPrimaryThatCannotConfirmItIsMasterWithholdsWritesFromDirectClientsAndServesAgainOnceConfirmed(
            TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        int p1 = aloneMaster(h);
        pg(p1).exec("CREATE TABLE f (id int)");
        await().atMost(Duration.ofSeconds(5)).until(() -> status("k1", "/primary") == 200);
        ExecutorService client = Executors.newSingleThreadExecutor();
        try (Connection direct = pg(p1).connect()) {
            long t0 = System.nanoTime();
            ETCD.etcd().freeze(); // the store stops answering: the keeper cannot confirm its assignment
            try {
                // Within failInterval (4 s) + sleepInterval (1 s): new transactions are read-only, on a session
                // opened before the fence too.
                await("writes refused").atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(100))
                        .until(() -> refusesWrites(direct));
                log.info("measured: store frozen -> direct writes refused in {} ms", (System.nanoTime() - t0)
                        / 1_000_000);
                assertThat(status("k1", "/primary")).isEqualTo(503);
                assertThat(get("k1", "/actuator/prometheus").body())
                        .contains("pgha_keeper_fenced{cluster=\"" + h.name + "\"} 1.0");
                // A client that asks for a read-write transaction anyway gets no acknowledged commit.
                Future<?> insisting = client.submit(() -> {
                    try (Connection c = pg(p1).connect(); Statement st = c.createStatement()) {
                        st.execute("SET default_transaction_read_only = off");
                        st.execute("INSERT INTO f VALUES (1)");
                    }
                    return null;
                });
                await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
                assertThat(insisting.isDone()).as("a commit acknowledged by a fenced primary").isFalse();
            } finally {
                ETCD.etcd().thaw();
            }
            long t1 = System.nanoTime();
            await("writes accepted again").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> {
                        try (Statement st = direct.createStatement()) {
                            st.execute("INSERT INTO f VALUES (2)");
                        }
                        return true;
                    });
            log.info("measured: store back -> writes accepted in {} ms", (System.nanoTime() - t1) / 1_000_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> status("k1", "/primary") == 200);
            assertThat(pg(p1).column("SELECT id FROM f ORDER BY id")).containsExactly("1", "2");
        } finally {
            client.shutdownNow();
        }
    }

    private static boolean refusesWrites(Connection c) {
        try (Statement st = c.createStatement()) {
            st.execute("INSERT INTO f SELECT 0 WHERE false"); // a write that changes nothing when it is allowed
            return false;
        } catch (SQLException e) {
            return String.valueOf(e.getMessage()).contains("read-only transaction");
        }
    }

    @Test
    void aKilledKeepersInfoVanishesWithinTheTtlAndASecondKeeperCannotTakeItsDataDir(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        KeeperProcess k1 = h.startKeeper("k1");
        h.awaitInfo("k1", i -> true, START);

        k1.kill();
        long t0 = System.nanoTime();
        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(100)).until(() -> h.info("k1").isEmpty());
        log.info("measured: keeper SIGKILL -> info gone in {} ms", (System.nanoTime() - t0) / 1_000_000);

        k1.launch();
        h.awaitInfo("k1", i -> true, START);
        KeeperProcess intruder = KeeperProcess.start(h.name, ETCD.endpoint(), "k1", k1.dataDir);
        try {
            assertThat(intruder.process().waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(intruder.process().exitValue()).isNotZero();
            assertThat(intruder.logText()).contains("is in use by another keeper");
            assertThat(k1.process().isAlive()).isTrue();
        } finally {
            intruder.kill();
        }
    }

    @Test
    void aStandbyFollowsANewPrimaryWithoutARecloneAndAPausedClusterIsNotRestarted(TestInfo info) throws Exception {
        ClusterHarness h = harness(info);
        DB db1 = db("db1").on("k1").master().followers("db2", "db3").generation(2).build();
        DB db2 = db("db2").on("k2").standbyOf("db1").build();
        primaryAndStandby(h, db1, db2);
        h.startKeeper("k3");
        DB db3 = db("db3").on("k3").standbyOf("db1").build();
        h.assign("db1", db1, db2, db3);
        h.awaitConverged("k3", db3, START);
        int p2 = h.keeper("k2").pgPort;
        int p3 = h.keeper("k3").pgPort;

        // The old primary's node is lost first, as in a failover. Fenced by the same write instead, its shutdown
        // checkpoint could reach db3 after db2 was promoted: db3 would then be past db2's switch point (forked), which
        // the sentinel answers with a rebuild — not what this test is about.
        h.loseNode("k1");
        // db2 is promoted; db3 (same DB, next generation) now follows it on the new timeline.
        DB db2Master = db("db2").on("k2").master().init(DB.InitMode.RESYNC).followers("db3").generation(2).build();
        DB db3FollowsDb2 = db("db3").on("k3").standbyOf("db2").generation(2).build();
        h.assign("db2", db2Master, db3FollowsDb2);
        h.awaitConverged("k2", db2Master, START);
        h.awaitConverged("k3", db3FollowsDb2, START);
        pg(p2).exec("INSERT INTO t VALUES (2, 'after failover')");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> rows(p3),
                r -> r.equals(List.of("one", "after failover")));
        assertThat(pg(p3).value("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("2");
        assertThat(Pattern.compile("action=basebackup db=db3").matcher(h.keeper("k3").logText()).results().count())
                .isEqualTo(1);

        // Paused: a crashed PostgreSQL stays down until the operator resumes.
        h.paused = true;
        h.assign("db2", db2Master, db3FollowsDb2);
        java.time.Instant pausedAt = java.time.Instant.now();
        h.awaitInfo("k3", i -> i.time().isAfter(pausedAt.plusMillis(500)), Duration.ofSeconds(10));
        h.keeper("k3").killPostgres();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !pg(p3).answers());
        assertThat(h.keeper("k3").logText()).contains("the cluster is paused and PostgreSQL is not restarted");
        h.paused = false;
        h.assign("db2", db2Master, db3FollowsDb2);
        await().atMost(Duration.ofSeconds(10)).until(() -> pg(p3).answers());
    }

    private static boolean appConnects(int port) {
        return new PgClient(port, "app", "app").canLogIn();
    }

    private static PgClient pg(int port) {
        return new PgClient(port, "postgres", KeeperProcess.SUPERUSER_PASSWORD);
    }

    private static int indexOf(List<KeeperInfo> infos, boolean healthy) {
        for (int i = 0; i < infos.size(); i++) {
            if (infos.get(i).postgres().healthy() == healthy) {
                return i;
            }
        }
        return -1;
    }

    private static void report(String what, String logText, String regex) {
        Matcher m = Pattern.compile(regex).matcher(logText);
        if (m.find()) {
            log.info("measured: {} {} ms", what, m.group(1));
        }
    }

    private HttpResponse<String> get(String keeper, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.keeper(keeper).httpPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(String keeper, String path) throws Exception {
        return get(keeper, path).statusCode();
    }

    private int head(String keeper, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + h.keeper(keeper).httpPort + path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
