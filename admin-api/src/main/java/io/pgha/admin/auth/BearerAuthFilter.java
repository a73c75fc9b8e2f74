package io.pgha.admin.auth;

import io.pgha.admin.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Bearer tokens on everything but the probes and the API description: reads need the viewer or operator
 * token (or anonymous-read), mutations the operator token. 401 without a valid token, 403 for a viewer's
 * mutation. Default deny: the open paths are listed, so a path spelled another way (double slashes, odd
 * encodings) is still checked.
 */
public class BearerAuthFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(BearerAuthFilter.class);
    private final Tokens tokens;

    public BearerAuthFilter(Tokens tokens) {
        this.tokens = tokens;
    }

    private static final java.util.List<String> OPEN = java.util.List.of("/actuator", "/v3/api-docs", "/swagger-ui");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getServletPath(); // normalized and decoded by the container
        return !tokens.enabled() || path.equals("/swagger-ui.html")
                || OPEN.stream().anyMatch(p -> path.equals(p) || path.startsWith(p + "/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
                : null;
        Tokens.Role role = tokens.roleOf(token);
        boolean read = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
        if (role == Tokens.Role.NONE && !(read && token == null && tokens.anonymousRead())) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"pgha\"");
            log.info("event=unauthorized method={} path={} token={}", request.getMethod(), request.getRequestURI(),
                    token == null ? "absent" : "invalid");
            Problems.write(response, HttpStatus.UNAUTHORIZED, "Unauthorized",
                    token == null ? "a bearer token is required" : "the bearer token is not valid",
                    request.getRequestURI());
            return;
        }
        if (!read && role != Tokens.Role.OPERATOR) {
            log.info("event=forbidden method={} path={} role={}", request.getMethod(), request.getRequestURI(), role);
            Problems.write(response, HttpStatus.FORBIDDEN, "Forbidden", "this change needs the operator token",
                    request.getRequestURI());
            return;
        }
        chain.doFilter(request, response);
    }
}
