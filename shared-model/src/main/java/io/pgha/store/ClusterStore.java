package io.pgha.store;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The store SPI: a consistent key-value store scoped to one cluster. Keys are relative to
 * {@code <prefix>/<cluster-name>/} (e.g. {@code clusterdata}, {@code keepers/k1}). Every call is bounded by
 * the configured timeout and fails with {@link StoreException}; nothing here blocks forever.
 */
public interface ClusterStore extends AutoCloseable {

    /** {@code etcdv3} or {@code consul}. */
    String backend();

    /** The absolute key root, e.g. {@code pgha/demo/}. */
    String root();

    Optional<Versioned<String>> get(String key);

    /** All keys under a prefix (relative), in key order. */
    List<Versioned<String>> list(String prefix);

    /** Unconditional write; prefer {@link #compareAndPut} for shared documents. */
    long put(String key, String value);

    /**
     * Writes only if the key's revision is still {@code expectedRevision}; {@code 0} means "only if
     * absent" (create-if-absent).
     */
    CasResult compareAndPut(String key, String value, long expectedRevision);

    /** Deletes only if the key's revision is still {@code expectedRevision}. */
    boolean compareAndDelete(String key, long expectedRevision);

    void delete(String key);

    /** Opens a kept-alive session; keep-alives run in the background until closed, abandoned or lost. */
    StoreSession openSession(Duration ttl, StoreSession.Listener listener);

    /** Watches one key, or every key under it when {@code prefix}, from now on. */
    StoreWatch watch(String key, boolean prefix, WatchListener listener);

    /** A cheap round trip that proves the store answers; throws {@link StoreException} when it does not. */
    void ping();

    Duration timeout();

    @Override
    void close();
}
