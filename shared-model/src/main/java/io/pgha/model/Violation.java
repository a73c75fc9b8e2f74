package io.pgha.model;

/** One problem found by a {@code validate()}: the field's JSON path and what is wrong with it. */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
