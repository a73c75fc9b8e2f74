package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.testing.EtcdExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * pghactl (the built jar, as a process) against a real cluster: status shows the real primary; a switchover to a
 * named keeper moves it; a failover to a priority-0 keeper is refused with the API's detail (exit 1); a scheduled
 * switchover is cancelled and the primary stays; an invalid spec patch names the field; an unreachable API exits
 * 3.
 */
class PghactlE2ETest {
    private static final Logger log = LoggerFactory.getLogger(PghactlE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final String TOKEN = "e2e-cli-operator";
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster cluster;
    private LocalCluster.Admin admin;
    private Path tokenFile;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
        }
    }

    private Pghactl.Result pghactl(String... args) throws IOException, InterruptedException {
        return pghactlAt(admin.url(), args);
    }

    private Pghactl.Result pghactlAt(String url, String... args) throws IOException, InterruptedException {
        return new Pghactl(url, tokenFile).run(args);
    }

    @Test
    void statusSwitchoverRefusalsCancelAndExitCodes() throws Exception {
        cluster = new LocalCluster(ETCD.etcd(), "cli");
        for (String k : List.of("k1", "k2", "k3")) {
            cluster.startKeeper(k);
        }
        cluster.startSentinel("s1", "{\"synchronousReplication\":false}");
        cluster.startProxy("p1");
        admin = cluster.startAdmin(TOKEN);
        tokenFile = Files.createTempFile("pghactl-token-", "");
        Files.writeString(tokenFile, TOKEN + "\n");
        cluster.awaitHealthy(2, SETUP);

        String primary = cluster.masterKeeper().orElseThrow().uid();
        Pghactl.Result status = pghactl("status");
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains("phase normal", "primary " + primary + " (");
        assertThat(status.out()).containsPattern("(?m)^" + primary + " +primary +running");

        // Switchover to a named standby moves the primary there.
        String target = cluster.keepers.keySet().stream().filter(k -> !k.equals(primary)).sorted().toList().get(1);
        Pghactl.Result switched = pghactl("switchover", "--candidate", target, "--yes");
        assertThat(switched.exit()).as(switched.out()).isZero();
        assertThat(switched.out()).contains("switchover done: the primary is " + target);
        assertThat(cluster.masterKeeper().orElseThrow().uid()).isEqualTo(target);

        // A priority-0 keeper is never elected: the API's 412 and its detail, exit 1.
        String zero = cluster.keepers.keySet().stream().filter(k -> !k.equals(target)).sorted().findFirst()
                .orElseThrow();
        assertThat(pghactl("keepers", "set", zero, "--priority", "0").exit()).isZero();
        Pghactl.Result refused = pghactl("failover", "--candidate", zero, "--yes");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.out()).contains("error: 412", "priority");
        assertThat(cluster.masterKeeper().orElseThrow().uid()).isEqualTo(target);

        // A scheduled switchover withdrawn before its time: nothing changes.
        String other = cluster.keepers.keySet().stream().filter(k -> !k.equals(target) && !k.equals(zero))
                .findFirst().orElseThrow();
        Instant later = Instant.now().plusSeconds(3600);
        Pghactl.Result scheduled = pghactl("switchover", "--candidate", other, "--at", later.toString(), "--yes");
        assertThat(scheduled.exit()).as(scheduled.out()).isZero();
        assertThat(scheduled.out()).contains("scheduled at");
        assertThat(pghactl("status").out()).contains("Operation switchover pending");
        Pghactl.Result cancelled = pghactl("switchover", "--cancel");
        assertThat(cancelled.exit()).as(cancelled.out()).isZero();
        assertThat(pghactl("switchover", "--cancel").exit()).as("none left to cancel").isEqualTo(1);
        await("the cancelled switchover stays cancelled").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> cluster.masterKeeper().orElseThrow().uid().equals(target));

        // An invalid spec names the field; the spec is unchanged.
        Pghactl.Result banana = pghactl("spec", "patch", "{\"maxStandbyLag\":\"banana\"}");
        assertThat(banana.exit()).isEqualTo(1);
        assertThat(banana.out()).contains("maxStandbyLag");
        assertThat(pghactl("spec", "show").out()).containsPattern("\"maxStandbyLag\"\\s*:\\s*1048576");

        assertThat(pghactl("history").out()).contains("switchover", primary, target);
        assertThat(pghactlAt("http://127.0.0.1:1", "status").exit()).isEqualTo(3);
    }
}
