package io.pgha.concurrent;

import java.util.Objects;

/**
 * Lets a repeated message through once until it changes: a loop that meets the same problem on every run logs it
 * once, and again when it is a different one or after {@link #reset()} (the problem went away). One per thing
 * reported; used from one thread.
 */
public final class ChangedMessage {
    private String last;

    /** True when {@code message} differs from the last one let through; it is then the last one. */
    public boolean isNew(String message) {
        if (Objects.equals(message, last)) {
            return false;
        }
        last = message;
        return true;
    }

    /** The next message is new again. */
    public void reset() {
        last = null;
    }
}
