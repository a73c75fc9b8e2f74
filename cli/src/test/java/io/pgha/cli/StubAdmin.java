package io.pgha.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for the admin API in CLI tests: canned answers per {@code "METHOD /path"} (query ignored), and
 * every request it got, so that a test can say what was (and was not) sent.
 */
final class StubAdmin implements AutoCloseable {
    record Request(String method, String path, String query, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Canned(int status, String body, Map<String, String> headers) {
    }

    private final HttpServer server;
    private final Map<String, Canned> answers = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();

    StubAdmin() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(x.getRequestMethod(), x.getRequestURI().getPath(), x.getRequestURI().getQuery(),
                    Map.copyOf(x.getRequestHeaders()), body));
            Canned c = answers.getOrDefault(x.getRequestMethod() + " " + x.getRequestURI().getPath(),
                    new Canned(404, "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no such stub\"}", Map.of()));
            byte[] out = c.body().getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", c.status() >= 400 ? "application/problem+json"
                    : "application/json");
            c.headers().forEach((k, v) -> x.getResponseHeaders().add(k, v));
            x.sendResponseHeaders(c.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                x.getResponseBody().write(out);
            }
            x.close();
        });
        server.start();
    }

    StubAdmin answer(String methodAndPath, int status, String body) {
        return answer(methodAndPath, status, body, Map.of());
    }

    StubAdmin answer(String methodAndPath, int status, String body, Map<String, String> headers) {
        answers.put(methodAndPath, new Canned(status, body, headers));
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> sent(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
