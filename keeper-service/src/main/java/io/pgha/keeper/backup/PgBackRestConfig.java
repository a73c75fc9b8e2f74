package io.pgha.keeper.backup;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A keeper's pgBackRest configuration file, rendered (pure): the spec's options and the secret ones in
 * {@code [global]}, pgha's own defaults below them, and the stanza's section with this keeper's PostgreSQL. Every
 * pgBackRest command pgha runs, and the archive_command PostgreSQL runs, reads this one file.
 *
 * @param stanza    the stanza: the cluster's name (backups) or {@code pitrConfig.backup.stanza} (restores)
 * @param pgData    this keeper's data directory ({@code pg1-path})
 * @param port      PostgreSQL's port ({@code pg1-port})
 * @param socketDir PostgreSQL's Unix socket directory ({@code pg1-socket-path}): pgBackRest connects through it
 * @param user      the superuser ({@code pg1-user}; pg_hba.conf trusts it on the local socket)
 * @param workDir   where pgBackRest keeps its logs and locks on this keeper
 */
public record PgBackRestConfig(String stanza, Path pgData, int port, Path socketDir, String user, Path workDir) {

    /**
     * pgha's defaults, each one replaceable by the spec: logs and locks beside the keeper's data, an immediate
     * checkpoint when a backup starts (a backup asked for now should not wait for the next checkpoint), and only
     * warnings on the console (pgha keeps the output of a failure for its message).
     */
    Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("log-path", workDir.resolve("log").toString());
        d.put("lock-path", workDir.resolve("lock").toString());
        d.put("log-level-console", "warn");
        d.put("log-level-file", "info");
        d.put("start-fast", "y");
        return d;
    }

    /** The whole file. {@code options} and {@code secrets} are validated option names; secrets win over options. */
    public String render(Map<String, String> options, Map<String, String> secrets) {
        Map<String, String> global = new TreeMap<>(defaults());
        global.putAll(options);
        global.putAll(secrets);
        StringBuilder b = new StringBuilder("# Written by the pgha keeper; changes are overwritten (docs/backup.md).\n");
        b.append("[global]\n");
        global.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        b.append('\n').append('[').append(stanza).append("]\n");
        b.append("pg1-path=").append(pgData).append('\n');
        b.append("pg1-port=").append(port).append('\n');
        b.append("pg1-socket-path=").append(socketDir).append('\n');
        b.append("pg1-user=").append(user).append('\n');
        return b.toString();
    }

    /** {@code archive_command}: PostgreSQL hands each finished WAL segment to pgBackRest. */
    public static String archiveCommand(Path binary, Path configFile, String stanza) {
        return quote(binary) + " --config=" + quote(configFile) + " --stanza=" + stanza + " archive-push \"%p\"";
    }

    /** {@code restore_command}: a standby (or a restore) fetches archived WAL from the repository. */
    public static String restoreCommand(Path binary, Path configFile, String stanza) {
        return quote(binary) + " --config=" + quote(configFile) + " --stanza=" + stanza + " archive-get %f \"%p\"";
    }

    /** A path as one shell word. */
    static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }
}
