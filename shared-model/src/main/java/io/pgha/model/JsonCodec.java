package io.pgha.model;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The one JSON mapping of pgha's store documents. Unknown fields are tolerated on read so that an older
 * service can read what a newer one wrote (forward compatibility); dates are ISO-8601 text.
 */
public final class JsonCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private JsonCodec() {
    }

    public static JsonMapper mapper() {
        return MAPPER;
    }

    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /** Reads a document; a malformed one raises {@link MalformedDocumentException} naming what was read. */
    public static <T> T read(String json, Class<T> type, String what) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new MalformedDocumentException(what, "empty document (null)");
            }
            return value;
        } catch (JacksonException e) {
            throw new MalformedDocumentException(what, fieldPath(e), e.getOriginalMessage());
        }
    }

    /** The JSON path of the field a parse error is about, e.g. {@code pgParameters.work_mem}; "" for the root. */
    public static String fieldPath(JacksonException e) {
        StringBuilder b = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /**
     * Reads a document an operator submitted, strictly: a field the record does not have (at any depth of nested
     * records) is an {@link InvalidSpecException} naming it, since a tolerated typo or a field of a later version
     * would be accepted and ignored.
     */
    public static <T extends Record> T readSubmitted(String json, Class<T> type, String what) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new MalformedDocumentException(what, fieldPath(e), e.getOriginalMessage());
        }
        List<Violation> unknown = unknownFields(node, type);
        if (!unknown.isEmpty()) {
            throw new InvalidSpecException(unknown);
        }
        return read(json, type, what);
    }

    /** Every field of {@code node} that {@code type} (a record, and the records it holds) does not have. */
    public static List<Violation> unknownFields(JsonNode node, Class<?> type) {
        List<Violation> out = new ArrayList<>();
        unknownFields(node, type, "", out);
        return out;
    }

    private static void unknownFields(JsonNode node, Class<?> type, String prefix, List<Violation> out) {
        if (!(node instanceof ObjectNode o) || !type.isRecord()) {
            return;
        }
        Map<String, RecordComponent> components = new HashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            components.put(c.getName(), c);
        }
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            RecordComponent c = components.get(e.getKey());
            if (c == null) {
                out.add(new Violation(prefix + e.getKey(), "unknown field"));
            } else if (c.getType().isRecord()) {
                unknownFields(e.getValue(), c.getType(), prefix + e.getKey() + ".", out);
            }
        }
    }

    public static JsonNode toNode(Object value) {
        return MAPPER.valueToTree(value);
    }

    public static <T> T fromNode(JsonNode node, Class<T> type) {
        return MAPPER.treeToValue(node, type);
    }
}
