package io.pgha.store;

import java.util.List;

/**
 * Receives the changes of a watched key or prefix, in store order, one call at a time.
 * Implementations must be quick or hand work to their own executor.
 */
public interface WatchListener {
    /** Changes in the order the store applied them. */
    void onEvents(List<WatchEvent> events);

    /**
     * Changes may have been missed (the watch was resumed after history was compacted): re-read the
     * watched keys. Level-triggered consumers that re-read on every event can ignore it.
     */
    default void onReset() {
    }
}
