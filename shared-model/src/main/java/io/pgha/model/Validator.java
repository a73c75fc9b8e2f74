package io.pgha.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Collects every {@link Violation} of a document, so a caller sees all problems at once. */
final class Validator {
    private final List<Violation> violations = new ArrayList<>();

    void fail(String field, String message) {
        violations.add(new Violation(field, message));
    }

    void require(boolean ok, String field, String message) {
        if (!ok) {
            fail(field, message);
        }
    }

    /** A positive duration; returns it when valid so that cross-field rules can use it. */
    Optional<Duration> positiveDuration(String field, String text) {
        Optional<Duration> d = Durations.tryParse(text);
        if (d.isEmpty()) {
            fail(field, "invalid duration '" + text + "' (expected e.g. 500ms, 5s, 1m30s, 2h)");
        } else if (d.get().isZero()) {
            fail(field, "must be greater than 0");
        }
        return d.filter(x -> !x.isZero());
    }

    void atLeast(String field, long value, long min) {
        if (value < min) {
            fail(field, "must be at least " + min + " (was " + value + ")");
        }
    }

    void oneOf(String field, String value, Collection<String> allowed) {
        if (!allowed.contains(value)) {
            fail(field, "unknown value '" + value + "' (allowed: " + String.join(", ", allowed) + ")");
        }
    }

    void singleLine(String field, String value) {
        if (value != null && (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0)) {
            fail(field, "must not contain a newline");
        }
    }

    List<Violation> violations() {
        return List.copyOf(violations);
    }
}
