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
import io.pgha.testing.EtcdProcess;
import io.pgha.testing.FreePorts;
import io.pgha.testing.ManagedProcess;
import io.pgha.testing.PgClient;
import io.pgha.testing.Postmaster;
import java.io.IOException;
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

/**
 * A pgha cluster on this machine for black-box tests: etcd, keepers and sentinels as real processes from
 * the built jars, each with its own ports, data and log. Closing it kills everything by PID.
 */
final class LocalCluster implements AutoCloseable {
    static final String SUPERUSER_PASSWORD = "e2e-su";

    final String name;
    final ClusterStore store;
    final ClusterRepository repository;
    private final EtcdProcess etcd;
    private final Path base;
    final Map<String, Keeper> keepers = new LinkedHashMap<>();
    final Map<String, ManagedProcess> sentinels = new LinkedHashMap<>();

    /** A keeper process and where its PostgreSQL lives. */
    record Keeper(String uid, ManagedProcess process, Path dataDir, int pgPort, int httpPort) {
        PgClient sql() {
            return new PgClient(pgPort, "postgres", SUPERUSER_PASSWORD);
        }

        /** SIGKILL the keeper and its postmaster: a node lost. */
        void killNode() {
            process.kill();
            Postmaster.kill(dataDir.resolve("postgres"));
        }
    }

    /** A service jar built by its module, as a process with its log in the cluster's folder. */
    private ManagedProcess service(String name, String module, List<String> args) {
        Path jar = Path.of("..", module, "target", module + ".jar").toAbsolutePath().normalize();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (./mvnw -DskipTests package)");
        }
        List<String> cmd = new ArrayList<>(List.of("-jar", jar.toString()));
        cmd.addAll(args);
        return new ManagedProcess(name, base.resolve(name + ".log"), ManagedProcess.java(cmd)).launch();
    }

    LocalCluster(EtcdProcess etcd, String name) {
        this.etcd = etcd;
        this.name = name;
        this.store = EtcdClusterStore.connect(List.of(etcd.endpoint()), StoreKeys.root("pgha", name),
                Duration.ofSeconds(2));
        this.repository = new ClusterRepository(store);
        try {
            base = Files.createTempDirectory("pgha-e2e-" + name + "-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> common(int httpPort) {
        return List.of("--pgha.cluster-name=" + name, "--pgha.store.endpoints=" + etcd.endpoint(),
                "--server.port=" + httpPort);
    }

    Keeper startKeeper(String uid) {
        int pgPort = FreePorts.next();
        int httpPort = FreePorts.next();
        List<String> args = new ArrayList<>(common(httpPort));
        args.addAll(List.of("--pgha.keeper.uid=" + uid, "--pgha.keeper.data-dir=" + base.resolve(uid),
                "--pgha.keeper.pg.port=" + pgPort, "--pgha.keeper.pg.superuser.password=" + SUPERUSER_PASSWORD,
                "--pgha.keeper.pg.replication.password=e2e-repl"));
        if ("root".equals(System.getProperty("user.name"))) {
            args.add("--pgha.keeper.pg.os-user=postgres");
        }
        Keeper k = new Keeper(uid, service(uid, "keeper-service", args), base.resolve(uid), pgPort, httpPort);
        keepers.put(uid, k);
        return k;
    }

    ManagedProcess startSentinel(String uid, String initialSpec) {
        List<String> args = new ArrayList<>(common(FreePorts.next()));
        args.addAll(List.of("--pgha.sentinel.uid=" + uid, "--pgha.sentinel.initial-cluster-spec=" + initialSpec));
        ManagedProcess s = service(uid, "sentinel-service", args);
        sentinels.put(uid, s);
        return s;
    }

    /** An admin-api process with an operator token; returns its base URL. */
    String startAdmin(String operatorToken) {
        int port = FreePorts.next();
        List<String> args = new ArrayList<>(common(port));
        args.add("--pgha.admin.auth.operator-token=" + operatorToken);
        sentinels.put("admin", service("admin", "admin-api", args));
        String url = "http://127.0.0.1:" + port;
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        await("admin-api up").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/actuator/health/readiness")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        return url;
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
        Stream.concat(keepers.values().stream().map(Keeper::process), sentinels.values().stream()).forEach(p ->
                b.append("\n==== ").append(p.name()).append(" ====\n").append(p.logTail(40)));
        clusterData().ifPresent(cd -> b.append("\n==== cluster data ====\n").append(JsonCodec.write(cd)));
        return b.toString();
    }

    @Override
    public void close() {
        sentinels.values().forEach(ManagedProcess::kill);
        keepers.values().forEach(Keeper::killNode);
        store.close();
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
