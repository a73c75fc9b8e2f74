package io.pgha.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.model.Cluster;
import io.pgha.testing.EtcdExtension;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WAL archiving set through the spec's pgParameters, against a real cluster: it takes effect on the primary
 * ({@code pg_stat_archiver} counts, the files are in the archive), a failing archive_command shows in the cluster
 * view and the keeper's metric, and a spec that would archive nothing is refused without changing the store.
 */
class ArchiveE2ETest {
    private static final Logger log = LoggerFactory.getLogger(ArchiveE2ETest.class);
    private static final Duration SETUP = Duration.ofSeconds(240);
    private static final String TOKEN = "e2e-operator-token";
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private LocalCluster cluster;
    @TempDir
    Path tmp;

    @AfterEach
    void tearDown() {
        if (cluster != null) {
            log.info("cluster {}:{}", cluster.name, cluster.dump());
            cluster.close();
        }
    }

    /** A directory PostgreSQL's OS user can write (the keepers run it as postgres when the tests run as root). */
    static Path sharedDirectory(Path parent, String name) throws IOException {
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path dir = Files.createDirectories(parent.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    static long archivedSegments(Path archive) throws IOException {
        try (Stream<Path> files = Files.list(archive)) {
            return files.filter(f -> f.getFileName().toString().matches("[0-9A-F]{24}")).count();
        }
    }

    @Test
    void archivingFromTheSpecTakesEffectAndAFailingCommandIsVisible() throws Exception {
        Path archive = sharedDirectory(tmp, "archive");
        cluster = new LocalCluster(ETCD.etcd(), "archive");
        cluster.startKeeper("k1");
        cluster.startKeeper("k2");
        cluster.startSentinel("s1", "{}");
        LocalCluster.Admin admin = cluster.startAdmin(TOKEN);
        cluster.awaitHealthy(1, SETUP);

        // Refused, and the store unchanged: archiving on without a command, a mode PostgreSQL does not have.
        // The spec and its generation, not the store revision: the sentinel writes the cluster data on its own.
        Cluster before = cluster.clusterData().orElseThrow().cluster();
        HttpResponse<String> refused = admin.call("PATCH", "/api/v1/cluster/spec",
                "{\"pgParameters\":{\"archive_mode\":\"on\"}}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("pgParameters.archive_command");
        HttpResponse<String> badMode = admin.call("PATCH", "/api/v1/cluster/spec",
                "{\"pgParameters\":{\"archive_mode\":\"yes\",\"archive_command\":\"true\"}}");
        assertThat(badMode.statusCode()).isEqualTo(400);
        assertThat(badMode.body()).contains("pgParameters.archive_mode");
        Cluster after = cluster.clusterData().orElseThrow().cluster();
        assertThat(after.generation()).isEqualTo(before.generation());
        assertThat(after.spec()).isEqualTo(before.spec());

        // archive_mode needs a restart: with automaticPgRestart the sentinel runs a rolling restart (the standby
        // first, the primary last by switchover).
        String copy = "test ! -f " + archive + "/%f && cp %p " + archive + "/%f";
        HttpResponse<String> patched = admin.call("PATCH", "/api/v1/cluster/spec",
                "{\"automaticPgRestart\":true,\"pgParameters\":{\"archive_mode\":\"on\",\"archive_command\":\""
                        + copy + "\"}}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        await("the automatic rolling restart done").atMost(Duration.ofSeconds(90)).until(() -> {
            Cluster.Operation op = cluster.clusterData().orElseThrow().cluster().status().operation();
            return op != null && op.type() == Cluster.Operation.Type.RESTART && op.state() == Cluster.Operation.State.DONE;
        });
        LocalCluster.Keeper primary = cluster.masterKeeper().orElseThrow();
        await("archive_mode on at the primary").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> primary.sql().value("SHOW archive_mode"), "on"::equals);
        primary.sql().exec("CREATE TABLE t (id int); INSERT INTO t SELECT generate_series(1, 1000)");
        primary.sql().exec("SELECT pg_switch_wal()");
        await("pg_stat_archiver counts the switched segment").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> Long.parseLong(primary.sql().value("SELECT archived_count FROM pg_stat_archiver")) > 0);
        assertThat(archivedSegments(archive)).isPositive();
        await("the cluster view shows archiving").atMost(Duration.ofSeconds(20)).until(() ->
                admin.call("GET", "/api/v1/cluster", null).body().contains("\"archive\":{\"mode\":\"on\",\"failing\":false"));

        // A command that fails: PostgreSQL retries, the keeper counts and shows it.
        assertThat(admin.call("PATCH", "/api/v1/cluster/spec",
                "{\"pgParameters\":{\"archive_command\":\"false\"}}").statusCode()).isEqualTo(200);
        await("archive_command reloaded").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> primary.sql().value("SHOW archive_command"), "false"::equals);
        primary.sql().exec("INSERT INTO t SELECT generate_series(1, 1000)");
        primary.sql().exec("SELECT pg_switch_wal()");
        await("the cluster view shows the failure").atMost(Duration.ofSeconds(30)).until(() ->
                admin.call("GET", "/api/v1/cluster", null).body().contains("\"failing\":true"));
        await("pgha_keeper_archive_failed_total counts it").atMost(Duration.ofSeconds(10)).until(() ->
                admin.metric(primary, "pgha_keeper_archive_failed_total", "") > 0);
    }
}
