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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real etcd cluster, one member per node of a {@link NetworkLab} (member i on node i's address, ports 2379 and
 * 2380), so that partitions put members in a minority for real. Started from PATH, stopped by PID.
 */
public final class EtcdCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EtcdCluster.class);

    private final NetworkLab lab;
    private final Path dir;
    private final List<Process> members = new ArrayList<>();

    private EtcdCluster(NetworkLab lab) throws IOException {
        this.lab = lab;
        this.dir = Files.createTempDirectory("pgha-etcd-cluster-");
    }

    /** Starts one member on each node of {@code lab} and waits until the cluster is healthy. */
    public static EtcdCluster start(NetworkLab lab) {
        try {
            EtcdCluster c = new EtcdCluster(lab);
            try {
                c.launch();
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The client URL of member {@code i} (from 1). */
    public String endpoint(int i) {
        return "http://" + lab.address(i) + ":2379";
    }

    /** Every member's client URL. */
    public List<String> endpoints() {
        return IntStream.rangeClosed(1, lab.nodes()).mapToObj(this::endpoint).toList();
    }

    public long pid(int i) {
        return members.get(i - 1).pid();
    }

    public Path logFile(int i) {
        return dir.resolve("m" + i + ".log");
    }

    private void launch() {
        String initial = initialCluster();
        for (int i = 1; i <= lab.nodes(); i++) {
            members.add(spawn(i, initial));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 1; i <= lab.nodes(); i++) {
            awaitServing(i, deadline);
        }
        log.info("etcd cluster serving at {}", endpoints());
    }

    private void awaitServing(int i, long deadline) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        while (!healthy(http, i)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("etcd member m" + i + " not healthy in 60 s: " + tail(i));
            }
            if (!members.get(i - 1).isAlive()) {
                throw new IllegalStateException("etcd member m" + i + " exited: " + tail(i));
            }
            try {
                Thread.sleep(100); // polling a starting server, not a test assertion
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String initialCluster() {
        return IntStream.rangeClosed(1, lab.nodes()).mapToObj(j -> "m" + j + "=http://" + lab.address(j) + ":2380")
                .collect(Collectors.joining(","));
    }

    private Process spawn(int i, String initial) {
        String peer = "http://" + lab.address(i) + ":2380";
        // The initial-cluster flags only matter on the first start; a restart finds its data directory.
        List<String> cmd = lab.command(i, List.of("etcd", "--name", "m" + i,
                "--data-dir", dir.resolve("m" + i).toString(),
                "--listen-client-urls", endpoint(i), "--advertise-client-urls", endpoint(i),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial, "--initial-cluster-state", "new",
                "--initial-cluster-token", "pgha-" + dir.getFileName(),
                // As pgha deploys etcd: a member that was cut off must not depose the leader when it returns.
                "--pre-vote"));
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(i).toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL member {@code i} (a node lost with its etcd member). */
    public void kill(int i) {
        Process p = members.get(i - 1);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("etcd member m{} killed", i);
    }

    /** Starts member {@code i} again from its data directory (after {@link #kill}) and waits until it serves. */
    public void restart(int i) {
        if (members.get(i - 1).isAlive()) {
            return;
        }
        members.set(i - 1, spawn(i, initialCluster()));
        awaitServing(i, System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        log.info("etcd member m{} restarted", i);
    }

    private boolean healthy(HttpClient http, int i) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint(i) + "/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("true");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String tail(int i) {
        try {
            List<String> lines = Files.readAllLines(logFile(i));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        for (Process p : members) {
            if (p.isAlive()) {
                Signals.thaw(p.pid());
                p.destroyForcibly();
            }
        }
        for (Process p : members) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.warn("could not remove {}: {}", dir, e.getMessage());
        }
    }
}
