package io.pgha.store;

/** One change seen by a watch, with the key relative to the cluster root. {@code value} is null on delete. */
public record WatchEvent(Type type, String key, String value, long revision) {
    public enum Type {
        PUT, DELETE
    }
}
