package io.pgha.keeper.postgres;

import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One local PostgreSQL instance and the verbs the keeper needs (Stolon's {@code internal/postgresql}):
 * initdb, start, stop, reload, promote, basebackup, rewind, and a few reads of its control data.
 */
public final class PostgresInstance {
    private static final Logger log = LoggerFactory.getLogger(PostgresInstance.class);

    private final PgCommands commands;
    private final Path pgData;
    private final Path logFile;
    private final Path passFile;
    private final Duration timeout;

    /**
     * @param pgData   PostgreSQL's data directory
     * @param logFile  where the server logs
     * @param passFile libpq password file the keeper maintains (replication and rewind connections)
     * @param timeout  bound on start/stop/promote; basebackup and rewind take their own
     */
    public PostgresInstance(PgCommands commands, Path pgData, Path logFile, Path passFile, Duration timeout) {
        this.commands = commands;
        this.pgData = pgData;
        this.logFile = logFile;
        this.passFile = passFile;
        this.timeout = timeout;
    }

    public Path pgData() {
        return pgData;
    }

    /** True when the data dir holds an initialized cluster. */
    public boolean exists() {
        return Files.exists(pgData.resolve("PG_VERSION")) && Files.exists(pgData.resolve("global/pg_control"));
    }

    /** The postmaster's PID when it runs. */
    public OptionalLong postmasterPid() {
        Path pidFile = pgData.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return OptionalLong.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            if (lines.isEmpty() || lines.get(0).isBlank()) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> !zombie(pid))
                    .map(h -> OptionalLong.of(pid)).orElse(OptionalLong.empty());
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * A crashed postmaster may linger as a zombie until its new parent reaps it, and PostgreSQL refuses to
     * start while the PID in {@code postmaster.pid} exists. The file of a dead or zombie postmaster is
     * stale; PostgreSQL's own shared memory interlock still protects against leftover children.
     */
    private void removeStalePidFile() {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (Files.exists(pidFile) && postmasterPid().isEmpty()) {
            log.info("pgdata={} removing the stale postmaster.pid of a dead postmaster", pgData);
            deleteQuietly(pidFile);
        }
    }

    /** A killed postmaster stays in the process table until reaped; it is not running. */
    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    public boolean isRunning() {
        return postmasterPid().isPresent();
    }

    /** initdb with the superuser's password (given through a temporary 0600 file, never on a command line). */
    public void initdb(String superuser, String password, ClusterSpec.NewConfig config) {
        wipe();
        commands.createPrivateDirectory(pgData);
        Path pwFile = pgData.resolveSibling("initdb.pw");
        commands.writePrivateFile(pwFile, password + "\n");
        try {
            List<String> args = new ArrayList<>(List.of("-D", pgData.toString(), "-U", superuser,
                    "--pwfile=" + pwFile, "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--encoding=" + config.encoding(), "--locale=" + config.locale()));
            if (Boolean.TRUE.equals(config.dataChecksums())) {
                args.add("--data-checksums");
            }
            commands.runOk(Duration.ofMinutes(5), Map.of(), "initdb", args.toArray(String[]::new));
        } finally {
            deleteQuietly(pwFile);
        }
    }

    /**
     * Starts the server and waits until it accepts connections, for up to {@code waitReady}: an instance that
     * replays much WAL after a crash takes longer than the other commands' bound.
     */
    public void start(Duration waitReady) {
        removeStalePidFile();
        sanitizeAutoConf();
        long seconds = Math.max(1, waitReady.toSeconds());
        commands.runOk(Duration.ofSeconds(seconds + 5), Map.of(), "pg_ctl", "start", "-D", pgData.toString(), "-l",
                logFile.toString(), "-w", "-t", Long.toString(seconds), "-s");
    }

    /** Stops the server (when it runs) and waits until it did. */
    public void stop(StopMode mode) {
        if (!isRunning()) {
            return;
        }
        PgCommands.Result r = commands.run(timeout.plusSeconds(5), Map.of(), "pg_ctl", "stop", "-D",
                pgData.toString(), "-m", mode.pgCtl(), "-w", "-t", Long.toString(timeout.toSeconds()), "-s");
        if (!r.ok() && isRunning()) {
            throw new PgCommandException("pg_ctl stop -m " + mode.pgCtl() + " failed: " + r.output().strip());
        }
    }

    public void reload() {
        sanitizeAutoConf();
        commands.runOk(timeout, Map.of(), "pg_ctl", "reload", "-D", pgData.toString(), "-s");
    }

    /**
     * Asks a standby to promote itself and returns at once: the caller waits for the end of recovery. pg_ctl's own
     * wait looks every 100 ms, a tenth of a switchover's budget.
     */
    public void requestPromotion() {
        commands.runOk(timeout.plusSeconds(5), Map.of(), "pg_ctl", "promote", "-D", pgData.toString(), "-W", "-s");
    }

    /** The operation timeout of this instance's commands (pg_ctl's {@code -t}). */
    public Duration commandTimeout() {
        return timeout;
    }

    /** A fresh copy of a primary, streaming the WAL it needs, using {@code slot} when given. */
    public void basebackup(String host, int port, String user, String slot, Duration limit) {
        basebackup(List.of("-h", host, "-p", Integer.toString(port), "-U", user), passFile, slot, limit);
    }

    /** A fresh copy of the server {@code conninfo} names (libpq key=value), logging in through {@code passFile}. */
    public void basebackup(String conninfo, Path passFile, String slot, Duration limit) {
        basebackup(List.of("-d", conninfo), passFile, slot, limit);
    }

    private void basebackup(List<String> source, Path passFile, String slot, Duration limit) {
        wipe();
        commands.createPrivateDirectory(pgData);
        List<String> args = new ArrayList<>(List.of("-D", pgData.toString()));
        args.addAll(source);
        args.addAll(List.of("-X", "stream", "-c", "fast", "-w", "--no-password"));
        if (slot != null) {
            args.addAll(List.of("-S", slot));
        }
        commands.runOk(limit, Map.of("PGPASSFILE", passFile.toString()), "pg_basebackup",
                args.toArray(String[]::new));
    }

    /**
     * Fills an empty data directory with the operator's restore command ({@code %d} = the data directory), run
     * through the shell as PostgreSQL's OS user, and removes what must not survive from the backup's source: its
     * pid file and a standby or recovery signal (pgha decides the role). The backup's {@code backup_label} stays:
     * recovery starts from it.
     */
    public void restoreData(String dataRestoreCommand, Duration limit) {
        wipe();
        commands.createPrivateDirectory(pgData);
        commands.runOk(limit, Map.of(), "/bin/sh", "-c", dataRestoreCommand.replace("%d", pgData.toString()));
        if (!Files.exists(pgData.resolve("PG_VERSION"))) {
            throw new PgCommandException("the dataRestoreCommand finished but " + pgData + " holds no PostgreSQL data"
                    + " directory (no PG_VERSION)");
        }
        commands.createPrivateDirectory(pgData); // mode 0700 again: an archive may have brought other permissions
        for (String stale : List.of("postmaster.pid", "standby.signal", "recovery.signal")) {
            deleteQuietly(pgData.resolve(stale));
        }
    }

    /** Whether the next start runs archive recovery ({@code recovery.signal}). */
    public void setRecoverySignal(boolean recover) {
        Path signal = pgData.resolve("recovery.signal");
        if (recover) {
            commands.writePrivateFile(signal, "");
        } else {
            deleteQuietly(signal);
        }
    }

    /** How long the server log is now: {@link #errorsSince} reads what is written after it. */
    public long logSize() {
        try {
            return Files.exists(logFile) ? Files.size(logFile) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The server log's FATAL and PANIC lines written after {@code offset} (the last three): why a start ended. */
    public List<String> errorsSince(long offset) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(logFile.toFile(), "r")) {
            long from = Math.min(offset, f.length());
            byte[] tail = new byte[(int) Math.min(f.length() - from, 1 << 20)];
            f.seek(f.length() - tail.length);
            f.readFully(tail);
            List<String> lines = new String(tail, java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("FATAL:") || l.contains("PANIC:"))
                    // Without the line's time and pid: the same reason reads the same at every attempt (logged once).
                    .map(l -> l.substring(Math.max(0, l.contains("FATAL:") ? l.indexOf("FATAL:") : l.indexOf("PANIC:"))))
                    .toList();
            return lines.subList(Math.max(0, lines.size() - 3), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    /** pg_rewind from a running primary; the instance must be stopped (cleanly, see {@link #ensureCleanShutdown}). */
    public void rewind(String sourceConninfo, Duration limit) {
        commands.runOk(limit, Map.of("PGPASSFILE", passFile.toString()), "pg_rewind", "--target-pgdata",
                pgData.toString(), "--source-server=" + sourceConninfo, "--progress");
    }

    /**
     * pg_rewind refuses a target that was not shut down cleanly: start it once in single-user mode
     * so it runs crash recovery and shuts down cleanly.
     */
    public void ensureCleanShutdown() {
        String state = controlData().getOrDefault("Database cluster state", "");
        if (state.startsWith("shut down")) {
            return;
        }
        log.info("pgdata={} not shut down cleanly ({}): running crash recovery before pg_rewind", pgData, state);
        commands.run(timeout.plusSeconds(60), Map.of(), "postgres", "--single", "-D", pgData.toString(), "-c",
                "config_file=" + pgData.resolve("postgresql.conf"), "postgres");
    }

    /** {@code pg_controldata} as a map ("Database system identifier" → "7301..."). */
    public Map<String, String> controlData() {
        String out = commands.runOk(timeout, Map.of(), "pg_controldata", pgData.toString());
        Map<String, String> m = new java.util.HashMap<>();
        for (String line : out.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                m.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return m;
    }

    /**
     * The shutdown checkpoint of an instance stopped cleanly as a primary, read from the control file and the WAL
     * ({@code pg_waldump}, a few milliseconds); empty when it was not stopped that way or the record cannot be read.
     */
    public Optional<ShutdownCheckpoint> shutdownCheckpoint() {
        Map<String, String> control = controlData();
        String location = control.get("Latest checkpoint location");
        String timeline = control.get("Latest checkpoint's TimeLineID");
        if (!"shut down".equals(control.get("Database cluster state")) || location == null || timeline == null) {
            return Optional.empty();
        }
        PgCommands.Result dump = commands.run(timeout, Map.of(), "pg_waldump", "--path=" + pgData.resolve("pg_wal"),
                "--timeline=" + timeline, "--start=" + location, "--limit=1");
        return ShutdownCheckpoint.of(control, dump.output());
    }

    public String systemId() {
        return controlData().get("Database system identifier");
    }

    /** The parsed {@code pg_wal/<timeline>.history} file; empty for timeline 1 or when absent. */
    public List<DB.TimelineHistoryEntry> timelineHistory(long timeline) {
        Path file = pgData.resolve("pg_wal").resolve(String.format("%08X.history", timeline));
        if (timeline <= 1 || !Files.exists(file)) {
            return List.of();
        }
        try {
            return parseTimelineHistory(Files.readString(file));
        } catch (IOException e) {
            return List.of();
        }
    }

    static List<DB.TimelineHistoryEntry> parseTimelineHistory(String content) {
        List<DB.TimelineHistoryEntry> out = new ArrayList<>();
        for (String line : content.split("\n")) {
            String[] f = line.strip().split("\t");
            if (f.length >= 2 && f[0].matches("\\d+")) {
                out.add(new DB.TimelineHistoryEntry(Long.parseLong(f[0]), Lsn.parse(f[1].strip()),
                        f.length > 2 ? f[2].strip() : ""));
            }
        }
        return out;
    }

    public void writeFile(String name, String content) {
        commands.writePrivateFile(pgData.resolve(name), content);
    }

    public String readFile(String name) {
        try {
            Path p = pgData.resolve(name);
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void setStandbySignal(boolean standby) {
        Path signal = pgData.resolve("standby.signal");
        if (standby && !Files.exists(signal)) {
            commands.writePrivateFile(signal, "");
        } else if (!standby) {
            deleteQuietly(signal);
        }
    }

    private void sanitizeAutoConf() {
        String auto = readFile("postgresql.auto.conf");
        String clean = PostgresConfig.sanitizeAutoConf(auto);
        if (!auto.isEmpty() && !clean.equals(auto)) {
            log.info("pgdata={} removed pgha-managed parameters from postgresql.auto.conf", pgData);
            writeFile("postgresql.auto.conf", clean);
        }
    }

    /** Removes the data directory entirely (a new DB means starting from scratch). */
    public void wipe() {
        if (!Files.exists(pgData)) {
            return;
        }
        try (Stream<Path> files = Files.walk(pgData)) {
            files.sorted(Comparator.reverseOrder()).forEach(PostgresInstance::deleteQuietly);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + pgData, e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", p, e.getMessage());
        }
    }
}
