package io.pgha.concurrent;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The shape of every pgha control loop: one daemon thread runs the step as soon as it is triggered (a watch event,
 * a finished action) and, looking every {@code tick}, when {@code interval} passed since the last run. Triggers
 * coalesce, so a burst of events costs one run (two at most when one arrives while a run is under way), and
 * triggered runs start at least {@link #MIN_GAP} apart, so a step that triggers itself cannot spin; the first run
 * happens at once. A step that fails is retried at the next tick for its first {@code quickRetries} consecutive
 * failures (a start racing a crashed postmaster's children), then every interval; the failure goes to
 * {@code onFailure} and never ends the loop.
 *
 * <p>A trigger does not wait for the next tick: a watch event reaches the keeper's or the sentinel's step within
 * milliseconds, where waiting for a 250 ms tick cost each hop of a switchover 125 ms on average.
 */
public final class PacedLoop {
    /** The least time between the starts of two triggered runs. */
    static final Duration MIN_GAP = Duration.ofMillis(20);

    private final String name;
    private final Duration tick;
    private final Supplier<Duration> interval;
    private final int quickRetries;
    private final Runnable step;
    private final Consumer<Throwable> onFailure;
    private final AtomicBoolean triggered = new AtomicBoolean(true);
    private Runnable beforeEachTick = () -> { };
    private volatile ScheduledExecutorService executor;
    /** When the last run started (System.nanoTime). */
    private volatile long lastStartNanos = System.nanoTime() - MIN_GAP.toNanos();
    // owned by the loop thread
    private long nextRunNanos;
    private int failures;

    public PacedLoop(String name, Duration tick, Supplier<Duration> interval, int quickRetries, Runnable step,
                     Consumer<Throwable> onFailure) {
        this.name = name;
        this.tick = tick;
        this.interval = interval;
        this.quickRetries = quickRetries;
        this.step = step;
        this.onFailure = onFailure;
    }

    /** Something cheap to look at every tick, which may {@link #trigger()} a run (e.g. "did the postmaster exit"). */
    public PacedLoop beforeEachTick(Runnable check) {
        this.beforeEachTick = check;
        return this;
    }

    /** Runs the step soon: at once, or {@link #MIN_GAP} after the last run started (coalesced with other triggers). */
    public void trigger() {
        if (triggered.getAndSet(true)) {
            return; // a run is due already
        }
        ScheduledExecutorService e = executor;
        if (e == null) {
            return; // the first tick runs it
        }
        long delay = Math.max(0, lastStartNanos + MIN_GAP.toNanos() - System.nanoTime());
        try {
            e.schedule(this::runIfTriggered, delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopping) {
            // the loop is stopping: nothing more runs
        }
    }

    public synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = DaemonExecutors.single(name);
        executor.scheduleWithFixedDelay(this::tickSafely, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the thread, waiting up to {@code wait} for a step in progress to end. */
    public synchronized void stop(Duration wait) {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor = null;
    }

    public synchronized boolean running() {
        return executor != null;
    }

    private void tickSafely() {
        try {
            beforeEachTick.run();
        } catch (RuntimeException e) {
            onFailure.accept(e);
        }
        long now = System.nanoTime();
        if (!triggered.getAndSet(false) && now - nextRunNanos < 0) {
            return;
        }
        run(now);
    }

    /** A triggered run; nothing when a tick ran the step since the trigger. */
    private void runIfTriggered() {
        if (triggered.getAndSet(false)) {
            run(System.nanoTime());
        }
    }

    private void run(long now) {
        lastStartNanos = now;
        nextRunNanos = now + interval.get().toNanos();
        try {
            step.run();
            failures = 0;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (RuntimeException | Error e) {
            failures++;
            if (failures <= quickRetries) {
                nextRunNanos = now + tick.toNanos();
            }
            onFailure.accept(e);
        }
    }
}
