package io.pgha.proxy;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.proxy.net.Listener;
import io.pgha.proxy.net.ProxyServer;
import io.pgha.proxy.net.Traffic;

/** The proxy's metrics (docs/proxy.md), read from the data path's adders (nothing on the hot path touches Micrometer). */
final class ProxyMetrics {
    private ProxyMetrics() {
    }

    static void register(MeterRegistry registry, ProxyServer server) {
        Traffic t = server.traffic();
        Gauge.builder("pgha.proxy.listening", server, s -> s.listening() ? 1 : 0)
                .description("1 while the listeners accept connections (0: fenced or not started)").register(registry);
        for (Listener l : Listener.values()) {
            Gauge.builder("pgha.proxy.connections.active", t, x -> x.active(l)).tag("listener", l.tag())
                    .description("client connections open now").register(registry);
            FunctionCounter.builder("pgha.proxy.connections", t, x -> x.accepted(l)).tag("listener", l.tag())
                    .description("client connections accepted").register(registry);
            FunctionCounter.builder("pgha.proxy.connections.refused", t, x -> x.refused(l)).tag("listener", l.tag())
                    .description("client connections refused with an ErrorResponse: no backend, or the backend refused")
                    .register(registry);
            FunctionCounter.builder("pgha.proxy.cancel.requests", t, x -> x.cancelRequests(l)).tag("listener", l.tag())
                    .description("CancelRequests relayed to the backends").register(registry);
            FunctionCounter.builder("pgha.proxy.connections.held", t, x -> x.held(l)).tag("listener", l.tag())
                    .description("client connections that waited for a primary (read-write.hold-timeout)")
                    .register(registry);
        }
        FunctionCounter.builder("pgha.proxy.bytes", t, Traffic::bytesToBackend).tag("direction", "to_backend")
                .description("bytes forwarded").baseUnit("bytes").register(registry);
        FunctionCounter.builder("pgha.proxy.bytes", t, Traffic::bytesToClient).tag("direction", "to_client")
                .description("bytes forwarded").baseUnit("bytes").register(registry);
        FunctionCounter.builder("pgha.proxy.backend.switches", server, ProxyServer::backendSwitches)
                .description("times the read-write backend moved to another primary").register(registry);
    }
}
