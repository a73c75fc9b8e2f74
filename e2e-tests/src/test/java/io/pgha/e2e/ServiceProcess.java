package io.pgha.e2e;

import io.pgha.testing.Signals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One pgha service jar running as an OS process, with its log in a file; killed, frozen or thawed on demand. */
final class ServiceProcess implements AutoCloseable {
    final String name;
    final Path log;
    private final List<String> command;
    private Process process;

    private ServiceProcess(String name, Path log, List<String> command) {
        this.name = name;
        this.log = log;
        this.command = command;
    }

    static Path jar(String module) {
        Path jar = Path.of("..", module, "target", module + ".jar").toAbsolutePath().normalize();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (./mvnw -DskipTests package)");
        }
        return jar;
    }

    static ServiceProcess start(String name, String module, Path log, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:TieredStopAtLevel=1", "-jar", jar(module).toString()));
        cmd.addAll(args);
        ServiceProcess p = new ServiceProcess(name, log, cmd);
        p.launch();
        return p;
    }

    void launch() {
        try {
            Files.writeString(log, "---- start\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, leases are not revoked. */
    void kill() {
        if (isAlive()) {
            Signals.thaw(process.pid());
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void freeze() {
        Signals.freeze(process.pid());
    }

    void thaw() {
        Signals.thaw(process.pid());
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
    }
}
