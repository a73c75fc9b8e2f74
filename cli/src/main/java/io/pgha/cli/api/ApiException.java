package io.pgha.cli.api;

import tools.jackson.databind.JsonNode;

/** The admin API refused: its problem document (RFC 9457: title, detail, and errors naming fields). */
public final class ApiException extends RuntimeException {
    private final int status;
    private final JsonNode problem;

    public ApiException(int status, JsonNode problem) {
        super(status + " " + problem.path("title").asString("") + ": " + problem.path("detail").asString(""));
        this.status = status;
        this.problem = problem;
    }

    public int status() {
        return status;
    }

    public JsonNode problem() {
        return problem;
    }
}
