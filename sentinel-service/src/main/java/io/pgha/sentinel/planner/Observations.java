package io.pgha.sentinel.planner;

import io.pgha.model.KeeperInfo;
import io.pgha.model.ProxyInfo;
import java.time.Instant;
import java.util.Map;

/**
 * What the keepers and proxies published, by uid: the planner's view of the world besides the cluster data.
 *
 * @param keeperUpdates when (sentinel clock) each keeper's info was last seen to change; a keeper missing
 *                      here counts as just updated (a new leader has no history and must not fail anyone
 *                      for that)
 */
public record Observations(Map<String, KeeperInfo> keepers, Map<String, ProxyInfo> proxies,
                           Map<String, Instant> keeperUpdates) {
    public Observations {
        keepers = Map.copyOf(keepers);
        proxies = Map.copyOf(proxies);
        keeperUpdates = Map.copyOf(keeperUpdates);
    }

    public Observations(Map<String, KeeperInfo> keepers, Map<String, ProxyInfo> proxies) {
        this(keepers, proxies, Map.of());
    }
}
