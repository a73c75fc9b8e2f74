package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * The one document the sentinel leader writes (with compare-and-swap) and everyone else reads: the
 * cluster, its keepers, their DB assignments and the proxy handshake. Maps are sorted by uid so that the
 * JSON is stable. Fields written by a newer pgha that this version does not know are kept in
 * {@link #extensions()} and written back unchanged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterData(
        int formatVersion,
        Cluster cluster,
        Map<String, Keeper> keepers,
        Map<String, DB> dbs,
        Proxy proxy,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extensions) {

    public static final int FORMAT_VERSION = 1;

    public ClusterData {
        keepers = sorted(keepers);
        dbs = sorted(dbs);
        proxy = proxy != null ? proxy : Proxy.empty();
        extensions = extensions == null ? new LinkedHashMap<>() : extensions;
    }

    public ClusterData(int formatVersion, Cluster cluster, Map<String, Keeper> keepers, Map<String, DB> dbs,
                       Proxy proxy) {
        this(formatVersion, cluster, keepers, dbs, proxy, null);
    }

    /** A brand-new cluster document in phase initializing, with no keepers yet. */
    public static ClusterData initial(Cluster cluster) {
        return new ClusterData(FORMAT_VERSION, cluster, Map.of(), Map.of(), Proxy.empty());
    }

    public ClusterData withCluster(Cluster c) {
        return new ClusterData(formatVersion, c, keepers, dbs, proxy, extensions);
    }

    public ClusterData withKeeper(Keeper k) {
        Map<String, Keeper> m = new TreeMap<>(keepers);
        m.put(k.uid(), k);
        return new ClusterData(formatVersion, cluster, m, dbs, proxy, extensions);
    }

    public ClusterData withoutKeeper(String uid) {
        Map<String, Keeper> m = new TreeMap<>(keepers);
        m.remove(uid);
        return new ClusterData(formatVersion, cluster, m, dbs, proxy, extensions);
    }

    public ClusterData withDb(DB db) {
        Map<String, DB> m = new TreeMap<>(dbs);
        m.put(db.uid(), db);
        return new ClusterData(formatVersion, cluster, keepers, m, proxy, extensions);
    }

    public ClusterData withoutDb(String uid) {
        Map<String, DB> m = new TreeMap<>(dbs);
        m.remove(uid);
        return new ClusterData(formatVersion, cluster, keepers, m, proxy, extensions);
    }

    public ClusterData withProxy(Proxy p) {
        return new ClusterData(formatVersion, cluster, keepers, dbs, p, extensions);
    }

    /** The DB currently elected master, if any. */
    public Optional<DB> masterDb() {
        String master = cluster == null ? null : cluster.status().master();
        return Optional.ofNullable(master).map(dbs::get);
    }

    /** The DB assigned to a keeper, if any. */
    public Optional<DB> dbOfKeeper(String keeperUid) {
        return dbs.values().stream().filter(d -> keeperUid.equals(d.spec().keeperUid())).findFirst();
    }

    /**
     * Structural problems that make the document unsafe to act on: a service that reads an invalid
     * document reports it and leaves it alone rather than "repairing" it.
     */
    public List<Violation> validate() {
        Validator v = new Validator();
        if (formatVersion != FORMAT_VERSION) {
            v.fail("formatVersion", "unsupported format version " + formatVersion + " (this pgha reads "
                    + FORMAT_VERSION + ")");
        }
        if (cluster == null) {
            v.fail("cluster", "missing");
            return v.violations();
        }
        v.require(cluster.uid() != null && !cluster.uid().isBlank(), "cluster.uid", "missing");
        v.require(cluster.spec() != null, "cluster.spec", "missing");
        if (cluster.spec() != null) {
            cluster.spec().validate().forEach(x -> v.fail("cluster.spec." + x.field(), x.message()));
        }
        keepers.forEach((uid, k) -> v.require(uid.equals(k.uid()), "keepers." + uid + ".uid",
                "does not match its key (" + k.uid() + ")"));
        dbs.forEach((uid, db) -> {
            v.require(uid.equals(db.uid()), "dbs." + uid + ".uid", "does not match its key (" + db.uid() + ")");
            v.require(db.spec() != null && keepers.containsKey(db.spec().keeperUid()), "dbs." + uid
                    + ".spec.keeperUid", "names no known keeper");
        });
        String master = cluster.status().master();
        v.require(master == null || dbs.containsKey(master), "cluster.status.master", "names no known db");
        String proxyMaster = proxy.spec().masterDbUid();
        v.require(proxyMaster == null || dbs.containsKey(proxyMaster), "proxy.spec.masterDbUid",
                "names no known db");
        return v.violations();
    }

    private static <V> Map<String, V> sorted(Map<String, V> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(m));
    }
}
