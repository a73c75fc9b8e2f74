package io.pgha.admin.web;

import io.pgha.model.JsonCodec;
import io.pgha.model.MalformedDocumentException;
import io.pgha.model.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Strict reading of request bodies: malformed JSON, invalid UTF-8, a non-object, unknown fields and wrong
 * types are reported by field name, all at once where possible. Bodies are read here rather than by Spring's
 * converters so every failure has the same problem+json shape.
 */
public final class JsonBody {
    private final ObjectNode node;
    private final List<Violation> violations = new ArrayList<>();

    private JsonBody(ObjectNode node) {
        this.node = node;
    }

    /** Parses a JSON object; an empty body is an empty object when {@code optional}. */
    public static JsonBody parse(byte[] body, boolean optional) {
        if (body == null || body.length == 0 || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            if (optional) {
                return new JsonBody(JsonCodec.mapper().createObjectNode());
            }
            throw ApiProblem.invalid("body", "a JSON object is required");
        }
        JsonNode n;
        try {
            n = JsonCodec.mapper().readTree(body);
        } catch (JacksonException e) {
            throw ApiProblem.invalid("body", "malformed JSON: " + e.getOriginalMessage());
        }
        if (!(n instanceof ObjectNode o)) {
            throw ApiProblem.invalid("body", "must be a JSON object, not " + (n == null ? "nothing" : n.getNodeType()));
        }
        return new JsonBody(o);
    }

    public ObjectNode node() {
        return node;
    }

    /** Reports every field not in {@code allowed}. */
    public JsonBody only(Set<String> allowed) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!allowed.contains(e.getKey())) {
                violations.add(new Violation(e.getKey(), "unknown field"));
            }
        }
        return this;
    }

    public String string(String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                violations.add(new Violation(field, "is required"));
            }
            return null;
        }
        if (!v.isString()) {
            violations.add(new Violation(field, "must be a string"));
            return null;
        }
        return v.asString();
    }

    public Integer integer(String field, int min, int max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
            violations.add(new Violation(field, "must be an integer from " + min + " to " + max));
            return null;
        }
        return v.intValue();
    }

    public Boolean bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            violations.add(new Violation(field, "must be true or false"));
            return null;
        }
        return v.booleanValue();
    }

    /** A list of strings; null when absent. */
    public List<String> strings(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (!e.isString()) {
                    break;
                }
                out.add(e.asString());
            }
        }
        if (!v.isArray() || out.size() != v.size()) {
            violations.add(new Violation(field, "must be a list of strings"));
            return null;
        }
        return out;
    }

    public Instant instant(String field) {
        String s = string(field, false);
        if (s == null) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (java.time.format.DateTimeParseException e) {
            violations.add(new Violation(field, "must be an RFC 3339 time such as 2026-01-31T22:00:00Z"));
            return null;
        }
    }

    /** Adds a violation found by the caller. */
    public void reject(String field, String message) {
        violations.add(new Violation(field, message));
    }

    /** Throws a 400 listing every violation collected so far. */
    public void requireValid() {
        if (!violations.isEmpty()) {
            throw ApiProblem.invalid(violations.size() + " invalid field(s): " + violations.stream()
                    .map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse(""), violations);
        }
    }

    /** Reads a record strictly: unknown fields (at any record depth) and wrong types are 400s naming the field. */
    public static <T extends Record> T read(JsonNode node, Class<T> type, String what) {
        List<Violation> unknown = JsonCodec.unknownFields(node, type);
        if (!unknown.isEmpty()) {
            throw ApiProblem.invalid("unknown field(s) in " + what, unknown);
        }
        try {
            return JsonCodec.read(node.toString(), type, what);
        } catch (MalformedDocumentException e) {
            String field = e.field().isEmpty() ? what : e.field();
            throw ApiProblem.invalid(e.getMessage(), List.of(new Violation(field, "wrong type or value")));
        }
    }
}
