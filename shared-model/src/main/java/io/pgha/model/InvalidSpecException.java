package io.pgha.model;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown where an invalid spec must not go further; carries every violation, not just the first. */
public class InvalidSpecException extends RuntimeException {
    private final List<Violation> violations;

    public InvalidSpecException(List<Violation> violations) {
        super("invalid cluster spec: " + violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
        this.violations = List.copyOf(violations);
    }

    public List<Violation> violations() {
        return violations;
    }
}
