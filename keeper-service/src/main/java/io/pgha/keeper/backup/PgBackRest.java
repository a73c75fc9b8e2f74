package io.pgha.keeper.backup;

import io.pgha.keeper.postgres.PgCommandException;
import io.pgha.keeper.postgres.PgCommands;
import io.pgha.model.BackupConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs pgBackRest for one stanza with one configuration file, as PostgreSQL's OS user (it reads the data
 * directory and writes the repository as that user). The I/O edge of backups: everything it runs is one
 * pgBackRest command line; failures carry pgBackRest's own error lines.
 */
public final class PgBackRest {
    private final PgCommands commands;
    private final Path binary;
    private final PgBackRestConfig config;
    private final Path configFile;
    private String written;

    PgBackRest(PgCommands commands, Path binary, PgBackRestConfig config, Path configFile) {
        this.commands = commands;
        this.binary = binary;
        this.config = config;
        this.configFile = configFile;
    }

    /** The program for {@code command}: a path as given, or the first match on PATH; empty when there is none. */
    public static Optional<Path> locate(String command) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            return Files.isExecutable(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, command);
            if (Files.isExecutable(p)) {
                return Optional.of(p.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    public Path configFile() {
        return configFile;
    }

    public String stanza() {
        return config.stanza();
    }

    public String archiveCommand() {
        return PgBackRestConfig.archiveCommand(binary, configFile, config.stanza());
    }

    public String restoreCommand() {
        return PgBackRestConfig.restoreCommand(binary, configFile, config.stanza());
    }

    /**
     * Writes the configuration file (mode 0600: it may hold secrets) and pgBackRest's log and lock directories;
     * true when the file changed.
     */
    public synchronized boolean configure(Map<String, String> options, Map<String, String> secrets) {
        String text = config.render(options, secrets);
        if (text.equals(written) && Files.exists(configFile)) {
            return false;
        }
        Path work = config.workDir();
        for (Path dir : List.of(work, work.resolve("log"), work.resolve("lock"))) {
            commands.createPrivateDirectory(dir);
        }
        commands.writePrivateFile(configFile, text);
        written = text;
        return true;
    }

    /** Creates the stanza in the repository, or checks it matches this PostgreSQL when it exists (idempotent). */
    public void stanzaCreate(Duration timeout) {
        runOk(timeout, "stanza-create");
    }

    /** Takes a backup of this keeper's PostgreSQL; pgBackRest expires old ones after it as its retention says. */
    public void backup(BackupConfig.Type type, Duration timeout) {
        runOk(timeout, "backup", "--type=" + type.label());
    }

    /** Archives one WAL file (a segment already in the repository with the same content is accepted as it is). */
    public void archivePush(Path walFile, Duration timeout) {
        runOk(timeout, "archive-push", walFile.toString());
    }

    /** {@code pgbackrest info --output=json} for the stanza. */
    public String info(Duration timeout) {
        return runOk(timeout, "info", "--output=json");
    }

    /**
     * Restores a backup into {@code pgData} (which must exist and be empty), without recovery settings: the keeper
     * writes those itself.
     */
    public String restoreCommandLine(Path pgData, String set) {
        StringBuilder b = new StringBuilder(PgBackRestConfig.quote(binary)).append(" --config=")
                .append(PgBackRestConfig.quote(configFile)).append(" --stanza=").append(config.stanza())
                .append(" restore --type=none --pg1-path=").append(PgBackRestConfig.quote(pgData));
        if (set != null) {
            b.append(" --set=").append(set);
        }
        return b.toString();
    }

    private String runOk(Duration timeout, String command, String... args) {
        List<String> argv = new ArrayList<>(List.of("--config=" + configFile, "--stanza=" + config.stanza(), command));
        argv.addAll(List.of(args));
        PgCommands.Result r = commands.run(timeout, Map.of(), binary.toString(), argv.toArray(String[]::new));
        if (!r.ok()) {
            throw new PgCommandException("pgbackrest " + command + " failed (exit " + r.exitCode() + "): "
                    + errorLines(r.output()));
        }
        return r.output();
    }

    /** pgBackRest's ERROR/WARN lines, else the output's end: what an operator needs to read, not the whole log. */
    static String errorLines(String output) {
        List<String> lines = output.lines().map(String::strip).filter(l -> l.contains("ERROR:") || l.contains("WARN:"))
                .toList();
        String text = lines.isEmpty() ? output.strip() : String.join(" / ", lines);
        return text.length() <= 600 ? text : "…" + text.substring(text.length() - 600);
    }
}
