package io.pgha.store.consul;

import io.pgha.concurrent.DaemonExecutors;
import io.pgha.model.JsonCodec;
import io.pgha.store.CasResult;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreException;
import io.pgha.store.StoreSession;
import io.pgha.store.StoreWatch;
import io.pgha.store.Versioned;
import io.pgha.store.WatchListener;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link ClusterStore} over Consul's HTTP API: KV for documents, the transaction endpoint for
 * compare-and-swap (it returns the new ModifyIndex atomically), sessions with behavior {@code delete} for
 * ephemeral keys, {@code ?acquire=} for election, and blocking queries for watches.
 *
 * <p>Consul refuses session TTLs under 10 s, so ephemeral keys live at least that long after their owner
 * dies: failure detection over Consul is slower than over etcd.
 */
public final class ConsulClusterStore implements ClusterStore {
    static final Duration MIN_SESSION_TTL = Duration.ofSeconds(10);

    private final ConsulHttp http;
    private final String root;
    private final ScheduledExecutorService scheduler;

    public ConsulClusterStore(URI endpoint, String token, String root, Duration timeout) {
        this.http = new ConsulHttp(endpoint, token, timeout);
        this.root = root;
        this.scheduler = DaemonExecutors.pool(2, "consul-store");
    }

    @Override
    public String backend() {
        return "consul";
    }

    @Override
    public String root() {
        return root;
    }

    @Override
    public Duration timeout() {
        return http.timeout();
    }

    ConsulHttp http() {
        return http;
    }

    String kvPath(String key) {
        return "/v1/kv/" + ConsulHttp.encodePath(root + key);
    }

    @Override
    public Optional<Versioned<String>> get(String key) {
        ConsulHttp.Response r = http.send("get " + key, "GET", kvPath(key), null);
        if (r.status() == 404) {
            return Optional.empty();
        }
        expect(r, "get " + key);
        List<Versioned<String>> entries = parseEntries(r.body());
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(0));
    }

    @Override
    public List<Versioned<String>> list(String prefix) {
        ConsulHttp.Response r = http.send("list " + prefix, "GET", kvPath(prefix) + "?recurse=true", null);
        if (r.status() == 404) {
            return List.of();
        }
        expect(r, "list " + prefix);
        return parseEntries(r.body());
    }

    /** Maps Consul's KV entries ({@code Key}, base64 {@code Value}, {@code ModifyIndex}) to relative keys. */
    List<Versioned<String>> parseEntries(String body) {
        List<Versioned<String>> out = new ArrayList<>();
        for (JsonNode e : JsonCodec.mapper().readTree(body)) {
            String key = e.path("Key").asString();
            if (!key.startsWith(root)) {
                continue;
            }
            JsonNode v = e.get("Value");
            String value = v == null || v.isNull() ? "" : new String(Base64.getDecoder().decode(v.asString()),
                    StandardCharsets.UTF_8);
            out.add(new Versioned<>(key.substring(root.length()), value, e.path("ModifyIndex").asLong()));
        }
        out.sort(Comparator.comparing(Versioned::key));
        return out;
    }

    @Override
    public long put(String key, String value) {
        return txn("put " + key, kvOp("set", key, value, null)).orElseThrow(() -> new StoreException(
                "consul put " + key + ": refused"));
    }

    @Override
    public CasResult compareAndPut(String key, String value, long expectedRevision) {
        // Consul's cas with index 0 writes only if the key does not exist: create-if-absent.
        Optional<Long> index = txn("compare-and-put " + key, kvOp("cas", key, value, expectedRevision));
        return index.map(CasResult::success).orElseGet(() -> CasResult.conflict(get(key)));
    }

    @Override
    public boolean compareAndDelete(String key, long expectedRevision) {
        return txn("compare-and-delete " + key, kvOp("delete-cas", key, null, expectedRevision)).isPresent();
    }

    @Override
    public void delete(String key) {
        expect(http.send("delete " + key, "DELETE", kvPath(key), null), "delete " + key);
    }

    ObjectNode kvOp(String verb, String key, String value, Long index) {
        ObjectNode kv = JsonCodec.mapper().createObjectNode();
        kv.put("Verb", verb);
        kv.put("Key", root + key);
        if (value != null) {
            kv.put("Value", Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
        }
        if (index != null) {
            kv.put("Index", index);
        }
        ObjectNode op = JsonCodec.mapper().createObjectNode();
        op.set("KV", kv);
        return op;
    }

    /**
     * Runs one KV operation in a transaction: the new ModifyIndex on success (0 for deletes), empty when
     * Consul rolled it back (409: the compare failed).
     */
    Optional<Long> txn(String what, ObjectNode op) {
        ArrayNode ops = JsonCodec.mapper().createArrayNode().add(op);
        ConsulHttp.Response r = http.send(what, "PUT", "/v1/txn", JsonCodec.write(ops));
        if (r.status() == 409) {
            return Optional.empty();
        }
        expect(r, what);
        JsonNode results = JsonCodec.mapper().readTree(r.body()).path("Results");
        JsonNode kv = results.isArray() && !results.isEmpty() ? results.get(0).path("KV") : null;
        return Optional.of(kv == null || kv.isMissingNode() ? 0L : kv.path("ModifyIndex").asLong());
    }

    @Override
    public StoreSession openSession(Duration ttl, StoreSession.Listener listener) {
        return ConsulSession.open(this, scheduler, ttl.compareTo(MIN_SESSION_TTL) < 0 ? MIN_SESSION_TTL : ttl,
                listener);
    }

    @Override
    public StoreWatch watch(String key, boolean prefix, WatchListener listener) {
        return ConsulWatch.start(this, key, prefix, listener);
    }

    @Override
    public void ping() {
        ConsulHttp.Response r = http.send("ping", "GET", "/v1/status/leader", null);
        expect(r, "ping");
        if (r.body().isBlank() || r.body().equals("\"\"")) {
            throw new StoreException("consul ping: no cluster leader");
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    static void expect(ConsulHttp.Response r, String what) {
        if (r.status() / 100 != 2) {
            throw new StoreException("consul " + what + ": HTTP " + r.status() + " " + r.body().strip());
        }
    }

    static Map<String, Object> sessionRequest(String name, Duration ttl) {
        return Map.of("Name", name, "TTL", ttl.toSeconds() + "s", "Behavior", "delete", "LockDelay", "0s");
    }
}
