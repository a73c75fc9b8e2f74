package io.pgha.keeper.backup;

import io.pgha.model.BackupConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Secret pgBackRest options from {@code pgha.keeper.backup.secret-dir}: one file per option, named as the option
 * (e.g. {@code repo1-cipher-pass}, as a Kubernetes Secret mounted as files gives them), its content the value
 * with a trailing newline trimmed. Only the secret options are read (other files, such as the {@code ..data}
 * links of a mounted Secret, are not options); an empty one is an error rather than an empty password.
 */
final class SecretOptions {
    private SecretOptions() {
    }

    static Map<String, String> read(Path dir) {
        Map<String, String> out = new TreeMap<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (!BackupConfig.SECRET.matcher(name).matches() || !Files.isRegularFile(f)) {
                    continue;
                }
                String value = Files.readString(f, StandardCharsets.UTF_8).replaceFirst("\r?\n$", "");
                if (value.isEmpty() || value.contains("\n")) {
                    throw new IllegalStateException("secret pgBackRest option " + name + " in " + dir + " is "
                            + (value.isEmpty() ? "empty" : "more than one line"));
                }
                out.put(name, value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the backup secrets in " + dir, e);
        }
        return out;
    }
}
