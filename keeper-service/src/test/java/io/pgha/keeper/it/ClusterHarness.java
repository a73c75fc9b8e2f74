package io.pgha.keeper.it;

import static org.awaitility.Awaitility.await;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import io.pgha.model.Proxy;
import io.pgha.store.CasResult;
import io.pgha.store.ClusterRepository;
import io.pgha.store.ClusterStore;
import io.pgha.store.StoreKeys;
import io.pgha.store.Versioned;
import io.pgha.store.etcd.EtcdClusterStore;
import io.pgha.testing.EtcdProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Real keepers against a real etcd, with the test playing the sentinel: it writes cluster data (always
 * acknowledging each keeper's current instance) and reads what the keepers publish.
 */
final class ClusterHarness implements AutoCloseable {
    final String name;
    final ClusterStore store;
    final ClusterRepository repository;
    private final EtcdProcess etcd;
    private final Path base;
    private final Map<String, KeeperProcess> keepers = new LinkedHashMap<>();
    ClusterSpec spec = ClusterSpec.empty();
    boolean paused;

    ClusterHarness(EtcdProcess etcd, String name) {
        this.etcd = etcd;
        this.name = name;
        this.store = EtcdClusterStore.connect(List.of(etcd.endpoint()), StoreKeys.root("pgha", name),
                Duration.ofSeconds(2));
        this.repository = new ClusterRepository(store);
        try {
            this.base = Files.createTempDirectory("pgha-it-" + name + "-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    KeeperProcess startKeeper(String uid, String... extra) {
        KeeperProcess k = KeeperProcess.start(name, etcd.endpoint(), uid, base.resolve(uid), extra);
        keepers.put(uid, k);
        return k;
    }

    KeeperProcess keeper(String uid) {
        return keepers.get(uid);
    }

    /** The node of keeper {@code uid} is lost: keeper and PostgreSQL SIGKILLed, and it is left out of later plans. */
    void loseNode(String uid) {
        keepers.remove(uid).close();
    }

    Optional<KeeperInfo> info(String uid) {
        return Optional.ofNullable(repository.keeperInfos().get(uid));
    }

    KeeperInfo awaitInfo(String uid, Predicate<KeeperInfo> condition, Duration atMost) {
        return await("keeper " + uid + " info").atMost(atMost).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> info(uid).orElse(null), i -> i != null && condition.test(i));
    }

    /** Waits until the keeper published the DB's generation as applied, running and healthy. */
    KeeperInfo awaitConverged(String uid, DB db, Duration atMost) {
        return awaitInfo(uid, i -> i.postgres() != null && db.uid().equals(i.postgres().dbUid())
                && i.postgres().generation() == db.generation() && i.postgres().healthy(), atMost);
    }

    /** Cluster data with every started keeper (acknowledging its current instance), these DBs and master. */
    ClusterData plan(String masterDb, DB... dbs) {
        Map<String, Keeper> ks = new LinkedHashMap<>();
        keepers.keySet().forEach(uid -> {
            String instance = awaitInfo(uid, i -> true, Duration.ofSeconds(60)).instanceId();
            ks.put(uid, new Keeper(uid, 1, new Keeper.Spec(1, false, false, true),
                    new Keeper.Status(true, Instant.now(), instance, null, false)));
        });
        Map<String, DB> m = new LinkedHashMap<>();
        for (DB db : dbs) {
            m.put(db.uid(), db);
        }
        Cluster cluster = new Cluster("c-" + name, 1, Instant.now(), spec,
                new Cluster.Status(Cluster.Phase.NORMAL, masterDb, paused, null));
        return new ClusterData(ClusterData.FORMAT_VERSION, cluster, ks, m, new Proxy(1, new Proxy.Spec(masterDb,
                List.of())));
    }

    void write(ClusterData cd) {
        long rev = store.get(StoreKeys.CLUSTER_DATA).map(Versioned::revision).orElse(0L);
        CasResult r = repository.putClusterData(cd, rev);
        if (!r.succeeded()) {
            throw new IllegalStateException("concurrent cluster data write in a test");
        }
    }

    /** Writes cluster data that assigns these DBs, acknowledging every keeper's current instance. */
    ClusterData assign(String masterDb, DB... dbs) {
        ClusterData cd = plan(masterDb, dbs);
        write(cd);
        return cd;
    }

    String dump() {
        StringBuilder b = new StringBuilder();
        keepers.values().forEach(k -> b.append("\n==== ").append(k.uid).append(" log tail ====\n")
                .append(k.logTail(60)));
        b.append("\n==== keeper infos ====\n").append(JsonCodec.write(repository.keeperInfos()));
        return b.toString();
    }

    @Override
    public void close() {
        keepers.values().forEach(KeeperProcess::close);
        store.close();
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** A DB assignment, built fluently: {@code db("db1").on("k1").master().followers("db2")}. */
    static Db db(String uid) {
        return new Db(uid);
    }

    static final class Db {
        private final String uid;
        private String keeper;
        private DB.Role role = DB.Role.MASTER;
        private DB.InitMode init = DB.InitMode.NEW;
        private String follows;
        private long generation = 1;
        private List<String> followers = List.of();
        private List<String> sync = List.of();
        private boolean synchronous;
        private Map<String, String> params = Map.of();
        private boolean rewind;
        private DB.Request request;

        private Db(String uid) {
            this.uid = uid;
        }

        Db on(String keeperUid) {
            this.keeper = keeperUid;
            return this;
        }

        Db master() {
            role = DB.Role.MASTER;
            return this;
        }

        Db init(DB.InitMode mode) {
            init = mode;
            return this;
        }

        Db standbyOf(String dbUid) {
            role = DB.Role.STANDBY;
            init = DB.InitMode.RESYNC;
            follows = dbUid;
            return this;
        }

        Db generation(long g) {
            generation = g;
            return this;
        }

        Db followers(String... dbUids) {
            followers = List.of(dbUids);
            return this;
        }

        Db synchronousStandbys(String... dbUids) {
            synchronous = true;
            sync = List.of(dbUids);
            return this;
        }

        Db params(Map<String, String> p) {
            params = p;
            return this;
        }

        Db usePgRewind(boolean b) {
            rewind = b;
            return this;
        }

        /** The sentinel's one-off request (a rolling restart's step, a reload). */
        Db request(DB.Request r) {
            request = r;
            return this;
        }

        DB build() {
            return new DB(uid, generation, Instant.now(), new DB.Spec(keeper, role, init,
                    follows == null ? null : DB.FollowConfig.internal(follows), synchronous, new ArrayList<>(sync), null,
                    params, List.of(), 10, 5, rewind, List.of(), followers, null, null, false, request), null);
        }
    }
}
