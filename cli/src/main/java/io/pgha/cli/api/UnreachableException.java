package io.pgha.cli.api;

import java.net.URI;

/** The admin API did not answer: not running, wrong address, or the network. */
public final class UnreachableException extends RuntimeException {
    public UnreachableException(URI url, Exception cause) {
        super("admin API at " + url + " not reachable: " + (cause.getMessage() != null ? cause.getMessage()
                : cause instanceof java.net.ConnectException ? "connection refused"
                : cause.getClass().getSimpleName()), cause);
    }
}
