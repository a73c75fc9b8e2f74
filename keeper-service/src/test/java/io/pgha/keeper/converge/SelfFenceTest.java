package io.pgha.keeper.converge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SelfFenceTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration FAIL_INTERVAL = Duration.ofSeconds(4);

    @Test
    void aPrimaryConfirmedWithinFailIntervalServes() {
        assertThat(SelfFence.mustFence(true, T0, T0.plusMillis(4000), FAIL_INTERVAL)).isFalse();
    }

    @Test
    void aPrimaryUnconfirmedForLongerThanFailIntervalIsFenced() {
        assertThat(SelfFence.mustFence(true, T0, T0.plusMillis(4001), FAIL_INTERVAL)).isTrue();
    }

    @Test
    void aStandbyIsNeverFenced() {
        assertThat(SelfFence.mustFence(false, T0, T0.plusSeconds(600), FAIL_INTERVAL)).isFalse();
    }
}
