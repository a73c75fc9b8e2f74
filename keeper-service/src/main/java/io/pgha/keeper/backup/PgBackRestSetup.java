package io.pgha.keeper.backup;

import io.pgha.keeper.postgres.PgCommands;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What every pgBackRest command of this keeper shares: the program, PostgreSQL's OS user, the keeper's PostgreSQL
 * and the secret directory. Makes the configuration for the cluster's own stanza (backups, archiving) and for a
 * restore from a repository ({@code pitrConfig.backup}), each in its own file under {@code <data-dir>/pgbackrest}.
 *
 * @param binary the pgBackRest program; empty when it was not found (backups then fail with that reason)
 */
public record PgBackRestSetup(PgCommands commands, Optional<Path> binary, String command, Path workDir,
                              Path secretDir, Path pgData, int port, Path socketDir, String superuser) {

    /** The program, or its configured name when it was not found (a command that fails, visibly). */
    Path program() {
        return binary.orElse(Path.of(command));
    }

    /** The cluster's own stanza: its backups, and the archive_command of whichever keeper is the primary. */
    public PgBackRest cluster(String clusterName) {
        return forStanza(clusterName, "pgbackrest.conf");
    }

    /** Another (or the same) stanza to restore from. */
    public PgBackRest restore(String stanza) {
        return forStanza(stanza, "restore.conf");
    }

    private PgBackRest forStanza(String stanza, String fileName) {
        return new PgBackRest(commands, program(), new PgBackRestConfig(stanza, pgData, port, socketDir, superuser,
                workDir), workDir.resolve(fileName));
    }

    /** The secret options, read now (a rotated Secret is picked up at the next configuration). */
    public Map<String, String> secrets() {
        return SecretOptions.read(secretDir);
    }
}
