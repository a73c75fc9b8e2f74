package io.pgha.config;

import io.pgha.store.ClusterStore;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** Actuator health component {@code store}: UP while the store answers, DOWN with the reason otherwise. */
public final class StoreHealthIndicator implements HealthIndicator {
    private final ClusterStore store;
    private final StoreConnectivity connectivity;
    private final PghaProperties properties;

    public StoreHealthIndicator(ClusterStore store, StoreConnectivity connectivity, PghaProperties properties) {
        this.store = store;
        this.connectivity = connectivity;
        this.properties = properties;
    }

    @Override
    public Health health() {
        StoreConnectivity.Status s = connectivity.status();
        Health.Builder b = s.reachable() ? Health.up() : Health.down().withDetail("reason", s.error());
        b.withDetail("backend", store.backend())
                .withDetail("endpoints", properties.store().endpoints())
                .withDetail("root", store.root());
        if (s.lastSuccess() != null) {
            b.withDetail("lastSuccess", s.lastSuccess().toString());
        }
        return b.build();
    }
}
