package io.pgha.keeper;

import io.pgha.testing.ServiceStartupContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** keeper-service starts with the cluster name, store endpoints and its own settings, and reports store health. */
class KeeperApplicationStartupTest extends ServiceStartupContract {
    KeeperApplicationStartupTest() {
        super(KeeperApplication.class);
    }

    @Override
    protected String[] extraArguments() {
        try {
            Path base = Files.createTempDirectory("pgha-keeper-startup-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new String[] {"--pgha.keeper.data-dir=" + base.resolve("data"),
                "--pgha.keeper.pg.os-user=postgres", "--pgha.keeper.pg.superuser.password=s",
                "--pgha.keeper.pg.replication.password=r", "--pgha.keeper.pg.port=1"};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
