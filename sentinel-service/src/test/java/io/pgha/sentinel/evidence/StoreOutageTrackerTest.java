package io.pgha.sentinel.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.sentinel.planner.StoreOutages;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoreOutageTrackerTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    final StoreOutageTracker tracker = new StoreOutageTracker(Duration.ofMinutes(10));

    static Instant t(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    @Test
    void keepersThatKeepReportingMeanNoOutage() {
        Duration quiet = Duration.ofSeconds(2);
        for (int i = 1; i <= 10; i++) {
            tracker.keepersLastChanged(t(i - 0.5), quiet, t(i));
        }
        assertThat(tracker.snapshot(t(10)).outages()).isEmpty();
        assertThat(tracker.snapshot(t(10)).usableSince(t(0), t(10))).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void anOutageIsFollowedByTheGraceKeepersNeedToBeSeenAgain() {
        tracker.grace(Duration.ofSeconds(2));
        Duration quiet = Duration.ofSeconds(2);
        tracker.keepersLastChanged(t(1), quiet, t(4));
        tracker.keepersLastChanged(t(5.5), quiet, t(5.6));
        StoreOutages o = tracker.snapshot(t(10));
        assertThat(o.outages()).containsExactly(new StoreOutages.Outage(t(3), t(7.5)));
        assertThat(o.usableSince(t(0), t(6))).isEqualTo(Duration.ofSeconds(3)); // what lies ahead is clipped
    }

    @Test
    void everyKeeperQuietAtOnceIsTheStoresOutageUntilOneReportsAgain() {
        Duration quiet = Duration.ofSeconds(2);
        tracker.keepersLastChanged(t(10), quiet, t(11));
        assertThat(tracker.ongoing()).isFalse();
        tracker.keepersLastChanged(t(10), quiet, t(13));
        tracker.keepersLastChanged(t(10), quiet, t(20));
        assertThat(tracker.ongoing()).isTrue();
        tracker.keepersLastChanged(t(21), quiet, t(21.1));
        assertThat(tracker.snapshot(t(22)).outages()).containsExactly(new StoreOutages.Outage(t(12), t(21)));
    }

    @Test
    void overlappingOutagesAreMergedAndOldOnesForgotten() {
        assertThat(StoreOutageTracker.merge(new java.util.ArrayList<>(java.util.List.of(
                new StoreOutages.Outage(t(2), t(5.1)), new StoreOutages.Outage(t(1), t(3))))))
                .containsExactly(new StoreOutages.Outage(t(1), t(5.1)));
        tracker.keepersLastChanged(t(1), Duration.ofSeconds(2), t(4));
        tracker.keepersLastChanged(t(5), Duration.ofSeconds(2), t(5.1));
        assertThat(tracker.snapshot(t(1000)).outages()).isEmpty();
    }

    @Test
    void usableTimeCountsOnlyTheOverlap() {
        StoreOutages o = new StoreOutages(java.util.List.of(new StoreOutages.Outage(t(0), t(10)),
                new StoreOutages.Outage(t(20), t(30))));
        assertThat(o.usableSince(t(5), t(25))).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.usableSince(t(40), t(41))).isEqualTo(Duration.ofSeconds(1));
        assertThat(o.usableSince(t(41), t(40))).isEqualTo(Duration.ZERO);
    }
}
