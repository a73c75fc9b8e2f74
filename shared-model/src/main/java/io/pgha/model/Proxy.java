package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The proxy handshake. On a master change the sentinel first clears {@code masterDbUid} and bumps the
 * generation; it names the new master only after every live proxy acknowledged that empty generation
 * (or proxyTimeout passed), so no proxy can still route to the old master.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Proxy(long generation, Spec spec) {

    public Proxy {
        spec = spec != null ? spec : new Spec(null, List.of());
    }

    public static Proxy empty() {
        return new Proxy(0, new Spec(null, List.of()));
    }

    public Proxy withSpec(Spec s) {
        return new Proxy(generation + 1, s);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(String masterDbUid, List<String> enabledProxies) {
        public Spec {
            enabledProxies = enabledProxies == null ? List.of() : List.copyOf(enabledProxies);
        }
    }
}
