package io.pgha.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostgresConfigTest {
    private static PostgresConfig.Desired desired(Map<String, String> params, PostgresConfig.Standby standby) {
        return new PostgresConfig.Desired("10.0.0.1", 5433, Path.of("/var/lib/pgha"), 25, 27,
                "FIRST 1 (\"db2\")", standby, params, Map.of("max_connections", "100", "port", "1",
                "timezone", "Etc/UTC", "work_mem", "1MB"));
    }

    @Test
    void managedParametersOverrideTheUsersAndComeLast() {
        String conf = PostgresConfig.postgresqlConf(desired(Map.of("work_mem", "8MB", "port", "9999",
                "wal_level", "minimal", "Listen_Addresses", "*"), null));
        assertThat(conf).contains("work_mem = '8MB'").contains("port = '5433'").contains("wal_level = 'replica'")
                .contains("max_wal_senders = '25'").contains("max_replication_slots = '27'")
                .contains("synchronous_standby_names = 'FIRST 1 (\"db2\")'")
                .doesNotContain("9999").doesNotContain("minimal").doesNotContain("'*'");
        assertThat(conf.indexOf("work_mem")).isLessThan(conf.indexOf("# managed by pgha"));
        assertThat(conf).doesNotContain("primary_conninfo");
    }

    @Test
    void theFenceBlockComesLastOverridesTheSynchronousNamesAndIsRemovedWithoutATrace() {
        String conf = PostgresConfig.postgresqlConf(desired(Map.of(), null));
        String fenced = PostgresConfig.withFence(conf, true);
        assertThat(fenced).startsWith(conf).endsWith("synchronous_standby_names = 'FIRST 1 (\"pgha_fenced\")'\n")
                .contains("default_transaction_read_only = 'on'");
        assertThat(fenced.lastIndexOf("synchronous_standby_names")).isGreaterThan(conf.length());
        assertThat(PostgresConfig.withFence(fenced, true)).isEqualTo(fenced);
        assertThat(PostgresConfig.withFence(fenced, false)).isEqualTo(conf);
        assertThat(PostgresConfig.withFence(conf, false)).isEqualTo(conf);
    }

    @Test
    void initdbsChoicesStayBelowTheUsersParameters() {
        String conf = PostgresConfig.postgresqlConf(desired(Map.of("work_mem", "8MB"), null));
        assertThat(conf).contains("max_connections = '100'").contains("timezone = 'Etc/UTC'")
                .contains("work_mem = '8MB'").doesNotContain("'1MB'").doesNotContain("port = '1'");
        assertThat(PostgresConfig.parseSettings("max_connections = 100\t\t\t# (change requires restart)\n"
                + "#port = 5432\nlog_timezone = 'Etc/UTC'\ndatestyle = 'iso, mdy'\n"
                + "lc_messages = 'C.UTF-8'  # locale for system error message\n"))
                .containsEntry("max_connections", "100").containsEntry("log_timezone", "Etc/UTC")
                .containsEntry("datestyle", "iso, mdy").containsEntry("lc_messages", "C.UTF-8")
                .doesNotContainKey("port");
    }

    @Test
    void walIsKeptForPgRewindUnlessTheUserSaysOtherwise() {
        assertThat(PostgresConfig.postgresqlConf(desired(Map.of(), null))).contains("wal_keep_size = '128MB'");
        assertThat(PostgresConfig.postgresqlConf(desired(Map.of("wal_keep_size", "1GB"), null)))
                .contains("wal_keep_size = '1GB'").doesNotContain("128MB");
    }

    @Test
    void aStandbyFollowsItsPrimaryOnTheLatestTimeline() {
        String conf = PostgresConfig.postgresqlConf(desired(Map.of(), new PostgresConfig.Standby(
                "host=10.0.0.2 port=5432 user=repl application_name=db2", "pgha_db2", null)));
        assertThat(conf).contains("primary_conninfo = 'host=10.0.0.2 port=5432 user=repl application_name=db2'")
                .contains("primary_slot_name = 'pgha_db2'").contains("recovery_target_timeline = 'latest'");
    }

    @Test
    void valuesAreQuotedSafely() {
        String conf = PostgresConfig.postgresqlConf(desired(Map.of("search_path", "'$user', public",
                "application_name", "a\\b"), null));
        assertThat(conf).contains("search_path = '''$user'', public'").contains("application_name = 'a\\\\b'");
    }

    @Test
    void synchronousStandbyNamesPadWithPlaceholdersUpToTheMinimum() {
        assertThat(PostgresConfig.synchronousStandbyNames(false, List.of("db2"), 1, null)).isEmpty();
        assertThat(PostgresConfig.synchronousStandbyNames(true, List.of(), 0, null)).isEmpty();
        assertThat(PostgresConfig.synchronousStandbyNames(true, List.of("db2", "db3"), 1, null))
                .isEqualTo("FIRST 2 (\"db2\", \"db3\")");
        assertThat(PostgresConfig.synchronousStandbyNames(true, List.of(), 2, null))
                .isEqualTo("FIRST 2 (\"pgha_placeholder_0\", \"pgha_placeholder_1\")");
    }

    @Test
    void quorumCommitNamesAnyNOfTheSetPaddedUpToN() {
        assertThat(PostgresConfig.synchronousStandbyNames(true, List.of("db2", "db3"), 1, 1))
                .isEqualTo("ANY 1 (\"db2\", \"db3\")");
        assertThat(PostgresConfig.synchronousStandbyNames(true, List.of("db2"), 2, 2))
                .isEqualTo("ANY 2 (\"db2\", \"pgha_placeholder_0\")");
    }

    @Test
    void pgHbaAllowsTheLocalSuperuserAndPeerReplicationThenTheUsersLines() {
        String hba = PostgresConfig.pgHba("postgres", "repl", List.of("10.0.0.2", "fd00::2"),
                List.of("host app app 10.1.0.0/16 scram-sha-256"), false);
        assertThat(hba).contains("local all postgres trust")
                .contains("host replication repl 10.0.0.2/32 scram-sha-256")
                .contains("host all postgres 10.0.0.2/32 scram-sha-256")
                .contains("host replication repl fd00::2/128 scram-sha-256")
                .contains("host app app 10.1.0.0/16 scram-sha-256")
                .doesNotContain("0.0.0.0/0");
        assertThat(PostgresConfig.pgHba("postgres", "repl", List.of(), List.of(), false))
                .contains("host all all 0.0.0.0/0 scram-sha-256");
    }

    @Test
    void aRestartingSynchronousPrimaryAdmitsOnlyReplicationAndTheSuperuser() {
        String hba = PostgresConfig.pgHba("postgres", "repl", List.of("10.0.0.2"),
                List.of("host app app 10.1.0.0/16 scram-sha-256"), true);
        assertThat(hba).contains("host replication repl 10.0.0.2/32").doesNotContain("host app app")
                .doesNotContain("host all all");
    }

    @Test
    void alterSystemCannotOverrideManagedParameters() {
        String auto = "# Do not edit this file manually!\nwal_level = 'minimal'\nwork_mem = '64MB'\n"
                + "synchronous_standby_names = ''\n";
        assertThat(PostgresConfig.sanitizeAutoConf(auto))
                .isEqualTo("# Do not edit this file manually!\nwork_mem = '64MB'\n");
    }

    @Test
    void lsnsAreBytes() {
        assertThat(Lsn.parse("16/B374D848")).isEqualTo(0x16B374D848L);
        assertThat(Lsn.format(0x16B374D848L)).isEqualTo("16/B374D848");
        assertThat(Lsn.parse(null)).isZero();
    }

    @Test
    void timelineHistoryFilesAreParsed() {
        assertThat(PostgresInstance.parseTimelineHistory("1\t0/3000000\tno recovery target specified\n\n"
                + "2\t0/5000A8\tbefore 2026-01-01\n")).extracting(e -> e.timelineId() + "@" + e.switchPoint())
                .containsExactly("1@50331648", "2@5243048");
    }
}
