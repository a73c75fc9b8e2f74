package io.pgha.sentinel.evidence;

import io.pgha.sentinel.planner.StoreOutages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Records when the store was not usable, as this sentinel sees it (its clock), so that the planner never counts
 * that time against a keeper: when no keeper's report changed for {@code quietAfter}, the store is not carrying
 * writes (stopped, without quorum, or a stalled disk that leaves reads working), and the quiet time is an outage
 * until a report changes again. A real failover always has a candidate that reports, so this never hides one.
 * Every outage is followed by {@code grace}, the time live keepers need to be seen again once the store is back
 * (their next report, or a new registration when their lease expired meanwhile).
 *
 * <p>The sentinel's own failed or slow reads are deliberately no evidence: in a partition they are often its
 * path to one cut-off member (its connection stays pinned there until gRPC's keep-alive gives up) while the
 * others serve everyone else, and counting them delayed a needed failover by ten seconds. Outages older than
 * {@code keep} are forgotten. Thread-safe.
 */
public final class StoreOutageTracker {
    private final Duration keep;
    private final Deque<StoreOutages.Outage> outages = new ArrayDeque<>();
    private Instant quietSince;
    private Duration grace = Duration.ZERO;

    public StoreOutageTracker(Duration keep) {
        if (keep.isNegative()) {
            throw new IllegalArgumentException("keep must not be negative");
        }
        this.keep = keep;
    }

    /** How long after an outage keepers still count as unheard (two sleepIntervals: one report, and a retry). */
    public synchronized void grace(Duration afterEachOutage) {
        this.grace = afterEachOutage;
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

    /** True while every keeper is quiet. */
    public synchronized boolean ongoing() {
        return quietSince != null;
    }

    /** The outages of the last {@code keep}, an open one ending at {@code now}. */
    public synchronized StoreOutages snapshot(Instant now) {
        Instant horizon = now.minus(keep);
        while (!outages.isEmpty() && outages.peekFirst().to().isBefore(horizon)) {
            outages.removeFirst();
        }
        List<StoreOutages.Outage> out = new ArrayList<>(outages);
        if (quietSince != null && quietSince.isBefore(now)) {
            out.add(new StoreOutages.Outage(quietSince, now));
        }
        return new StoreOutages(merge(out));
    }

    private void add(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            return;
        }
        outages.addLast(new StoreOutages.Outage(from, to.plus(grace))); // the planner clips what lies ahead
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
