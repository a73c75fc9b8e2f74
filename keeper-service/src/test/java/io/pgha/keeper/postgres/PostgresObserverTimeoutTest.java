package io.pgha.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The observer follows the spec's requestTimeout: against a server that accepts connections and never answers
 * (a frozen PostgreSQL), an observation gives up after about requestTimeout and reports the instance running
 * but not answering.
 */
class PostgresObserverTimeoutTest {
    @TempDir
    Path dir;
    private ServerSocket silent;
    private final List<Socket> accepted = new ArrayList<>();
    private PostgresObserver observer;

    @BeforeEach
    void silentServer() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!silent.isClosed()) {
                try {
                    accepted.add(silent.accept()); // and never answer the startup packet
                } catch (IOException e) {
                    return;
                }
            }
        }, "silent-server");
        t.setDaemon(true);
        t.start();
        Path pgData = Files.createDirectories(dir.resolve("postgres"));
        // A live process in postmaster.pid: this test's JVM stands for a postmaster that runs.
        Files.writeString(pgData.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n");
        PostgresInstance instance = new PostgresInstance(new PgCommands(Path.of("/nonexistent"), null), pgData,
                dir.resolve("postgres.log"), dir.resolve("pgpass"), Duration.ofSeconds(5));
        observer = new PostgresObserver(instance, "127.0.0.1", silent.getLocalPort(), "postgres", "secret",
                Duration.ofSeconds(2));
    }

    @AfterEach
    void close() throws IOException {
        observer.close();
        silent.close();
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void anObservationOfAServerThatNeverAnswersEndsAfterTheRequestTimeout() {
        observer.requestTimeout(Duration.ofMillis(500));
        long shortWait = timed(() -> {
            Observation o = observer.observe();
            assertThat(o.running()).isTrue();
            assertThat(o.reachable()).isFalse();
        });
        observer.requestTimeout(Duration.ofSeconds(3));
        long longWait = timed(() -> assertThat(observer.observe().reachable()).isFalse());
        System.out.printf("measured: observation gave up after %d ms (requestTimeout 500ms) and %d ms (3s)%n",
                shortWait, longWait);
        assertThat(shortWait).isBetween(400L, 1_900L);
        assertThat(longWait).isBetween(2_900L, 6_000L);
    }

    private static long timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
