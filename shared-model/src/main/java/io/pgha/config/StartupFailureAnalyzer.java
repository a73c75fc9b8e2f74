package io.pgha.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link StartupFailure} deep in a bean creation failure into a one-line startup message. */
class StartupFailureAnalyzer extends AbstractFailureAnalyzer<StartupFailure> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, StartupFailure cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
