package io.pgha.keeper.postgres;

import io.pgha.config.StartupFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs PostgreSQL's programs from one bin dir. When the keeper runs as root, they run as the configured
 * OS user ({@code runuser}), because PostgreSQL refuses to run as root; files the keeper writes into the
 * data dir are given to that user.
 */
public final class PgCommands {
    private final Path binDir;
    private final String osUser;

    public PgCommands(Path binDir, String osUser) {
        this.binDir = binDir;
        this.osUser = osUser;
    }

    /** Finds the binaries and checks the OS user; fails startup with a clear message when it cannot. */
    public static PgCommands detect(Path configuredBinDir, String osUser) {
        Path bin = configuredBinDir != null ? configuredBinDir : autodetectBinDir();
        if (!Files.isExecutable(bin.resolve("postgres")) || !Files.isExecutable(bin.resolve("pg_ctl"))) {
            throw new StartupFailure("no PostgreSQL binaries (postgres, pg_ctl) in " + bin,
                    "Install PostgreSQL 15 or set pgha.keeper.pg.bin-dir.");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root && (osUser == null || osUser.isBlank())) {
            throw new StartupFailure("the keeper runs as root and PostgreSQL refuses to: pgha.keeper.pg.os-user is"
                    + " not set", "Set pgha.keeper.pg.os-user to the unprivileged user that runs PostgreSQL.");
        }
        String user = root ? osUser : null;
        if (user != null) {
            try {
                Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
            } catch (IOException e) {
                throw new StartupFailure("pgha.keeper.pg.os-user '" + user + "' does not exist",
                        "Create the user or set pgha.keeper.pg.os-user to an existing one.");
            }
        }
        return new PgCommands(bin, user);
    }

    /** The newest {@code /usr/lib/postgresql/<major>/bin}, else the directory of pg_ctl on PATH. */
    static Path autodetectBinDir() {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                var newest = versions.filter(p -> p.getFileName().toString().matches("\\d+"))
                        .filter(p -> Files.isExecutable(p.resolve("bin/postgres")))
                        .max(Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString())));
                if (newest.isPresent()) {
                    return newest.get().resolve("bin");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pg_ctl"))) {
                return Path.of(dir);
            }
        }
        return base.resolve("15/bin");
    }

    public Path binDir() {
        return binDir;
    }

    /** The OS user PostgreSQL runs as, or null when it is the keeper's own user. */
    public String osUser() {
        return osUser;
    }

    /** Output and exit code of a finished command. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** Runs a PostgreSQL program and waits for it; a command that outlives {@code timeout} is killed. */
    public Result run(Duration timeout, Map<String, String> env, String program, String... args) {
        List<String> command = new ArrayList<>();
        if (osUser != null) {
            command.addAll(List.of("runuser", "-u", osUser, "--", "env"));
            env.forEach((k, v) -> command.add(k + "=" + v));
        }
        command.add(binDir.resolve(program).toString());
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> environment = environment(System.getenv(), osUser == null ? env : Map.of());
        pb.environment().clear();
        pb.environment().putAll(environment);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> drain(p.getInputStream(), out), "pg-output-" + program);
            reader.setDaemon(true);
            reader.start();
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new PgCommandException(program + " did not finish within " + timeout.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                // Cancelled (e.g. a backup whose keeper is no longer the primary's): the program gets SIGTERM and a
                // moment to clean up (pgBackRest releases its locks), then is killed.
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
                throw e;
            }
            reader.join(1000);
            synchronized (out) {
                return new Result(p.exitValue(), out.toString());
            }
        } catch (IOException e) {
            throw new PgCommandException("cannot run " + program + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgCommandException(program + " interrupted");
        }
    }

    /**
     * The environment PostgreSQL's programs run with: the keeper's own without any {@code PG*} variable, plus what
     * the keeper sets explicitly, in the C.UTF-8 locale. libpq and the tools read {@code PGPASSWORD} (it overrides
     * the keeper's passfile), {@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGSSLMODE}, {@code PGPASSFILE}
     * and more: whatever the shell that started the keeper exported must not steer initdb, pg_basebackup or
     * pg_rewind.
     */
    static Map<String, String> environment(Map<String, String> inherited, Map<String, String> explicit) {
        Map<String, String> out = new java.util.TreeMap<>();
        inherited.forEach((k, v) -> {
            if (!k.toUpperCase(java.util.Locale.ROOT).startsWith("PG")) {
                out.put(k, v);
            }
        });
        out.putAll(explicit);
        out.put("LC_ALL", "C.UTF-8");
        return out;
    }

    /** Like {@link #run} but a non-zero exit is an error carrying the program's output. */
    public String runOk(Duration timeout, Map<String, String> env, String program, String... args) {
        Result r = run(timeout, env, program, args);
        if (!r.ok()) {
            throw new PgCommandException(program + " failed (exit " + r.exitCode() + "): " + r.output().strip());
        }
        return r.output();
    }

    private static void drain(InputStream in, StringBuilder out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    if (out.length() < 64 * 1024) {
                        out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (IOException e) {
            // process ended
        }
    }

    /** Writes a file readable only by PostgreSQL's user (mode 0600). */
    public void writePrivateFile(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            giveToOsUser(tmp);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Creates a directory owned by PostgreSQL's user with mode 0700 (PostgreSQL insists on it). */
    public void createPrivateDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            giveToOsUser(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    public void giveToOsUser(Path path) throws IOException {
        if (osUser != null) {
            UserPrincipal user = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(osUser);
            Files.setOwner(path, user);
        }
    }
}
