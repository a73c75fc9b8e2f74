package io.pgha.model;

import java.time.Instant;

/**
 * What a proxy publishes under {@code proxies/<uid>}, bound to its lease. {@code generation} is the proxy
 * generation of the cluster data it applied: the sentinel's handshake waits for it.
 */
public record ProxyInfo(String uid, String instanceId, long generation, boolean listening, Instant time) {
}
