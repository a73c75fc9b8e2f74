package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator's wishes for the whole cluster. Every field is optional: {@code null} means "the default",
 * and {@link #withDefaults()} returns a filled copy. The stored spec keeps only what the operator set, so
 * a later release can improve a default without rewriting clusters. Enumerations are kept as text so that
 * an unknown value is reported by {@link #validate()} with its field name instead of failing the parse.
 * The defaults are documented in {@code docs/cluster-spec.md}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ClusterSpec(
        String sleepInterval,
        String requestTimeout,
        String failInterval,
        String convergenceTimeout,
        String initTimeout,
        String syncTimeout,
        String dbWaitReadyTimeout,
        String deadKeeperRemovalInterval,
        String proxyCheckInterval,
        String proxyTimeout,
        Integer maxStandbys,
        Integer maxStandbysPerSender,
        Long maxStandbyLag,
        Boolean synchronousReplication,
        Integer minSynchronousStandbys,
        Integer maxSynchronousStandbys,
        String synchronousMode,
        Integer additionalWalSenders,
        List<String> additionalMasterReplicationSlots,
        Boolean usePgRewind,
        String initMode,
        NewConfig newConfig,
        ExistingConfig existingConfig,
        PitrConfig pitrConfig,
        String role,
        StandbyConfig standbyConfig,
        Map<String, String> pgParameters,
        List<String> pgHBA,
        Boolean automaticPgRestart,
        Boolean mergePgParameters,
        String keeperAdmission,
        BackupConfig backup) {

    // Timing defaults: a keeper reports every sleepInterval, so failInterval = 4 reports lost: a keeper frozen or
    // starved for less is never failed, and store outages do not count at all (the sentinel subtracts them);
    // node loss is still detected within it, sooner when the master's port refuses (docs/sentinel.md).
    public static final String DEFAULT_SLEEP_INTERVAL = "1s";
    public static final String DEFAULT_REQUEST_TIMEOUT = "2s";
    public static final String DEFAULT_FAIL_INTERVAL = "4s";
    public static final String DEFAULT_CONVERGENCE_TIMEOUT = "30s";
    public static final String DEFAULT_INIT_TIMEOUT = "5m";
    public static final String DEFAULT_SYNC_TIMEOUT = "30m";
    public static final String DEFAULT_DB_WAIT_READY_TIMEOUT = "60s";
    public static final String DEFAULT_DEAD_KEEPER_REMOVAL_INTERVAL = "48h";
    public static final String DEFAULT_PROXY_CHECK_INTERVAL = "1s";
    public static final String DEFAULT_PROXY_TIMEOUT = "4s";
    public static final int DEFAULT_MAX_STANDBYS = 20;
    public static final int DEFAULT_MAX_STANDBYS_PER_SENDER = 3;
    public static final long DEFAULT_MAX_STANDBY_LAG = 1024 * 1024;
    public static final boolean DEFAULT_SYNCHRONOUS_REPLICATION = false;
    public static final int DEFAULT_MIN_SYNCHRONOUS_STANDBYS = 1;
    public static final int DEFAULT_MAX_SYNCHRONOUS_STANDBYS = 1;
    public static final String DEFAULT_SYNCHRONOUS_MODE = "first";
    public static final int DEFAULT_ADDITIONAL_WAL_SENDERS = 5;
    public static final boolean DEFAULT_USE_PG_REWIND = false;
    public static final String DEFAULT_INIT_MODE = "new";
    public static final String DEFAULT_ROLE = "master";
    public static final boolean DEFAULT_AUTOMATIC_PG_RESTART = false;
    public static final boolean DEFAULT_MERGE_PG_PARAMETERS = true;
    public static final String DEFAULT_KEEPER_ADMISSION = "open";

    public static final Set<String> INIT_MODES = Set.of("new", "existing", "pitr");
    public static final Set<String> ROLES = Set.of("master", "standby");
    public static final Set<String> SYNCHRONOUS_MODES = Set.of("first", "quorum");
    public static final Set<String> KEEPER_ADMISSIONS = Set.of("open", "registered");
    public static final Set<String> ARCHIVE_MODES = Set.of("on", "always", "off");

    /** Valid PostgreSQL replication slot name. */
    public static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
    /** A libpq conninfo keyword {@code password}. */
    private static final Pattern CONNINFO_PASSWORD = Pattern.compile("(^|\\s)password\\s*=",
            Pattern.CASE_INSENSITIVE);

    public ClusterSpec {
        additionalMasterReplicationSlots = additionalMasterReplicationSlots == null ? null
                : List.copyOf(additionalMasterReplicationSlots);
        pgParameters = pgParameters == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(pgParameters));
        pgHBA = pgHBA == null ? null : List.copyOf(pgHBA);
    }

    /** An empty spec: every field takes its default. */
    public static ClusterSpec empty() {
        return new ClusterSpec(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null);
    }

    /** A copy with every unset field filled with its default. */
    public ClusterSpec withDefaults() {
        return new ClusterSpec(
                or(sleepInterval, DEFAULT_SLEEP_INTERVAL),
                or(requestTimeout, DEFAULT_REQUEST_TIMEOUT),
                or(failInterval, DEFAULT_FAIL_INTERVAL),
                or(convergenceTimeout, DEFAULT_CONVERGENCE_TIMEOUT),
                or(initTimeout, DEFAULT_INIT_TIMEOUT),
                or(syncTimeout, DEFAULT_SYNC_TIMEOUT),
                or(dbWaitReadyTimeout, DEFAULT_DB_WAIT_READY_TIMEOUT),
                or(deadKeeperRemovalInterval, DEFAULT_DEAD_KEEPER_REMOVAL_INTERVAL),
                or(proxyCheckInterval, DEFAULT_PROXY_CHECK_INTERVAL),
                or(proxyTimeout, DEFAULT_PROXY_TIMEOUT),
                or(maxStandbys, DEFAULT_MAX_STANDBYS),
                or(maxStandbysPerSender, DEFAULT_MAX_STANDBYS_PER_SENDER),
                or(maxStandbyLag, DEFAULT_MAX_STANDBY_LAG),
                or(synchronousReplication, DEFAULT_SYNCHRONOUS_REPLICATION),
                or(minSynchronousStandbys, DEFAULT_MIN_SYNCHRONOUS_STANDBYS),
                or(maxSynchronousStandbys, DEFAULT_MAX_SYNCHRONOUS_STANDBYS),
                or(synchronousMode, DEFAULT_SYNCHRONOUS_MODE),
                or(additionalWalSenders, DEFAULT_ADDITIONAL_WAL_SENDERS),
                or(additionalMasterReplicationSlots, List.of()),
                or(usePgRewind, DEFAULT_USE_PG_REWIND),
                or(initMode, DEFAULT_INIT_MODE),
                NewConfig.withDefaults(newConfig),
                existingConfig,
                pitrConfig,
                or(role, DEFAULT_ROLE),
                standbyConfig,
                or(pgParameters, Map.of()),
                or(pgHBA, List.of()),
                or(automaticPgRestart, DEFAULT_AUTOMATIC_PG_RESTART),
                or(mergePgParameters, DEFAULT_MERGE_PG_PARAMETERS),
                or(keeperAdmission, DEFAULT_KEEPER_ADMISSION),
                backup);
    }

    /** A copy with other {@code pgParameters} (null: back to the default). */
    public ClusterSpec withPgParameters(Map<String, String> parameters) {
        return new ClusterSpec(sleepInterval, requestTimeout, failInterval, convergenceTimeout, initTimeout,
                syncTimeout, dbWaitReadyTimeout, deadKeeperRemovalInterval, proxyCheckInterval, proxyTimeout,
                maxStandbys, maxStandbysPerSender, maxStandbyLag, synchronousReplication, minSynchronousStandbys,
                maxSynchronousStandbys, synchronousMode, additionalWalSenders, additionalMasterReplicationSlots,
                usePgRewind, initMode, newConfig, existingConfig, pitrConfig, role, standbyConfig, parameters, pgHBA, automaticPgRestart,
                mergePgParameters, keeperAdmission, backup);
    }

    /** Whether this is a standby cluster ({@code role: standby}, the default being {@code master}). */
    public boolean standbyCluster() {
        return "standby".equals(or(role, DEFAULT_ROLE));
    }

    /** A copy that is a cluster of its own ({@code master}) or follows {@code standbyConfig} ({@code standby}). */
    public ClusterSpec withRole(String role, StandbyConfig standbyConfig) {
        return new ClusterSpec(sleepInterval, requestTimeout, failInterval, convergenceTimeout, initTimeout,
                syncTimeout, dbWaitReadyTimeout, deadKeeperRemovalInterval, proxyCheckInterval, proxyTimeout,
                maxStandbys, maxStandbysPerSender, maxStandbyLag, synchronousReplication, minSynchronousStandbys,
                maxSynchronousStandbys, synchronousMode, additionalWalSenders, additionalMasterReplicationSlots,
                usePgRewind, initMode, newConfig, existingConfig, pitrConfig, role, standbyConfig, pgParameters, pgHBA,
                automaticPgRestart, mergePgParameters, keeperAdmission, backup);
    }

    /** Every problem of the effective spec (this one with defaults), each naming its field; empty when valid. */
    public List<Violation> validate() {
        ClusterSpec s = withDefaults();
        Validator v = new Validator();
        v.positiveDuration("sleepInterval", s.sleepInterval);
        v.positiveDuration("requestTimeout", s.requestTimeout);
        Optional<Duration> sleep = Durations.tryParse(s.sleepInterval);
        Optional<Duration> fail = v.positiveDuration("failInterval", s.failInterval);
        if (sleep.isPresent() && fail.isPresent() && fail.get().compareTo(sleep.get()) <= 0) {
            v.fail("failInterval", "must be greater than sleepInterval (" + s.sleepInterval + ")");
        }
        v.positiveDuration("convergenceTimeout", s.convergenceTimeout);
        v.positiveDuration("initTimeout", s.initTimeout);
        v.positiveDuration("syncTimeout", s.syncTimeout);
        v.positiveDuration("dbWaitReadyTimeout", s.dbWaitReadyTimeout);
        v.positiveDuration("deadKeeperRemovalInterval", s.deadKeeperRemovalInterval);
        Optional<Duration> check = v.positiveDuration("proxyCheckInterval", s.proxyCheckInterval);
        Optional<Duration> timeout = v.positiveDuration("proxyTimeout", s.proxyTimeout);
        if (check.isPresent() && timeout.isPresent() && check.get().compareTo(timeout.get()) >= 0) {
            v.fail("proxyCheckInterval", "must be less than proxyTimeout (" + s.proxyTimeout + ")");
        }
        v.atLeast("maxStandbys", s.maxStandbys, 1);
        v.atLeast("maxStandbysPerSender", s.maxStandbysPerSender, 1);
        v.atLeast("maxStandbyLag", s.maxStandbyLag, 0);
        v.atLeast("minSynchronousStandbys", s.minSynchronousStandbys, 0);
        v.atLeast("maxSynchronousStandbys", s.maxSynchronousStandbys, 1);
        if (s.minSynchronousStandbys > s.maxSynchronousStandbys) {
            v.fail("minSynchronousStandbys", "must not exceed maxSynchronousStandbys (" + s.maxSynchronousStandbys
                    + ")");
        }
        validateSynchronousMode(s, v);
        v.atLeast("additionalWalSenders", s.additionalWalSenders, 0);
        for (int i = 0; i < s.additionalMasterReplicationSlots.size(); i++) {
            String slot = s.additionalMasterReplicationSlots.get(i);
            v.require(slot != null && SLOT_NAME.matcher(slot).matches(), "additionalMasterReplicationSlots[" + i
                    + "]", "invalid replication slot name '" + slot + "' (lower case letters, digits, _; 1-63)");
        }
        validateInit(s, v);
        v.oneOf("role", s.role, ROLES);
        if ("standby".equals(s.role) && (s.standbyConfig == null || s.standbyConfig.isEmpty())) {
            v.fail("standbyConfig", "required when role is standby (primaryConninfo or restoreCommand)");
        }
        if (s.standbyConfig != null) {
            s.standbyConfig.validate(v);
        }
        s.pgParameters.forEach((name, value) -> {
            String field = "pgParameters." + name;
            v.require(PARAMETER_NAME.matcher(name).matches(), field, "invalid parameter name");
            v.require(value != null, field, "must not be null");
            v.singleLine(field, value);
        });
        for (int i = 0; i < s.pgHBA.size(); i++) {
            String line = s.pgHBA.get(i);
            v.require(line != null && !line.isBlank(), "pgHBA[" + i + "]", "must not be empty");
            v.singleLine("pgHBA[" + i + "]", line);
        }
        v.oneOf("keeperAdmission", s.keeperAdmission, KEEPER_ADMISSIONS);
        if (s.backup != null) {
            s.backup.validate(v, "backup");
        }
        return v.violations();
    }

    /**
     * Every problem of a spec an operator submits (admin API, the sentinel's initial spec): {@link #validate()}
     * plus the options this version does not implement, refused with the field's name rather than accepted and
     * ignored. Stored cluster data is judged by {@code validate()} alone, so that a cluster whose spec was
     * accepted by an earlier version goes on being managed (its init mode is history by now).
     */
    public List<Violation> validateSubmission() {
        ClusterSpec s = withDefaults();
        Validator v = new Validator();
        if ("pitr".equals(s.initMode) && s.pitrConfig != null) {
            s.pitrConfig.validate(v);
        }
        validateStandbyCluster(s, v);
        s.pgParameters.keySet().stream().filter(PgParameters::managed).sorted().forEach(name -> v.fail(
                "pgParameters." + name, "set by pgha itself (docs/cluster-spec.md lists these); it cannot be"
                        + " overridden"));
        validateArchiving(s, v);
        List<Violation> all = new ArrayList<>(validate());
        all.addAll(v.violations());
        return all;
    }

    /**
     * A standby cluster's first leader is cloned from the upstream with pg_basebackup over primaryConninfo, and
     * then streams from it (restoreCommand fills gaps the upstream no longer holds); what this version cannot do
     * with role=standby is refused here instead of being silently ignored.
     */
    private static void validateStandbyCluster(ClusterSpec s, Validator v) {
        if (!"standby".equals(s.role)) {
            v.require(s.standbyConfig == null, "standbyConfig", "only used with role standby (a cluster that follows"
                    + " an external primary); remove it");
            return;
        }
        if (s.standbyConfig != null) {
            v.require(!isBlank(s.standbyConfig.primaryConninfo()), "standbyConfig.primaryConninfo", "required with"
                    + " role standby: the standby leader is cloned from the upstream and streams from it");
            String conninfo = s.standbyConfig.primaryConninfo();
            // pgha appends its own keywords (passfile, application_name), which only the key=value form takes.
            v.require(conninfo == null || !conninfo.strip().matches("(?i)postgres(ql)?://.*"),
                    "standbyConfig.primaryConninfo", "must be in key=value form (host=… port=… user=…), not a URI");
            v.require(conninfo == null || !CONNINFO_PASSWORD.matcher(conninfo).find(),
                    "standbyConfig.primaryConninfo", "must not carry a password: the store is readable by every"
                            + " service; each keeper reads it from pgha.keeper.standby.password-file");
        }
        v.require("new".equals(s.initMode), "initMode", "must be new (the default) with role standby: the standby"
                + " leader is cloned from standbyConfig.primaryConninfo; " + s.initMode + " is not implemented for a"
                + " standby cluster");
        v.require(s.backup == null, "backup", "not implemented for a standby cluster in this version: the upstream"
                + " takes the backups; set it when the cluster is promoted");
    }

    /**
     * archive_mode and archive_command go to PostgreSQL as given; what PostgreSQL would take and then not archive
     * with is refused: a mode it does not know, a command with archiving off (nothing would be archived), or
     * archiving on without a command (every WAL segment would be kept in pg_wal until the disk is full).
     */
    private static void validateArchiving(ClusterSpec s, Validator v) {
        String mode = s.pgParameters.get("archive_mode");
        if (s.backup != null) {
            // pgha archives into the pgBackRest repository itself; a second command would be silently replaced.
            for (String name : List.of("archive_command", "archive_library")) {
                v.require(!s.pgParameters.containsKey(name), "pgParameters." + name, "set by pgha while backup is"
                        + " configured (pgbackrest archive-push into the repository); remove it or remove backup");
            }
            v.require(mode == null || "on".equals(mode), "pgParameters.archive_mode", "must be on (or left out)"
                    + " while backup is configured: off would leave backups without the WAL to restore them, and"
                    + " pgBackRest does not support always (the primary archives; pgha fills the gap after a"
                    + " failover)");
            return;
        }
        String command = s.pgParameters.get("archive_command");
        boolean hasCommand = command != null && !command.isBlank();
        boolean hasLibrary = !isBlank(s.pgParameters.get("archive_library"));
        if (mode != null && !ARCHIVE_MODES.contains(mode)) {
            v.fail("pgParameters.archive_mode", "must be on, always or off, not '" + mode + "'");
        } else if (("on".equals(mode) || "always".equals(mode)) && !hasCommand && !hasLibrary) {
            v.fail("pgParameters.archive_command", "required when archive_mode is " + mode + ": without it"
                    + " PostgreSQL archives nothing and keeps every WAL segment");
        } else if ((mode == null || "off".equals(mode)) && hasCommand) {
            v.fail("pgParameters.archive_command", "has no effect while archive_mode is off; set"
                    + " pgParameters.archive_mode to on (the primary archives) or always (standbys too)");
        }
    }

    /**
     * Quorum commit ({@code ANY n}) needs synchronous replication to mean anything, and at least one standby to
     * confirm: {@code ANY 0} would acknowledge commits that no standby holds.
     */
    private static void validateSynchronousMode(ClusterSpec s, Validator v) {
        v.oneOf("synchronousMode", s.synchronousMode, SYNCHRONOUS_MODES);
        if ("quorum".equals(s.synchronousMode)) {
            v.require(s.synchronousReplication, "synchronousMode", "quorum has no effect while"
                    + " synchronousReplication is false; set synchronousReplication to true");
            v.require(s.minSynchronousStandbys >= 1, "minSynchronousStandbys", "must be at least 1 with"
                    + " synchronousMode quorum (it is the n of ANY n: how many standbys confirm each commit)");
        }
    }

    private static void validateInit(ClusterSpec s, Validator v) {
        v.oneOf("initMode", s.initMode, INIT_MODES);
        if ("existing".equals(s.initMode) && (s.existingConfig == null || isBlank(s.existingConfig.keeperUid()))) {
            v.fail("existingConfig.keeperUid", "required when initMode is existing");
        }
        if ("pitr".equals(s.initMode) && (s.pitrConfig == null
                || (isBlank(s.pitrConfig.dataRestoreCommand()) && s.pitrConfig.backup() == null))) {
            v.fail("pitrConfig.dataRestoreCommand", "required when initMode is pitr (or pitrConfig.backup, to restore"
                    + " from a pgBackRest repository)");
        }
        if (s.pitrConfig != null) {
            v.singleLine("pitrConfig.dataRestoreCommand", s.pitrConfig.dataRestoreCommand());
            v.singleLine("pitrConfig.restoreCommand", s.pitrConfig.restoreCommand());
        }
        if (s.newConfig.encoding() != null && s.newConfig.encoding().isBlank()) {
            v.fail("newConfig.encoding", "must not be empty");
        }
        v.singleLine("newConfig.locale", s.newConfig.locale());
    }

    /** Throws {@link InvalidSpecException} listing every violation of a submitted spec, or returns this spec. */
    public ClusterSpec requireValid() {
        List<Violation> violations = validateSubmission();
        if (!violations.isEmpty()) {
            throw new InvalidSpecException(violations);
        }
        return this;
    }

    /**
     * The typed spec the services read: defaults applied, durations parsed, modes as enums. Throws
     * {@link InvalidSpecException} when this spec is not valid; callers hold validated cluster data.
     */
    public EffectiveSpec effective() {
        return EffectiveSpec.of(this);
    }

    /** How the cluster's first master is made. */
    public enum InitMode { NEW, EXISTING, PITR }

    /** Which keepers may join: every keeper that registers, or only those added through the admin API. */
    public enum KeeperAdmission { OPEN, REGISTERED }

    /**
     * How the synchronous standbys confirm a commit: FIRST, every member of the synchronous set (PostgreSQL's
     * {@code FIRST n}); QUORUM, any minSynchronousStandbys of them ({@code ANY n}), so that one slow standby
     * does not stall commits.
     */
    public enum SynchronousMode { FIRST, QUORUM }

    /** A cluster of its own, or one that follows an external primary. */
    public enum Role { MASTER, STANDBY }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** Options for {@code initMode=new}: how initdb creates the cluster. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NewConfig(String locale, String encoding, Boolean dataChecksums) {
        public static final String DEFAULT_LOCALE = "C.UTF-8";
        public static final String DEFAULT_ENCODING = "UTF8";

        static NewConfig withDefaults(NewConfig c) {
            NewConfig given = c != null ? c : new NewConfig(null, null, null);
            return new NewConfig(or(given.locale, DEFAULT_LOCALE), or(given.encoding, DEFAULT_ENCODING),
                    or(given.dataChecksums, true));
        }
    }

    /** Options for {@code initMode=existing}: which keeper's data directory becomes the primary. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ExistingConfig(String keeperUid) {
    }

    /** Options for {@code initMode=pitr}: how to restore a base backup and replay archived WAL. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PitrConfig(String dataRestoreCommand, String restoreCommand, String recoveryTargetTime,
                             String recoveryTargetLsn, String recoveryTargetXid, String recoveryTargetName,
                             String recoveryTargetTimeline, String recoveryTargetAction,
                             BackupConfig.Restore backup) {
        private static final Pattern LSN = Pattern.compile("[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}");

        /**
         * The recovery target settings PostgreSQL gets, by parameter name (only the given ones); call on a
         * validated spec (the time must parse).
         */
        public Map<String, String> recoveryTarget() {
            Map<String, String> out = new LinkedHashMap<>();
            if (!isBlank(recoveryTargetTime)) {
                // PostgreSQL's own form: it refuses RFC 3339's "Z" for UTC.
                out.put("recovery_target_time", java.time.OffsetDateTime.parse(recoveryTargetTime).format(
                        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx")));
            }
            putIfSet(out, "recovery_target_lsn", recoveryTargetLsn);
            putIfSet(out, "recovery_target_xid", recoveryTargetXid);
            putIfSet(out, "recovery_target_name", recoveryTargetName);
            return out;
        }

        private static void putIfSet(Map<String, String> out, String name, String value) {
            if (!isBlank(value)) {
                out.put(name, value);
            }
        }

        /** The rules for initMode=pitr, where a mistake would only show as a failed restore. */
        void validate(Validator v) {
            if (backup != null) {
                backup.validate(v, "pitrConfig.backup");
                v.require(isBlank(dataRestoreCommand), "pitrConfig.dataRestoreCommand", "not with pitrConfig.backup:"
                        + " pgha restores the data directory from the repository");
                v.require(isBlank(restoreCommand), "pitrConfig.restoreCommand", "not with pitrConfig.backup: pgha"
                        + " restores archived WAL from the repository");
            }
            if (!isBlank(dataRestoreCommand) && !dataRestoreCommand.contains("%d")) {
                v.fail("pitrConfig.dataRestoreCommand", "must contain %d, the data directory it fills");
            }
            long targets = java.util.stream.Stream.of(recoveryTargetTime, recoveryTargetLsn, recoveryTargetXid,
                    recoveryTargetName).filter(t -> !isBlank(t)).count();
            if (targets > 1) {
                v.fail("pitrConfig", "only one of recoveryTargetTime, recoveryTargetLsn, recoveryTargetXid and"
                        + " recoveryTargetName may be set, not " + targets);
            }
            if (targets > 0 && isBlank(restoreCommand) && backup == null) {
                v.fail("pitrConfig.restoreCommand", "required with a recovery target: archived WAL is replayed up"
                        + " to it");
            }
            if (!isBlank(recoveryTargetTime)) {
                try {
                    java.time.OffsetDateTime.parse(recoveryTargetTime);
                } catch (java.time.format.DateTimeParseException e) {
                    v.fail("pitrConfig.recoveryTargetTime", "must be an RFC 3339 time with its offset, e.g."
                            + " 2026-12-02T14:03:00Z, not '" + recoveryTargetTime + "'");
                }
            }
            v.require(isBlank(recoveryTargetLsn) || LSN.matcher(recoveryTargetLsn).matches(),
                    "pitrConfig.recoveryTargetLsn", "must be a WAL position like 0/3000060");
            v.require(isBlank(recoveryTargetXid) || recoveryTargetXid.matches("[0-9]{1,20}"),
                    "pitrConfig.recoveryTargetXid", "must be a transaction id (digits)");
            v.singleLine("pitrConfig.recoveryTargetName", recoveryTargetName);
            v.require(isBlank(recoveryTargetTimeline) || recoveryTargetTimeline.matches("latest|current|[0-9]{1,10}"),
                    "pitrConfig.recoveryTargetTimeline", "must be latest, current or a timeline number");
            v.require(isBlank(recoveryTargetAction) || "promote".equals(recoveryTargetAction),
                    "pitrConfig.recoveryTargetAction", "only promote is implemented: the restored DB becomes the"
                            + " cluster's master");
        }
    }

    /** Options for {@code role=standby}: the whole cluster follows an external primary. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StandbyConfig(String primaryConninfo, String primarySlotName, String restoreCommand) {
        boolean isEmpty() {
            return isBlank(primaryConninfo) && isBlank(restoreCommand);
        }

        void validate(Validator v) {
            v.singleLine("standbyConfig.primaryConninfo", primaryConninfo);
            v.singleLine("standbyConfig.restoreCommand", restoreCommand);
            if (primarySlotName != null) {
                v.require(SLOT_NAME.matcher(primarySlotName).matches(), "standbyConfig.primarySlotName",
                        "invalid replication slot name '" + primarySlotName + "'");
            }
        }
    }
}
