package io.pgha.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.store.ClusterRepository;
import io.pgha.store.ClusterStore;
import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.MeterRegistryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * What every pgha service shares: the {@code pgha.*} properties, the store client for the configured
 * backend, its connectivity monitor and health component {@code store}, and the common metrics tag
 * {@code cluster}.
 */
@AutoConfiguration
@EnableConfigurationProperties(PghaProperties.class)
public class PghaAutoConfiguration {

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    ClusterStore clusterStore(PghaProperties properties) {
        return StoreFactory.create(properties);
    }

    @Bean
    @ConditionalOnMissingBean
    ClusterRepository clusterRepository(ClusterStore store) {
        return new ClusterRepository(store);
    }

    @Bean
    StoreConnectivity storeConnectivity(ClusterStore store) {
        Duration interval = store.timeout().compareTo(Duration.ofSeconds(1)) > 0 ? store.timeout()
                : Duration.ofSeconds(1);
        return new StoreConnectivity(store, interval);
    }

    @Bean
    StoreHealthIndicator storeHealthIndicator(ClusterStore store, StoreConnectivity connectivity,
                                              PghaProperties properties) {
        return new StoreHealthIndicator(store, connectivity, properties);
    }

    @Bean
    MeterRegistryCustomizer<MeterRegistry> pghaClusterTag(PghaProperties properties) {
        return registry -> registry.config().commonTags("cluster", properties.clusterName());
    }
}
