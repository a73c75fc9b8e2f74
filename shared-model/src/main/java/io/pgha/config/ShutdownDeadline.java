package io.pgha.config;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds how long a service takes to stop once asked to (SIGTERM): an orchestrator waits only so long, and on a node
 * that a partition cut off every polite goodbye to the store (revoking leases) waits for its own timeout in turn.
 * When the JVM starts shutting down, a daemon thread halts it after {@link #DEADLINE} unless it exited by then;
 * nothing is lost by it: leases expire with their TTL, and the keeper leaves PostgreSQL running when it stops
 * anyway. Installed by each service's {@code main}, so tests that start contexts in their own JVM are unaffected.
 */
public final class ShutdownDeadline {
    private static final Logger log = LoggerFactory.getLogger(ShutdownDeadline.class);
    public static final Duration DEADLINE = Duration.ofSeconds(8);
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    private ShutdownDeadline() {
    }

    public static void install() {
        if (!INSTALLED.compareAndSet(false, true)) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(DEADLINE.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                log.warn("shutdown still not finished after {} s: halting (leases expire with their TTL)",
                        DEADLINE.toSeconds());
                Runtime.getRuntime().halt(1);
            }, "shutdown-deadline");
            // A daemon: when the other shutdown hooks finish first, the JVM exits without waiting for it.
            watchdog.setDaemon(true);
            watchdog.start();
        }, "shutdown-deadline-hook"));
    }
}
