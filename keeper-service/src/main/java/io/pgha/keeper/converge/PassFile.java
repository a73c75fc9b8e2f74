package io.pgha.keeper.converge;

import io.pgha.keeper.KeeperProperties;
import io.pgha.keeper.postgres.PgCommands;
import java.nio.file.Path;

/** The libpq password file (0600, PostgreSQL's user) through which replication and pg_rewind log in. */
public final class PassFile {
    public static final String NAME = "pgpass";
    /** The passfile for a standby cluster's upstream: one password for whichever user its conninfo names. */
    public static final String UPSTREAM_NAME = "upstream-pgpass";

    private PassFile() {
    }

    public static Path write(PgCommands commands, Path dataDir, KeeperProperties.Role... roles) {
        StringBuilder b = new StringBuilder();
        for (KeeperProperties.Role r : roles) {
            b.append("*:*:*:").append(escape(r.username())).append(':').append(escape(r.password())).append('\n');
        }
        Path file = dataDir.resolve(NAME);
        commands.writePrivateFile(file, b.toString());
        return file;
    }

    /** The upstream's passfile: empty without a password (libpq then asks the upstream for none). */
    public static Path writeUpstream(PgCommands commands, Path dataDir, java.util.Optional<String> password) {
        Path file = dataDir.resolve(UPSTREAM_NAME);
        commands.writePrivateFile(file, password.map(pw -> "*:*:*:*:" + escape(pw) + "\n").orElse(""));
        return file;
    }

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }
}
