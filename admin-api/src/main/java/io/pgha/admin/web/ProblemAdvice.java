package io.pgha.admin.web;

import io.pgha.store.StoreException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error as RFC 9457 problem+json: the API's own refusals ({@link ApiProblem}), Spring MVC's (wrong
 * method, media type, missing parameter — through {@link ResponseEntityExceptionHandler}), store outages
 * (503) and anything unexpected (500, logged, no internals in the answer).
 */
@RestControllerAdvice
public class ProblemAdvice extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

    @ExceptionHandler(ApiProblem.class)
    ResponseEntity<ProblemDetail> apiProblem(ApiProblem e, HttpServletRequest request) {
        return answer(e.status(), Problems.of(e.status(), e.title(), e.getMessage(), e.errors(), e.properties(),
                request.getRequestURI()));
    }

    @ExceptionHandler(BodyLimitFilter.BodyTooLargeException.class)
    ResponseEntity<ProblemDetail> tooLarge(BodyLimitFilter.BodyTooLargeException e, HttpServletRequest request) {
        return answer(HttpStatus.CONTENT_TOO_LARGE, Problems.of(HttpStatus.CONTENT_TOO_LARGE, "Request body too large",
                e.getMessage(), List.of(), Map.of(), request.getRequestURI()));
    }

    @ExceptionHandler(StoreException.class)
    ResponseEntity<ProblemDetail> store(StoreException e, HttpServletRequest request) {
        log.warn("event=store-unavailable path={} reason=\"{}\"", request.getRequestURI(), e.getMessage());
        return answer(HttpStatus.SERVICE_UNAVAILABLE, Problems.of(HttpStatus.SERVICE_UNAVAILABLE,
                "Store unavailable", e.getMessage(), List.of(), Map.of(), request.getRequestURI()));
    }

    @ExceptionHandler(RuntimeException.class)
    ResponseEntity<ProblemDetail> unexpected(RuntimeException e, HttpServletRequest request) {
        if (e.getCause() instanceof BodyLimitFilter.BodyTooLargeException tooLarge) {
            return tooLarge(tooLarge, request);
        }
        log.error("event=request-failed path={}", request.getRequestURI(), e);
        return answer(HttpStatus.INTERNAL_SERVER_ERROR, Problems.of(HttpStatus.INTERNAL_SERVER_ERROR,
                "Internal error", "the request failed; see the admin-api log", List.of(), Map.of(),
                request.getRequestURI()));
    }

    private static ResponseEntity<ProblemDetail> answer(HttpStatus status, ProblemDetail body) {
        return ResponseEntity.status(status).contentType(Problems.PROBLEM_JSON).body(body);
    }
}
