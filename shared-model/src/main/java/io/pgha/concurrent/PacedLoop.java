package io.pgha.concurrent;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The shape of every pgha control loop: one daemon thread looks every {@code tick} and runs the step when it was
 * triggered (a watch event, a finished action) or when {@code interval} passed since the last run. Triggers
 * coalesce, so a burst of events costs one run; the first run happens at once. A step that fails is retried at
 * the next tick for its first {@code quickRetries} consecutive failures (a start racing a crashed postmaster's
 * children), then every interval; the failure goes to {@code onFailure} and never ends the loop.
 */
public final class PacedLoop {
    private final String name;
    private final Duration tick;
    private final Supplier<Duration> interval;
    private final int quickRetries;
    private final Runnable step;
    private final Consumer<Throwable> onFailure;
    private final AtomicBoolean triggered = new AtomicBoolean(true);
    private Runnable beforeEachTick = () -> { };
    private ScheduledExecutorService executor;
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

    /** Runs the step at the next tick (coalesced with other triggers). */
    public void trigger() {
        triggered.set(true);
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
