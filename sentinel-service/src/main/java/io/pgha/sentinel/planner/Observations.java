package io.pgha.sentinel.planner;

import io.pgha.model.KeeperInfo;
import io.pgha.model.ProxyInfo;
import java.util.Map;

/** What the keepers and proxies published, by uid: the planner's view of the world besides the cluster data. */
public record Observations(Map<String, KeeperInfo> keepers, Map<String, ProxyInfo> proxies) {
    public Observations {
        keepers = Map.copyOf(keepers);
        proxies = Map.copyOf(proxies);
    }
}
