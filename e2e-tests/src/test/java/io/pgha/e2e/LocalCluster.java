package io.pgha.e2e;

import static org.awaitility.Awaitility.await;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.store.ClusterRepository;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreKeys;
import io.pgha.store.Versioned;
import io.pgha.store.etcd.EtcdClusterStore;
import io.pgha.testing.EtcdCluster;
import io.pgha.testing.EtcdProcess;
import io.pgha.testing.FreePorts;
import io.pgha.testing.ManagedProcess;
import io.pgha.testing.NetworkLab;
import io.pgha.testing.PgClient;
import io.pgha.testing.Postmaster;
import io.pgha.testing.Signals;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pgha cluster on this machine for black-box tests: etcd, keepers and sentinels as real processes from
 * the built jars, each with its own ports, data and log. Closing it kills everything by PID.
 *
 * <p>On a {@link NetworkLab}, each process runs inside the node it is started on and binds that node's address
 * (keepers' PostgreSQL, proxies); every service gets every etcd member's endpoint; the test reaches them over
 * the lab's bridge, so partitions cut it off as they cut the nodes.
 */
final class LocalCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
    static final String SUPERUSER_PASSWORD = "e2e-su";
    /** The replication role's password on every keeper the fixture starts. */
    static final String REPLICATION_PASSWORD = "e2e-repl";

    final String name;
    final ClusterStore store;
    final ClusterRepository repository;
    private final List<String> endpoints;
    private final NetworkLab lab;
    private final Path base;
    final Map<String, Keeper> keepers = new LinkedHashMap<>();
    final Map<String, ManagedProcess> sentinels = new LinkedHashMap<>();
    final Map<String, Proxy> proxies = new LinkedHashMap<>();
    private final List<ManagedProcess> others = new ArrayList<>();

    /** A keeper process and where its PostgreSQL lives ({@code node}: 0 on loopback, else the lab node). */
    record Keeper(String uid, ManagedProcess process, Path dataDir, int pgPort, int httpPort, String host, int node) {
        PgClient sql() {
            return new PgClient(host, pgPort, "postgres", SUPERUSER_PASSWORD);
        }

        /**
         * SIGKILL the keeper, the programs it runs (pg_basebackup, pgBackRest) and its whole PostgreSQL instance: a
         * node lost.
         */
        void killNode() {
            List<ProcessHandle> tools = process.process().descendants().toList();
            process.kill();
            tools.forEach(ProcessHandle::destroyForcibly);
            Postmaster.killInstance(pgData());
        }

        /**
         * SIGSTOP the keeper and every PostgreSQL process: a node that hangs or is cut off (its connections
         * stay open but nothing answers). Returns the frozen pids for {@link #thaw}.
         */
        List<Long> freezeNode() {
            List<Long> pids = new ArrayList<>(Postmaster.instancePids(pgData()));
            pids.add(process.process().pid());
            pids.forEach(Signals::freeze);
            return pids;
        }

        Path pgData() {
            return dataDir.resolve("postgres");
        }
    }

    /** SIGCONT for what a freeze stopped. */
    static void thaw(List<Long> pids) {
        pids.forEach(Signals::thaw);
    }

    /** A proxy process: read-write port (always the primary) and read-only port (the standbys). */
    record Proxy(String uid, ManagedProcess process, int port, int readOnlyPort, int httpPort, String host) {
        PgClient sql() {
            return new PgClient(host, port, "postgres", SUPERUSER_PASSWORD);
        }

        PgClient readOnlySql() {
            return new PgClient(host, readOnlyPort, "postgres", SUPERUSER_PASSWORD);
        }
    }

    /**
     * Environment variables the next keepers are started with (as if exported by the shell that starts them), e.g.
     * a user's {@code PGPASSWORD}.
     */
    void keeperEnvironment(Map<String, String> env) {
        keeperEnvironment = Map.copyOf(env);
    }

    private Map<String, String> keeperEnvironment = Map.of();

    /** Command-line arguments the next keepers get besides the fixture's own (e.g. {@code --pgha.keeper.standby.*}). */
    void keeperArguments(List<String> args) {
        keeperArguments = List.copyOf(args);
    }

    private List<String> keeperArguments = List.of();

    /** A service jar built by its module, as a process with its log in the cluster's folder (on lab node). */
    private ManagedProcess service(String name, String module, List<String> args, int node) {
        return service(name, module, args, node, Map.of());
    }

    private ManagedProcess service(String name, String module, List<String> args, int node, Map<String, String> env) {
        Path jar = Path.of("..", module, "target", module + ".jar").toAbsolutePath().normalize();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (./mvnw -DskipTests package)");
        }
        List<String> cmd = new ArrayList<>(List.of("-jar", jar.toString()));
        cmd.addAll(args);
        List<String> java = new ArrayList<>();
        if (!env.isEmpty()) {
            java.add("env");
            env.forEach((k, v) -> java.add(k + "=" + v));
        }
        java.addAll(ManagedProcess.java(cmd));
        return new ManagedProcess(name, base.resolve(name + ".log"), node == 0 ? java : lab.command(node, java))
                .launch();
    }

    LocalCluster(EtcdProcess etcd, String name) {
        this(List.of(etcd.endpoint()), null, name);
    }

    /** A cluster whose processes run on the nodes of {@code lab}, over the 3-member {@code etcd}. */
    LocalCluster(NetworkLab lab, EtcdCluster etcd, String name) {
        this(etcd.endpoints(), lab, name);
    }

    private LocalCluster(List<String> endpoints, NetworkLab lab, String name) {
        this.endpoints = List.copyOf(endpoints);
        this.lab = lab;
        this.name = name;
        this.store = EtcdClusterStore.connect(endpoints, StoreKeys.root("pgha", name), Duration.ofSeconds(2));
        this.repository = new ClusterRepository(store);
        try {
            base = Files.createTempDirectory("pgha-e2e-" + name + "-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> common(int httpPort) {
        return List.of("--pgha.cluster-name=" + name, "--pgha.store.endpoints=" + String.join(",", endpoints),
                "--server.port=" + httpPort);
    }

    /** The address services on {@code node} bind: loopback, or the lab node's. */
    private String host(int node) {
        return node == 0 ? "127.0.0.1" : lab.address(node);
    }

    Keeper startKeeper(String uid) {
        return startKeeper(uid, 0);
    }

    Keeper startKeeper(String uid, int node) {
        int pgPort = FreePorts.next();
        int httpPort = FreePorts.next();
        List<String> args = new ArrayList<>(common(httpPort));
        args.addAll(List.of("--pgha.keeper.uid=" + uid, "--pgha.keeper.data-dir=" + base.resolve(uid),
                "--pgha.keeper.pg.listen-address=" + host(node),
                "--pgha.keeper.pg.port=" + pgPort, "--pgha.keeper.pg.superuser.password=" + SUPERUSER_PASSWORD,
                "--pgha.keeper.pg.replication.password=" + REPLICATION_PASSWORD));
        if ("root".equals(System.getProperty("user.name"))) {
            args.add("--pgha.keeper.pg.os-user=postgres");
        }
        args.addAll(keeperArguments);
        Keeper k = new Keeper(uid, service(uid, "keeper-service", args, node, keeperEnvironment), base.resolve(uid),
                pgPort, httpPort,
                host(node), node);
        keepers.put(uid, k);
        return k;
    }

    ManagedProcess startSentinel(String uid, String initialSpec) {
        return startSentinel(uid, initialSpec, 0);
    }

    ManagedProcess startSentinel(String uid, String initialSpec, int node) {
        List<String> args = new ArrayList<>(common(FreePorts.next()));
        args.addAll(List.of("--pgha.sentinel.uid=" + uid, "--pgha.sentinel.initial-cluster-spec=" + initialSpec));
        ManagedProcess s = service(uid, "sentinel-service", args, node);
        sentinels.put(uid, s);
        return s;
    }

    Proxy startProxy(String uid) {
        return startProxy(uid, 0);
    }

    Proxy startProxy(String uid, int node) {
        int port = FreePorts.next();
        int readOnlyPort = FreePorts.next();
        int httpPort = FreePorts.next();
        List<String> args = new ArrayList<>(common(httpPort));
        args.addAll(List.of("--pgha.proxy.uid=" + uid, "--pgha.proxy.listen-address=" + host(node),
                "--pgha.proxy.port=" + port, "--pgha.proxy.read-only-port=" + readOnlyPort));
        Proxy p = new Proxy(uid, service(uid, "proxy-service", args, node), port, readOnlyPort, httpPort,
                host(node));
        proxies.put(uid, p);
        return p;
    }

    /** The admin API as an operator calls it: bearer token, JSON bodies, each exchange logged. */
    record Admin(String url, String token, HttpClient http) {
        HttpResponse<String> call(String method, String path, String body) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(120))
                    .header("Authorization", "Bearer " + token).method(method, body == null
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            log.info("{} {} -> {} {}", method, path, r.statusCode(), r.body());
            return r;
        }

        /**
         * A keeper's metric from its {@code /actuator/prometheus}: the first sample of {@code name} whose labels
         * contain {@code labels} (e.g. {@code type="incr"}); -1 when there is none.
         */
        double metric(Keeper k, String name, String labels) throws IOException, InterruptedException {
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + k.host() + ":" + k.httpPort()
                    + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "\\{[^}]*"
                    + java.util.regex.Pattern.quote(labels) + "[^}]*} (\\S+)$").matcher(metrics);
            return m.find() ? Double.parseDouble(m.group(1)) : -1;
        }
    }

    /** An admin-api process with an operator token, once it is ready. */
    Admin startAdmin(String operatorToken) {
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(common(port));
        args.add("--pgha.admin.auth.operator-token=" + operatorToken);
        others.add(service("admin", "admin-api", args, 0));
        Admin admin = new Admin("http://127.0.0.1:" + port, operatorToken, HttpClient.newHttpClient());
        await("admin-api up").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> admin.http().send(
                HttpRequest.newBuilder(URI.create(admin.url() + "/actuator/health/readiness")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        return admin;
    }

    Optional<ClusterData> clusterData() {
        return repository.clusterData().map(Versioned::value);
    }

    /** Writes an operator request into the cluster data, as admin-api does (CAS, retried on conflict). */
    void requestOperation(io.pgha.model.Cluster.Operation.Type type, String candidate) {
        for (int attempt = 0; attempt < 10; attempt++) {
            Versioned<ClusterData> v = repository.clusterData().orElseThrow();
            ClusterData cd = v.value();
            io.pgha.model.Cluster.Operation op = new io.pgha.model.Cluster.Operation("op-" + System.nanoTime(), type,
                    candidate, java.time.Instant.now(), null, io.pgha.model.Cluster.Operation.State.PENDING, null,
                    null);
            ClusterData next = cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withOperation(op)));
            if (repository.putClusterData(next, v.revision()).succeeded()) {
                return;
            }
        }
        throw new IllegalStateException("could not write the operation: cluster data kept changing");
    }

    /** Waits until a DB other than {@code oldMasterDb} is the master and converged (promoted); its keeper. */
    Keeper awaitNewMaster(String oldMasterDb, Duration atMost) {
        ClusterData after = await("a new master in place of " + oldMasterDb).atMost(atMost)
                .pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> clusterData().orElseThrow(),
                        cd -> cd.cluster().status().master() != null
                                && !cd.cluster().status().master().equals(oldMasterDb)
                                && cd.masterDb().get().converged());
        return keepers.get(after.masterDb().orElseThrow().spec().keeperUid());
    }

    String masterDbUid() {
        return clusterData().orElseThrow().cluster().status().master();
    }

    /** Runs {@code sql} until it succeeds (the target may be failing over or restarting). */
    static void awaitExec(PgClient client, String sql, Duration atMost) {
        await("'" + sql + "' on port " + client.port()).atMost(atMost).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> {
                    client.exec(sql);
                    return true;
                });
    }

    /** Waits until every one of {@code keepers} has the row {@code id} of table {@code t} (it replicated there). */
    static void awaitRow(List<Keeper> keepers, int id) {
        for (Keeper k : keepers) {
            await(k.uid() + " has row " + id).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions().until(() -> k.sql().value("SELECT count(*) FROM t WHERE id = " + id)
                            .equals("1"));
        }
    }

    Optional<String> leader() {
        return store.get(StoreKeys.SENTINEL_LEADER).map(Versioned::value);
    }

    /** The keeper whose DB is the master, when there is one. */
    Optional<Keeper> masterKeeper() {
        return clusterData().flatMap(ClusterData::masterDb).map(db -> keepers.get(db.spec().keeperUid()));
    }

    /** Waits for phase normal with a converged healthy master and {@code standbys} converged healthy standbys. */
    ClusterData awaitHealthy(int standbys, Duration atMost) {
        return await("cluster healthy with " + standbys + " standbys").atMost(atMost)
                .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> clusterData().orElse(null), cd -> cd != null && cd.masterDb().isPresent()
                        && cd.cluster().status().phase() == io.pgha.model.Cluster.Phase.NORMAL
                        && cd.proxy().spec().masterDbUid() != null
                        && cd.dbs().values().stream().filter(d -> d.converged() && d.status().healthy()).count()
                                == standbys + 1
                        && cd.dbs().values().stream().filter(d -> d.spec().role() == DB.Role.STANDBY).count()
                                == standbys);
    }

    String dump() {
        StringBuilder b = new StringBuilder();
        Stream.of(keepers.values().stream().map(Keeper::process), sentinels.values().stream(),
                        proxies.values().stream().map(Proxy::process), others.stream()).flatMap(s -> s).forEach(p ->
                b.append("\n==== ").append(p.name()).append(" ====\n").append(p.logTail(40)));
        clusterData().ifPresent(cd -> b.append("\n==== cluster data ====\n").append(JsonCodec.write(cd)));
        return b.toString();
    }

    /** Every process's whole log survives the cluster under target/e2e-logs/NAME-TIME/, for reading a failure. */
    private void keepLogs() {
        Path to = Path.of("target", "e2e-logs", name + "-" + java.time.LocalTime.now().withNano(0)
                .toString().replace(":", "")).toAbsolutePath();
        try (Stream<Path> logs = Files.list(base)) {
            Files.createDirectories(to);
            for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
                Files.copy(log, to.resolve(log.getFileName()));
            }
            for (Keeper k : keepers.values()) { // PostgreSQL's own log, e.g. why a standby took long to start
                Path pgLog = k.dataDir().resolve("postgres.log");
                if (Files.exists(pgLog)) {
                    Files.copy(pgLog, to.resolve(k.uid() + "-postgres.log"));
                }
            }
            LocalCluster.log.info("cluster {}: logs kept in {}", name, to);
        } catch (IOException e) {
            LocalCluster.log.warn("cluster {}: could not keep the logs: {}", name, e.toString());
        }
    }

    @Override
    public void close() {
        // Every process is stopped even when stopping one of them fails: nothing may outlive the test.
        List<Runnable> stops = new ArrayList<>();
        sentinels.values().forEach(p -> stops.add(p::kill));
        proxies.values().forEach(p -> stops.add(p.process()::kill));
        others.forEach(p -> stops.add(p::kill));
        keepers.values().forEach(k -> stops.add(k::killNode));
        stops.add(store::close);
        for (Runnable stop : stops) {
            try {
                stop.run();
            } catch (RuntimeException e) {
                log.warn("cluster {}: stopping failed, going on: {}", name, e.toString());
            }
        }
        keepLogs();
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
