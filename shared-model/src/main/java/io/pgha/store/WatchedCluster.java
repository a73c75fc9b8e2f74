package io.pgha.store;

import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSnapshot;
import io.pgha.model.KeeperInfo;
import io.pgha.model.MalformedDocumentException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster as a watch of the cluster root shows it: the last valid cluster data and every keeper's info,
 * kept current from watch events between full reads. Cluster data that cannot be read or breaks its rules is
 * reported and the last valid one kept; an unreadable keeper info counts as no info. Not thread-safe: one
 * thread applies reads and events (the order in which they happened).
 */
public final class WatchedCluster {
    private final String root;
    private ClusterData clusterData;
    private final Map<String, KeeperInfo> keepers = new HashMap<>();

    /**
     * What one batch of events did: whether the cluster data or a keeper info changed, why new cluster data was
     * not taken (null when it was, or none came), and each unreadable keeper info.
     */
    public record Change(boolean changed, String clusterDataProblem, List<String> malformedKeeperInfos) {
        public Change {
            malformedKeeperInfos = List.copyOf(malformedKeeperInfos);
        }
    }

    /** @param root the store's cluster root, for messages */
    public WatchedCluster(String root) {
        this.root = root;
    }

    /** Replaces everything with a full read (after a start or a watch reset). */
    public void reset(ClusterData cd, Map<String, KeeperInfo> infos) {
        clusterData = cd;
        keepers.clear();
        keepers.putAll(infos);
    }

    public Change apply(List<WatchEvent> events) {
        boolean changed = false;
        String problem = null;
        List<String> malformed = new ArrayList<>();
        for (WatchEvent e : events) {
            if (e.key().equals(StoreKeys.CLUSTER_DATA)) {
                try {
                    clusterData = e.type() == WatchEvent.Type.DELETE ? null
                            : ClusterRepository.decodeValidClusterData(e.value(), "cluster data at " + root + e.key());
                    changed = true;
                    problem = null;
                } catch (MalformedDocumentException ex) {
                    problem = ex.getMessage();
                }
            } else if (e.key().startsWith(StoreKeys.KEEPERS)) {
                String keeper = e.key().substring(StoreKeys.KEEPERS.length());
                changed = true;
                if (e.type() == WatchEvent.Type.DELETE) {
                    keepers.remove(keeper);
                    continue;
                }
                try {
                    keepers.put(keeper, ClusterRepository.decodeKeeperInfo(e.value(), "keeper info " + keeper));
                } catch (MalformedDocumentException ex) {
                    keepers.remove(keeper);
                    malformed.add(ex.getMessage());
                }
            }
        }
        return new Change(changed, problem, malformed);
    }

    /** The last valid cluster data, or null (none yet, or deleted). */
    public ClusterData clusterData() {
        return clusterData;
    }

    public Map<String, KeeperInfo> keepers() {
        return Map.copyOf(keepers);
    }

    /** The snapshot of the cluster as watched, when there is cluster data. */
    public Optional<ClusterSnapshot> snapshot() {
        return Optional.ofNullable(clusterData).map(cd -> new ClusterSnapshot(cd, keepers));
    }
}
