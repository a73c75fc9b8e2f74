package io.pgha.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PgCommandsTest {
    @Test
    void noPgVariableOfTheKeepersCallerReachesPostgresqlsPrograms() {
        Map<String, String> inherited = Map.of("PATH", "/usr/bin", "HOME", "/root", "PGPASSWORD", "superuser-secret",
                "PGUSER", "postgres", "PGHOST", "/nonexistent", "PGPORT", "1", "PGSSLMODE", "verify-full",
                "PGPASSFILE", "/tmp/wrong", "pgservicefile", "/tmp/x", "LC_ALL", "de_DE.UTF-8");
        Map<String, String> env = PgCommands.environment(inherited, Map.of("PGPASSFILE", "/data/k1/passfile"));
        assertThat(env).containsEntry("PATH", "/usr/bin").containsEntry("HOME", "/root")
                .containsEntry("PGPASSFILE", "/data/k1/passfile").containsEntry("LC_ALL", "C.UTF-8")
                .doesNotContainKeys("PGPASSWORD", "PGUSER", "PGHOST", "PGPORT", "PGSSLMODE", "pgservicefile");
    }
}
