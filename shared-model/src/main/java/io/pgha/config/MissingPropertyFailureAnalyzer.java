package io.pgha.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a {@link MissingPropertyException} deep in a binding failure into a one-line startup message. */
class MissingPropertyFailureAnalyzer extends AbstractFailureAnalyzer<MissingPropertyException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, MissingPropertyException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Set " + cause.property() + " (or " + cause.environmentVariable() + ").", cause);
    }
}
