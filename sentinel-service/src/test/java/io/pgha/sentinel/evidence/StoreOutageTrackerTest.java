package io.pgha.sentinel.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.sentinel.planner.StoreOutages;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoreOutageTrackerTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    final StoreOutageTracker tracker = new StoreOutageTracker(Duration.ofMillis(500), Duration.ofMinutes(10));

    static Instant t(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    @Test
    void fastCallsAreNoOutage() {
        tracker.succeeded(t(0), t(0.1));
        tracker.succeeded(t(1), t(1.4));
        assertThat(tracker.snapshot(t(2)).outages()).isEmpty();
        assertThat(tracker.snapshot(t(2)).usableSince(t(0), t(2))).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aStalledCallIsAnOutageForItsDuration() {
        tracker.succeeded(t(1), t(3.5));
        StoreOutages o = tracker.snapshot(t(5));
        assertThat(o.outages()).containsExactly(new StoreOutages.Outage(t(1), t(3.5)));
        assertThat(o.usableSince(t(0), t(5))).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void failedCallsOpenAnOutageThatTheNextSuccessCloses() {
        tracker.failed(t(1));
        tracker.failed(t(3));
        assertThat(tracker.ongoing()).isTrue();
        assertThat(tracker.snapshot(t(4)).lostSince(t(0), t(4))).isEqualTo(Duration.ofSeconds(3));
        tracker.succeeded(t(61), t(61.2));
        assertThat(tracker.ongoing()).isFalse();
        assertThat(tracker.snapshot(t(62)).outages()).containsExactly(new StoreOutages.Outage(t(1), t(61.2)));
        assertThat(tracker.snapshot(t(62)).usableSince(t(0.5), t(62))).isEqualTo(Duration.ofMillis(1300));
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
        tracker.succeeded(t(1), t(3));
        tracker.failed(t(2));
        tracker.succeeded(t(5), t(5.1));
        assertThat(tracker.snapshot(t(6)).outages()).containsExactly(new StoreOutages.Outage(t(1), t(5.1)));
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
