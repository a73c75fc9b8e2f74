package io.pgha.proxy.route;

/** A PostgreSQL instance the proxy may forward to: the DB it runs and where it listens. */
public record Backend(String dbUid, String host, int port) {
    @Override
    public String toString() {
        return dbUid + "@" + host + ":" + port;
    }
}
