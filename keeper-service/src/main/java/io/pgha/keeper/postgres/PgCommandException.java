package io.pgha.keeper.postgres;

import java.util.regex.Pattern;

/** A PostgreSQL program failed or could not run; the message carries its output. */
public class PgCommandException extends RuntimeException {
    private static final Pattern MISSING_SLOT = Pattern.compile("replication slot \"[^\"]*\" does not exist");

    public PgCommandException(String message) {
        super(message);
    }

    /** The program was refused because the replication slot it named is not on the server (yet). */
    public boolean missingReplicationSlot() {
        return MISSING_SLOT.matcher(String.valueOf(getMessage())).find();
    }
}
