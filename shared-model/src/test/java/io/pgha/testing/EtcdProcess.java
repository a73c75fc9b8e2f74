package io.pgha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-member etcd started from PATH on free loopback ports with its data in a temp folder,
 * stopped by PID. {@link #restart()} keeps ports and data; {@link #freeze()}/{@link #thaw()} send
 * SIGSTOP/SIGCONT.
 */
public final class EtcdProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdProcess.class);

    private final Path dataDir;
    private final int clientPort;
    private final int peerPort;
    private final Path logFile;
    private Process process;

    private EtcdProcess() throws IOException {
        this.dataDir = Files.createTempDirectory("pgha-etcd-");
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
        this.clientPort = FreePorts.next();
        this.peerPort = FreePorts.next();
    }

    public static EtcdProcess start() {
        try {
            EtcdProcess e = new EtcdProcess();
            e.launch();
            return e;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    private void launch() throws IOException {
        String client = endpoint();
        String peer = "http://127.0.0.1:" + peerPort;
        ProcessBuilder pb = new ProcessBuilder(List.of("etcd",
                "--name", "pgha-test",
                "--data-dir", dataDir.resolve("data").toString(),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "pgha-test=" + peer,
                "--initial-cluster-state", Files.exists(dataDir.resolve("data")) ? "existing" : "new"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + "; log: " + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(client + "/health"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("true")) {
                    log.info("etcd pid={} serving at {}", process.pid(), client);
                    return;
                }
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(100); // polling a starting server, not a test assertion
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("etcd did not become healthy in 30 s; log: " + tail());
    }

    public void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops and starts again on the same ports with the same data. */
    public void restart() {
        stop();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void freeze() {
        Signals.freeze(process.pid());
    }

    public void thaw() {
        Signals.thaw(process.pid());
    }

    public String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            Signals.thaw(process.pid()); // a frozen process ignores SIGTERM until continued
        }
        stop();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            log.warn("could not remove {}: {}", dataDir, e.getMessage());
        }
    }
}
