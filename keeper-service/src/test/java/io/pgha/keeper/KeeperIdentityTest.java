package io.pgha.keeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgha.config.MissingPropertyException;
import io.pgha.config.StartupFailure;
import io.pgha.keeper.postgres.PgCommands;
import io.pgha.model.ClusterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeeperIdentityTest {
    @TempDir
    Path dir;

    private static KeeperProperties props(String uid, Path dataDir) {
        return new KeeperProperties(uid, dataDir, new KeeperProperties.Pg(null, "127.0.0.1", 5432, null, null, null,
                new KeeperProperties.Credentials(null, "su", null),
                new KeeperProperties.Credentials(null, "repl", null)), 1, false, null, null);
    }

    private static final PgCommands NO_OS_USER = new PgCommands(Path.of("/usr/bin"), null);

    @Test
    void aGeneratedUidIsAValidSlotNameAndIsPersisted() {
        String uid;
        try (KeeperIdentity id = KeeperIdentity.establish(props(null, dir.resolve("d")), NO_OS_USER)) {
            uid = id.uid();
            assertThat(ClusterSpec.SLOT_NAME.matcher(uid).matches()).isTrue();
        }
        try (KeeperIdentity again = KeeperIdentity.establish(props(null, dir.resolve("d")), NO_OS_USER)) {
            assertThat(again.uid()).isEqualTo(uid);
        }
    }

    @Test
    void aConfiguredUidWinsAndAnInvalidOneIsRefused() {
        try (KeeperIdentity id = KeeperIdentity.establish(props("keeper_1", dir.resolve("d")), NO_OS_USER)) {
            assertThat(id.uid()).isEqualTo("keeper_1");
        }
        assertThatThrownBy(() -> KeeperIdentity.establish(props("Keeper-1", dir.resolve("e")), NO_OS_USER))
                .isInstanceOf(StartupFailure.class).hasMessageContaining("pgha.keeper.uid");
    }

    @Test
    void aKubernetesPodNameBecomesASlotSafeUidTheSameAtEveryStart() {
        // The chart passes the StatefulSet pod's name; '-' is not allowed in a replication slot name.
        try (KeeperIdentity id = KeeperIdentity.establish(props("demo-pgha-keeper-0", dir.resolve("f")), NO_OS_USER)) {
            assertThat(id.uid()).isEqualTo("demo_pgha_keeper_0");
        }
        try (KeeperIdentity again = KeeperIdentity.establish(props("demo-pgha-keeper-0", dir.resolve("f")),
                NO_OS_USER)) {
            assertThat(again.uid()).isEqualTo("demo_pgha_keeper_0");
        }
    }

    @Test
    void everyStartHasANewInstanceId() {
        String first;
        try (KeeperIdentity id = KeeperIdentity.establish(props("k1", dir.resolve("d")), NO_OS_USER)) {
            first = id.instanceId();
        }
        try (KeeperIdentity id = KeeperIdentity.establish(props("k1", dir.resolve("d")), NO_OS_USER)) {
            assertThat(id.instanceId()).isNotEqualTo(first);
        }
    }

    @Test
    void aSecondKeeperOnTheSameDataDirIsRefused() {
        try (KeeperIdentity first = KeeperIdentity.establish(props("k1", dir.resolve("d")), NO_OS_USER)) {
            assertThatThrownBy(() -> KeeperIdentity.establish(props("k1", dir.resolve("d")), NO_OS_USER))
                    .isInstanceOf(StartupFailure.class).hasMessageContaining("is in use by another keeper");
            assertThat(first.uid()).isEqualTo("k1");
        }
    }

    @Test
    void secretsComeFromFilesTrimmedAndAreNeverEmpty() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "s3cret\n");
        Path empty = Files.writeString(dir.resolve("empty"), "");
        KeeperProperties fromFile = new KeeperProperties("k1", dir, new KeeperProperties.Pg(null, "127.0.0.1", 5432,
                null, null, null, new KeeperProperties.Credentials("admin", null, pw.toString()),
                new KeeperProperties.Credentials(null, "r", null)), 1, false, null, null);
        assertThat(fromFile.superuser()).isEqualTo(new KeeperProperties.Role("admin", "s3cret"));
        assertThat(fromFile.superuser().toString()).doesNotContain("s3cret");

        KeeperProperties emptyFile = new KeeperProperties("k1", dir, new KeeperProperties.Pg(null, "127.0.0.1", 5432,
                null, null, null, new KeeperProperties.Credentials(null, null, empty.toString()),
                new KeeperProperties.Credentials(null, "r", null)), 1, false, null, null);
        assertThatThrownBy(emptyFile::superuser).isInstanceOf(StartupFailure.class).hasMessageContaining("empty");

        KeeperProperties missing = new KeeperProperties("k1", dir, new KeeperProperties.Pg(null, "127.0.0.1", 5432,
                null, null, null, new KeeperProperties.Credentials(null, null, null),
                new KeeperProperties.Credentials(null, "r", null)), 1, false, null, null);
        assertThatThrownBy(missing::superuser).isInstanceOf(MissingPropertyException.class)
                .hasMessageContaining("pgha.keeper.pg.superuser.password");

        KeeperProperties sameUser = new KeeperProperties("k1", dir, new KeeperProperties.Pg(null, "127.0.0.1", 5432,
                null, null, null, new KeeperProperties.Credentials("postgres", "a", null),
                new KeeperProperties.Credentials("postgres", "b", null)), 1, false, null, null);
        assertThatThrownBy(sameUser::validateRoles).isInstanceOf(StartupFailure.class)
                .hasMessageContaining("different passwords");
    }

    @Test
    void theUpstreamPasswordOfAStandbyClusterIsOptionalButNeverEmpty() throws Exception {
        Path pw = Files.writeString(dir.resolve("upstream"), "up:stream\n");
        Path empty = Files.writeString(dir.resolve("upstream-empty"), "");
        KeeperProperties base = props("k1", dir);
        assertThat(base.upstreamPassword()).isEmpty();
        KeeperProperties fromFile = new KeeperProperties("k1", dir, base.pg(), 1, false, null,
                new KeeperProperties.Standby(null, pw.toString()));
        assertThat(fromFile.upstreamPassword()).hasValue("up:stream");
        assertThat(fromFile.standby().toString()).doesNotContain("up:stream");
        KeeperProperties emptyFile = new KeeperProperties("k1", dir, base.pg(), 1, false, null,
                new KeeperProperties.Standby(null, empty.toString()));
        assertThatThrownBy(emptyFile::upstreamPassword).isInstanceOf(StartupFailure.class)
                .hasMessageContaining("empty");
    }

    @Test
    void aMissingDataDirNamesTheProperty() {
        assertThatThrownBy(() -> props("k1", null)).isInstanceOf(MissingPropertyException.class)
                .hasMessageContaining("pgha.keeper.data-dir");
    }
}
