package io.pgha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process a test starts (a service jar, a keeper main class), its output appended to a log file, and the
 * ways an operator's bad day ends it: SIGKILL, SIGSTOP/SIGCONT. It can be launched again with the same
 * command after a kill.
 */
public final class ManagedProcess implements AutoCloseable {
    private final String name;
    private final Path log;
    private final List<String> command;
    private Process process;
    private int starts;

    public ManagedProcess(String name, Path log, List<String> command) {
        this.name = name;
        this.log = log;
        this.command = List.copyOf(command);
    }

    /** {@code java} of this JVM with small-footprint flags, followed by {@code args}. */
    public static List<String> java(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(args);
        return cmd;
    }

    public String name() {
        return name;
    }

    /** Starts (or starts again) the process, appending to its log. */
    public ManagedProcess launch() {
        try {
            Files.writeString(log, "---- start " + (++starts) + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Process process() {
        return process;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs and no lease is revoked. */
    public void kill() {
        if (isAlive()) {
            Signals.thaw(process.pid()); // a frozen process must be able to die
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * SIGTERM, as an orchestrator stops a service, and waits up to {@code atMost} for it to exit (then SIGKILL).
     * Returns how long the exit took, or empty when it had to be killed.
     */
    public java.util.Optional<java.time.Duration> terminate(java.time.Duration atMost) {
        if (!isAlive()) {
            return java.util.Optional.of(java.time.Duration.ZERO);
        }
        long t0 = System.nanoTime();
        process.destroy();
        try {
            if (process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                return java.util.Optional.of(java.time.Duration.ofNanos(System.nanoTime() - t0));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // What it was stuck on, for the failure report: its threads, appended to its log.
        try {
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no thread dump then
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
        return java.util.Optional.empty();
    }

    public void freeze() {
        Signals.freeze(process.pid());
    }

    public void thaw() {
        Signals.thaw(process.pid());
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last {@code lines} lines of the log, for failure reports. */
    public String logTail(int lines) {
        String[] all = logText().split("\n");
        return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
    }

    @Override
    public void close() {
        kill();
    }
}
