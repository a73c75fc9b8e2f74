package io.pgha.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.Proxy;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreKeys;
import io.pgha.store.Versioned;
import io.pgha.store.etcd.EtcdClusterStore;
import io.pgha.testing.EtcdExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The admin API as a running application against real etcd, endpoint by endpoint and error by error. The
 * test writes the cluster data (a primary db1 on k1, a standby db2 on k2) and, where an operation needs one,
 * plays the sentinel that carries it out.
 */
class AdminApiTest {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    static final String OPERATOR = "operator-secret-token";
    static final String VIEWER = "viewer-secret-token";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ConfigurableApplicationContext app;
    private static ClusterStore store;
    private static String base;

    @BeforeAll
    static void start() {
        store = EtcdClusterStore.connect(List.of(ETCD.endpoint()), StoreKeys.root("pgha", "adm"), Duration.ofSeconds(2));
        app = new SpringApplicationBuilder(AdminApplication.class).run("--pgha.cluster-name=adm",
                "--pgha.store.endpoints=" + ETCD.endpoint(), "--server.port=0",
                "--pgha.admin.auth.operator-token=" + OPERATOR, "--pgha.admin.auth.viewer-token=" + VIEWER);
        base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stop() {
        app.close();
        store.close();
    }

    @BeforeEach
    void baseline() {
        store.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(baselineCluster()));
        store.delete(StoreKeys.HISTORY);
        store.delete(StoreKeys.BACKUPS);
    }

    static ClusterData baselineCluster() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        Map<String, Keeper> keepers = Map.of(
                "k1", new Keeper("k1", 1, new Keeper.Spec(1, false, false, true), new Keeper.Status(true, t, "i1", "15", false)),
                "k2", new Keeper("k2", 1, new Keeper.Spec(1, false, false, true), new Keeper.Status(true, t, "i2", "15", false)));
        Map<String, DB> dbs = Map.of(
                "db1", db("db1", "k1", DB.Role.MASTER, null, 5000, 15001),
                "db2", db("db2", "k2", DB.Role.STANDBY, "db1", 4000, 15002));
        Cluster c = new Cluster("c1", 3, t, ClusterSpec.empty(),
                new Cluster.Status(Cluster.Phase.NORMAL, "db1", false, null, null));
        return new ClusterData(ClusterData.FORMAT_VERSION, c, keepers, dbs, new Proxy(2, t, new Proxy.Spec("db1", List.of())));
    }

    private static DB db(String uid, String keeper, DB.Role role, String follows, long wal, int port) {
        DB.Spec s = new DB.Spec(keeper, role, DB.InitMode.NONE, follows == null ? null : DB.FollowConfig.internal(follows),
                false, List.of(), null, Map.of(), List.of(), 20, 5, false, List.of(), List.of(), null, null, false);
        return new DB(uid, 1, Instant.parse("2026-01-01T00:00:00Z"), s,
                new DB.Status(true, 1, "127.0.0.1", port, "sys", 1, wal, List.of(), List.of(), Map.of(), null, null, null));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    record Answer(int status, String body, HttpResponse<String> raw) {
        String contentType() {
            return raw.headers().firstValue("Content-Type").orElse("");
        }
    }

    static Answer call(String method, String path, String token, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    static Answer op(String method, String path, String body) throws Exception {
        return call(method, path, OPERATOR, body);
    }

    static long revision() {
        return store.get(StoreKeys.CLUSTER_DATA).map(Versioned::revision).orElse(0L);
    }

    static ClusterData stored() {
        return JsonCodec.read(store.get(StoreKeys.CLUSTER_DATA).orElseThrow().value(), ClusterData.class, "cd");
    }

    static void assertProblem(Answer a, int status) {
        assertThat(a.status()).as(a.body()).isEqualTo(status);
        assertThat(a.contentType()).as(a.body()).startsWith("application/problem+json");
        assertThat(a.body()).contains("\"status\":" + status);
    }

    // ---- auth ---------------------------------------------------------------------------------------------

    static final List<String[]> MUTATIONS = List.of(
            new String[] {"POST", "/api/v1/cluster", "{}"},
            new String[] {"PATCH", "/api/v1/cluster/spec", "{\"failInterval\":\"5s\"}"},
            new String[] {"POST", "/api/v1/cluster/failover", "{}"},
            new String[] {"POST", "/api/v1/cluster/switchover", "{}"},
            new String[] {"POST", "/api/v1/cluster/pause", null},
            new String[] {"POST", "/api/v1/cluster/resume", null},
            new String[] {"POST", "/api/v1/keepers", "{\"uid\":\"k9\"}"},
            new String[] {"PATCH", "/api/v1/keepers/k2", "{\"priority\":3}"},
            new String[] {"DELETE", "/api/v1/keepers/k2", null},
            new String[] {"POST", "/api/v1/keepers/k2/reinit", null},
            new String[] {"POST", "/api/v1/backups", "{\"type\":\"full\"}"});

    @Test
    void everyMutationNeedsTheOperatorTokenAndARefusedOneChangesNothing() throws Exception {
        long rev = revision();
        for (String[] m : MUTATIONS) {
            Answer none = call(m[0], m[1], null, m[2]);
            assertProblem(none, 401);
            assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            assertProblem(call(m[0], m[1], "wrong-token", m[2]), 401);
            assertProblem(call(m[0], m[1], VIEWER, m[2]), 403);
            assertThat(call(m[0], "/" + m[1], null, m[2]).status()).as("//" + m[1]).isIn(401, 404);
        }
        assertThat(revision()).isEqualTo(rev);
    }

    @Test
    void readsNeedAViewerOrOperatorTokenAndProbesNeedNone() throws Exception {
        for (String path : List.of("/api/v1/cluster", "/api/v1/cluster/spec", "/api/v1/cluster/history",
                "/api/v1/keepers", "/api/v1/keepers/k1")) {
            assertProblem(call("GET", path, null, null), 401);
            assertThat(call("GET", path, VIEWER, null).status()).isEqualTo(200);
            assertThat(call("GET", path, OPERATOR, null).status()).isEqualTo(200);
        }
        assertThat(call("GET", "/actuator/health", null, null).body()).contains("\"store\"");
        assertThat(call("GET", "/actuator/health/readiness", null, null).status()).isEqualTo(200);
        Answer docs = call("GET", "/v3/api-docs", null, null);
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.body()).contains("/api/v1/cluster/switchover", "/api/v1/keepers/{uid}/reinit", "examples",
                "bearer");
        assertThat(call("GET", "/swagger-ui.html", null, null).status()).isIn(200, 302);
        assertThat(call("GET", "/actuator/prometheus", null, null).body()).contains("http_server_requests");
    }

    @Test
    void startupWithoutAnOperatorTokenFailsWithAClearMessage() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(AdminApplication.class).run("--pgha.cluster-name=adm",
                "--pgha.store.endpoints=" + ETCD.endpoint(), "--server.port=0"))
                .hasStackTraceContaining("no operator token is configured");
    }

    // ---- cluster ------------------------------------------------------------------------------------------

    @Test
    void clusterViewShowsRolesLagPriorityAndOperation() throws Exception {
        Answer a = call("GET", "/api/v1/cluster", VIEWER, null);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).contains("\"phase\":\"normal\"", "\"primary\":\"db1\"", "\"primaryKeeper\":\"k1\"",
                "\"paused\":false");
        assertThat(a.body()).contains("\"uid\":\"k2\"", "\"role\":\"standby\"", "\"lagBytes\":1000",
                "\"address\":\"127.0.0.1:15002\"", "\"priority\":1");
        store.delete(StoreKeys.CLUSTER_DATA);
        assertProblem(call("GET", "/api/v1/cluster", VIEWER, null), 404);
        assertProblem(call("GET", "/api/v1/cluster/spec", VIEWER, null), 404);
    }

    @Test
    void initializeCreatesOnceAndListsEveryInvalidField() throws Exception {
        assertProblem(op("POST", "/api/v1/cluster", "{}"), 409);
        store.delete(StoreKeys.CLUSTER_DATA);
        Answer bad = op("POST", "/api/v1/cluster", "{\"failInterval\":\"soon\",\"maxStandbys\":-1,"
                + "\"initMode\":\"sideways\",\"bogus\":1}");
        assertProblem(bad, 400);
        assertThat(bad.body()).contains("bogus");
        Answer invalid = op("POST", "/api/v1/cluster", "{\"failInterval\":\"soon\",\"maxStandbys\":-1,"
                + "\"initMode\":\"sideways\"}");
        assertProblem(invalid, 400);
        assertThat(invalid.body()).contains("\"field\":\"failInterval\"", "\"field\":\"maxStandbys\"",
                "\"field\":\"initMode\"");
        assertThat(store.get(StoreKeys.CLUSTER_DATA)).isEmpty();
        Answer ok = op("POST", "/api/v1/cluster", "{\"synchronousReplication\":true}");
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        assertThat(stored().cluster().status().phase()).isEqualTo(Cluster.Phase.INITIALIZING);
        assertThat(stored().cluster().spec().synchronousReplication()).isTrue();
    }

    @Test
    void specPatchValidatesReportsRestartsAndHonoursIfMatch() throws Exception {
        Answer spec = call("GET", "/api/v1/cluster/spec", VIEWER, null);
        assertThat(spec.body()).contains("\"failInterval\":\"4s\"");
        assertThat(spec.raw().headers().firstValue("ETag")).hasValue("\"3\"");

        long rev = revision();
        Answer bad = op("PATCH", "/api/v1/cluster/spec", "{\"failInterval\":\"-3s\",\"maxStandbys\":\"many\"}");
        assertProblem(bad, 400);
        assertThat(bad.body()).contains("maxStandbys");
        Answer invalid = op("PATCH", "/api/v1/cluster/spec", "{\"failInterval\":\"-3s\",\"minSynchronousStandbys\":5,"
                + "\"maxSynchronousStandbys\":1}");
        assertProblem(invalid, 400);
        assertThat(invalid.body()).contains("\"field\":\"failInterval\"");
        // Options this version does not implement are refused by name, never accepted and ignored.
        Answer unimplemented = op("PATCH", "/api/v1/cluster/spec", "{\"initMode\":\"pitr\",\"pitrConfig\":"
                + "{\"dataRestoreCommand\":\"restore %d\",\"recoveryTargetAction\":\"pause\"},\"role\":\"standby\","
                + "\"standbyConfig\":{\"primaryConninfo\":\"host=elsewhere\"}}");
        assertProblem(unimplemented, 400);
        assertThat(unimplemented.body()).contains("\"field\":\"pitrConfig.recoveryTargetAction\"",
                "\"field\":\"role\"", "not implemented", "only promote is implemented");
        assertProblem(call("PATCH", "/api/v1/cluster/spec", OPERATOR, "{\"failInterval\":\"5s\"}", "If-Match", "\"2\""), 409);
        assertThat(revision()).isEqualTo(rev);

        Answer ok = call("PATCH", "/api/v1/cluster/spec", OPERATOR,
                "{\"failInterval\":\"5s\",\"pgParameters\":{\"max_connections\":\"300\",\"work_mem\":\"8MB\"}}",
                "If-Match", "\"3\"");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("\"needsRestart\":[\"max_connections\"]", "\"generation\":4");
        assertThat(stored().cluster().spec().failInterval()).isEqualTo("5s");
        Answer removed = op("PATCH", "/api/v1/cluster/spec", "{\"pgParameters\":{\"work_mem\":null}}");
        assertThat(removed.status()).isEqualTo(200);
        assertThat(stored().cluster().spec().pgParameters()).containsOnlyKeys("max_connections");
    }

    @Test
    void promoteTurnsAStandbyClusterIntoOneOfItsOwnAndIsRefusedOtherwise() throws Exception {
        long rev = revision();
        Answer notStandby = op("POST", "/api/v1/cluster/promote", null);
        assertProblem(notStandby, 409);
        assertThat(notStandby.body()).contains("not a standby cluster");
        assertThat(revision()).isEqualTo(rev);

        ClusterData cd = baselineCluster();
        ClusterSpec standby = ClusterSpec.empty().withRole("standby",
                new ClusterSpec.StandbyConfig("host=10.1.0.1 port=5432 user=repluser", "dr_site", null));
        store.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(cd.withCluster(cd.cluster().withSpec(standby,
                Instant.parse("2026-01-02T00:00:00Z")))));
        Answer view = call("GET", "/api/v1/cluster", VIEWER, null);
        assertThat(view.body()).contains("\"standbyCluster\":{\"primaryConninfo\":\"host=10.1.0.1 port=5432"
                + " user=repluser\",\"primarySlotName\":\"dr_site\",\"standbyLeader\":\"db1\",\"streaming\":false");
        rev = revision();
        Answer invalid = op("PATCH", "/api/v1/cluster/spec", "{\"role\":\"master\",\"maxStandbys\":0}");
        assertProblem(invalid, 400);
        assertThat(revision()).isEqualTo(rev);

        Answer promoted = op("POST", "/api/v1/cluster/promote", null);
        assertThat(promoted.status()).as(promoted.body()).isEqualTo(200);
        assertThat(promoted.body()).contains("\"role\":\"master\"", "\"standbyLeader\":\"db1\"");
        assertThat(stored().cluster().spec().role()).isEqualTo("master");
        assertThat(stored().cluster().spec().standbyConfig()).isNull();
        assertProblem(op("POST", "/api/v1/cluster/promote", null), 409);

        // Back to a standby cluster: refused by name, the store unchanged.
        rev = revision();
        Answer back = op("PATCH", "/api/v1/cluster/spec", "{\"role\":\"standby\",\"standbyConfig\":"
                + "{\"primaryConninfo\":\"host=10.1.0.1\"}}");
        assertProblem(back, 400);
        assertThat(back.body()).contains("\"field\":\"role\"", "cannot become a standby cluster");
        assertThat(revision()).isEqualTo(rev);
    }

    @Test
    void patchingRoleMasterPromotesAStandbyClusterAndDropsItsUpstream() throws Exception {
        ClusterData cd = baselineCluster();
        store.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(cd.withCluster(cd.cluster().withSpec(ClusterSpec.empty()
                .withRole("standby", new ClusterSpec.StandbyConfig("host=a", null, null)),
                Instant.parse("2026-01-02T00:00:00Z")))));
        Answer patched = op("PATCH", "/api/v1/cluster/spec", "{\"role\":\"master\"}");
        assertThat(patched.status()).as(patched.body()).isEqualTo(200);
        assertThat(stored().cluster().spec().role()).isEqualTo("master");
        assertThat(stored().cluster().spec().standbyConfig()).isNull();
    }

    @Test
    void pauseAndResume() throws Exception {
        assertThat(op("POST", "/api/v1/cluster/pause", null).body()).contains("\"paused\":true");
        assertThat(stored().cluster().status().paused()).isTrue();
        assertProblem(op("POST", "/api/v1/cluster/failover", "{}"), 409);
        assertProblem(op("POST", "/api/v1/cluster/switchover", "{}"), 409);
        assertProblem(op("POST", "/api/v1/cluster/restart", "{}"), 409);
        assertProblem(op("POST", "/api/v1/cluster/reload", null), 409);
        assertThat(op("POST", "/api/v1/cluster/resume", null).body()).contains("\"paused\":false");
        assertThat(stored().cluster().status().paused()).isFalse();
    }

    @Test
    void historyIsEmptyAtFirst() throws Exception {
        Answer a = call("GET", "/api/v1/cluster/history", VIEWER, null);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).contains("\"entries\":[]");
    }

    // ---- operations ---------------------------------------------------------------------------------------

    /** Acts as the sentinel for one operation: marks it done (promoting db2) or failed with a reason. */
    private static Thread fakeSentinel(boolean succeed) {
        Thread t = new Thread(() -> await().atMost(Duration.ofSeconds(10)).until(() -> {
            Versioned<String> v = store.get(StoreKeys.CLUSTER_DATA).orElseThrow();
            ClusterData cd = JsonCodec.read(v.value(), ClusterData.class, "cd");
            Cluster.Operation op = cd.cluster().status().operation();
            if (op == null || op.state() != Cluster.Operation.State.PENDING) {
                return false;
            }
            Cluster.Status s = cd.cluster().status();
            Cluster.Operation done = succeed ? op.running("db2", "db1").withState(Cluster.Operation.State.DONE, null)
                    : op.withState(Cluster.Operation.State.FAILED, "no eligible standby: db2: lag 1000 bytes > maxStandbyLag");
            ClusterData next = cd.withCluster(cd.cluster().withStatus(new Cluster.Status(s.phase(),
                    succeed ? "db2" : s.master(), s.paused(), done, s.message())));
            return store.compareAndPut(StoreKeys.CLUSTER_DATA, JsonCodec.write(next), v.revision()).succeeded();
        }));
        t.start();
        return t;
    }

    @Test
    void failoverAnswers200WithTheNewPrimaryWhenTheSentinelIsDone() throws Exception {
        Thread sentinel = fakeSentinel(true);
        Answer a = op("POST", "/api/v1/cluster/failover?timeout=10s", "{\"candidate\":\"k2\"}");
        sentinel.join();
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.body()).contains("\"primary\":\"db2\"", "\"primaryKeeper\":\"k2\"", "\"state\":\"done\"");
    }

    @Test
    void switchoverWithoutEligibleCandidateAnswers412WithTheReason() throws Exception {
        Thread sentinel = fakeSentinel(false);
        Answer a = op("POST", "/api/v1/cluster/switchover?timeout=10s", "{}");
        sentinel.join();
        assertProblem(a, 412);
        assertThat(a.body()).contains("lag 1000 bytes");
        assertThat(stored().cluster().status().master()).isEqualTo("db1");
    }

    @Test
    void aScheduledSwitchoverCanBeCancelledUntilItStarts() throws Exception {
        assertProblem(op("DELETE", "/api/v1/cluster/switchover", null), 404);
        Answer scheduled = op("POST", "/api/v1/cluster/switchover?timeout=0s",
                "{\"candidate\":\"db2\",\"scheduledAt\":\"2030-01-01T00:00:00Z\"}");
        assertThat(scheduled.status()).as(scheduled.body()).isEqualTo(202);
        Answer cancelled = op("DELETE", "/api/v1/cluster/switchover", null);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(cancelled.body()).contains("\"state\":\"cancelled\"");
        assertThat(stored().cluster().status().operation().finished()).isTrue();
        assertThat(stored().cluster().status().master()).isEqualTo("db1");
        assertProblem(op("DELETE", "/api/v1/cluster/switchover", null), 404);
        Answer another = op("POST", "/api/v1/cluster/switchover?timeout=0s",
                "{\"candidate\":\"db2\",\"scheduledAt\":\"2030-01-01T00:00:00Z\"}");
        assertThat(another.status()).as("a cancelled one blocks nothing").isEqualTo(202);

        // Once the sentinel started it (proxies fenced), it runs to its end.
        ClusterData cd = stored();
        store.put(StoreKeys.CLUSTER_DATA, JsonCodec.write(cd.withCluster(cd.cluster().withStatus(cd.cluster().status()
                .withOperation(cd.cluster().status().operation().running("db2", "db1"))))));
        long rev = revision();
        Answer started = op("DELETE", "/api/v1/cluster/switchover", null);
        assertProblem(started, 409);
        assertThat(started.body()).contains("has started");
        assertThat(revision()).isEqualTo(rev);
    }

    @Test
    void aRollingRestartIsRecordedWithItsScopeAndAScheduledOneCanBeCancelled() throws Exception {
        assertProblem(op("DELETE", "/api/v1/cluster/restart", null), 404);
        Answer scheduled = op("POST", "/api/v1/cluster/restart?timeout=0s",
                "{\"pendingOnly\":false,\"keepers\":[\"k2\"],\"scheduledAt\":\"2030-01-01T00:00:00Z\"}");
        assertThat(scheduled.status()).as(scheduled.body()).isEqualTo(202);
        Cluster.Operation op = stored().cluster().status().operation();
        assertThat(op.type()).isEqualTo(Cluster.Operation.Type.RESTART);
        assertThat(op.progress().pendingOnly()).isFalse();
        assertThat(op.progress().keepers()).containsExactly("k2");
        assertThat(op.scheduledAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(op("GET", "/api/v1/cluster", null).body()).contains("\"type\":\"restart\"", "\"pendingOnly\":false");
        assertProblem(op("POST", "/api/v1/cluster/reload", null), 409);
        assertProblem(op("DELETE", "/api/v1/cluster/switchover", null), 404);
        Answer cancelled = op("DELETE", "/api/v1/cluster/restart", null);
        assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
        assertThat(stored().cluster().status().operation().state()).isEqualTo(Cluster.Operation.State.CANCELLED);

        Answer byDefault = op("POST", "/api/v1/cluster/restart?timeout=0s", null);
        assertThat(byDefault.status()).as(byDefault.body()).isEqualTo(202);
        assertThat(stored().cluster().status().operation().progress().pendingOnly()).as("pendingOnly by default")
                .isTrue();
        assertThat(stored().cluster().status().operation().progress().keepers()).isEmpty();
    }

    @Test
    void restartAndReloadRequestsAreValidatedAndChangeNothing() throws Exception {
        long rev = revision();
        Answer bad = op("POST", "/api/v1/cluster/restart", "{\"pendingOnly\":\"yes\",\"keepers\":\"k2\","
                + "\"scheduledAt\":\"tonight\",\"force\":true}");
        assertProblem(bad, 400);
        assertThat(bad.body()).contains("pendingOnly", "keepers", "scheduledAt", "force");
        Answer unknown = op("POST", "/api/v1/cluster/restart", "{\"keepers\":[\"k2\",\"k9\"]}");
        assertProblem(unknown, 400);
        assertThat(unknown.body()).contains("keepers", "k9");
        assertProblem(op("POST", "/api/v1/cluster/reload", "{\"keepers\":[\"k2\"]}"), 400);
        assertThat(revision()).isEqualTo(rev);
    }

    @Test
    void aReloadIsRecordedAsTheClusterOperation() throws Exception {
        Answer a = op("POST", "/api/v1/cluster/reload?timeout=0s", null);
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        assertThat(stored().cluster().status().operation().type()).isEqualTo(Cluster.Operation.Type.RELOAD);
        assertThat(a.body()).contains("\"type\":\"reload\"");
    }

    @Test
    void operationStillRunningAtTheTimeoutAnswers202AndBlocksAnother() throws Exception {
        Answer a = op("POST", "/api/v1/cluster/switchover?timeout=0s",
                "{\"candidate\":\"db2\",\"scheduledAt\":\"2030-01-01T00:00:00Z\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(202);
        assertThat(a.body()).contains("\"state\":\"pending\"", "\"candidate\":\"db2\"");
        assertThat(stored().cluster().status().operation().scheduledAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        Answer again = op("POST", "/api/v1/cluster/failover", "{}");
        assertProblem(again, 409);
        assertThat(again.body()).contains("in progress");
    }

    @Test
    void operationRequestsAreValidated() throws Exception {
        long rev = revision();
        assertProblem(op("POST", "/api/v1/cluster/failover", "{\"candidate\":\"k7\"}"), 404);
        assertProblem(op("POST", "/api/v1/cluster/failover", "{\"candidate\":\"db1\"}"), 412);
        assertProblem(op("POST", "/api/v1/cluster/failover?timeout=forever", "{}"), 400);
        assertProblem(op("POST", "/api/v1/cluster/failover?timeout=3h", "{}"), 400);
        assertProblem(op("POST", "/api/v1/cluster/failover", "{\"candidate\":7}"), 400);
        assertProblem(op("POST", "/api/v1/cluster/failover", "{\"scheduledAt\":\"2030-01-01T00:00:00Z\"}"), 400);
        assertProblem(op("POST", "/api/v1/cluster/switchover", "{\"scheduledAt\":\"tomorrow\"}"), 400);
        assertThat(revision()).isEqualTo(rev);
    }

    // ---- backups ------------------------------------------------------------------------------------------

    @Test
    void backupsNeedTheSpecsBackupAndRunOneAtATime() throws Exception {
        Answer none = call("GET", "/api/v1/backups", VIEWER, null);
        assertThat(none.status()).isEqualTo(200);
        assertThat(none.body()).contains("\"configured\":false");
        Answer notConfigured = op("POST", "/api/v1/backups", "{}");
        assertProblem(notConfigured, 409);
        assertThat(notConfigured.body()).contains("backup is not configured");
        assertThat(store.get(StoreKeys.BACKUPS)).isEmpty();

        long rev = revision();
        Answer secret = op("PATCH", "/api/v1/cluster/spec", "{\"backup\":{\"tool\":\"pgbackrest\",\"options\":"
                + "{\"repo1-cipher-pass\":\"x\",\"pg1-path\":\"/d\"},\"schedule\":{\"full\":\"weekly\"},\"retention\":3}}");
        assertProblem(secret, 400);
        assertThat(secret.body()).contains("backup.retention", "unknown field");
        Answer rules = op("PATCH", "/api/v1/cluster/spec", "{\"backup\":{\"tool\":\"pgbackrest\",\"options\":"
                + "{\"repo1-cipher-pass\":\"x\",\"pg1-path\":\"/d\"},\"schedule\":{\"full\":\"weekly\"}},"
                + "\"pgParameters\":{\"archive_mode\":\"on\",\"archive_command\":\"cp %p /a/%f\"}}");
        assertProblem(rules, 400);
        assertThat(rules.body()).contains("\"field\":\"backup.options.repo1-cipher-pass\"",
                "\"field\":\"backup.options.pg1-path\"", "\"field\":\"backup.schedule.full\"",
                "\"field\":\"pgParameters.archive_command\"", "pgha.keeper.backup.secret-dir");
        assertThat(revision()).isEqualTo(rev);

        Answer on = op("PATCH", "/api/v1/cluster/spec", "{\"backup\":{\"tool\":\"pgbackrest\",\"options\":"
                + "{\"repo1-path\":\"/b\"}}}");
        assertThat(on.status()).as(on.body()).isEqualTo(200);
        assertProblem(op("POST", "/api/v1/backups", "{\"type\":\"differential\"}"), 400);
        assertProblem(op("POST", "/api/v1/backups", "{\"type\":\"full\",\"label\":\"x\"}"), 400);
        assertThat(store.get(StoreKeys.BACKUPS)).isEmpty();
        Answer requested = op("POST", "/api/v1/backups?timeout=0s", "{\"type\":\"incr\"}");
        assertThat(requested.status()).as(requested.body()).isEqualTo(202);
        assertThat(requested.body()).contains("\"type\":\"incr\"", "\"trigger\":\"api\"");
        Answer second = op("POST", "/api/v1/backups", "{}");
        assertProblem(second, 409);
        assertThat(second.body()).contains("one backup runs at a time");
        Answer listed = call("GET", "/api/v1/backups", VIEWER, null);
        assertThat(listed.body()).contains("\"configured\":true", "\"stanza\":\"adm\"", "\"current\":{");
        assertThat(call("GET", "/api/v1/cluster", VIEWER, null).body()).contains("\"backup\":{");
    }

    // ---- keepers ------------------------------------------------------------------------------------------

    @Test
    void keepersCanBeAddedChangedRemovedAndRebuiltButNotThePrimary() throws Exception {
        assertThat(call("GET", "/api/v1/keepers", VIEWER, null).body()).contains("\"uid\":\"k1\"", "\"uid\":\"k2\"");
        assertThat(call("GET", "/api/v1/keepers/k1", VIEWER, null).body()).contains("\"role\":\"primary\"");
        assertProblem(call("GET", "/api/v1/keepers/k9", VIEWER, null), 404);

        Answer added = op("POST", "/api/v1/keepers", "{\"uid\":\"k3\",\"priority\":0,\"noSync\":true}");
        assertThat(added.status()).as(added.body()).isEqualTo(201);
        assertThat(stored().keepers().get("k3").spec()).isEqualTo(new Keeper.Spec(0, false, true, true));
        assertProblem(op("POST", "/api/v1/keepers", "{\"uid\":\"k3\"}"), 409);
        Answer bad = op("POST", "/api/v1/keepers", "{\"uid\":\"../x\",\"priority\":-1,\"noSync\":\"yes\",\"x\":1}");
        assertProblem(bad, 400);
        assertThat(bad.body()).contains("\"field\":\"uid\"", "\"field\":\"priority\"", "\"field\":\"noSync\"",
                "\"field\":\"x\"");

        assertThat(op("PATCH", "/api/v1/keepers/k3", "{\"priority\":7}").body()).contains("\"priority\":7");
        assertProblem(op("PATCH", "/api/v1/keepers/k9", "{\"priority\":7}"), 404);
        assertProblem(op("PATCH", "/api/v1/keepers/k3", "{\"priority\":99999999999}"), 400);

        assertProblem(op("DELETE", "/api/v1/keepers/k1", null), 409);
        assertProblem(op("POST", "/api/v1/keepers/k1/reinit", null), 409);
        Answer reinit = op("POST", "/api/v1/keepers/k2/reinit", null);
        assertThat(reinit.status()).isEqualTo(202);
        assertThat(stored().dbs()).doesNotContainKey("db2");
        // A running keeper (its info in the store) would be admitted again at once under open admission.
        store.put(StoreKeys.keeper("k3"), JsonCodec.write(new KeeperInfo("k3", "c1", "i3", Instant.now(), 0, true,
                null)));
        try {
            Answer running = op("DELETE", "/api/v1/keepers/k3", null);
            assertProblem(running, 409);
            assertThat(running.body()).contains("still running");
            assertThat(stored().keepers()).containsKey("k3");
        } finally {
            store.delete(StoreKeys.keeper("k3"));
        }
        assertThat(op("DELETE", "/api/v1/keepers/k3", null).status()).isEqualTo(200);
        assertThat(stored().keepers()).doesNotContainKey("k3");
        assertProblem(op("DELETE", "/api/v1/keepers/k3", null), 404);
    }

    // ---- hostile input ------------------------------------------------------------------------------------

    @Test
    void oversizedMalformedAndMistypedBodiesAreRefusedWithoutChange() throws Exception {
        long rev = revision();
        String big = "{\"pgParameters\":{\"x\":\"" + "a".repeat(1024 * 1024 + 10) + "\"}}";
        assertProblem(op("PATCH", "/api/v1/cluster/spec", big), 413);
        assertProblem(op("PATCH", "/api/v1/cluster/spec", "{\"failInterval\":"), 400);
        assertProblem(op("PATCH", "/api/v1/cluster/spec", "[1,2]"), 400);
        assertProblem(op("PATCH", "/api/v1/cluster/spec", ""), 400);
        assertProblem(op("PATCH", "/api/v1/cluster/spec", "{\"maxStandbys\":1e400}"), 400);
        HttpRequest utf8 = HttpRequest.newBuilder(URI.create(base + "/api/v1/keepers"))
                .header("Authorization", "Bearer " + OPERATOR).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {'{', '"', 'u', (byte) 0xC3, (byte) 0x28, '"',
                        ':', '1', '}'})).build();
        HttpResponse<String> r = HTTP.send(utf8, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertProblem(op("GET", "/api/v1/keepers/..%2F..%2Fetc", null), 400);
        assertThat(revision()).isEqualTo(rev);
    }

    @Test
    void fuzzedRequestsAllGetA4xxProblemAndLeaveTheClusterDataAlone() throws Exception {
        long rev = revision();
        List<String> bodies = HostileInput.bodies(260);
        List<String[]> targets = List.of(
                new String[] {"POST", "/api/v1/cluster"}, new String[] {"PATCH", "/api/v1/cluster/spec"},
                new String[] {"POST", "/api/v1/cluster/failover"}, new String[] {"POST", "/api/v1/cluster/switchover"},
                new String[] {"POST", "/api/v1/keepers"}, new String[] {"PATCH", "/api/v1/keepers/k2"});
        AtomicReference<String> failure = new AtomicReference<>();
        int sent = 0;
        for (int i = 0; i < bodies.size(); i++) {
            String[] t = targets.get(i % targets.size());
            Answer a = op(t[0], t[1], bodies.get(i));
            sent++;
            if (a.status() < 400 || a.status() >= 500 || !a.contentType().startsWith("application/problem+json")) {
                failure.compareAndSet(null, t[0] + " " + t[1] + " " + bodies.get(i) + " -> " + a.status() + " " + a.body());
            }
        }
        for (String path : HostileInput.paths()) {
            Answer a = op("GET", "/api/v1/keepers/" + path, null);
            sent++;
            if (a.status() < 400 || a.status() >= 500 || !a.contentType().startsWith("application/problem+json")) {
                failure.compareAndSet(null, "GET keepers/" + path + " -> " + a.status() + " " + a.body());
            }
        }
        assertThat(failure.get()).as("first request that got no 4xx problem").isNull();
        assertThat(sent).isGreaterThanOrEqualTo(200);
        assertThat(revision()).isEqualTo(rev);
    }
}
