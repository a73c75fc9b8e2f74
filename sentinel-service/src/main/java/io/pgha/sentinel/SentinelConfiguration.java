package io.pgha.sentinel;

import io.micrometer.core.instrument.MeterRegistry;
import io.pgha.store.ClusterRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The sentinel's composition root. */
@Configuration(proxyBeanMethods = false)
class SentinelConfiguration {

    @Bean
    SentinelLoop sentinelLoop(ClusterRepository repository, SentinelProperties props, MeterRegistry registry) {
        String uid = props.uid() != null && !props.uid().isBlank() ? props.uid()
                : "s" + SentinelLoop.newDbUid().substring(2);
        return new SentinelLoop(repository, uid, InitialClusterSpec.read(props.initialClusterSpec()),
                Clock.systemUTC(), registry);
    }

    /** Health component {@code sentinel}: a leader whose checks stopped succeeding is DOWN. */
    @Bean
    HealthIndicator sentinelHealthIndicator(SentinelLoop loop) {
        return () -> {
            Instant last = loop.lastSuccess();
            Health.Builder b = Health.up().withDetail("uid", loop.uid()).withDetail("leader", loop.leader());
            if (last != null) {
                b.withDetail("lastSuccess", last.toString());
            }
            if (loop.leader() && (last == null
                    || Duration.between(last, Instant.now()).compareTo(loop.sleepInterval().multipliedBy(5)) > 0)) {
                b.down().withDetail("reason", "the leader's checks are not succeeding");
            }
            return b.build();
        };
    }
}
