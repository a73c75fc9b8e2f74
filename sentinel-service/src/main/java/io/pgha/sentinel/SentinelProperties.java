package io.pgha.sentinel;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code pgha.sentinel.*} (README, Configuration).
 *
 * @param uid                this sentinel's uid (generated when absent)
 * @param initialClusterSpec a path to a JSON file, or inline JSON; used only when no cluster data exists
 */
@ConfigurationProperties("pgha.sentinel")
public record SentinelProperties(String uid, String initialClusterSpec) {
}
