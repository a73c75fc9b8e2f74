package io.pgha.store;

import io.pgha.model.Backups;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterHistory;
import io.pgha.model.InvalidSpecException;
import io.pgha.model.JsonCodec;
import io.pgha.model.KeeperInfo;
import io.pgha.model.MalformedDocumentException;
import io.pgha.model.ProxyInfo;
import io.pgha.model.SentinelInfo;
import io.pgha.model.Violation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed access to pgha's documents in a {@link ClusterStore}. A malformed value is reported (exception
 * or log line naming the key) and left as it is: pgha never overwrites what it cannot read.
 */
public final class ClusterRepository {
    private static final Logger log = LoggerFactory.getLogger(ClusterRepository.class);

    private final ClusterStore store;

    public ClusterRepository(ClusterStore store) {
        this.store = store;
    }

    public ClusterStore store() {
        return store;
    }

    /**
     * The cluster data with its revision, empty when the cluster was never initialized.
     *
     * @throws MalformedDocumentException when the stored value cannot be read
     */
    public Optional<Versioned<ClusterData>> clusterData() {
        return store.get(StoreKeys.CLUSTER_DATA).map(v -> v.withValue(
                JsonCodec.read(v.value(), ClusterData.class, "cluster data at " + store.root() + v.key())));
    }

    /**
     * The cluster data as {@link #clusterData()}, and only when it also passes {@link ClusterData#validate()}:
     * what a service may act on.
     *
     * @throws MalformedDocumentException when the stored value cannot be read or breaks the rules
     */
    public Optional<Versioned<ClusterData>> validClusterData() {
        return store.get(StoreKeys.CLUSTER_DATA).map(v -> v.withValue(decodeValidClusterData(v.value(),
                "cluster data at " + store.root() + v.key())));
    }

    /** Decodes cluster data and checks it: cluster data that breaks its own rules routes nobody anywhere new. */
    public static ClusterData decodeValidClusterData(String json, String what) {
        ClusterData cd = JsonCodec.read(json, ClusterData.class, what);
        List<Violation> problems = cd.validate();
        if (!problems.isEmpty()) {
            throw new MalformedDocumentException(what, problems.toString());
        }
        return cd;
    }

    /** A keeper's info as published under {@code keepers/<uid>}. */
    public static KeeperInfo decodeKeeperInfo(String json, String what) {
        return JsonCodec.read(json, KeeperInfo.class, what);
    }

    /**
     * Writes cluster data if its revision is still {@code expectedRevision} (0: only if absent). A
     * document that fails {@link ClusterData#validate()} is refused before it reaches the store.
     */
    public CasResult putClusterData(ClusterData data, long expectedRevision) {
        List<Violation> violations = data.validate();
        if (!violations.isEmpty()) {
            throw new InvalidSpecException(violations);
        }
        return store.compareAndPut(StoreKeys.CLUSTER_DATA, JsonCodec.write(data), expectedRevision);
    }

    public Map<String, KeeperInfo> keeperInfos() {
        return readAll(StoreKeys.KEEPERS, KeeperInfo.class);
    }

    public Map<String, SentinelInfo> sentinelInfos() {
        return readAll(StoreKeys.SENTINELS, SentinelInfo.class);
    }

    public Map<String, ProxyInfo> proxyInfos() {
        return readAll(StoreKeys.PROXIES, ProxyInfo.class);
    }

    public Optional<Versioned<ClusterHistory>> history() {
        return store.get(StoreKeys.HISTORY).map(v -> v.withValue(
                JsonCodec.read(v.value(), ClusterHistory.class, "history at " + store.root() + v.key())));
    }

    public CasResult putHistory(ClusterHistory history, long expectedRevision) {
        return store.compareAndPut(StoreKeys.HISTORY, JsonCodec.write(history), expectedRevision);
    }

    /** The built-in backups' document; empty when no backup was ever requested or scheduled. */
    public Optional<Versioned<Backups>> backups() {
        return store.get(StoreKeys.BACKUPS).map(v -> v.withValue(
                JsonCodec.read(v.value(), Backups.class, "backups at " + store.root() + v.key())));
    }

    /** Writes the backups' document if its revision is still {@code expectedRevision} (0: only if absent). */
    public CasResult putBackups(Backups backups, long expectedRevision) {
        return store.compareAndPut(StoreKeys.BACKUPS, JsonCodec.write(backups), expectedRevision);
    }

    /**
     * Read-modify-write of the backups' document: {@code change} sees the current document (empty when absent) and
     * returns the next; a concurrent write makes it run again on the newer one. Returns what is stored afterwards;
     * nothing is written when {@code change} returns its argument.
     *
     * @throws StoreException when the store does not answer or the document keeps changing
     */
    public Backups updateBackups(java.util.function.UnaryOperator<Backups> change) {
        for (int attempt = 0; attempt < 5; attempt++) {
            Optional<Versioned<Backups>> current = backups();
            Backups before = current.map(Versioned::value).orElse(Backups.empty());
            Backups after = change.apply(before);
            if (after.equals(before)) {
                return before;
            }
            if (putBackups(after, current.map(Versioned::revision).orElse(0L)).succeeded()) {
                return after;
            }
        }
        throw new StoreException("the backups document kept changing; not written", null);
    }

    /** Every readable document under a prefix, by uid; unreadable ones are logged and skipped. */
    private <T> Map<String, T> readAll(String prefix, Class<T> type) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Versioned<String> v : store.list(prefix)) {
            String uid = v.key().substring(prefix.length());
            try {
                out.put(uid, JsonCodec.read(v.value(), type, type.getSimpleName() + " at " + store.root()
                        + v.key()));
            } catch (MalformedDocumentException e) {
                log.warn("{} (ignored)", e.getMessage());
            }
        }
        return out;
    }
}
