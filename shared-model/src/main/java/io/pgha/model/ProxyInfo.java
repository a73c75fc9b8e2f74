package io.pgha.model;

import java.time.Instant;

/**
 * What a proxy publishes under {@code proxies/<uid>}, bound to its lease. {@code generation} is the proxy
 * generation of the cluster data it applied: the sentinel's handshake waits for it. {@code address} and
 * {@code readOnlyAddress} ({@code host:port}; the latter null without a read-only listener) are where clients reach
 * it, for {@code pghactl dsn}.
 */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record ProxyInfo(String uid, String instanceId, long generation, boolean listening, Instant time,
                        String address, String readOnlyAddress) {
    public ProxyInfo(String uid, String instanceId, long generation, boolean listening, Instant time) {
        this(uid, instanceId, generation, listening, time, null, null);
    }
}
