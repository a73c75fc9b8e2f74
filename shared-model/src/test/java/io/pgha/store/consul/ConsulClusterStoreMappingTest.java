package io.pgha.store.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.pgha.model.JsonCodec;
import io.pgha.store.CasResult;
import io.pgha.store.StoreException;
import io.pgha.store.StoreSession;
import io.pgha.store.Versioned;
import io.pgha.store.WatchEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * How the Consul backend maps store calls to Consul HTTP requests and Consul's answers back, against a
 * local fake that records requests and plays canned answers (no Consul binary or Docker here).
 */
class ConsulClusterStoreMappingTest {
    record Request(String method, String uri, String token, String body) {
    }

    record Answer(int status, String body, long index) {
    }

    private HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Queue<Answer> answers = new ArrayDeque<>();
    private ConsulClusterStore store;

    @BeforeEach
    void startFake() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("X-Consul-Token"), body));
            Answer a;
            synchronized (answers) {
                a = answers.isEmpty() ? new Answer(500, "no canned answer", 0) : answers.poll();
            }
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Consul-Index", Long.toString(a.index()));
            exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
            exchange.close();
        });
        server.start();
        store = new ConsulClusterStore(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), "s3cret",
                "pgha/demo/", Duration.ofSeconds(2));
    }

    @AfterEach
    void stopFake() {
        store.close();
        server.stop(0);
    }

    private void answer(int status, String body) {
        answer(status, body, 0);
    }

    private void answer(int status, String body, long index) {
        synchronized (answers) {
            answers.add(new Answer(status, body, index));
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void getReadsTheBase64ValueAndModifyIndexWithTheToken() {
        answer(200, "[{\"Key\":\"pgha/demo/clusterdata\",\"Value\":\"" + b64("{\"a\":1}") + "\",\"ModifyIndex\":42}]");
        Versioned<String> v = store.get("clusterdata").orElseThrow();
        assertThat(v).isEqualTo(new Versioned<>("clusterdata", "{\"a\":1}", 42));
        assertThat(requests.get(0)).isEqualTo(new Request("GET", "/v1/kv/pgha/demo/clusterdata", "s3cret", ""));
    }

    @Test
    void getOfAnAbsentKeyIsEmpty() {
        answer(404, "");
        assertThat(store.get("clusterdata")).isEmpty();
    }

    @Test
    void listRecursesAndReturnsRelativeKeysInOrder() {
        answer(200, "[{\"Key\":\"pgha/demo/keepers/k2\",\"Value\":\"" + b64("2") + "\",\"ModifyIndex\":5},"
                + "{\"Key\":\"pgha/demo/keepers/k1\",\"Value\":null,\"ModifyIndex\":4}]");
        assertThat(store.list("keepers/")).containsExactly(new Versioned<>("keepers/k1", "", 4),
                new Versioned<>("keepers/k2", "2", 5));
        assertThat(requests.get(0).uri()).isEqualTo("/v1/kv/pgha/demo/keepers/?recurse=true");
    }

    @Test
    void compareAndPutIsACasTransactionReturningTheNewIndex() {
        answer(200, "{\"Results\":[{\"KV\":{\"Key\":\"pgha/demo/clusterdata\",\"ModifyIndex\":8}}],\"Errors\":null}");
        CasResult r = store.compareAndPut("clusterdata", "v2", 7);
        assertThat(r).isEqualTo(CasResult.success(8));
        Request req = requests.get(0);
        assertThat(req.method()).isEqualTo("PUT");
        assertThat(req.uri()).isEqualTo("/v1/txn");
        JsonNode kv = JsonCodec.mapper().readTree(req.body()).get(0).get("KV");
        assertThat(kv.get("Verb").asString()).isEqualTo("cas");
        assertThat(kv.get("Key").asString()).isEqualTo("pgha/demo/clusterdata");
        assertThat(kv.get("Index").asLong()).isEqualTo(7);
        assertThat(new String(Base64.getDecoder().decode(kv.get("Value").asString()), StandardCharsets.UTF_8))
                .isEqualTo("v2");
    }

    @Test
    void aRolledBackCasReturnsTheCurrentValue() {
        answer(409, "{\"Results\":null,\"Errors\":[{\"OpIndex\":0,\"What\":\"failed to set key\"}]}");
        answer(200, "[{\"Key\":\"pgha/demo/clusterdata\",\"Value\":\"" + b64("theirs") + "\",\"ModifyIndex\":9}]");
        CasResult r = store.compareAndPut("clusterdata", "mine", 7);
        assertThat(r.succeeded()).isFalse();
        assertThat(r.current()).contains(new Versioned<>("clusterdata", "theirs", 9));
    }

    @Test
    void createIfAbsentIsACasWithIndexZero() {
        answer(200, "{\"Results\":[{\"KV\":{\"ModifyIndex\":3}}]}");
        assertThat(store.compareAndPut("history", "[]", 0).succeeded()).isTrue();
        assertThat(JsonCodec.mapper().readTree(requests.get(0).body()).get(0).get("KV").get("Index").asLong())
                .isZero();
    }

    @Test
    void compareAndDeleteUsesDeleteCas() {
        answer(409, "{\"Errors\":[{}]}");
        assertThat(store.compareAndDelete("k", 5)).isFalse();
        assertThat(JsonCodec.mapper().readTree(requests.get(0).body()).get(0).get("KV").get("Verb").asString())
                .isEqualTo("delete-cas");
    }

    @Test
    void sessionsUseBehaviorDeleteWithTheMinimumTtlAndAcquireForEphemeralKeys() {
        answer(200, "{\"ID\":\"adf4238a-882b-9ddc-4a9d-5b6758e4159e\"}");
        StoreSession s = store.openSession(Duration.ofSeconds(2), reason -> { });
        answer(200, "false");
        boolean won = s.createEphemeralIfAbsent("sentinel-leader", "s1");

        assertThat(won).isFalse();
        JsonNode create = JsonCodec.mapper().readTree(requests.get(0).body());
        assertThat(requests.get(0).uri()).isEqualTo("/v1/session/create");
        assertThat(create.get("TTL").asString()).isEqualTo("10s");
        assertThat(create.get("Behavior").asString()).isEqualTo("delete");
        assertThat(s.ttl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(requests.get(1).uri())
                .isEqualTo("/v1/kv/pgha/demo/sentinel-leader?acquire=adf4238a-882b-9ddc-4a9d-5b6758e4159e");
        assertThat(requests.get(1).body()).isEqualTo("s1");

        answer(200, "[]");
        s.close();
        assertThat(requests.get(requests.size() - 1).uri())
                .isEqualTo("/v1/session/destroy/adf4238a-882b-9ddc-4a9d-5b6758e4159e");
    }

    @Test
    void errorsBecomeStoreExceptionsNamingTheCall() {
        answer(500, "rpc error: No cluster leader");
        assertThatThrownBy(() -> store.get("clusterdata")).isInstanceOf(StoreException.class)
                .hasMessageContaining("consul get clusterdata: HTTP 500 rpc error: No cluster leader");
        answer(200, "\"\"");
        assertThatThrownBy(store::ping).isInstanceOf(StoreException.class).hasMessageContaining("no cluster leader");
    }

    @Test
    void anUnreachableAgentIsAStoreException() {
        ConsulClusterStore dead = new ConsulClusterStore(URI.create("http://127.0.0.1:1"), null, "pgha/demo/",
                Duration.ofMillis(500));
        assertThatThrownBy(() -> dead.get("clusterdata")).isInstanceOf(StoreException.class)
                .hasMessageStartingWith("consul get clusterdata:");
        dead.close();
    }

    @Test
    void watchSnapshotsDiffIntoOrderedEvents() {
        Map<String, Versioned<String>> before = Map.of(
                "keepers/a", new Versioned<>("keepers/a", "1", 10),
                "keepers/b", new Versioned<>("keepers/b", "2", 11));
        Map<String, Versioned<String>> after = Map.of(
                "keepers/a", new Versioned<>("keepers/a", "3", 14),
                "keepers/c", new Versioned<>("keepers/c", "4", 13));
        assertThat(ConsulWatch.diff(before, after, 15)).containsExactly(
                new WatchEvent(WatchEvent.Type.PUT, "keepers/c", "4", 13),
                new WatchEvent(WatchEvent.Type.PUT, "keepers/a", "3", 14),
                new WatchEvent(WatchEvent.Type.DELETE, "keepers/b", null, 15));
    }
}
