package io.pgha.sentinel.evidence;

import io.pgha.sentinel.planner.StoreOutages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Records when the store was not usable, as this sentinel sees it, so that the planner never counts that time
 * against a keeper. Two kinds of evidence, both by the sentinel's clock:
 * <ul>
 *   <li>its own store round trips: one that failed opens an outage that the next successful one closes; one
 *       that succeeded but took longer than {@code slowCall} (the store stalled) is an outage for its duration;
 *   <li>every keeper silent at once: when no keeper's report changed for {@code quietAfter} the store is not
 *       carrying writes (a stalled disk or leader can leave reads working); the quiet time is an outage until a
 *       report changes again. A real failover always has a candidate that reports, so this never hides one.
 * </ul>
 * Outages older than {@code keep} are forgotten. Thread-safe.
 */
public final class StoreOutageTracker {
    private final Duration slowCall;
    private final Duration keep;
    private final Deque<StoreOutages.Outage> outages = new ArrayDeque<>();
    private Instant failingSince;
    private Instant quietSince;

    public StoreOutageTracker(Duration slowCall, Duration keep) {
        if (slowCall.isNegative() || keep.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative");
        }
        this.slowCall = slowCall;
        this.keep = keep;
    }

    /** A store round trip from {@code start} to {@code end} that worked. */
    public synchronized void succeeded(Instant start, Instant end) {
        if (failingSince != null) {
            add(failingSince, end);
            failingSince = null;
        } else if (Duration.between(start, end).compareTo(slowCall) > 0) {
            add(start, end);
        }
    }

    /** A store round trip that started at {@code start} and failed (error or timeout). */
    public synchronized void failed(Instant start) {
        if (failingSince == null) {
            failingSince = start;
        }
    }

    /**
     * After a successful read at {@code now}: the latest time any keeper's report was seen to change (null when
     * there are too few keepers to tell), and how long every keeper may be quiet before that means the store.
     */
    public synchronized void keepersLastChanged(Instant latestChange, Duration quietAfter, Instant now) {
        Instant quietFrom = latestChange == null ? null : latestChange.plus(quietAfter);
        if (quietFrom != null && quietFrom.isBefore(now)) {
            if (quietSince == null) {
                quietSince = quietFrom;
            }
            return;
        }
        if (quietSince != null) {
            add(quietSince, latestChange != null && latestChange.isAfter(quietSince) ? latestChange : now);
            quietSince = null;
        }
    }

    /** True while an outage is open (the last round trip failed, or every keeper is quiet). */
    public synchronized boolean ongoing() {
        return failingSince != null || quietSince != null;
    }

    /** The outages of the last {@code keep}, an open one ending at {@code now}. */
    public synchronized StoreOutages snapshot(Instant now) {
        Instant horizon = now.minus(keep);
        while (!outages.isEmpty() && outages.peekFirst().to().isBefore(horizon)) {
            outages.removeFirst();
        }
        List<StoreOutages.Outage> out = new ArrayList<>(outages);
        for (Instant open : new Instant[] {failingSince, quietSince}) {
            if (open != null && open.isBefore(now)) {
                out.add(new StoreOutages.Outage(open, now));
            }
        }
        return new StoreOutages(merge(out));
    }

    private void add(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return;
        }
        outages.addLast(new StoreOutages.Outage(from, to));
        List<StoreOutages.Outage> merged = merge(new ArrayList<>(outages));
        outages.clear();
        outages.addAll(merged);
    }

    /** Sorted, non-overlapping: the planner subtracts each one once. */
    static List<StoreOutages.Outage> merge(List<StoreOutages.Outage> list) {
        list.sort(java.util.Comparator.comparing(StoreOutages.Outage::from));
        List<StoreOutages.Outage> out = new ArrayList<>();
        for (StoreOutages.Outage o : list) {
            StoreOutages.Outage last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && !o.from().isAfter(last.to())) {
                out.set(out.size() - 1, new StoreOutages.Outage(last.from(),
                        o.to().isAfter(last.to()) ? o.to() : last.to()));
            } else {
                out.add(o);
            }
        }
        return out;
    }
}
