package io.pgha.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bare PostgreSQL 15 server for tests that need real instances without a keeper: a primary made by
 * initdb (trust authentication on loopback) or a streaming standby made by pg_basebackup. Runs as the
 * {@code postgres} OS user when the tests run as root, because PostgreSQL refuses root. Stopped by PID.
 */
public final class PgServer implements AutoCloseable {
    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final String OS_USER = "postgres";

    private final Path dataDir;
    private final int port;

    private PgServer(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /**
     * A new primary under {@code parent}, started, with extra {@code postgresql.conf} lines; with
     * {@code "ssl = on"} it gets a self-signed certificate.
     */
    public static PgServer primary(Path parent, String name, String... settings) {
        PgServer s = new PgServer(prepare(parent.resolve(name)), FreePorts.next());
        run(List.of(BIN.resolve("initdb").toString(), "-D", s.dataDir.toString(), "-U", "postgres",
                "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"));
        s.configure(settings);
        s.start();
        return s;
    }

    /** A streaming standby of {@code primary} (pg_basebackup -R), started. */
    public static PgServer standbyOf(PgServer primary, Path parent, String name, String... settings) {
        PgServer s = new PgServer(prepare(parent.resolve(name)), FreePorts.next());
        run(List.of(BIN.resolve("pg_basebackup").toString(), "-h", "127.0.0.1", "-p", String.valueOf(primary.port),
                "-U", "postgres", "-D", s.dataDir.toString(), "-R", "-X", "stream", "--no-sync"));
        s.configure(settings);
        s.start();
        return s;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public PgClient client() {
        return new PgClient(port, "postgres", "");
    }

    public void start() {
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-l",
                dataDir.resolve("server.log").toString(), "-w", "-t", "60", "start"));
    }

    public void promote() {
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "promote"));
    }

    /** SIGQUIT (immediate shutdown) by PID, then SIGKILL if it lingers. */
    @Override
    public void close() {
        Postmaster.pid(dataDir).ifPresent(pid -> {
            Signals.send(pid, "QUIT");
            boolean gone = ProcessHandle.of(pid).map(h -> {
                try {
                    h.onExit().get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }).orElse(true);
            if (!gone) {
                Postmaster.kill(dataDir);
            }
        });
    }

    private void configure(String... settings) {
        if (List.of(settings).contains("ssl = on")) {
            // A throwaway self-signed certificate: PostgreSQL reads server.crt/server.key from the data dir.
            run(List.of("openssl", "req", "-new", "-x509", "-days", "2", "-nodes", "-subj", "/CN=localhost",
                    "-keyout", dataDir.resolve("server.key").toString(), "-out",
                    dataDir.resolve("server.crt").toString()));
        }
        List<String> lines = new ArrayList<>(List.of("port = " + port, "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + dataDir + "'", "fsync = off", "max_connections = 300",
                "shared_buffers = 16MB", "wal_level = replica", "max_wal_senders = 10", "hot_standby = on"));
        lines.addAll(List.of(settings));
        try {
            Files.writeString(dataDir.resolve("postgresql.conf"), String.join("\n", lines) + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Path prepare(Path dir) {
        try {
            Files.createDirectories(dir);
            if (root()) {
                Files.setPosixFilePermissions(dir.getParent(), java.nio.file.attribute.PosixFilePermissions
                        .fromString("rwxr-xr-x"));
                run(List.of("chown", OS_USER + ":" + OS_USER, dir.toString()), false);
            }
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            return dir;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(List<String> command) {
        run(command, root());
    }

    private static void run(List<String> command, boolean asPostgres) {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        cmd.addAll(command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
