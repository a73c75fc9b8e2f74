package io.pgha.keeper.postgres;

/** A PostgreSQL program failed or could not run; the message carries its output. */
public class PgCommandException extends RuntimeException {
    public PgCommandException(String message) {
        super(message);
    }
}
