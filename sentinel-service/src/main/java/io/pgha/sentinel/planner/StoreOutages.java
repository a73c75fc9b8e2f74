package io.pgha.sentinel.planner;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The intervals (sentinel clock) in which this sentinel could not use the store: calls that failed, timed out or
 * stalled. Nobody's silence counts during them: a keeper could not publish either, so a store outage, of any
 * length, is never evidence that a keeper failed.
 */
public record StoreOutages(List<Outage> outages) {
    public static final StoreOutages NONE = new StoreOutages(List.of());

    public StoreOutages {
        outages = List.copyOf(outages);
    }

    public record Outage(Instant from, Instant to) {
        public Outage {
            if (to.isBefore(from)) {
                throw new IllegalArgumentException("outage ends before it starts: " + from + " > " + to);
            }
        }
    }

    /** Time from {@code since} to {@code now} in which the store was usable: the wall time less every outage. */
    public Duration usableSince(Instant since, Instant now) {
        if (!since.isBefore(now)) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(since, now);
        for (Outage o : outages) {
            Instant from = o.from().isBefore(since) ? since : o.from();
            Instant to = o.to().isAfter(now) ? now : o.to();
            if (from.isBefore(to)) {
                d = d.minus(Duration.between(from, to));
            }
        }
        return d.isNegative() ? Duration.ZERO : d;
    }
}
