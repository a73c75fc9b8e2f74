package io.pgha.admin.web;

import io.pgha.model.JsonCodec;
import io.pgha.model.Violation;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/** Builds problem+json bodies, for the advice and for filters that answer before Spring MVC. */
public final class Problems {
    public static final MediaType PROBLEM_JSON = MediaType.APPLICATION_PROBLEM_JSON;

    private Problems() {
    }

    public static ProblemDetail of(HttpStatus status, String title, String detail, List<Violation> errors,
                                   Map<String, Object> properties, String path) {
        ProblemDetail p = ProblemDetail.forStatusAndDetail(status, detail);
        p.setTitle(title);
        if (path != null) {
            p.setInstance(URI.create(path.replaceAll("[^A-Za-z0-9/._~-]", "_")));
        }
        if (!errors.isEmpty()) {
            p.setProperty("errors", errors.stream().map(v -> Map.of("field", v.field(), "message", v.message()))
                    .toList());
        }
        properties.forEach(p::setProperty);
        return p;
    }

    /** Writes a problem straight to the servlet response (filters). */
    public static void write(HttpServletResponse response, HttpStatus status, String title, String detail,
                             String path) throws IOException {
        response.setStatus(status.value());
        response.setContentType(PROBLEM_JSON.toString());
        ProblemDetail p = of(status, title, detail, List.of(), Map.of(), path);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", p.getTitle());
        body.put("status", p.getStatus());
        body.put("detail", p.getDetail());
        if (p.getInstance() != null) {
            body.put("instance", p.getInstance().toString());
        }
        response.getWriter().write(JsonCodec.write(body));
    }
}
