package io.pgha.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.model.Uids;
import io.pgha.proxy.net.ProxyServer;
import io.pgha.proxy.net.Traffic;
import io.pgha.proxy.net.Transport;
import io.pgha.proxy.route.Backend;
import io.pgha.proxy.route.Routing;
import io.pgha.proxy.view.ClusterViewMonitor;
import io.pgha.store.ClusterRepository;
import java.time.Instant;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The proxy's composition root. */
@Configuration(proxyBeanMethods = false)
class ProxyConfiguration {

    @Bean(destroyMethod = "close")
    ProxyServer proxyServer(ProxyProperties props, MeterRegistry registry) {
        ProxyServer server = new ProxyServer(props, Transport.select(props.transport()), new Traffic());
        ProxyMetrics.register(registry, server);
        return server;
    }

    @Bean
    ClusterViewMonitor clusterViewMonitor(ClusterRepository repository, ProxyServer server, ProxyProperties props) {
        String uid = props.uid() != null && !props.uid().isBlank() ? props.uid()
                : Uids.random("p");
        return new ClusterViewMonitor(repository, server, uid, props.readOnly().maxLag().toBytes(),
                props.readOnly().synchronousOnly(), props.clientAddress(props.port()),
                props.readOnlyPort() == null ? null : props.clientAddress(props.readOnlyPort()));
    }

    /** Health component {@code proxy}: DOWN while not listening (fenced, or no confirmed view yet). */
    @Bean
    HealthIndicator proxyHealthIndicator(ClusterViewMonitor monitor, ProxyServer server) {
        return () -> {
            Routing r = monitor.routing();
            Backend rw = server.readWriteBackend();
            Instant confirmed = monitor.confirmedAt();
            Health.Builder b = (server.listening() ? Health.up() : Health.down())
                    .withDetail("uid", monitor.uid())
                    .withDetail("listening", server.listening())
                    .withDetail("transport", server.transport().name().toLowerCase())
                    .withDetail("readWrite", rw == null ? "none" : rw.toString())
                    .withDetail("readOnly", server.readOnlyBackends().stream().map(Backend::toString).toList())
                    .withDetail("proxyGeneration", r.proxyGeneration());
            if (r.reason() != null) {
                b.withDetail("readWriteReason", r.reason());
            }
            if (confirmed != null) {
                b.withDetail("confirmedAt", confirmed.toString());
            }
            if (monitor.problem() != null) {
                b.withDetail("problem", monitor.problem());
            }
            return b.build();
        };
    }
}
