package io.pgha.store;

/**
 * A value read from the store with its revision (etcd mod revision, Consul ModifyIndex). Pass the revision
 * back to {@link ClusterStore#compareAndPut} to write only if nobody wrote in between.
 */
public record Versioned<T>(String key, T value, long revision) {
    public <U> Versioned<U> withValue(U v) {
        return new Versioned<>(key, v, revision);
    }
}
