package io.pgha.store;

/** A running watch. It survives store restarts and reconnections on its own; {@link #close()} ends it. */
public interface StoreWatch extends AutoCloseable {
    @Override
    void close();
}
