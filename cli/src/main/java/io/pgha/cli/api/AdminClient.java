package io.pgha.cli.api;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API as pghactl calls it: bearer token, JSON in and out. An answer of 400 or more becomes an
 * {@link ApiException} carrying the problem document; no answer at all an {@link UnreachableException}.
 */
public final class AdminClient {
    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration requestTimeout;

    public AdminClient(URI base, String token, Duration requestTimeout) {
        this.base = base;
        this.token = token;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** One answer: status, body (a JSON node, empty object when there was none) and ETag. */
    public record Answer(int status, JsonNode body, Optional<String> etag) {
    }

    public Answer get(String path) {
        return send("GET", path, null, null);
    }

    public Answer post(String path, JsonNode body) {
        return send("POST", path, body, null);
    }

    public Answer delete(String path) {
        return send("DELETE", path, null, null);
    }

    /** A JSON merge patch, sent with {@code If-Match} when {@code ifMatch} is given. */
    public Answer patch(String path, JsonNode body, String ifMatch) {
        return send("PATCH", path, body, ifMatch);
    }

    private Answer send(String method, String path, JsonNode body, String ifMatch) {
        URI uri = base.resolve(path.startsWith("/") ? path.substring(1) : path);
        // Operations wait on the server side (?timeout=); the client waits a little longer than that.
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(requestTimeout).method(method, body == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", method.equals("PATCH") ? "application/merge-patch+json" : "application/json");
        }
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) { // refused, timed out, reset: no answer from the API
            throw new UnreachableException(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException(base, e);
        }
        JsonNode node = parse(r.body());
        if (r.statusCode() >= 400) {
            throw new ApiException(r.statusCode(), node);
        }
        return new Answer(r.statusCode(), node, r.headers().firstValue("ETag"));
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (RuntimeException e) {
            return JSON.createObjectNode().put("detail", body.strip());
        }
    }
}
