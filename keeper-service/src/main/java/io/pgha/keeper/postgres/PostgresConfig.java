package io.pgha.keeper.postgres;

import io.pgha.model.PgParameters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Renders the configuration files the keeper owns: {@code postgresql.conf} (managed parameters override the
 * user's {@code pgParameters}), {@code pg_hba.conf}, and a {@code postgresql.auto.conf} cleaned of managed
 * parameters so that {@code ALTER SYSTEM} cannot override them. Pure functions of their inputs.
 */
public final class PostgresConfig {
    public static final Set<String> MANAGED = PgParameters.MANAGED;
    public static final Map<String, String> DEFAULTS = PgParameters.DEFAULTS;

    /** Starts the block that fences a primary's writes; everything from it to the end of the file is that block. */
    static final String FENCE_MARK = "# pgha: writes fenced";

    /** Prefix of placeholder standby names that hold commits while too few real standbys are in sync. */
    public static final String SYNC_PLACEHOLDER = "pgha_placeholder_";

    private PostgresConfig() {
    }

    /** Settings of a standby: whom it follows and how. */
    public record Standby(String primaryConninfo, String primarySlotName, String restoreCommand) {
    }

    /**
     * Everything {@code postgresql.conf} depends on. {@code standby} is null on a primary;
     * {@code initdbParameters} are what initdb chose for this instance (kept below the user's).
     */
    public record Desired(String listenAddresses, int port, Path socketDir, int maxWalSenders,
                          int maxReplicationSlots, String synchronousStandbyNames, Standby standby,
                          Map<String, String> userParameters, Map<String, String> initdbParameters) {
    }

    public static String postgresqlConf(Desired d) {
        Map<String, String> managed = new LinkedHashMap<>();
        managed.put("listen_addresses", d.listenAddresses());
        managed.put("port", Integer.toString(d.port()));
        managed.put("unix_socket_directories", d.socketDir().toString());
        managed.put("unix_socket_permissions", "0700");
        managed.put("wal_level", "replica");
        managed.put("hot_standby", "on");
        managed.put("hot_standby_feedback", "on");
        managed.put("wal_log_hints", "on");
        managed.put("max_wal_senders", Integer.toString(d.maxWalSenders()));
        managed.put("max_replication_slots", Integer.toString(d.maxReplicationSlots()));
        managed.put("synchronous_standby_names", d.synchronousStandbyNames());
        if (d.standby() != null) {
            managed.put("primary_conninfo", d.standby().primaryConninfo());
            if (d.standby().primarySlotName() != null) {
                managed.put("primary_slot_name", d.standby().primarySlotName());
            }
            if (d.standby().restoreCommand() != null) {
                managed.put("restore_command", d.standby().restoreCommand());
            }
            managed.put("recovery_target_timeline", "latest");
        }
        StringBuilder b = new StringBuilder("# Written by the pgha keeper: edit the cluster spec (pgParameters), not this"
                + " file.\n\n# pgha defaults\n");
        new TreeMap<>(DEFAULTS).forEach((k, v) -> {
            if (!d.userParameters().containsKey(k)) {
                b.append(k).append(" = ").append(quote(v)).append('\n');
            }
        });
        b.append("\n# chosen by initdb\n");
        new TreeMap<>(d.initdbParameters()).forEach((k, v) -> {
            if (!MANAGED.contains(k.toLowerCase()) && !d.userParameters().containsKey(k)) {
                b.append(k).append(" = ").append(quote(v)).append('\n');
            }
        });
        b.append("\n# pgParameters\n");
        new TreeMap<>(d.userParameters()).forEach((k, v) -> {
            if (!MANAGED.contains(k.toLowerCase())) {
                b.append(k).append(" = ").append(quote(v)).append('\n');
            }
        });
        b.append("\n# managed by pgha\n");
        managed.forEach((k, v) -> b.append(k).append(" = ").append(quote(v)).append('\n'));
        return b.toString();
    }

    /**
     * {@code conf} with the settings of a point-in-time recovery at its end: where archived WAL comes from, the
     * target, its timeline ({@code latest} unless given) and promotion once it is reached. Only for the start that
     * recovers; the keeper renders the file without them once the DB is promoted.
     */
    public static String withRecovery(String conf, String restoreCommand, Map<String, String> target,
                                      String timeline) {
        StringBuilder b = new StringBuilder(conf).append("\n# pgha: point-in-time recovery (initMode=pitr)\n");
        if (restoreCommand != null && !restoreCommand.isBlank()) {
            b.append("restore_command = ").append(quote(restoreCommand)).append('\n');
        }
        new TreeMap<>(target).forEach((k, v) -> b.append(k).append(" = ").append(quote(v)).append('\n'));
        b.append("recovery_target_timeline = ").append(quote(timeline == null || timeline.isBlank() ? "latest"
                : timeline)).append('\n');
        if (!target.isEmpty()) {
            b.append("recovery_target_action = 'promote'\n");
        }
        return b.toString();
    }

    /**
     * {@code conf} with the fence block at its end when {@code fenced}, without it otherwise. Fenced, new
     * transactions are read-only ({@code default_transaction_read_only}, applied by a reload to open sessions
     * too) and every commit waits for a synchronous standby that does not exist, so that even a session that
     * asks for a read-write transaction gets no acknowledged commit; lifting the fence releases waiting commits.
     */
    public static String withFence(String conf, boolean fenced) {
        int at = conf.indexOf(FENCE_MARK);
        String base = at < 0 ? conf : conf.substring(0, at);
        if (!fenced) {
            return base;
        }
        return base + FENCE_MARK + ": this primary could not confirm in the store that it is still the master\n"
                + "default_transaction_read_only = 'on'\n"
                + "synchronous_standby_names = 'FIRST 1 (\"pgha_fenced\")'\n";
    }

    /**
     * {@code synchronous_standby_names}: the synchronous set the sentinel recorded, padded with placeholders so
     * that commits wait rather than lose the guarantee when too few standbys are named. {@code quorum} null: every
     * listed standby confirms ({@code FIRST}, padded up to {@code minSynchronous}); n: any n of them ({@code ANY n},
     * padded up to n).
     */
    public static String synchronousStandbyNames(boolean synchronous, List<String> standbys, int minSynchronous,
                                                 Integer quorum) {
        if (!synchronous) {
            return "";
        }
        List<String> names = new ArrayList<>(standbys);
        int atLeast = quorum != null ? quorum : minSynchronous;
        for (int i = 0; names.size() < atLeast; i++) {
            names.add(SYNC_PLACEHOLDER + i);
        }
        if (names.isEmpty()) {
            return "";
        }
        String list = " (" + names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", ")) + ")";
        return quorum != null ? "ANY " + quorum + list : "FIRST " + names.size() + list;
    }

    /**
     * {@code pg_hba.conf}: the local superuser, replication and superuser access from the other keepers, then
     * the user's lines (or a safe default: password auth from anywhere). With {@code replicationOnly}, the
     * user's lines are left out: a synchronous primary restarting must not serve clients before its
     * synchronous standbys are back.
     */
    public static String pgHba(String superuser, String replicationUser, List<String> peerAddresses,
                               List<String> userLines, boolean replicationOnly) {
        StringBuilder b = new StringBuilder("# Written by the pgha keeper: edit the cluster spec (pgHBA), not this"
                + " file.\n");
        b.append("local all ").append(superuser).append(" trust\n");
        b.append("local replication ").append(superuser).append(" trust\n");
        List<String> sources = new ArrayList<>(List.of("127.0.0.1/32", "::1/128"));
        peerAddresses.forEach(a -> sources.add(a.contains("/") ? a : (a.contains(":") ? a + "/128" : a + "/32")));
        for (String src : sources.stream().distinct().toList()) {
            b.append("host all ").append(superuser).append(' ').append(src).append(" scram-sha-256\n");
            b.append("host replication ").append(replicationUser).append(' ').append(src).append(" scram-sha-256\n");
            if (!replicationUser.equals(superuser)) {
                b.append("host replication ").append(superuser).append(' ').append(src).append(" scram-sha-256\n");
            }
        }
        if (replicationOnly) {
            b.append("# client access withheld until the synchronous standbys are back in sync\n");
            return b.toString();
        }
        List<String> lines = userLines.isEmpty()
                ? List.of("host all all 0.0.0.0/0 scram-sha-256", "host all all ::/0 scram-sha-256") : userLines;
        b.append("# pgHBA\n");
        lines.forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }

    /** {@code postgresql.auto.conf} without any managed parameter, so ALTER SYSTEM cannot override pgha. */
    public static String sanitizeAutoConf(String content) {
        StringBuilder b = new StringBuilder();
        for (String line : content.split("\n", -1)) {
            String t = line.strip();
            int eq = t.indexOf('=');
            String name = eq > 0 ? t.substring(0, eq).strip().toLowerCase() : "";
            if (!t.startsWith("#") && MANAGED.contains(name)) {
                continue;
            }
            b.append(line).append('\n');
        }
        String s = b.toString();
        return s.endsWith("\n\n") ? s.substring(0, s.length() - 1) : s;
    }

    /** The {@code name = value} settings of a configuration file (e.g. the one initdb wrote). */
    public static Map<String, String> parseSettings(String conf) {
        Map<String, String> out = new TreeMap<>();
        for (String line : conf.split("\n")) {
            String t = line.strip();
            int hash = t.indexOf('#');
            if (hash >= 0 && !t.substring(0, hash).contains("'")) {
                t = t.substring(0, hash).strip();
            }
            int eq = t.indexOf('=');
            if (t.isEmpty() || eq <= 0) {
                continue;
            }
            String name = t.substring(0, eq).strip();
            String value = t.substring(eq + 1).strip();
            if (value.startsWith("'")) {
                int end = value.lastIndexOf('\'');
                value = value.substring(1, end > 0 ? end : value.length()).replace("''", "'");
            } else if (value.contains("#")) {
                value = value.substring(0, value.indexOf('#')).strip();
            }
            out.put(name, value);
        }
        return out;
    }

    static String quote(String v) {
        return "'" + v.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
