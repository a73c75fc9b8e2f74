package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * The proxy handshake. On a master change the sentinel first clears {@code masterDbUid} and bumps the
 * generation; it names the new master only after every live proxy acknowledged that empty generation
 * (or proxyTimeout passed), so no proxy can still route to the old master.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Proxy(long generation, Instant changeTime, Spec spec) {

    public Proxy {
        spec = spec != null ? spec : new Spec(null, List.of());
    }

    public Proxy(long generation, Spec spec) {
        this(generation, null, spec);
    }

    public static Proxy empty() {
        return new Proxy(0, null, new Spec(null, List.of()));
    }

    /** The next generation with a new spec, changed at {@code now} (the handshake measures from it). */
    public Proxy withSpec(Spec s, Instant now) {
        return new Proxy(generation + 1, now, s);
    }

    public Proxy withSpec(Spec s) {
        return withSpec(s, changeTime);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(String masterDbUid, List<String> enabledProxies) {
        public Spec {
            enabledProxies = enabledProxies == null ? List.of() : List.copyOf(enabledProxies);
        }
    }
}
