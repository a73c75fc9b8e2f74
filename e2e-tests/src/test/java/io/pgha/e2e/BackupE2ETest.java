package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.JsonCodec;
import io.pgha.testing.EtcdExtension;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Built-in pgBackRest backups against a real 3-keeper cluster and a repository on local disk: a full backup and an
 * incremental through the API (one at a time), a failover in the middle of a full backup (the next backup
 * succeeds, {@code pgbackrest check} passes, every WAL segment from the first backup to the new primary's current
 * one is in the archive), then new clusters restored from that repository: to a time between two batches of rows
 * (exactly the rows before it) and to the end of the archive (every row, the new timeline's too), with standbys
 * streaming from the restored master.
 */
class BackupE2ETest {
    private static final Logger log = LoggerFactory.getLogger(BackupE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final String TOKEN = "e2e-operator-token";
    private static final long SEGMENT = 16L * 1024 * 1024;
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
    void backupsSurviveAFailoverAndRestoreToATimeOrToTheEnd() throws Exception {
        Path repo = ArchiveE2ETest.sharedDirectory(tmp, "repo");
        String options = "{\"repo1-path\":\"" + repo + "\",\"repo1-retention-full\":\"4\"}";
        cluster = new LocalCluster(ETCD.etcd(), "bk");
        for (String k : List.of("k1", "k2", "k3")) {
            cluster.startKeeper(k);
        }
        cluster.startSentinel("s1", "{\"backup\":{\"tool\":\"pgbackrest\",\"options\":" + options + "}}");
        LocalCluster.Admin admin = cluster.startAdmin(TOKEN);
        cluster.awaitHealthy(2, SETUP);
        LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
        await("the primary's keeper created the stanza").atMost(Duration.ofSeconds(60)).until(() ->
                json(admin.call("GET", "/api/v1/backups", null)).path("catalogAt").isString());
        await("archive_command is pgBackRest's").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                primary.sql().value("SHOW archive_command").contains("archive-push"));
        // Enough data that a full backup takes a few seconds: long enough to lose its node in the middle of it.
        primary.sql().exec("CREATE TABLE filler AS SELECT i, md5(i::text) || md5((i + 1)::text) AS pad"
                + " FROM generate_series(1, 1500000) i");

        HttpResponse<String> full = admin.call("POST", "/api/v1/backups?timeout=300s", "{\"type\":\"full\"}");
        assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
        JsonNode fullRun = json(full).path("backup");
        assertThat(fullRun.path("outcome").asString()).isEqualTo("succeeded");
        assertThat(fullRun.path("label").asString()).endsWith("F");
        assertThat(fullRun.path("keeperUid").asString()).isEqualTo(primary.uid());

        primary.sql().exec("CREATE TABLE t (batch int, id int); INSERT INTO t SELECT 1, generate_series(1, 100)");
        HttpResponse<String> incr = admin.call("POST", "/api/v1/backups?timeout=0s", "{\"type\":\"incr\"}");
        assertThat(incr.statusCode()).as(incr.body()).isEqualTo(202);
        String incrId = json(incr).path("backup").path("id").asString();
        // One backup at a time: a second request while the first is requested or running is refused.
        HttpResponse<String> second = admin.call("POST", "/api/v1/backups", "{\"type\":\"full\"}");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
        assertThat(second.body()).contains(incrId).contains("one backup runs at a time");
        JsonNode incrRun = awaitLast(admin, incrId, Duration.ofSeconds(120));
        assertThat(incrRun.path("outcome").asString()).isEqualTo("succeeded");
        assertThat(incrRun.path("label").asString()).endsWith("I");
        HttpResponse<String> badType = admin.call("POST", "/api/v1/backups", "{\"type\":\"differential\"}");
        assertThat(badType.statusCode()).isEqualTo(400);
        assertThat(badType.body()).contains("\"type\"");

        String target = primary.sql().value("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC',"
                + " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')");
        TimeUnit.MILLISECONDS.sleep(1500);
        primary.sql().exec("INSERT INTO t SELECT 2, generate_series(1, 100)");
        String firstWal = json(admin.call("GET", "/api/v1/backups", null)).path("catalog").get(0).path("walStart")
                .asString();

        // A failover in the middle of a full backup: the node is lost with its pgBackRest.
        HttpResponse<String> interrupted = admin.call("POST", "/api/v1/backups?timeout=0s", "{\"type\":\"full\"}");
        assertThat(interrupted.statusCode()).as(interrupted.body()).isEqualTo(202);
        String interruptedId = json(interrupted).path("backup").path("id").asString();
        await("the full backup runs").atMost(Duration.ofSeconds(30)).until(() ->
                json(admin.call("GET", "/api/v1/backups", null)).path("current").path("startedAt").isString());
        TimeUnit.MILLISECONDS.sleep(1000);
        assertThat(json(admin.call("GET", "/api/v1/backups", null)).path("current").path("id").asString())
                .as("still running when the node is lost").isEqualTo(interruptedId);
        String oldMaster = cluster.masterDbUid();
        primary.killNode();
        LocalCluster.Keeper promoted = cluster.awaitNewMaster(oldMaster, Duration.ofSeconds(60));
        JsonNode cut = awaitLast(admin, interruptedId, Duration.ofSeconds(60));
        assertThat(cut.path("outcome").asString()).isEqualTo("interrupted");
        assertThat(cut.path("error").asString()).contains(primary.uid());
        LocalCluster.awaitExec(promoted.sql(), "INSERT INTO t SELECT 3, generate_series(1, 100)",
                Duration.ofSeconds(30));

        HttpResponse<String> after = admin.call("POST", "/api/v1/backups?timeout=300s", "{\"type\":\"incr\"}");
        assertThat(after.statusCode()).as("the next backup after the failover: " + after.body()).isEqualTo(200);
        assertThat(json(after).path("backup").path("keeperUid").asString()).isEqualTo(promoted.uid());
        assertThat(pgBackRest(promoted, "check").exitCode()).isZero();
        assertEverySegmentArchived(promoted, firstWal);
        JsonNode view = json(admin.call("GET", "/api/v1/cluster", null)).path("backup");
        assertThat(view.path("lastSuccess").path("full").isString()).as(view.toString()).isTrue();
        assertThat(view.path("lastSuccess").path("incr").isString()).isTrue();
        assertThat(admin.metric(promoted, "pgha_backup_last_success", "type=\"incr\"")).isPositive();

        // A schedule: every minute an incremental, taken by the primary's keeper by itself.
        HttpResponse<String> scheduled = admin.call("PATCH", "/api/v1/cluster/spec",
                "{\"backup\":{\"schedule\":{\"incr\":\"* * * * *\"}}}");
        assertThat(scheduled.statusCode()).as(scheduled.body()).isEqualTo(200);
        JsonNode byCron = await("a scheduled backup").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> json(admin.call("GET", "/api/v1/backups", null)).path("last"),
                        last -> "schedule".equals(last.path("trigger").asString()));
        assertThat(byCron.path("outcome").asString()).as(byCron.toString()).isEqualTo("succeeded");
        assertThat(byCron.path("type").asString()).isEqualTo("incr");
        closeCluster();

        String fromRepo = "\"backup\":{\"stanza\":\"bk\",\"options\":" + options + "}";
        // To a time between the first two batches: exactly the first.
        cluster = new LocalCluster(ETCD.etcd(), "bktime");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"initMode\":\"pitr\",\"pitrConfig\":{" + fromRepo + ",\"recoveryTargetTime\":\""
                + target + "\"}}");
        cluster.awaitHealthy(1, SETUP);
        assertThat(PitrE2ETest.rows(cluster.masterKeeper().orElseThrow())).isEqualTo(List.of("1:100"));
        PitrE2ETest.awaitStandbyRows(cluster, List.of("1:100"));
        closeCluster();

        // From the incremental taken before the failover to the end of the archive: every batch, the one written on
        // the new timeline too, replayed from archived WAL across the timeline switch.
        cluster = new LocalCluster(ETCD.etcd(), "bklatest");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"initMode\":\"pitr\",\"pitrConfig\":{\"backup\":{\"stanza\":\"bk\",\"set\":\""
                + incrRun.path("label").asString() + "\",\"options\":" + options + "}}}");
        cluster.awaitHealthy(1, SETUP);
        assertThat(PitrE2ETest.rows(cluster.masterKeeper().orElseThrow())).isEqualTo(List.of("1:100", "2:100", "3:100"));
        PitrE2ETest.awaitStandbyRows(cluster, List.of("1:100", "2:100", "3:100"));
    }

    /**
     * Backup and restore times for {@code bench/backup-bench.sh} (not in CI): a pgbench database of scale
     * {@code pgha.backup.bench.scale}, a full backup, pgbench writes, an incremental, then a new cluster restored
     * from the repository to the end of the archive (time until its master is promoted, and until its standby
     * streams).
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "pgha.backup.bench.scale", matches = "[0-9]+")
    void benchBackupAndRestoreOfAPgbenchDatabase() throws Exception {
        int scale = Integer.parseInt(System.getProperty("pgha.backup.bench.scale"));
        Path repo = ArchiveE2ETest.sharedDirectory(tmp, "repo");
        String options = "{\"repo1-path\":\"" + repo + "\"}";
        cluster = new LocalCluster(ETCD.etcd(), "bench");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{\"backup\":{\"tool\":\"pgbackrest\",\"options\":" + options + "}}");
        LocalCluster.Admin admin = cluster.startAdmin(TOKEN);
        cluster.awaitHealthy(1, SETUP);
        LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
        pgbench(primary, "-i", "-s", Integer.toString(scale), "-q");
        String dbSize = primary.sql().value("SELECT pg_size_pretty(pg_database_size('postgres'))");
        long t0 = System.nanoTime();
        HttpResponse<String> full = admin.call("POST", "/api/v1/backups?timeout=10m", "{\"type\":\"full\"}");
        long fullMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(full.statusCode()).as(full.body()).isEqualTo(200);
        pgbench(primary, "-T", "20", "-c", "4", "-N");
        t0 = System.nanoTime();
        HttpResponse<String> incr = admin.call("POST", "/api/v1/backups?timeout=10m", "{\"type\":\"incr\"}");
        long incrMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(incr.statusCode()).as(incr.body()).isEqualTo(200);
        JsonNode catalog = json(admin.call("GET", "/api/v1/backups", null)).path("catalog");
        long fullRepo = catalog.get(0).path("repoSize").asLong();
        long incrRepo = catalog.get(1).path("repoSize").asLong();
        long accounts = Long.parseLong(primary.sql().value("SELECT count(*) FROM pgbench_history"));
        closeCluster();

        cluster = new LocalCluster(ETCD.etcd(), "benchrestore");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        t0 = System.nanoTime();
        cluster.startSentinel("s1", "{\"initMode\":\"pitr\",\"initTimeout\":\"30m\",\"pitrConfig\":{\"backup\":"
                + "{\"stanza\":\"bench\",\"options\":" + options + "}}}");
        await("the restored master").atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> cluster.clusterData().orElseThrow().masterDb()
                        .filter(db -> db.converged()).isPresent());
        long restoredMs = (System.nanoTime() - t0) / 1_000_000;
        cluster.awaitHealthy(1, Duration.ofMinutes(30));
        long healthyMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(Long.parseLong(cluster.masterKeeper().orElseThrow().sql().value(
                "SELECT count(*) FROM pgbench_history"))).isEqualTo(accounts);
        log.info("backup summary: scale={} dbSize={} fullMs={} fullRepoMiB={} incrMs={} incrRepoMiB={} restoreMs={}"
                        + " healthyMs={}", scale, dbSize.replace(" ", ""), fullMs, fullRepo / 1048576, incrMs,
                incrRepo / 1048576, restoredMs, healthyMs);
    }

    private static void pgbench(LocalCluster.Keeper k, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/lib/postgresql/15/bin/pgbench", "-h", k.host(), "-p",
                Integer.toString(k.pgPort()), "-U", "postgres"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", LocalCluster.SUPERUSER_PASSWORD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static JsonNode json(HttpResponse<String> r) {
        return JsonCodec.mapper().readTree(r.body());
    }

    /** Waits until backup {@code id} is the last one that finished, and returns it. */
    private static JsonNode awaitLast(LocalCluster.Admin admin, String id, Duration atMost) {
        return await("backup " + id + " finished").atMost(atMost).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> json(admin.call("GET", "/api/v1/backups", null)).path("last"),
                        last -> id.equals(last.path("id").asString()));
    }

    /** pgBackRest run on a keeper's node with that keeper's configuration, as PostgreSQL's OS user. */
    private static ProcessResult pgBackRest(LocalCluster.Keeper k, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of("pgbackrest", "--config=" + k.dataDir().resolve("pgbackrest/pgbackrest.conf"),
                "--stanza=bk"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        log.info("pgbackrest {} -> {} {}", String.join(" ", args), p.exitValue(), out.strip());
        return new ProcessResult(p.exitValue(), out);
    }

    private record ProcessResult(int exitCode, String output) {
    }

    /**
     * Every segment from the first backup's start to the new primary's current one can be fetched: timeline 1 up
     * to the switch point, the new timeline's history file, timeline 2 from the switch point on.
     */
    private void assertEverySegmentArchived(LocalCluster.Keeper primary, String firstWal) throws Exception {
        String current = primary.sql().value("SELECT pg_walfile_name(pg_switch_wal())");
        Path fetched = ArchiveE2ETest.sharedDirectory(tmp, "fetched");
        assertThat(pgBackRest(primary, "archive-get", "00000002.history", fetched.resolve("h").toString())
                .exitCode()).isZero();
        Matcher m = Pattern.compile("(?m)^1\\s+([0-9A-F]+)/([0-9A-F]+)").matcher(Files.readString(fetched.resolve("h")));
        assertThat(m.find()).isTrue();
        long switchSegment = ((Long.parseLong(m.group(1), 16) << 32) | Long.parseLong(m.group(2), 16)) / SEGMENT;
        List<String> expected = new ArrayList<>();
        for (long s = segment(firstWal); s < switchSegment; s++) {
            expected.add(name(1, s));
        }
        await("the switched segment " + current + " archived").atMost(Duration.ofSeconds(30)).until(() ->
                pgBackRest(primary, "archive-get", current, fetched.resolve("c").toString()).exitCode() == 0);
        for (long s = switchSegment; s <= segment(current); s++) {
            expected.add(name(2, s));
        }
        List<String> missing = new ArrayList<>();
        for (String wal : expected) {
            if (pgBackRest(primary, "archive-get", wal, fetched.resolve(wal).toString()).exitCode() != 0) {
                missing.add(wal);
            }
        }
        assertThat(missing).as("segments missing from the archive of " + expected).isEmpty();
    }

    private static long segment(String walFile) {
        return Long.parseLong(walFile.substring(8, 16), 16) * 256 + Long.parseLong(walFile.substring(16, 24), 16);
    }

    private static String name(long timeline, long segment) {
        return String.format("%08X%08X%08X", timeline, segment / 256, segment % 256);
    }
}
