package io.pgha.store.consul;

import io.pgha.store.StoreException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Thin Consul HTTP API client: one base URL, ACL token header, a timeout on every request. */
final class ConsulHttp {
    private final HttpClient client;
    private final URI base;
    private final String token;
    private final Duration timeout;

    ConsulHttp(URI base, String token, Duration timeout) {
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.base = base;
        this.token = token;
        this.timeout = timeout;
    }

    record Response(int status, String body, long index) {
    }

    static String encodePath(String key) {
        // Keep '/' as the path separator; encode everything else that needs it.
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/").replace("+", "%20");
    }

    Response send(String what, String method, String pathAndQuery, String body) {
        return send(what, method, pathAndQuery, body, timeout);
    }

    Response send(String what, String method, String pathAndQuery, String body, Duration requestTimeout) {
        try {
            return sendAsync(method, pathAndQuery, body, requestTimeout).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("consul " + what + ": interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            String reason = c instanceof java.net.http.HttpTimeoutException
                    ? "timed out after " + requestTimeout.toMillis() + " ms"
                    : (c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName());
            throw new StoreException("consul " + what + ": " + reason, c);
        }
    }

    CompletableFuture<Response> sendAsync(String method, String pathAndQuery, String body, Duration requestTimeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(requestTimeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            b.header("X-Consul-Token", token);
        }
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .thenApply(r -> new Response(r.statusCode(), r.body(),
                        r.headers().firstValueAsLong("X-Consul-Index").orElse(0)));
    }

    Duration timeout() {
        return timeout;
    }

}
