package io.pgha.admin.web;

import io.pgha.model.JsonCodec;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's error page for requests it rejects before any servlet runs (an encoded '/' or NUL in the path, a
 * malformed escape): problem+json like every other error, instead of an HTML page.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.isCommitted() || response.getContentWritten() > 0) {
            return;
        }
        HttpStatus s = HttpStatus.resolve(status);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", s == null ? "Error" : s.getReasonPhrase());
        body.put("status", status);
        body.put("detail", status < 500 ? "the request was rejected" : "the request failed");
        try {
            response.setContentType(Problems.PROBLEM_JSON.toString());
            response.setCharacterEncoding("UTF-8");
            response.getWriter().write(JsonCodec.write(body));
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            // the client went away
        }
    }
}
