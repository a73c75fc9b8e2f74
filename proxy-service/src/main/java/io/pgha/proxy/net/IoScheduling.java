package io.pgha.proxy.net;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * How the kernel schedules the threads that relay bytes ({@code pgha.proxy.io-scheduling}).
 *
 * <p>{@code batch} (the default) puts each event loop thread in Linux's {@code SCHED_BATCH} class: it still
 * gets its fair share of CPU, but waking up does not let it preempt whoever runs. A proxy sleeps and wakes on
 * every burst of bytes; as an ordinary thread each wake-up interrupted the PostgreSQL backend or the client
 * producing the next burst, so everybody ran in small slices and paid a context switch each time. Under four
 * parallel COPYs on 2 cores the event loop switched about 20,000 times a second and moved 60 % of HAProxy's
 * bytes; in the batch class it switched about 2,000 times a second, moved as much as HAProxy and spent less
 * CPU doing it (docs/benchmarks.md). Small-message traffic (pgbench -S) is unchanged. {@code normal} leaves
 * the threads as the JVM made them.
 */
public enum IoScheduling {
    NORMAL,
    BATCH;

    /** Linux's number for {@code SCHED_BATCH}, as {@code /proc/<tid>/stat} reports a thread's policy. */
    static final int SCHED_BATCH = 3;

    /**
     * Applies this policy to the calling thread; {@code null} when done, else why not. There is no Java API
     * for it, so util-linux's {@code chrt} is run on the thread's own id (no privilege is needed to move
     * between the non-real-time classes).
     */
    String applyToCurrentThread() {
        if (this == NORMAL) {
            return null;
        }
        try {
            String tid = threadId();
            Process chrt = new ProcessBuilder("chrt", "--batch", "--pid", "0", tid).redirectErrorStream(true)
                    .start();
            if (!chrt.waitFor(10, TimeUnit.SECONDS)) {
                chrt.destroyForcibly();
                return "chrt did not finish within 10 s";
            }
            String out = new String(chrt.getInputStream().readAllBytes()).strip();
            if (chrt.exitValue() != 0) {
                return "chrt exited with " + chrt.exitValue() + (out.isEmpty() ? "" : ": " + out);
            }
            return policyOfCurrentThread() == SCHED_BATCH ? null : "chrt ran but the policy did not change";
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The calling thread's kernel id, from {@code /proc/thread-self} ("pid/task/tid"). */
    static String threadId() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
    }

    /** The calling thread's scheduling policy (field 41 of its stat line; 0 = SCHED_OTHER, 3 = SCHED_BATCH). */
    static int policyOfCurrentThread() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        // the command name (field 2) may hold spaces and parentheses; fields from 3 on follow the last ')'
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(fields[41 - 3]);
    }
}
