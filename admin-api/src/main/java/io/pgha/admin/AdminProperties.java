package io.pgha.admin;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code pgha.admin.*} (README, Configuration).
 *
 * @param auth               bearer-token authentication
 * @param operationTimeout   how long failover/switchover wait for the outcome when the request gives no
 *                           {@code ?timeout=}
 * @param maxOperationTimeout the largest {@code ?timeout=} accepted
 */
@ConfigurationProperties("pgha.admin")
public record AdminProperties(@DefaultValue Auth auth, @DefaultValue("60s") Duration operationTimeout,
                              @DefaultValue("10m") Duration maxOperationTimeout) {

    /**
     * @param enabled       false: every request is allowed (for a trusted network only)
     * @param anonymousRead reads without a token
     */
    public record Auth(@DefaultValue("true") boolean enabled, String operatorToken, String operatorTokenFile,
                       String viewerToken, String viewerTokenFile, @DefaultValue("false") boolean anonymousRead) {
    }
}
