package io.pgha.keeper.converge;

import io.pgha.model.JsonCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What the keeper must remember across restarts: which DB its data belongs to and whether its
 * initialization finished. {@code initialized=false} with a DB uid means an init was interrupted: it is
 * redone from scratch.
 */
public record LocalState(String dbUid, boolean initialized) {
    static final String FILE = "dbstate.json";

    public static LocalState none() {
        return new LocalState(null, false);
    }

    public static LocalState load(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        try {
            return Files.exists(f) ? JsonCodec.read(Files.readString(f), LocalState.class, f.toString()) : none();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void save(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try {
            Files.writeString(tmp, JsonCodec.write(this));
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save " + f, e);
        }
    }
}
