package io.pgha.config;

/**
 * A condition that must stop a service at startup, reported as one line (the message) and what to do
 * (the action) instead of a stack trace.
 */
public class StartupFailure extends RuntimeException {
    private final String action;

    public StartupFailure(String message, String action) {
        super(message);
        this.action = action;
    }

    public String action() {
        return action;
    }
}
