package io.pgha.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a secret given inline or as a file (the {@code -file} variant wins). One trailing newline of a
 * file is trimmed with a warning (editors add it); an empty secret is an error. Never logs the value.
 */
public final class Secrets {
    private static final Logger log = LoggerFactory.getLogger(Secrets.class);

    private Secrets() {
    }

    /** The secret, or empty when neither the value nor the file is set. */
    public static Optional<String> read(String property, String inline, String file) {
        String value;
        if (file != null && !file.isBlank()) {
            try {
                value = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException(property + "-file: cannot read " + file + ": " + e.getMessage(), e);
            }
            if (value.endsWith("\n")) {
                log.warn("{}-file {}: trailing newline trimmed", property, file);
                value = value.substring(0, value.length() - (value.endsWith("\r\n") ? 2 : 1));
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(property + "-file " + file + " is empty");
            }
            return Optional.of(value);
        }
        if (inline == null) {
            return Optional.empty();
        }
        if (inline.isEmpty()) {
            throw new IllegalArgumentException(property + " is set but empty");
        }
        return Optional.of(inline);
    }
}
