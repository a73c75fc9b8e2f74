package io.pgha.store;

/** The store layout under {@code <prefix>/<cluster-name>/} (docs/architecture.md). */
public final class StoreKeys {
    public static final String CLUSTER_DATA = "clusterdata";
    public static final String KEEPERS = "keepers/";
    public static final String SENTINELS = "sentinels/";
    public static final String PROXIES = "proxies/";
    public static final String SENTINEL_LEADER = "sentinel-leader";
    public static final String HISTORY = "history";
    /** The built-in backups: the one requested or running, the last, the schedule, the catalogue. */
    public static final String BACKUPS = "backups";

    private StoreKeys() {
    }

    /** The absolute root of a cluster's keys, e.g. {@code pgha/demo/}. */
    public static String root(String prefix, String clusterName) {
        String p = prefix.endsWith("/") ? prefix : prefix + "/";
        return p + clusterName + "/";
    }

    public static String keeper(String uid) {
        return KEEPERS + uid;
    }

    public static String sentinel(String uid) {
        return SENTINELS + uid;
    }

    public static String proxy(String uid) {
        return PROXIES + uid;
    }
}
