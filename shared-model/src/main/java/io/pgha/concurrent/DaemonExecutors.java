package io.pgha.concurrent;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executors of pgha's loops, timers and store clients: named daemon threads, so a thread dump says which
 * loop is stuck and no background thread keeps a stopping service alive.
 */
public final class DaemonExecutors {
    private DaemonExecutors() {
    }

    /** One thread named {@code name}: the work it runs never overlaps. */
    public static ScheduledExecutorService single(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name));
    }

    /** {@code threads} threads named {@code prefix-1}, {@code prefix-2}, … */
    public static ScheduledExecutorService pool(int threads, String prefix) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newScheduledThreadPool(threads, r -> daemon(r, prefix + "-" + n.incrementAndGet()));
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
