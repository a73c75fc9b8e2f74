package io.pgha.proxy.route;

import java.util.List;

/**
 * Where the listeners send new connections, computed from one cluster view.
 *
 * @param readWrite       the named primary, or null: refuse read-write connections
 * @param readOnly        standbys eligible for reads, by DB uid order
 * @param proxyGeneration the proxy generation of the cluster data this was computed from (what the proxy
 *                        acknowledges once applied)
 * @param reason          why there is no read-write backend, for logs and health (null when there is one)
 * @param excluded        each standby left out of reads, with why
 */
public record Routing(Backend readWrite, List<Backend> readOnly, long proxyGeneration, String reason,
                      List<String> excluded) {

    public Routing {
        readOnly = List.copyOf(readOnly);
        excluded = List.copyOf(excluded);
    }

    /** Routes nowhere. */
    public static Routing none(long proxyGeneration, String reason) {
        return new Routing(null, List.of(), proxyGeneration, reason, List.of());
    }
}
