package io.pgha.keeper.it;

import io.pgha.testing.FreePorts;
import io.pgha.testing.Signals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A real keeper as an OS process (this test's classpath, {@code KeeperApplication}), with its own data dir
 * and ports. Helpers kill it or its PostgreSQL the way an operator's bad day would. Closing it kills both.
 */
final class KeeperProcess implements AutoCloseable {
    static final String SUPERUSER_PASSWORD = "su-secret";
    static final String REPLICATION_PASSWORD = "repl-secret";

    final String uid;
    final Path dataDir;
    final int pgPort;
    final int httpPort;
    final Path log;
    private final List<String> command;
    private Process process;
    private int starts;

    private KeeperProcess(String uid, Path dataDir, List<String> command, int pgPort, int httpPort) {
        this.uid = uid;
        this.dataDir = dataDir;
        this.command = command;
        this.pgPort = pgPort;
        this.httpPort = httpPort;
        this.log = dataDir.resolveSibling(uid + ".log");
    }

    static KeeperProcess start(String cluster, String etcdEndpoint, String uid, Path dataDir, String... extra) {
        int pgPort = FreePorts.next();
        int httpPort = FreePorts.next();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.pgha.keeper.KeeperApplication",
                "--pgha.cluster-name=" + cluster,
                "--pgha.store.endpoints=" + etcdEndpoint,
                "--pgha.keeper.uid=" + uid,
                "--pgha.keeper.data-dir=" + dataDir,
                "--pgha.keeper.pg.port=" + pgPort,
                "--pgha.keeper.pg.superuser.password=" + SUPERUSER_PASSWORD,
                "--pgha.keeper.pg.replication.password=" + REPLICATION_PASSWORD,
                "--server.port=" + httpPort));
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--pgha.keeper.pg.os-user=postgres");
        }
        cmd.addAll(List.of(extra));
        KeeperProcess k = new KeeperProcess(uid, dataDir, cmd, pgPort, httpPort);
        k.launch();
        return k;
    }

    /** Starts the keeper process (again), appending to its log. */
    void launch() {
        try {
            Files.writeString(log, "---- start " + (++starts) + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Process process() {
        return process;
    }

    /** SIGKILL the keeper process; its PostgreSQL keeps running, as after a keeper crash. */
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    OptionalLong postmasterPid() {
        Path pidFile = dataDir.resolve("postgres/postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? OptionalLong.of(pid)
                    : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** SIGKILL the postmaster, as a crash of PostgreSQL would. */
    void killPostgres() {
        postmasterPid().ifPresent(pid -> Signals.send(pid, "KILL"));
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        kill();
        OptionalLong pid = postmasterPid();
        if (pid.isPresent()) {
            Signals.send(pid.getAsLong(), "KILL");
            ProcessHandle.of(pid.getAsLong()).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        }
    }
}
