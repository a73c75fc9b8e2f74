package io.pgha.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** The PostgreSQL server of a data directory, found through its {@code postmaster.pid}. */
public final class Postmaster {
    private Postmaster() {
    }

    public static OptionalLong pid(Path pgData) {
        try {
            long pid = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).get(0).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isPresent() ? OptionalLong.of(pid)
                    : OptionalLong.empty();
        } catch (java.io.IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The postmaster and every process it started (backends, WAL sender/receiver, checkpointer...). */
    public static java.util.List<Long> instancePids(Path pgData) {
        return pid(pgData).stream().boxed().flatMap(pid -> java.util.stream.Stream.concat(
                java.util.stream.Stream.of(pid),
                ProcessHandle.of(pid).stream().flatMap(ProcessHandle::descendants).map(ProcessHandle::pid))).toList();
    }

    /** SIGKILL the whole instance at once, as a lost node: no backend outlives its postmaster. */
    public static void killInstance(Path pgData) {
        java.util.List<Long> pids = instancePids(pgData);
        // A child may exit on its own between the listing and the signal: only the survivors matter.
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join()));
    }

    /** SIGKILL the postmaster (a crash) and wait until it is gone. */
    public static void kill(Path pgData) {
        pid(pgData).ifPresent(pid -> {
            Signals.send(pid, "KILL");
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(10, TimeUnit.SECONDS).join());
        });
    }
}
