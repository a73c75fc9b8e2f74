package io.pgha.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.chart.PodmanPods.Pod;
import io.pgha.testing.AcknowledgedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chart's pods on the real images ({@code scripts/images.sh build}), run by {@link PodmanPods} exactly as
 * rendered: one etcd, three keepers, two sentinels, two proxies and the admin API. Then the failover drill: a row
 * through the read-write proxy, read back through the read-only port; the primary's keeper container killed (its
 * PostgreSQL with it) → the same proxy address serves the row from a new primary; the old container started again
 * → it rejoins as a standby. Then chaos: random container kills (keepers, sentinels, proxies; never etcd) every
 * 10–20 s under a writer, and every acknowledged write is on the final primary.
 *
 * <p>Run by {@code scripts/images.sh test} (it builds the images and sets {@code -Dpgha.images.test=true});
 * {@code -Dpgha.images.chaos.minutes} (default 3) and {@code -Dpgha.images.chaos.seed} replay a run. Container
 * logs: {@code target/images-drill-logs/}.
 */
@EnabledIfSystemProperty(named = "pgha.images.test", matches = "true")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImagesDrillTest {
    private static final Logger log = LoggerFactory.getLogger(ImagesDrillTest.class);
    private static final String PREFIX = Chart.RELEASE + "-pgha-";
    private static final Path LOGS = Path.of("target", "images-drill-logs");
    private static Chart.Rendered rendered;
    private static PodmanPods pods;
    private static String password;

    @BeforeAll
    static void startTheChartsPods() throws Exception {
        String tag = System.getProperty("pgha.images.etcd-tag", "test");
        rendered = Chart.rendered(null, "image.registry=localhost/pgha",
                // The chart's etcd StatefulSet and command line, on an image with Debian's etcd (no registry here);
                // one member: etcd is not under test.
                "etcd.image.repository=localhost/pgha-test/etcd", "etcd.image.tag=" + tag, "etcd.replicas=1");
        password = PodmanPods.secretData(rendered, PREFIX + "keeper").get("superuser-password");
        Path work = Files.createTempDirectory("pgha-images-drill-");
        pods = PodmanPods.create(rendered, "pgha-drill", "10.89.7", work);
        log.info("drill: pods {}", pods.pods().stream().map(p -> p.name() + "@" + p.ip()).toList());
        log.info("drill: a keeper runs as: podman {}", String.join(" ", pods.runCommand(PREFIX + "keeper-0")));
        long t0 = System.nanoTime();
        pods.start(PREFIX + "etcd-0");
        pods.pods().stream().filter(p -> !p.component().equals("etcd")).forEach(p -> pods.start(p.name()));
        awaitAllReady("after the first start", Duration.ofSeconds(300));
        log.info("drill: all {} pods ready {} ms after their start", pods.pods().size(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        if (pods != null) {
            pods.saveLogs(LOGS);
            pods.close();
        }
    }

    @Test
    @Order(1)
    void theAdminApiAnswersWithTheTokensTheChartMountedAsFiles() throws Exception {
        Map<String, String> tokens = PodmanPods.secretData(rendered, PREFIX + "admin");
        Pod admin = pods.component("admin").get(0);
        String url = "http://" + admin.ip() + ":" + admin.port("http") + "/api/v1/cluster";
        HttpClient http = HttpClient.newHttpClient();
        // The keepers by their pod names, made slot-safe ("demo_pgha_keeper_0"); one of them the primary.
        await("the cluster view with the viewer token").atMost(Duration.ofSeconds(120)).until(() -> {
            String body = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer "
                    + tokens.get("viewer-token")).build(), HttpResponse.BodyHandlers.ofString()).body();
            return body.contains("\"primary\"") && body.contains("\"demo_pgha_keeper_0\"")
                    && body.contains("\"demo_pgha_keeper_2\"");
        });
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).as("no token (admin.anonymousRead false)").isEqualTo(401);
    }

    @Test
    @Order(2)
    void failoverDrillTheRowSurvivesTheKilledPrimaryAndTheOldPrimaryRejoinsAsAStandby() throws Exception {
        Pod proxy = pods.component("proxy").get(0);
        Pod reader = pods.component("proxy").get(1);
        await("the row written through the read-write proxy").atMost(Duration.ofSeconds(120)).ignoreExceptions()
                .until(() -> {
                    try (Connection c = connect(proxy.ip(), proxy.port("read-write"))) {
                        c.createStatement().execute("CREATE TABLE IF NOT EXISTS drill (id int PRIMARY KEY, note text)");
                        c.createStatement().execute("INSERT INTO drill VALUES (1, 'before the failover') "
                                + "ON CONFLICT DO NOTHING");
                    }
                    return true;
                });
        await("the row read through the read-only port, from a standby").atMost(Duration.ofSeconds(60))
                .ignoreExceptions().until(() -> {
                    try (Connection c = connect(reader.ip(), reader.port("read-only"))) {
                        return "before the failover|true".equals(one(c, "SELECT note || '|' || pg_is_in_recovery() "
                                + "FROM drill WHERE id = 1"));
                    }
                });
        Pod primary = serverBehind(proxy);
        log.info("drill: primary {} at {}; killing its container", primary.name(), primary.ip());

        long killedAt = System.nanoTime();
        pods.kill(primary.name());
        await("the same row from a new primary through the same proxy address").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
                    try (Connection c = connect(proxy.ip(), proxy.port("read-write"))) {
                        c.createStatement().execute("INSERT INTO drill VALUES (2, 'after the failover') "
                                + "ON CONFLICT DO NOTHING");
                        return "before the failover".equals(one(c, "SELECT note FROM drill WHERE id = 1"));
                    }
                });
        long failoverMs = (System.nanoTime() - killedAt) / 1_000_000;
        Pod newPrimary = serverBehind(proxy);
        log.info("drill summary: failover from {} to {}: the proxy served a write {} ms after the kill",
                primary.name(), newPrimary.name(), failoverMs);
        assertThat(newPrimary.name()).isNotEqualTo(primary.name());

        long startedAt = System.nanoTime();
        pods.start(primary.name());
        await("the old primary back as a standby with the new row").atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                    try (Connection c = connect(primary.ip(), primary.port("postgres"))) {
                        return "after the failover|true".equals(one(c, "SELECT note || '|' || pg_is_in_recovery() "
                                + "FROM drill WHERE id = 2"));
                    }
                });
        await("the old primary streaming from the new one").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> {
                    try (Connection c = connect(newPrimary.ip(), newPrimary.port("postgres"))) {
                        return one(c, "SELECT string_agg(client_addr::text, ',') FROM pg_stat_replication "
                                + "WHERE state = 'streaming'").contains(primary.ip());
                    }
                });
        log.info("drill summary: {} rejoined as a standby {} ms after its container was started", primary.name(),
                (System.nanoTime() - startedAt) / 1_000_000);
    }

    @Test
    @Order(3)
    void randomContainerKillsUnderAWriterLoseNoAcknowledgedWrite() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("pgha.images.chaos.minutes", "3"));
        long seed = Long.getLong("pgha.images.chaos.seed", System.currentTimeMillis());
        log.info("chaos: minutes={} seed={} (replay with -Dpgha.images.chaos.seed={})", minutes, seed, seed);
        List<Pod> proxies = pods.component("proxy");
        await("the writers' table").atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
            try (Connection c = connect(proxies.get(0).ip(), proxies.get(0).port("read-write"))) {
                c.createStatement().execute(Writer.CREATE_TABLE);
            }
            return true;
        });
        Writer writer = new Writer(proxies);
        Thread thread = new Thread(writer, "writer");
        thread.start();
        await("writes").atMost(Duration.ofSeconds(60)).until(() -> writer.acks.size() > 20);

        List<Pod> targets = pods.pods().stream().filter(p -> List.of("keeper", "sentinel", "proxy")
                .contains(p.component())).toList();
        Random random = new Random(seed);
        Map<String, Integer> kills = new TreeMap<>();
        long end = System.nanoTime() + (long) (minutes * 60e9);
        int strikes = 0;
        while (System.nanoTime() < end) {
            // Every third kill is the primary's keeper (when a proxy names it), so that each run fails over under
            // the writer; the others are random.
            Pod victim = ++strikes % 3 == 0 ? primaryNow(proxies).orElse(null) : null;
            if (victim == null) {
                victim = targets.get(random.nextInt(targets.size()));
            }
            long intervalMs = 10_000 + random.nextInt(10_001);
            // As a kubelet would, the container starts again soon after it died (here after 1–5 s).
            long downMs = 1000 + random.nextInt(4001);
            log.info("nemesis: kill {} for {} ms, next kill in {} ms", victim.name(), downMs, intervalMs);
            kills.merge(victim.component(), 1, Integer::sum);
            pods.kill(victim.name());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(downMs));
            pods.start(victim.name());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(intervalMs - downMs));
        }
        long healedAt = System.nanoTime();
        for (Pod p : pods.pods()) {
            if (!pods.running(p.name())) {
                log.warn("chaos: {} had exited by itself; starting it, as a kubelet would", p.name());
                pods.start(p.name());
            }
        }
        awaitAllReady("after the nemesis", Duration.ofSeconds(240));
        long readyMs = (System.nanoTime() - healedAt) / 1_000_000;
        int before = writer.acks.size();
        await("writes after the nemesis").atMost(Duration.ofSeconds(60)).until(() -> writer.acks.size() > before + 10);
        writer.stop();
        thread.join(30_000);

        Pod primary = serverBehind(proxies.get(0));
        Set<Long> stored = new HashSet<>();
        try (Connection c = connect(primary.ip(), primary.port("postgres")); ResultSet rs = c.createStatement()
                .executeQuery("SELECT id FROM chaos")) {
            while (rs.next()) {
                stored.add(rs.getLong(1));
            }
        }
        List<Ack> acked;
        synchronized (writer.acks) {
            acked = new ArrayList<>(writer.acks);
        }
        List<Long> lost = acked.stream().map(Ack::id).filter(id -> !stored.contains(id)).toList();
        long primaries = acked.stream().map(Ack::server).distinct().count();
        log.info("chaos summary: minutes={} seed={} kills={} acknowledged={} rowsOnFinalPrimary={} writeErrors={} "
                        + "primariesWritten={} longestWriteGapMs={} allReadyAfterNemesisMs={} lost={}",
                minutes, seed, kills, acked.size(), stored.size(), writer.errors.get(), primaries,
                longestGapMs(acked), readyMs, lost.size());
        assertThat(acked).as("acknowledged writes").hasSizeGreaterThan(100);
        assertThat(lost).as("acknowledged ids missing on the final primary " + primary.name()).isEmpty();
    }

    /** Every pod's readiness probe answers within {@code within}; else a failure naming those that did not. */
    private static void awaitAllReady(String when, Duration within) {
        try {
            await("every pod ready " + when).atMost(within).pollInterval(Duration.ofSeconds(1))
                    .until(() -> pods.pods().stream().allMatch(p -> pods.ready(p.name())));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("not ready " + when + " within " + within + ": " + pods.pods().stream()
                    .filter(p -> !pods.ready(p.name())).map(p -> p.name() + (pods.running(p.name()) ? ""
                            : " (exited)")).toList() + "; their logs: " + LOGS.toAbsolutePath(), e);
        }
    }

    /** The keeper pod behind the first proxy that answers now, if any does. */
    private static Optional<Pod> primaryNow(List<Pod> proxies) {
        for (Pod proxy : proxies) {
            try (Connection c = connect(proxy.ip(), proxy.port("read-write"))) {
                Optional<Pod> p = pods.byIp(one(c, "SELECT host(inet_server_addr())"));
                if (p.isPresent()) {
                    return p;
                }
            } catch (SQLException e) {
                // this proxy is down or has no primary now: ask the next
            }
        }
        return Optional.empty();
    }

    /** The keeper pod whose PostgreSQL answers behind the proxy's read-write port. */
    private static Pod serverBehind(Pod proxy) {
        String[] ip = new String[1];
        await("a primary behind " + proxy.name()).atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            try (Connection c = connect(proxy.ip(), proxy.port("read-write"))) {
                ip[0] = one(c, "SELECT host(inet_server_addr())");
                return ip[0] != null;
            }
        });
        return pods.byIp(ip[0]).orElseThrow(() -> new AssertionError("no pod at " + ip[0]));
    }

    private static Connection connect(String host, int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port
                + "/postgres?connectTimeout=2&socketTimeout=10", "postgres", password);
    }

    private static String one(Connection c, String sql) throws SQLException {
        try (ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long longestGapMs(List<Ack> acks) {
        List<Instant> times = acks.stream().map(Ack::at).sorted().toList();
        long longest = 0;
        for (int i = 1; i < times.size(); i++) {
            longest = Math.max(longest, Duration.between(times.get(i - 1), times.get(i)).toMillis());
        }
        return longest;
    }

    /** An acknowledged insert: its id, the server that committed it, and when. */
    record Ack(long id, String server, Instant at) {
    }

    /**
     * Inserts increasing ids through the proxies' read-write ports, one statement per transaction; on any error it
     * moves to the next proxy (as a client of the chart's proxy Service would reach another pod).
     */
    static final class Writer extends AcknowledgedWriter {
        static final String CREATE_TABLE = "CREATE TABLE IF NOT EXISTS chaos (id bigint PRIMARY KEY, "
                + "at timestamptz NOT NULL DEFAULT clock_timestamp())";
        final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
        private final List<Pod> proxies;
        private final AtomicLong ids = new AtomicLong();

        Writer(List<Pod> proxies) {
            super(Duration.ofMillis(10));
            this.proxies = proxies;
        }

        @Override
        protected Connection connect(int attempt) throws SQLException {
            Pod p = proxies.get(attempt % proxies.size());
            return ImagesDrillTest.connect(p.ip(), p.port("read-write"));
        }

        @Override
        protected void writeOne(Connection c) throws SQLException {
            long id = ids.incrementAndGet();
            try (PreparedStatement st = c.prepareStatement("INSERT INTO chaos (id) VALUES (?) "
                    + "RETURNING host(inet_server_addr())")) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    acks.add(new Ack(id, rs.getString(1), Instant.now()));
                }
            }
        }
    }
}
