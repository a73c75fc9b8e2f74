package io.pgha.sentinel;

import io.pgha.model.ClusterSpec;
import io.pgha.model.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code pgha.sentinel.initial-cluster-spec}: inline JSON when it starts with '{', else a file path. */
final class InitialClusterSpec {
    private InitialClusterSpec() {
    }

    static Optional<ClusterSpec> read(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String json;
        String what;
        if (value.strip().startsWith("{")) {
            json = value;
            what = "pgha.sentinel.initial-cluster-spec";
        } else {
            try {
                json = Files.readString(Path.of(value.strip()));
            } catch (IOException e) {
                throw new UncheckedIOException("pgha.sentinel.initial-cluster-spec: cannot read " + value, e);
            }
            what = "pgha.sentinel.initial-cluster-spec file " + value.strip();
        }
        return Optional.of(JsonCodec.readSubmitted(json, ClusterSpec.class, what).requireValid());
    }
}
