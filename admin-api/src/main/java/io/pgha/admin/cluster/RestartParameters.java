package io.pgha.admin.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** PostgreSQL 15 parameters of context {@code postmaster}: a change takes effect only after a restart. */
final class RestartParameters {
    static final Set<String> POSTMASTER = Set.of("archive_mode", "autovacuum_freeze_max_age",
            "autovacuum_max_workers", "autovacuum_multixact_freeze_max_age", "bonjour", "bonjour_name",
            "cluster_name", "config_file", "data_directory", "data_sync_retry", "dynamic_shared_memory_type",
            "event_source", "external_pid_file", "hba_file", "hot_standby", "huge_pages", "huge_page_size",
            "ident_file", "ignore_invalid_pages", "jit_provider", "listen_addresses", "logging_collector",
            "max_connections", "max_files_per_process", "max_locks_per_transaction", "max_logical_replication_workers",
            "max_pred_locks_per_transaction", "max_prepared_transactions", "max_replication_slots",
            "max_wal_senders", "max_worker_processes", "min_dynamic_shared_memory", "old_snapshot_threshold",
            "port", "recovery_target", "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn",
            "recovery_target_name", "recovery_target_time", "recovery_target_timeline", "recovery_target_xid",
            "reserved_connections", "shared_buffers", "shared_memory_type", "shared_preload_libraries",
            "superuser_reserved_connections", "track_activity_query_size", "track_commit_timestamp",
            "unix_socket_directories", "unix_socket_group", "unix_socket_permissions", "wal_buffers", "wal_level",
            "wal_log_hints");

    private RestartParameters() {
    }

    /** The parameters whose value differs between the two maps and that need a restart. */
    static List<String> changed(Map<String, String> before, Map<String, String> after) {
        Set<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (POSTMASTER.contains(n) && !Objects.equals(before.get(n), after.get(n))) {
                out.add(n);
            }
        }
        return out;
    }
}
