package io.pgha.keeper.converge;

import io.pgha.keeper.KeeperProperties;
import io.pgha.keeper.postgres.PgCommands;
import java.nio.file.Path;

/** The libpq password file (0600, PostgreSQL's user) through which replication and pg_rewind log in. */
public final class PassFile {
    public static final String NAME = "pgpass";

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

    static String escape(String s) {
        return s.replace("\\", "\\\\").replace(":", "\\:");
    }
}
