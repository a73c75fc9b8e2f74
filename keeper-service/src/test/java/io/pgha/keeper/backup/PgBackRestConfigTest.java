package io.pgha.keeper.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgBackRestConfigTest {
    static final PgBackRestConfig CONFIG = new PgBackRestConfig("demo", Path.of("/var/lib/pgha/postgres"), 5433,
            Path.of("/var/lib/pgha"), "postgres", Path.of("/var/lib/pgha/pgbackrest"));

    @Test
    void theSpecsOptionsAndSecretsGoToGlobalAndThisKeepersPostgresToTheStanza() {
        String text = CONFIG.render(Map.of("repo1-path", "/backup", "start-fast", "n"),
                Map.of("repo1-cipher-pass", "s3cret"));
        assertThat(text).contains("[global]\n").contains("repo1-path=/backup\n").contains("repo1-cipher-pass=s3cret\n")
                .contains("log-path=/var/lib/pgha/pgbackrest/log\n").contains("lock-path=/var/lib/pgha/pgbackrest/lock\n")
                .contains("start-fast=n\n").doesNotContain("start-fast=y")
                .endsWith("[demo]\npg1-path=/var/lib/pgha/postgres\npg1-port=5433\npg1-socket-path=/var/lib/pgha\n"
                        + "pg1-user=postgres\n");
    }

    @Test
    void archiveAndRestoreCommandsReadThisConfiguration() {
        assertThat(PgBackRestConfig.archiveCommand(Path.of("/usr/bin/pgbackrest"), Path.of("/d/it's.conf"), "demo"))
                .isEqualTo("'/usr/bin/pgbackrest' --config='/d/it'\\''s.conf' --stanza=demo archive-push \"%p\"");
        assertThat(PgBackRestConfig.restoreCommand(Path.of("/usr/bin/pgbackrest"), Path.of("/d/p.conf"), "demo"))
                .isEqualTo("'/usr/bin/pgbackrest' --config='/d/p.conf' --stanza=demo archive-get %f \"%p\"");
    }

    @Test
    void secretsAreReadFromFilesNamedAsTheirOption(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("repo1-cipher-pass"), "s3cret\n");
        Files.writeString(dir.resolve("repo1-s3-key"), "AKIA");
        Files.writeString(dir.resolve("README"), "not an option");
        Files.createDirectory(dir.resolve("..data"));
        assertThat(SecretOptions.read(dir)).containsExactly(Map.entry("repo1-cipher-pass", "s3cret"),
                Map.entry("repo1-s3-key", "AKIA"));
        assertThat(SecretOptions.read(null)).isEmpty();
        Files.writeString(dir.resolve("repo1-s3-key-secret"), "\n");
        assertThatThrownBy(() -> SecretOptions.read(dir)).hasMessageContaining("repo1-s3-key-secret")
                .hasMessageContaining("empty");
    }

    @Test
    void aFailureKeepsPgBackRestsErrorLines() {
        assertThat(PgBackRest.errorLines("2026-12-02 P00   INFO: start\nP00  ERROR: [056]: unable to find primary"
                + " cluster - cannot proceed\n")).isEqualTo("P00  ERROR: [056]: unable to find primary cluster -"
                + " cannot proceed");
        assertThat(PgBackRest.errorLines("no such file\n")).isEqualTo("no such file");
    }
}
