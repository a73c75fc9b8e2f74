package io.pgha.admin;

import io.pgha.admin.web.ApiProblem;
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
     * How long a request waits for its outcome: {@code ?timeout=} (a duration up to maxOperationTimeout), else
     * operationTimeout.
     */
    public Duration waitFor(String timeoutParam) {
        if (timeoutParam == null) {
            return operationTimeout;
        }
        Duration d = io.pgha.model.Durations.tryParse(timeoutParam).orElseThrow(() -> ApiProblem.invalid("timeout",
                "must be a duration such as 30s or 2m"));
        if (d.isNegative() || d.compareTo(maxOperationTimeout) > 0) {
            throw ApiProblem.invalid("timeout", "must be between 0s and "
                    + io.pgha.model.Durations.format(maxOperationTimeout));
        }
        return d;
    }

    /**
     * @param enabled       false: every request is allowed (for a trusted network only)
     * @param anonymousRead reads without a token
     */
    public record Auth(@DefaultValue("true") boolean enabled, String operatorToken, String operatorTokenFile,
                       String viewerToken, String viewerTokenFile, @DefaultValue("false") boolean anonymousRead) {
    }
}
