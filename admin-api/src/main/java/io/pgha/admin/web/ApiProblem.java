package io.pgha.admin.web;

import io.pgha.model.Violation;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A request the API refuses, rendered as RFC 9457 problem+json by {@link ProblemAdvice}: a status, a short
 * title, a detail for humans, and the invalid fields by name.
 */
public class ApiProblem extends RuntimeException {
    private final HttpStatus status;
    private final String title;
    private final List<Violation> errors;
    private final Map<String, Object> properties;

    public ApiProblem(HttpStatus status, String title, String detail, List<Violation> errors,
                      Map<String, Object> properties) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.properties = Map.copyOf(properties);
    }

    public ApiProblem(HttpStatus status, String title, String detail) {
        this(status, title, detail, List.of(), Map.of());
    }

    public static ApiProblem invalid(String detail, List<Violation> errors) {
        return new ApiProblem(HttpStatus.BAD_REQUEST, "Invalid request", detail, errors, Map.of());
    }

    public static ApiProblem invalid(String field, String message) {
        return invalid(field + ": " + message, List.of(new Violation(field, message)));
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(HttpStatus.NOT_FOUND, "Not found", detail);
    }

    public static ApiProblem conflict(String detail) {
        return new ApiProblem(HttpStatus.CONFLICT, "Conflict", detail);
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<Violation> errors() {
        return errors;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
