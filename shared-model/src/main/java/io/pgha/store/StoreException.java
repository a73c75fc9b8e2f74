package io.pgha.store;

/**
 * A store call that did not complete: unreachable, timed out, refused. Unchecked, with a message that
 * says which call on which key failed and why; callers treat it as "try again later", never as a crash.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
