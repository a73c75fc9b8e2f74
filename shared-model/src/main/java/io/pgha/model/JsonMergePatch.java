package io.pgha.model;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** RFC 7386 JSON merge patch: objects merge recursively, {@code null} removes, anything else replaces. */
public final class JsonMergePatch {
    private JsonMergePatch() {
    }

    /** Returns the patched document; neither argument is modified. */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            return patch == null ? target : patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject()
                ? ((ObjectNode) target).deepCopy()
                : JsonCodec.mapper().createObjectNode();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (e.getValue().isNull()) {
                result.remove(e.getKey());
            } else {
                result.set(e.getKey(), apply(result.get(e.getKey()), e.getValue()));
            }
        }
        return result;
    }

    /** Applies a merge patch to a cluster spec (the stored one, without defaults). */
    public static ClusterSpec apply(ClusterSpec spec, JsonNode patch) {
        JsonNode patched = apply(JsonCodec.toNode(spec), patch);
        return JsonCodec.fromNode(patched, ClusterSpec.class);
    }
}
