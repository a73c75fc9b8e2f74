package io.pgha.keeper.it;

import io.pgha.testing.FreePorts;
import io.pgha.testing.ManagedProcess;
import io.pgha.testing.PgClient;
import io.pgha.testing.Postmaster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * A real keeper as an OS process (this test's classpath, {@code KeeperApplication}) with its own data dir
 * and ports. Closing it kills the keeper and its PostgreSQL.
 */
final class KeeperProcess implements AutoCloseable {
    static final String SUPERUSER_PASSWORD = "su-secret";
    static final String REPLICATION_PASSWORD = "repl-secret";

    final String uid;
    final Path dataDir;
    final int pgPort;
    final int httpPort;
    final PgClient sql;
    private final ManagedProcess process;

    private KeeperProcess(String uid, Path dataDir, int pgPort, int httpPort, ManagedProcess process) {
        this.uid = uid;
        this.dataDir = dataDir;
        this.pgPort = pgPort;
        this.httpPort = httpPort;
        this.process = process;
        this.sql = new PgClient(pgPort, "postgres", SUPERUSER_PASSWORD);
    }

    static KeeperProcess start(String cluster, String etcdEndpoint, String uid, Path dataDir, String... extra) {
        int pgPort = FreePorts.next();
        int httpPort = FreePorts.next();
        List<String> args = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"),
                "io.pgha.keeper.KeeperApplication",
                "--pgha.cluster-name=" + cluster,
                "--pgha.store.endpoints=" + etcdEndpoint,
                "--pgha.keeper.uid=" + uid,
                "--pgha.keeper.data-dir=" + dataDir,
                "--pgha.keeper.pg.port=" + pgPort,
                "--pgha.keeper.pg.superuser.password=" + SUPERUSER_PASSWORD,
                "--pgha.keeper.pg.replication.password=" + REPLICATION_PASSWORD,
                "--server.port=" + httpPort));
        if ("root".equals(System.getProperty("user.name"))) {
            args.add("--pgha.keeper.pg.os-user=postgres");
        }
        args.addAll(List.of(extra));
        ManagedProcess p = new ManagedProcess(uid, dataDir.resolveSibling(uid + ".log"), ManagedProcess.java(args));
        return new KeeperProcess(uid, dataDir, pgPort, httpPort, p.launch());
    }

    /** Starts the keeper process again (a new instance), e.g. after {@link #kill()}. */
    void launch() {
        process.launch();
    }

    Process process() {
        return process.process();
    }

    /** SIGKILL the keeper process; its PostgreSQL keeps running, as after a keeper crash. */
    void kill() {
        process.kill();
    }

    OptionalLong postmasterPid() {
        return Postmaster.pid(dataDir.resolve("postgres"));
    }

    /** SIGKILL the postmaster, as a crash of PostgreSQL would. */
    void killPostgres() {
        Postmaster.kill(dataDir.resolve("postgres"));
    }

    String logText() {
        return process.logText();
    }

    String logTail(int lines) {
        return process.logTail(lines);
    }

    @Override
    public void close() {
        kill();
        killPostgres();
    }
}
