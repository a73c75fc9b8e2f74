package io.pgha.sentinel.planner;

import io.pgha.model.KeeperInfo;
import io.pgha.model.ProxyInfo;
import java.time.Instant;
import java.util.Map;

/**
 * What the planner knows of the world besides the cluster data: what keepers and proxies published, by uid,
 * and the sentinel's own evidence gathered over time (by its clock).
 *
 * @param sightings    per keeper uid, the last info this sentinel saw and when it saw it change; kept for a
 *                     while after the info vanished, so that a keeper's last report is known after its lease ran
 *                     out. A present keeper with no sighting counts as just seen (a new leader has no history and
 *                     must not fail anyone for that)
 * @param storeOutages the time this sentinel could not use the store: it counts for nobody's failure
 * @param probes       per DB uid, the sentinel's own TCP probes of that DB's PostgreSQL address (only the
 *                     master's, and only while its keeper is silent)
 */
public record Observations(Map<String, KeeperInfo> keepers, Map<String, ProxyInfo> proxies,
                           Map<String, Sighting> sightings, StoreOutages storeOutages, Map<String, PortProbe> probes) {
    public Observations {
        keepers = Map.copyOf(keepers);
        proxies = Map.copyOf(proxies);
        sightings = Map.copyOf(sightings);
        storeOutages = storeOutages == null ? StoreOutages.NONE : storeOutages;
        probes = Map.copyOf(probes);
    }

    public Observations(Map<String, KeeperInfo> keepers, Map<String, ProxyInfo> proxies) {
        this(keepers, proxies, Map.of(), StoreOutages.NONE, Map.of());
    }

    /**
     * The last info of a keeper this sentinel saw, and when (its clock) it saw that info appear or change.
     * Keepers republish every sleepInterval, so an unchanged info means a keeper that stopped reporting.
     */
    public record Sighting(KeeperInfo info, Instant changedAt) {
    }

    /**
     * A run of TCP connection attempts to a DB's PostgreSQL address. {@code refusedSince} is the first of the
     * consecutive attempts, up to the last one, that were actively refused (nothing listens there: the
     * postmaster is gone); null when the last attempt connected or timed out (a frozen or unreachable host
     * says nothing).
     */
    public record PortProbe(String address, Instant refusedSince, int refusals, Instant lastAttempt) {
        public static PortProbe refused(String address, Instant at, PortProbe before) {
            return before != null && before.refusedSince() != null && address.equals(before.address())
                    ? new PortProbe(address, before.refusedSince(), before.refusals() + 1, at)
                    : new PortProbe(address, at, 1, at);
        }

        public static PortProbe notRefused(String address, Instant at) {
            return new PortProbe(address, null, 0, at);
        }
    }
}
