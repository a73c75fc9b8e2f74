package io.pgha.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The writer of the safety tests (chaos, partitions, stress, the images drill): one autocommit statement at a time
 * through a connection it keeps while it works; a subclass records what each acknowledged statement reported.
 * On any error it drops the connection and connects again with the next attempt number (to move on to another
 * proxy, as a client would); a statement whose outcome is unknown is never retried, and is not acknowledged.
 */
public abstract class AcknowledgedWriter implements Runnable {
    /** Errors seen: failed connects and statements whose outcome is unknown. */
    public final AtomicLong errors = new AtomicLong();
    private final Duration pace;
    private volatile boolean stopped;

    /** {@code pace}: the pause after each acknowledged statement, so the writer leaves the cores to the cluster. */
    protected AcknowledgedWriter(Duration pace) {
        this.pace = pace;
    }

    /** A new connection for the {@code attempt}-th try (0, then one more after each error). */
    protected abstract Connection connect(int attempt) throws SQLException;

    /** One statement on {@code c}; records it only once the server acknowledged it. */
    protected abstract void writeOne(Connection c) throws SQLException;

    public void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        int attempt = 0;
        Connection c = null;
        while (!stopped) {
            try {
                if (c == null) {
                    c = connect(attempt);
                }
                writeOne(c);
                LockSupport.parkNanos(pace.toNanos());
            } catch (SQLException e) {
                errors.incrementAndGet();
                closeQuietly(c);
                c = null;
                attempt++;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
        closeQuietly(c);
    }

    private static void closeQuietly(Connection c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (SQLException ignored) {
            // already broken
        }
    }
}
