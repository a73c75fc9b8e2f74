package io.pgha.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.pgha.testing.PgServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real primary and its streaming standby: after a fast shutdown the primary's reported end of WAL is
 * exactly what the standby received and replayed (PostgreSQL sends connected standbys every record before it stops),
 * over rounds whose shutdown checkpoints land at different offsets in their pages.
 */
class ShutdownCheckpointIntegrationTest {
    @TempDir
    Path dir;
    private PgServer primary;
    private PgServer standby;

    @AfterEach
    void stop() {
        if (standby != null) {
            standby.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void theEndOfWalOfACleanlyStoppedPrimaryIsWhatItsStandbyReceived() throws Exception {
        primary = PgServer.primary(dir, "primary");
        standby = PgServer.standbyOf(primary, dir, "standby", "wal_retrieve_retry_interval = '100ms'");
        boolean root = "root".equals(System.getProperty("user.name"));
        PostgresInstance instance = new PostgresInstance(new PgCommands(PgServer.BIN, root ? "postgres" : null),
                primary.dataDir(), primary.dataDir().resolve("server.log"), dir.resolve("pgpass"),
                Duration.ofSeconds(30));
        primary.client().exec("CREATE TABLE t (v text)");
        for (int round = 1; round <= 3; round++) {
            primary.client().exec("INSERT INTO t SELECT repeat('x', " + (round * 37) + ") FROM generate_series(1, "
                    + (round * 113) + ")");
            await().atMost(Duration.ofSeconds(30)).until(() -> "streaming".equals(
                    standby.client().value("SELECT coalesce(max(status), '') FROM pg_stat_wal_receiver")));
            instance.stop(StopMode.FAST);
            Optional<ShutdownCheckpoint> checkpoint = instance.shutdownCheckpoint();
            assertThat(checkpoint).as("round " + round).isPresent();
            long end = checkpoint.get().end();
            assertThat(checkpoint.get().timelineId()).isEqualTo(1);
            assertThat(Lsn.parse(standby.client().value("SELECT pg_last_wal_receive_lsn()::text")))
                    .as("round " + round + ": received").isEqualTo(end);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Lsn.parse(standby.client()
                    .value("SELECT pg_last_wal_replay_lsn()::text"))).as("replayed").isEqualTo(end));
            primary.start();
        }
        assertThat(instance.shutdownCheckpoint()).as("a running instance").isEmpty();
    }
}
