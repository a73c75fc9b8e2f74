package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.testing.EtcdExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time recovery with the generic commands (no backup tool): a cluster archives with {@code cp}, a
 * {@code pg_basebackup} tar is its base backup, rows go in before and after a failover; new clusters with
 * {@code initMode=pitr} restored from them hold exactly the rows committed before the target time, or every row
 * (the new timeline's too) when restored to the end of the archive, and their standbys stream from the restored
 * master. A target the archive does not reach leaves the cluster initializing, never an empty initdb.
 */
class PitrE2ETest {
    private static final Logger log = LoggerFactory.getLogger(PitrE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster cluster;
    @TempDir
    Path tmp;

    @AfterEach
    void tearDown() {
        closeCluster();
    }

    private void closeCluster() {
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
            cluster = null;
        }
    }

    @Test
    void aRestoredClusterHoldsTheRowsBeforeTheTargetOrAllOfThemIncludingTheNewTimeline() throws Exception {
        Path archive = ArchiveE2ETest.sharedDirectory(tmp, "archive");
        Path backup = ArchiveE2ETest.sharedDirectory(tmp, "backup");
        cluster = new LocalCluster(ETCD.etcd(), "pitrsource");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"pgParameters\":{\"archive_mode\":\"on\",\"archive_command\":\"test ! -f "
                + archive + "/%f && cp %p " + archive + "/%f\"}}");
        cluster.awaitHealthy(1, SETUP);
        LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
        baseBackup(primary, backup);
        primary.sql().exec("CREATE TABLE t (batch int, id int); INSERT INTO t SELECT 1, generate_series(1, 100)");
        String target = primary.sql().value("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        TimeUnit.MILLISECONDS.sleep(1500);
        primary.sql().exec("INSERT INTO t SELECT 2, generate_series(1, 100)");
        LocalCluster.Keeper standby = cluster.keepers.values().stream().filter(k -> k != primary).findFirst()
                .orElseThrow();
        await("the standby has both batches").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> standby.sql().value("SELECT count(*) FROM t"), "200"::equals);

        String oldMaster = cluster.masterDbUid();
        primary.killNode();
        LocalCluster.Keeper promoted = cluster.awaitNewMaster(oldMaster, Duration.ofSeconds(60));
        LocalCluster.awaitExec(promoted.sql(), "INSERT INTO t SELECT 3, generate_series(1, 100)",
                Duration.ofSeconds(30));
        String last = promoted.sql().value("SELECT pg_walfile_name(pg_switch_wal())");
        await("the new timeline's history and segment " + last + " archived").atMost(Duration.ofSeconds(30))
                .until(() -> Files.exists(archive.resolve(last)) && Files.exists(archive.resolve("00000002.history")));
        closeCluster();

        String restore = "\"dataRestoreCommand\":\"tar -xf " + backup.resolve("base.tar") + " -C %d\","
                + "\"restoreCommand\":\"cp " + archive + "/%f %p\"";
        // To a time between the first two batches: exactly the first.
        cluster = new LocalCluster(ETCD.etcd(), "pitrtime");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"initMode\":\"pitr\",\"pitrConfig\":{" + restore + ",\"recoveryTargetTime\":\""
                + target + "\"}}");
        cluster.awaitHealthy(1, SETUP);
        assertThat(rows(cluster.masterKeeper().orElseThrow())).isEqualTo(List.of("1:100"));
        awaitStandbyRows(cluster, List.of("1:100"));
        closeCluster();

        // To the end of the archive: every batch, the one written after the failover too.
        cluster = new LocalCluster(ETCD.etcd(), "pitrlatest");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"initMode\":\"pitr\",\"pitrConfig\":{" + restore + "}}");
        cluster.awaitHealthy(1, SETUP);
        assertThat(rows(cluster.masterKeeper().orElseThrow())).isEqualTo(List.of("1:100", "2:100", "3:100"));
        awaitStandbyRows(cluster, List.of("1:100", "2:100", "3:100"));
        closeCluster();

        // A target after the end of the archive cannot be reached: the cluster stays initializing, nothing serves.
        cluster = new LocalCluster(ETCD.etcd(), "pitrunreachable");
        cluster.startKeeper("k1");
        cluster.startSentinel("s1", "{\"initMode\":\"pitr\",\"pitrConfig\":{" + restore + ",\"recoveryTargetTime\":"
                + "\"2099-01-01T00:00:00Z\"}}");
        LocalCluster.Keeper only = cluster.keepers.get("k1");
        await("the keeper reports why").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> only.process().logTail(200).contains("point-in-time recovery of db"));
        assertThat(only.process().logTail(400)).contains("recovery ended before configured recovery target was reached");
        await("the keeper publishes why (GET /cluster shows it per keeper)").atMost(Duration.ofSeconds(30))
                .ignoreExceptions().until(() -> cluster.repository.keeperInfos().get("k1").problem(),
                        p -> p != null && p.contains("recovery ended before configured recovery target was reached"));
        ClusterData cd = cluster.clusterData().orElseThrow();
        assertThat(cd.cluster().status().phase()).isEqualTo(io.pgha.model.Cluster.Phase.INITIALIZING);
        assertThat(cd.dbs().values()).allMatch(d -> d.spec().initMode() == DB.InitMode.PITR);
        assertThat(only.process().logTail(2000)).doesNotContain("action=initdb");
    }

    @Test
    void anExistingInitModeWithoutDataToAdoptStaysInitializingAndSaysWhy() {
        // initMode=existing naming a keeper whose data directory is empty: a mistake, never a reason for initdb.
        cluster = new LocalCluster(ETCD.etcd(), "noexisting");
        LocalCluster.Keeper k1 = cluster.startKeeper("k1");
        cluster.startSentinel("s1", "{\"initMode\":\"existing\",\"existingConfig\":{\"keeperUid\":\"k1\"}}");
        await("the keeper publishes why").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> cluster.repository.keeperInfos().get("k1").problem(),
                        p -> p != null && p.contains("no PostgreSQL data"));
        ClusterData cd = cluster.clusterData().orElseThrow();
        assertThat(cd.cluster().status().phase()).isEqualTo(io.pgha.model.Cluster.Phase.INITIALIZING);
        assertThat(cd.dbs().values()).allMatch(d -> d.spec().initMode() == DB.InitMode.EXISTING);
        assertThat(k1.process().logTail(2000)).doesNotContain("action=initdb");
        assertThat(Files.exists(k1.pgData().resolve("PG_VERSION"))).isFalse();
    }

    /** pg_basebackup of the primary as one tar with the WAL it needs, readable by PostgreSQL's OS user. */
    private static void baseBackup(LocalCluster.Keeper primary, Path into) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(BIN.resolve("pg_basebackup").toString(), "-h", primary.host(), "-p",
                Integer.toString(primary.pgPort()), "-U", "postgres", "-D", into.toString(), "-Ft", "-X", "fetch",
                "-c", "fast").redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", LocalCluster.SUPERUSER_PASSWORD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        for (Path f : List.of(into.resolve("base.tar"))) {
            f.toFile().setReadable(true, false);
        }
    }

    /** The restore tests' table {@code t}: "batch:count" per batch. */
    static List<String> rows(LocalCluster.Keeper k) throws Exception {
        return k.sql().column("SELECT batch || ':' || count(*) FROM t GROUP BY batch ORDER BY batch");
    }

    /** A standby of the (restored) cluster has {@code expected} rows and streams from its master. */
    static void awaitStandbyRows(LocalCluster cluster, List<String> expected) {
        LocalCluster.Keeper standby = cluster.keepers.values().stream()
                .filter(k -> k != cluster.masterKeeper().orElseThrow()).findFirst().orElseThrow();
        await("the standby streams the restored rows").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> rows(standby), expected::equals);
        await("the standby streams").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> standby.sql().value("SELECT status FROM pg_stat_wal_receiver"), "streaming"::equals);
    }
}
