package io.pgha.proxy;

import static io.pgha.proxy.ClusterViewFixture.aView;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.ProxyInfo;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreKeys;
import io.pgha.store.etcd.EtcdClusterStore;
import io.pgha.testing.EtcdExtension;
import io.pgha.testing.FreePorts;
import io.pgha.testing.PgClient;
import io.pgha.testing.PgServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The proxy in-process against real etcd and three real PostgreSQL 15 servers (p1 primary, s1 and s2 streaming
 * standbys). The test plays the sentinel: it writes cluster data and keeper infos built from the servers' real
 * WAL positions, and checks where connections land, when they are closed, and what the proxy acknowledges.
 * Tests run in order; the last ones promote s1 and stop the store.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyIntegrationTest {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private static final String CLUSTER = "proxyit";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path base;
    private static PgServer p1;
    private static PgServer s1;
    private static PgServer s2;
    private static ClusterStore store;
    private static RunningProxy proxy;
    private static long generation = 10;

    @BeforeAll
    static void startServers() throws Exception {
        base = Files.createTempDirectory("pgha-proxy-it-");
        p1 = PgServer.primary(base, "p1", "ssl = on");
        s1 = PgServer.standbyOf(p1, base, "s1");
        s2 = PgServer.standbyOf(p1, base, "s2");
        store = EtcdClusterStore.connect(List.of(ETCD.endpoint()), StoreKeys.root("pgha", CLUSTER),
                Duration.ofSeconds(2));
        publish(realView());
        proxy = RunningProxy.start(CLUSTER, "pa", "--pgha.proxy.read-only.max-lag=1MB");
    }

    @AfterAll
    static void stopServers() {
        for (AutoCloseable c : new AutoCloseable[] {proxy, store, s2, s1, p1}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // best effort
            }
        }
        org.springframework.util.FileSystemUtils.deleteRecursively(base.toFile());
    }

    @Test
    @Order(1)
    void readWriteConnectionsLandOnThePrimaryAndTheGenerationIsAcknowledged() throws Exception {
        await().atMost(Duration.ofSeconds(15)).until(() -> canQuery(proxy.rw()));
        assertThat(proxy.rw().value("select pg_is_in_recovery()")).isEqualTo("f");
        assertThat(proxy.rw().value("select inet_server_port()")).isEqualTo(String.valueOf(p1.port()));
        ProxyInfo info = proxyInfo("pa");
        assertThat(info.generation()).isEqualTo(generation);
        assertThat(info.listening()).isTrue();
        assertThat(proxy.health()).contains("\"status\":\"UP\"").contains("db1@127.0.0.1:" + p1.port());
    }

    @Test
    @Order(2)
    void tlsAndHalfClosePassThrough() throws Exception {
        try (Connection tls = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxy.rwPort()
                + "/postgres?sslmode=require&connectTimeout=5", "postgres", "")) {
            assertThat(query(tls, "select ssl from pg_stat_ssl where pid = pg_backend_pid()")).isEqualTo("t");
        }
        // A client that sends its query and then shuts down its sending side still receives the answer.
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", proxy.rwPort()), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(startupAndQuery("select 42"));
            s.shutdownOutput();
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(answer).as("query answer after the client's FIN").contains("SELECT 1").contains("42");
        }
    }

    /** A protocol 3.0 startup packet (user postgres, trust) followed by a simple query. */
    private static byte[] startupAndQuery(String sql) {
        java.nio.charset.Charset ascii = java.nio.charset.StandardCharsets.US_ASCII;
        byte[] params = "user\0postgres\0database\0postgres\0\0".getBytes(ascii);
        byte[] q = (sql + "\0").getBytes(ascii);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + params.length + 5 + q.length);
        b.putInt(8 + params.length).putInt(196608).put(params);
        b.put((byte) 'Q').putInt(4 + q.length).put(q);
        return b.array();
    }

    @Test
    @Order(3)
    void readOnlyConnectionsAreSpreadOverTheStandbysByLeastConnections() throws Exception {
        List<Connection> held = new ArrayList<>();
        try {
            Map<String, Integer> perPort = new HashMap<>();
            for (int i = 0; i < 6; i++) {
                Connection c = proxy.ro().connect();
                held.add(c);
                assertThat(query(c, "select pg_is_in_recovery()")).isEqualTo("t");
                perPort.merge(query(c, "select inet_server_port()"), 1, Integer::sum);
            }
            assertThat(perPort).isEqualTo(Map.of(String.valueOf(s1.port()), 3, String.valueOf(s2.port()), 3));
        } finally {
            closeAll(held);
        }
    }

    @Test
    @Order(4)
    void aCancelReachesItsBackendThroughEitherPortWithTwoAndThreeStandbys() throws Exception {
        Map<String, Integer> cancelled = new HashMap<>();
        List<Long> millis = new ArrayList<>();
        cancelTrials(proxy.ro(), 10, cancelled, millis);
        assertThat(cancelled).as("cancelled queries per standby port, 2 standbys")
                .containsOnlyKeys(String.valueOf(s1.port()), String.valueOf(s2.port()));
        cancelTrials(proxy.rw(), 5, cancelled, millis);
        assertThat(cancelled).containsEntry(String.valueOf(p1.port()), 5);

        PgServer s3 = PgServer.standbyOf(p1, base, "s3");
        try {
            publish(realView().standby("db4", "k4", s3.port(), lsn(s3, "pg_last_wal_replay_lsn()")));
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.health().contains("db4@"));
            Map<String, Integer> three = new HashMap<>();
            cancelTrials(proxy.ro(), 12, three, millis);
            assertThat(three).as("cancelled queries per standby port, 3 standbys")
                    .containsOnlyKeys(String.valueOf(s1.port()), String.valueOf(s2.port()), String.valueOf(s3.port()));
        } finally {
            publish(realView());
            s3.close();
        }
        assertThat(millis).as("ms from Statement.cancel() to the cancelled query's error").allMatch(ms -> ms <= 100);
        assertThat(proxy.prometheus()).containsPattern("pgha_proxy_cancel_requests_total\\{[^}]*listener=\"ro\"\\} 22");
        System.out.printf("measured: %d cancels through the proxy, ms to the query's error: %s%n", millis.size(),
                millis.stream().sorted().toList());
    }

    /**
     * Runs a long query on a new connection through {@code client}, cancels it through the same address, and
     * records on which port it ran and how long the cancel took to end it.
     */
    private static void cancelTrials(PgClient client, int trials, Map<String, Integer> perPort, List<Long> millis)
            throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < trials; i++) {
                try (Connection c = client.connect(); Statement st = c.createStatement()) {
                    String port = query(c, "select inet_server_port()");
                    String pid = query(c, "select pg_backend_pid()");
                    Future<SQLException> running = runner.submit(() -> {
                        try (ResultSet rs = st.executeQuery("select pg_sleep(30)")) {
                            return null;
                        } catch (SQLException e) {
                            return e;
                        }
                    });
                    PgClient direct = new PgClient(Integer.parseInt(port), "postgres", "");
                    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> "active"
                            .equals(direct.value("select state from pg_stat_activity where pid = " + pid)));
                    long t0 = System.nanoTime();
                    st.cancel();
                    SQLException e = running.get(10, java.util.concurrent.TimeUnit.SECONDS);
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                    assertThat((Throwable) e).as("query on port " + port + " cancelled").isNotNull();
                    assertThat(e.getSQLState()).isEqualTo("57014");
                    perPort.merge(port, 1, Integer::sum);
                }
            }
        } finally {
            runner.shutdownNow();
        }
    }

    @Test
    @Order(5)
    void aRefusedClientReadsWhyInPsqlAndPgjdbcWithAndWithoutTls() throws Exception {
        ClusterStore other = EtcdClusterStore.connect(List.of(ETCD.endpoint()), StoreKeys.root("pgha", "refusals"),
                Duration.ofSeconds(2));
        other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(aView().master("db1", "k1", p1.port(), 0).named(null)
                .clusterData()));
        try (other; RunningProxy p = RunningProxy.start("refusals", "pe", "--pgha.proxy.read-write.hold-timeout=0s")) {
            await().atMost(Duration.ofSeconds(15)).until(() -> canConnect(p.rwPort()));
            for (String sslmode : List.of("disable", "require")) {
                SQLException rw = refusal(p.rwPort(), sslmode);
                assertThat(rw.getSQLState()).as("read-write, sslmode=" + sslmode).isEqualTo("57P03");
                assertThat(rw.getMessage()).contains("pgha proxy: no primary to connect to: no master named");
                SQLException ro = refusal(p.roPort(), sslmode);
                assertThat(ro.getSQLState()).as("read-only, sslmode=" + sslmode).isEqualTo("57P03");
                assertThat(ro.getMessage()).contains("pgha proxy: no standby is eligible for reads");

                PsqlRun psql = psql(p.rwPort(), sslmode);
                assertThat(psql.exit()).as(psql.output()).isEqualTo(2);
                assertThat(psql.output()).contains("FATAL:  pgha proxy: no primary to connect to")
                        .contains("HINT:  A failover or switchover may be in progress");
                assertThat(psql(p.roPort(), sslmode).output()).contains("FATAL:  pgha proxy: no standby is eligible");
            }
            // GSSAPI encryption is declined ('N'); the client goes on in clear and reads the refusal.
            try (Socket s = new Socket("127.0.0.1", p.rwPort())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(java.nio.ByteBuffer.allocate(8).putInt(8).putInt(80877104).array());
                assertThat(s.getInputStream().read()).isEqualTo('N');
                s.getOutputStream().write(startupAndQuery("select 1"));
                assertThat(new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                        .startsWith("E").contains("C57P03");
            }
            assertThat(p.prometheus()).containsPattern("pgha_proxy_connections_refused_total\\{[^}]*listener=\"rw\"\\} 5");
        }
    }

    @Test
    @Order(6)
    void aReadWriteConnectionWaitsForThePrimaryInsteadOfFailingAndIsToldWhyWhenNoneComes() throws Exception {
        ClusterStore other = EtcdClusterStore.connect(List.of(ETCD.endpoint()), StoreKeys.root("pgha", "hold"),
                Duration.ofSeconds(2));
        java.util.function.IntFunction<ClusterViewFixture> primaryAt = port -> aView().master("db1", "k1", port, 0);
        other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(primaryAt.apply(p1.port()).named(null).clusterData()));
        ExecutorService clients = Executors.newSingleThreadExecutor();
        try (other; RunningProxy p = RunningProxy.start("hold", "pf", "--pgha.proxy.read-write.hold-timeout=3s")) {
            await().atMost(Duration.ofSeconds(15)).until(() -> canConnect(p.rwPort()));
            PgClient rw = p.rw();
            // Handshake: nobody named. The connection waits and lands on the primary once it is named.
            Future<String> waiting = clients.submit(() -> rw.value("select inet_server_port()"));
            // Held, not refused: still waiting a second later.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
            long t0 = System.nanoTime();
            other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(primaryAt.apply(p1.port()).generation(2).clusterData()));
            assertThat(waiting.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(String.valueOf(p1.port()));
            long namedToConnectedMs = (System.nanoTime() - t0) / 1_000_000;

            // The named primary does not accept connections (it crashed): wait, and go where the routing moves.
            other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(primaryAt.apply(FreePorts.next()).generation(3)
                    .clusterData()));
            await().atMost(Duration.ofSeconds(5)).until(() -> p.health().contains("db1@127.0.0.1:")
                    && !p.health().contains(":" + p1.port()));
            Future<String> retrying = clients.submit(() -> rw.value("select inet_server_port()"));
            // Held, not refused: still waiting a second later.
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> !retrying.isDone());
            other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(primaryAt.apply(p1.port()).generation(4).clusterData()));
            assertThat(retrying.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(String.valueOf(p1.port()));

            // No primary comes within hold-timeout: refused with the reason after the wait.
            other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(primaryAt.apply(p1.port()).named(null).generation(5)
                    .clusterData()));
            await().atMost(Duration.ofSeconds(5)).until(() -> p.health().contains("\"readWrite\":\"none\""));
            long t1 = System.nanoTime();
            SQLException refused = refusal(p.rwPort(), "disable");
            long refusedMs = (System.nanoTime() - t1) / 1_000_000;
            assertThat(refused.getSQLState()).isEqualTo("57P03");
            assertThat(refusedMs).isBetween(2900L, 4500L);
            assertThat(p.prometheus()).containsPattern("pgha_proxy_connections_held_total\\{[^}]*listener=\"rw\"\\} 3");
            System.out.printf("measured: a held connection reached the primary %d ms after it was named; refused"
                    + " after %d ms with hold-timeout 3s%n", namedToConnectedMs, refusedMs);
        } finally {
            clients.shutdownNow();
        }
    }

    private static SQLException refusal(int port, String sslmode) {
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port
                + "/postgres?connectTimeout=5&sslmode=" + sslmode, "postgres", "")) {
            throw new AssertionError("connected through a proxy that should refuse");
        } catch (SQLException e) {
            return e;
        }
    }

    record PsqlRun(int exit, String output) {
    }

    private static PsqlRun psql(int port, String sslmode) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(PgServer.BIN.resolve("psql").toString(), "host=127.0.0.1 port=" + port
                + " user=postgres dbname=postgres connect_timeout=5 sslmode=" + sslmode
                + " sslrootcert=/nonexistent", "-c", "select 1").redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        Process proc = pb.start();
        String out = new String(proc.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(proc.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new PsqlRun(proc.exitValue(), out);
    }

    @Test
    @Order(7)
    void aLaggingStandbyIsDroppedAndWithoutEligibleStandbysReadsFallBackOrAreRefused() throws Exception {
        s2.client().exec("select pg_wal_replay_pause()");
        try (RunningProxy fallback = RunningProxy.start(CLUSTER, "pb", "--pgha.proxy.read-only.max-lag=1MB",
                "--pgha.proxy.read-only.fallback-to-primary=true")) {
            Connection onS2 = connectUntilPort(proxy.ro(), s2.port());
            p1.client().exec("create table if not exists filler (t text); "
                    + "insert into filler select repeat('x', 1000) from generate_series(1, 3000)");
            // s1 must have replayed the insert before the view is read: on a busy machine it lags for a moment too,
            // and a view taken then makes both standbys ineligible.
            String written = p1.client().value("select pg_current_wal_lsn()::text");
            await().atMost(Duration.ofSeconds(20)).until(() -> "t".equals(s1.client().value(
                    "select pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn")));
            publish(realView());

            // s2 fell behind: its open connection is closed and new reads avoid it.
            await().atMost(Duration.ofSeconds(5)).until(() -> !onS2.isValid(1));
            for (int i = 0; i < 4; i++) {
                assertThat(proxy.ro().value("select inet_server_port()")).isEqualTo(String.valueOf(s1.port()));
            }

            // No eligible standby at all: pa refuses reads, pb (fallback) sends them to the primary.
            publish(realView().report("k2", ClusterViewFixture::stopped));
            await().atMost(Duration.ofSeconds(15)).until(() -> canQuery(fallback.ro()));
            await().atMost(Duration.ofSeconds(5)).until(() -> !canQuery(proxy.ro()));
            assertThat(fallback.ro().value("select inet_server_port()")).isEqualTo(String.valueOf(p1.port()));
            assertThat(fallback.ro().value("select pg_is_in_recovery()")).isEqualTo("f");
            assertThatThrownBy(() -> proxy.ro().value("select 1")).isInstanceOf(SQLException.class);
        } finally {
            s2.client().exec("select pg_wal_replay_resume()");
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            publish(realView());
            return replayLag(s2) == 0;
        });
        Connection back = connectUntilPort(proxy.ro(), s2.port());
        back.close();
    }

    @Test
    @Order(8)
    void twoHundredConcurrentClientsWorkWhileGarbageAndResetsEndOnlyTheirOwnConnection() throws Exception {
        try (Connection bystander = proxy.rw().connect()) {
            ExecutorService pool = Executors.newFixedThreadPool(200);
            AtomicInteger queries = new AtomicInteger();
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                clients.add(pool.submit(() -> {
                    try (Connection c = proxy.rw().connect(); Statement st = c.createStatement()) {
                        for (int q = 0; q < 20; q++) {
                            try (ResultSet rs = st.executeQuery("select count(*) from generate_series(1, 100)")) {
                                rs.next();
                                assertThat(rs.getInt(1)).isEqualTo(100);
                                queries.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            byte[] garbage = new byte[64 * 1024];
            new Random(7).nextBytes(garbage);
            try (Socket g = new Socket()) {
                g.connect(new InetSocketAddress("127.0.0.1", proxy.rwPort()), 2000);
                g.setSoTimeout(10_000);
                g.getOutputStream().write(garbage);
                assertThat(drainUntilClosed(g.getInputStream())).as("garbage client closed by the other end")
                        .isTrue();
            }
            try (Socket reset = new Socket()) {
                reset.connect(new InetSocketAddress("127.0.0.1", proxy.rwPort()), 2000);
                reset.getOutputStream().write(new byte[] {0, 0, 0, 8});
                reset.setSoLinger(true, 0); // close sends RST
            }
            for (Future<?> f : clients) {
                f.get();
            }
            pool.shutdown();
            assertThat(queries.get()).isEqualTo(200 * 20);
            assertThat(query(bystander, "select 42")).isEqualTo("42");
        }
        assertThat(proxy.prometheus()).contains("pgha_proxy_connections_total{cluster=\"" + CLUSTER
                + "\",listener=\"rw\"}").contains("pgha_proxy_bytes_total");
    }

    @Test
    @Order(9)
    void aMasterChangeClosesOldConnectionsAtOnceAndNewOnesLandOnTheNewPrimary() throws Exception {
        Connection old = proxy.rw().connect();
        assertThat(query(old, "select inet_server_port()")).isEqualTo(String.valueOf(p1.port()));

        // Sentinel handshake step 1: nobody named. Old connections closed, new ones refused, generation acked.
        long cleared = ++generation;
        long t0 = System.nanoTime();
        publish(realView().named(null));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> !old.isValid(1));
        long closedMs = (System.nanoTime() - t0) / 1_000_000;
        await().atMost(Duration.ofSeconds(2)).until(() -> proxyInfo("pa").generation() == cleared);
        assertThatThrownBy(() -> proxy.rw().value("select 1")).isInstanceOf(SQLException.class);

        // Step 2: s1 promoted and named.
        s1.promote();
        await().atMost(Duration.ofSeconds(30)).until(() -> "f".equals(s1.client().value("select pg_is_in_recovery()")));
        generation++;
        publish(aView().master("db2", "k2", s1.port(), lsn(s1, "pg_current_wal_lsn()")).generation(generation));
        await().atMost(Duration.ofSeconds(2)).until(() -> canQuery(proxy.rw()));
        assertThat(proxy.rw().value("select inet_server_port()")).isEqualTo(String.valueOf(s1.port()));
        assertThat(proxy.rw().value("select pg_is_in_recovery()")).isEqualTo("f");

        // A direct change (no handshake) also closes the old primary's connections within 1 s.
        Connection onS1 = proxy.rw().connect();
        generation++;
        t0 = System.nanoTime();
        publish(aView().master("db1", "k1", p1.port(), lsn(p1, "pg_current_wal_lsn()")).generation(generation));
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> !onS1.isValid(1));
        long directMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(proxy.rw().value("select inet_server_port()")).isEqualTo(String.valueOf(p1.port()));
        assertThat(proxy.prometheus()).containsPattern("pgha_proxy_backend_switches_total\\{[^}]*\\} [2-9]");
        System.out.printf("measured: old read-write connection closed %d ms after the handshake write, %d ms after"
                + " a direct master change%n", closedMs, directMs);
    }

    @Test
    @Order(10)
    void aShortStoreBlipKeepsConnectionsAndALongOutageFencesUntilTheStoreIsBack() throws Exception {
        try (Connection c = proxy.rw().connect()) {
            ETCD.etcd().freeze();
            try {
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> canConnect(proxy.rwPort()));
            } finally {
                ETCD.etcd().thaw();
            }
            assertThat(query(c, "select 1")).isEqualTo("1");

            ETCD.etcd().freeze();
            long t0 = System.nanoTime();
            try {
                await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(50))
                        .until(() -> !canConnect(proxy.rwPort()));
                long fencedMs = (System.nanoTime() - t0) / 1_000_000;
                assertThat(c.isValid(1)).as("open connection closed by the fence").isFalse();
                assertThat(proxy.readinessStatus()).isEqualTo(503);
                assertThat(proxy.health()).contains("\"status\":\"DOWN\"");
                System.out.printf("measured: listener closed %d ms after the store froze (proxyTimeout 4 s)%n",
                        fencedMs);
            } finally {
                ETCD.etcd().thaw();
            }
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> canQuery(proxy.rw()));
        assertThat(proxy.readinessStatus()).isEqualTo(200);
        assertThat(proxyInfo("pa").listening()).isTrue();
    }

    @Test
    @Order(11)
    void anUnreachableBackendClosesTheClientPromptly() throws Exception {
        ClusterStore other = EtcdClusterStore.connect(List.of(ETCD.endpoint()), StoreKeys.root("pgha", "nobackend"),
                Duration.ofSeconds(2));
        int dead = FreePorts.next();
        ClusterViewFixture v = aView().master("db1", "k1", dead, 0);
        other.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(v.clusterData()));
        try (other; RunningProxy p = RunningProxy.start("nobackend", "pc", "--pgha.proxy.read-write.hold-timeout=0s")) {
            await().atMost(Duration.ofSeconds(15)).until(() -> canConnect(p.rwPort()));
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> p.rw().value("select 1")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("pgha proxy: could not connect to the primary db1@127.0.0.1:" + dead)
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08006");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
        }
    }

    @Test
    @Order(12)
    void shutdownStopsListeningAndClosesConnections() throws Exception {
        RunningProxy p = RunningProxy.start(CLUSTER, "pd", "--pgha.proxy.shutdown-grace=200ms");
        await().atMost(Duration.ofSeconds(15)).until(() -> canQuery(p.rw()));
        try (Connection c = p.rw().connect()) {
            p.close();
            assertThat(c.isValid(1)).isFalse();
            assertThat(canConnect(p.rwPort())).isFalse();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> store.get(StoreKeys.PROXIES + "pd").isEmpty());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    /** The three servers as a sentinel would describe them, with their current WAL positions. */
    private static ClusterViewFixture realView() throws SQLException {
        return aView().master("db1", "k1", p1.port(), lsn(p1, "pg_current_wal_lsn()"))
                .standby("db2", "k2", s1.port(), lsn(s1, "pg_last_wal_replay_lsn()"))
                .standby("db3", "k3", s2.port(), lsn(s2, "pg_last_wal_replay_lsn()"))
                .generation(generation);
    }

    private static void publish(ClusterViewFixture view) {
        for (Map.Entry<String, KeeperInfo> e : view.infos().entrySet()) {
            store.put(StoreKeys.KEEPERS + e.getKey(), JsonCodec.write(e.getValue()));
        }
        for (String k : List.of("k1", "k2", "k3", "k4")) {
            if (!view.infos().containsKey(k)) {
                store.delete(StoreKeys.KEEPERS + k);
            }
        }
        store.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(view.clusterData()));
    }

    private static long lsn(PgServer s, String function) throws SQLException {
        String[] parts = s.client().value("select " + function).split("/");
        return (Long.parseLong(parts[0], 16) << 32) | Long.parseLong(parts[1], 16);
    }

    private static long replayLag(PgServer standby) throws SQLException {
        return lsn(p1, "pg_current_wal_lsn()") - lsn(standby, "pg_last_wal_replay_lsn()");
    }

    private static ProxyInfo proxyInfo(String uid) {
        return store.get(StoreKeys.PROXIES + uid).map(v -> JsonCodec.read(v.value(), ProxyInfo.class, "proxy info"))
                .orElseThrow();
    }

    private static Connection connectUntilPort(PgClient client, int port) throws SQLException {
        List<Connection> others = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Connection c = client.connect();
                if (query(c, "select inet_server_port()").equals(String.valueOf(port))) {
                    return c;
                }
                others.add(c);
            }
        } finally {
            closeAll(others);
        }
        throw new AssertionError("no connection landed on port " + port);
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static boolean canQuery(PgClient client) {
        try {
            return client.value("select 1").equals("1");
        } catch (SQLException e) {
            return false;
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads until EOF (true) or a reset (true) — the other end closed; false on timeout. */
    private static boolean drainUntilClosed(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // PostgreSQL may answer with an error message first
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static void closeAll(List<Connection> connections) {
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException e) {
                // already closed
            }
        }
    }

    /** One proxy-service application context on free ports. */
    record RunningProxy(ConfigurableApplicationContext ctx, int rwPort, int roPort) implements AutoCloseable {
        static RunningProxy start(String cluster, String uid, String... extra) {
            int rw = FreePorts.next();
            int ro = FreePorts.next();
            List<String> args = new ArrayList<>(List.of("--pgha.cluster-name=" + cluster,
                    "--pgha.store.endpoints=" + ETCD.endpoint(), "--pgha.store.timeout=1s", "--server.port=0",
                    "--pgha.proxy.uid=" + uid, "--pgha.proxy.listen-address=127.0.0.1",
                    "--pgha.proxy.port=" + rw, "--pgha.proxy.read-only-port=" + ro));
            args.addAll(List.of(extra));
            return new RunningProxy(new SpringApplicationBuilder(ProxyApplication.class)
                    .run(args.toArray(String[]::new)), rw, ro);
        }

        PgClient rw() {
            return new PgClient(rwPort, "postgres", "");
        }

        PgClient ro() {
            return new PgClient(roPort, "postgres", "");
        }

        String http(String path) throws Exception {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.ofString()).body();
        }

        String health() throws Exception {
            return http("/actuator/health/proxy");
        }

        String prometheus() throws Exception {
            return http("/actuator/prometheus");
        }

        int readinessStatus() throws Exception {
            return HTTP.send(request("/actuator/health/readiness"), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }

        private HttpRequest request(String path) {
            return HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + ctx.getEnvironment().getProperty("local.server.port") + path)).build();
        }

        @Override
        public void close() {
            ctx.close();
        }
    }
}
