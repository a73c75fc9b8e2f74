package io.pgha.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** PostgreSQL parameters as pgha sees them: the ones it manages itself, and its defaults a user may override. */
public final class PgParameters {
    /** Parameters pgha decides; a user value for one of them is ignored and never merged into a spec. */
    public static final Set<String> MANAGED = Set.of("listen_addresses", "port", "unix_socket_directories",
            "unix_socket_permissions", "wal_level", "hot_standby", "max_wal_senders", "max_replication_slots",
            "wal_log_hints", "synchronous_standby_names", "primary_conninfo", "primary_slot_name",
            "recovery_target_timeline", "restore_command", "hba_file", "ident_file", "data_directory",
            "config_file", "external_pid_file", "promote_trigger_file",
            "recovery_target", "recovery_target_lsn", "recovery_target_name", "recovery_target_time",
            "recovery_target_xid", "recovery_target_action", "recovery_target_inclusive", "hot_standby_feedback");

    /**
     * Defaults a user may override: WAL kept for pg_rewind, which needs the old primary's WAL back to the
     * last checkpoint before the timelines diverged, and for standbys briefly cut off; standbys reporting to their
     * primary every second, so that the primary's keeper can tell within seconds that a synchronous standby
     * stopped confirming.
     */
    public static final Map<String, String> DEFAULTS = Map.of("wal_keep_size", "128MB",
            "wal_receiver_status_interval", "1s");

    private PgParameters() {
    }

    public static boolean managed(String name) {
        return MANAGED.contains(name.toLowerCase());
    }

    /**
     * The parameters of an initialized instance merged under the spec's (the spec wins), without managed
     * parameters and pgha's own defaults: what {@code mergePgParameters} keeps of initdb's choices.
     */
    /** WAL archiving's parameters: the spec's, or with built-in backups the keepers' own. */
    public static final Set<String> ARCHIVING = Set.of("archive_mode", "archive_command",
            "archive_library");

    public static Map<String, String> mergeUnder(Map<String, String> instance, Map<String, String> spec) {
        Map<String, String> out = new LinkedHashMap<>();
        instance.forEach((k, v) -> {
            if (!managed(k) && !DEFAULTS.containsKey(k)) {
                out.put(k, v);
            }
        });
        out.putAll(spec);
        return out;
    }
}
