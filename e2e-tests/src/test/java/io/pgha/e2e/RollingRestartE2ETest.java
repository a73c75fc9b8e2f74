package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.KeeperInfo;
import io.pgha.testing.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pghactl restart --pending} after a {@code max_connections} change, with a writer through the proxy: the
 * standbys restart first, one at a time, the primary last by exactly one switchover; every instance runs the new
 * value; the writer loses no acknowledged row and sees at most one write gap, the switchover's. Then a reload, and
 * {@code automaticPgRestart}: the sentinel's own rolling restart, in the same order; and lowering
 * {@code max_connections}, which restarts the primary first, in place.
 */
class RollingRestartE2ETest {
    private static final Logger log = LoggerFactory.getLogger(RollingRestartE2ETest.class);
    private static final String TOKEN = "e2e-restart-operator";
    /** A pause in acknowledged writes longer than this is a write gap. */
    private static final Duration GAP = Duration.ofMillis(1500);
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster cluster;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
        }
    }

    @Test
    void aPendingParameterRestartsStandbysFirstAndThePrimaryLastByOneSwitchoverLosingNoWrite() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "restart");
        for (String k : List.of("k1", "k2", "k3")) {
            cluster.startKeeper(k);
        }
        // Asynchronous: a standby's restart does not hold up commits, so the only write gap is the switchover's.
        cluster.startSentinel("s1", "{\"synchronousReplication\":false}");
        LocalCluster.Proxy proxy = cluster.startProxy("p1");
        LocalCluster.Admin admin = cluster.startAdmin(TOKEN);
        Path tokenFile = Files.createTempFile("pghactl-token-", "");
        Files.writeString(tokenFile, TOKEN + "\n");
        Pghactl pghactl = new Pghactl(admin.url(), tokenFile);
        cluster.awaitHealthy(2, Duration.ofSeconds(240));
        String primary = cluster.masterKeeper().orElseThrow().uid();
        int historyBefore = cluster.repository.history().orElseThrow().value().entries().size();
        Map<String, Instant> startedBefore = postmasterStarts();

        await("the table created through the proxy").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> {
                    proxy.sql().exec(ChaosTest.Writer.CREATE_TABLE);
                    return true;
                });
        AtomicLong ids = new AtomicLong();
        List<ChaosTest.Ack> acks = Collections.synchronizedList(new ArrayList<>());
        ChaosTest.Writer writer = new ChaosTest.Writer(0, List.of(proxy), ids, acks);
        Thread thread = new Thread(writer, "writer");
        thread.start();
        await("writes through the proxy").atMost(Duration.ofSeconds(30)).until(() -> acks.size() > 20);

        Pghactl.Result patched = pghactl.run("spec", "patch", "{\"pgParameters\":{\"max_connections\":\"150\"}}");
        assertThat(patched.exit()).as(patched.out()).isZero();
        assertThat(patched.out()).contains("max_connections");
        await("every keeper reports max_connections waiting for a restart").atMost(Duration.ofSeconds(60))
                .until(() -> cluster.keepers.keySet().stream().allMatch(this::needsRestart));
        assertThat(postmasterStarts()).as("nobody restarts on its own").isEqualTo(startedBefore);

        Instant restartAsked = Instant.now();
        Pghactl.Result restarted = pghactl.run("restart", "--pending", "--yes", "--timeout", "5m");
        Instant restartDone = Instant.now();
        assertThat(restarted.exit()).as(restarted.out()).isZero();
        assertThat(restarted.out()).contains("restart done: restarted");
        await("a few writes on the new primary").atMost(Duration.ofSeconds(30)).until(() -> {
            synchronized (acks) {
                return acks.stream().filter(a -> a.at().isAfter(restartDone)).count() > 20;
            }
        });
        writer.stop();
        thread.join(30_000);

        Cluster.Operation op = cluster.clusterData().orElseThrow().cluster().status().operation();
        assertThat(op.type()).isEqualTo(Cluster.Operation.Type.RESTART);
        assertThat(op.state()).isEqualTo(Cluster.Operation.State.DONE);
        List<String> order = op.progress().done();
        assertThat(order).as("every keeper restarted, the primary last").hasSize(3).last().isEqualTo(primary);

        Map<String, Instant> startedAfter = postmasterStarts();
        for (String k : cluster.keepers.keySet()) {
            assertThat(startedAfter.get(k)).as(k + " restarted").isAfter(startedBefore.get(k));
            assertThat(cluster.keepers.get(k).sql().value("SHOW max_connections")).as(k).isEqualTo("150");
        }
        await("nothing pending anywhere, the new primary included").atMost(Duration.ofSeconds(15))
                .until(() -> cluster.keepers.keySet().stream().noneMatch(this::needsRestart));
        List<String> standbys = order.subList(0, 2);
        assertThat(startedAfter.get(standbys.get(0))).as("one standby at a time")
                .isBefore(startedAfter.get(standbys.get(1)));
        assertThat(startedAfter.get(standbys.get(1))).as("the primary last").isBefore(startedAfter.get(primary));

        List<ClusterHistory.Entry> history = cluster.repository.history().orElseThrow().value().entries();
        List<ClusterHistory.Entry> changes = history.subList(historyBefore, history.size());
        assertThat(changes).as("one master change").hasSize(1);
        assertThat(changes.get(0).reason()).isEqualTo(ClusterHistory.Reason.SWITCHOVER);
        assertThat(changes.get(0).fromKeeperUid()).isEqualTo(primary);
        String newPrimary = cluster.masterKeeper().orElseThrow().uid();
        assertThat(newPrimary).isNotEqualTo(primary).isEqualTo(changes.get(0).toKeeperUid());

        List<ChaosTest.Ack> acked;
        synchronized (acks) {
            acked = new ArrayList<>(acks);
        }
        List<Long> lost = ChaosTest.lost(acked, ChaosTest.storedRows(cluster.masterKeeper().orElseThrow()));
        List<String> gaps = ChaosTest.writeGaps(acked, restartDone, GAP);
        long longest = longestGapMillis(acked);
        log.info("measured: rolling restart of 3 instances {} ms (pghactl restart), order {}, acknowledged {} rows,"
                        + " lost {}, write gaps over {} ms: {}, longest {} ms", Duration.between(restartAsked,
                        restartDone).toMillis(), order, acked.size(), lost.size(), GAP.toMillis(), gaps, longest);
        assertThat(lost).as("acknowledged rows missing on the new primary").isEmpty();
        assertThat(gaps).as("at most one write gap: the switchover's").hasSizeLessThanOrEqualTo(1);
        assertThat(longest).as("the switchover's write gap, ms").isLessThan(15_000);

        // A reload reaches every keeper and is done.
        Pghactl.Result reloaded = pghactl.run("reload");
        assertThat(reloaded.exit()).as(reloaded.out()).isZero();
        assertThat(reloaded.out()).contains("reload done: reloaded k1, k2, k3");

        // pghactl dsn: a connection string through the proxy that psql reaches the primary with.
        Pghactl.Result dsn = pghactl.run("dsn", "--user", "postgres");
        assertThat(dsn.exit()).as(dsn.out()).isZero();
        assertThat(dsn.out().strip()).isEqualTo("host=" + proxy.host() + " port=" + proxy.port()
                + " dbname=postgres user=postgres target_session_attrs=read-write");
        ProcessBuilder psql = new ProcessBuilder("psql", dsn.out().strip(), "-Atc", "SELECT pg_is_in_recovery()");
        psql.environment().put("PGPASSWORD", LocalCluster.SUPERUSER_PASSWORD);
        Process run = psql.redirectErrorStream(true).start();
        String answer = new String(run.getInputStream().readAllBytes()).strip();
        assertThat(run.waitFor()).as(answer).isZero();
        assertThat(answer).as("psql through the dsn reaches the primary").isEqualTo("f");

        // automaticPgRestart: the sentinel runs the same rolling restart on its own, the primary last.
        String primaryNow = cluster.masterKeeper().orElseThrow().uid();
        Pghactl.Result automatic = pghactl.run("spec", "patch", "{\"automaticPgRestart\":true,"
                + "\"pgParameters\":{\"max_connections\":\"160\"}}");
        assertThat(automatic.exit()).as(automatic.out()).isZero();
        Cluster.Operation auto = awaitAutomaticRestartWith("160", op.id());
        log.info("automatic restart: {}", auto);
        // Every standby restarted before the primary (a standby the sentinel rebuilt meanwhile, e.g. an old primary
        // it judged forked, starts with the new value from its base backup and needs no restart).
        assertThat(auto.progress().done()).last().isEqualTo(primaryNow);
        List<ClusterHistory.Entry> all = cluster.repository.history().orElseThrow().value().entries();
        assertThat(all.subList(historyBefore + 1, all.size())).as("one more switchover").hasSize(1)
                .allMatch(e -> e.reason() == ClusterHistory.Reason.SWITCHOVER && e.fromKeeperUid().equals(primaryNow));

        // Lowering max_connections: a standby cannot start with less than its primary runs with, so the primary
        // restarts first, in place, and every standby still comes back.
        String primaryThen = cluster.masterKeeper().orElseThrow().uid();
        assertThat(pghactl.run("spec", "patch", "{\"pgParameters\":{\"max_connections\":\"120\"}}").exit()).isZero();
        Cluster.Operation lowered = awaitAutomaticRestartWith("120", auto.id());
        log.info("lowering restart: {}", lowered);
        assertThat(lowered.progress().done()).first().isEqualTo(primaryThen);
        assertThat(cluster.masterKeeper().orElseThrow().uid()).as("restarted in place").isEqualTo(primaryThen);
        cluster.awaitHealthy(2, Duration.ofSeconds(60));
    }

    /** Every instance runs {@code max_connections} {@code value} and an automatic restart after {@code previousOp} is done. */
    private Cluster.Operation awaitAutomaticRestartWith(String value, String previousOp) {
        await("every instance restarted with max_connections " + value).atMost(Duration.ofSeconds(120))
                .ignoreExceptions().until(() -> {
                    for (LocalCluster.Keeper k : cluster.keepers.values()) {
                        if (!k.sql().value("SHOW max_connections").equals(value)) {
                            return false;
                        }
                    }
                    Cluster.Operation o = cluster.clusterData().orElseThrow().cluster().status().operation();
                    return o.type() == Cluster.Operation.Type.RESTART && o.state() == Cluster.Operation.State.DONE
                            && !o.id().equals(previousOp);
                });
        Cluster.Operation o = cluster.clusterData().orElseThrow().cluster().status().operation();
        assertThat(o.progress().automatic()).as("started by the sentinel").isTrue();
        return o;
    }

    private boolean needsRestart(String keeper) {
        KeeperInfo info = cluster.repository.keeperInfos().get(keeper);
        return info != null && info.postgres() != null && info.postgres().needsRestart();
    }

    private Map<String, Instant> postmasterStarts() throws Exception {
        Map<String, Instant> out = new HashMap<>();
        for (LocalCluster.Keeper k : cluster.keepers.values()) {
            out.put(k.uid(), Instant.parse(k.sql().value("SELECT to_char(pg_postmaster_start_time() AT TIME ZONE"
                    + " 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")));
        }
        return out;
    }

    private static long longestGapMillis(List<ChaosTest.Ack> acks) {
        List<Instant> times = acks.stream().map(ChaosTest.Ack::at).sorted().toList();
        long longest = 0;
        for (int i = 1; i < times.size(); i++) {
            longest = Math.max(longest, Duration.between(times.get(i - 1), times.get(i)).toMillis());
        }
        return longest;
    }
}
