package io.pgha.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster spec as the services read it: every default applied, durations as {@link Duration}, modes as
 * enums. Made only from a spec that passed {@link ClusterSpec#validate()} ({@link ClusterSpec#effective()}), so
 * nothing that reads it parses text or meets a value it does not know. The stored {@link ClusterSpec} stays
 * text with only what the operator set, so that an unknown value is reported by field name and a later release
 * can improve a default.
 */
public record EffectiveSpec(
        Duration sleepInterval,
        Duration requestTimeout,
        Duration failInterval,
        Duration convergenceTimeout,
        Duration initTimeout,
        Duration syncTimeout,
        Duration dbWaitReadyTimeout,
        Duration deadKeeperRemovalInterval,
        Duration proxyCheckInterval,
        Duration proxyTimeout,
        int maxStandbys,
        int maxStandbysPerSender,
        long maxStandbyLag,
        boolean synchronousReplication,
        int minSynchronousStandbys,
        int maxSynchronousStandbys,
        ClusterSpec.SynchronousMode synchronousMode,
        int additionalWalSenders,
        List<String> additionalMasterReplicationSlots,
        boolean usePgRewind,
        ClusterSpec.InitMode initMode,
        ClusterSpec.NewConfig newConfig,
        ClusterSpec.ExistingConfig existingConfig,
        ClusterSpec.PitrConfig pitrConfig,
        ClusterSpec.Role role,
        ClusterSpec.StandbyConfig standbyConfig,
        Map<String, String> pgParameters,
        List<String> pgHBA,
        boolean automaticPgRestart,
        boolean mergePgParameters,
        ClusterSpec.KeeperAdmission keeperAdmission,
        Optional<BackupConfig> backup) {

    public EffectiveSpec {
        additionalMasterReplicationSlots = List.copyOf(additionalMasterReplicationSlots);
        pgParameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pgParameters));
        pgHBA = List.copyOf(pgHBA);
    }

    /** The effective spec of {@code spec}; throws {@link InvalidSpecException} when it is not valid. */
    static EffectiveSpec of(ClusterSpec spec) {
        List<Violation> violations = spec.validate();
        if (!violations.isEmpty()) {
            throw new InvalidSpecException(violations);
        }
        ClusterSpec s = spec.withDefaults();
        return new EffectiveSpec(
                Durations.parse(s.sleepInterval()),
                Durations.parse(s.requestTimeout()),
                Durations.parse(s.failInterval()),
                Durations.parse(s.convergenceTimeout()),
                Durations.parse(s.initTimeout()),
                Durations.parse(s.syncTimeout()),
                Durations.parse(s.dbWaitReadyTimeout()),
                Durations.parse(s.deadKeeperRemovalInterval()),
                Durations.parse(s.proxyCheckInterval()),
                Durations.parse(s.proxyTimeout()),
                s.maxStandbys(),
                s.maxStandbysPerSender(),
                s.maxStandbyLag(),
                s.synchronousReplication(),
                s.minSynchronousStandbys(),
                s.maxSynchronousStandbys(),
                ClusterSpec.SynchronousMode.valueOf(upper(s.synchronousMode())),
                s.additionalWalSenders(),
                s.additionalMasterReplicationSlots(),
                s.usePgRewind(),
                ClusterSpec.InitMode.valueOf(upper(s.initMode())),
                s.newConfig(),
                s.existingConfig(),
                s.pitrConfig(),
                ClusterSpec.Role.valueOf(upper(s.role())),
                s.standbyConfig(),
                s.pgParameters(),
                s.pgHBA(),
                s.automaticPgRestart(),
                s.mergePgParameters(),
                ClusterSpec.KeeperAdmission.valueOf(upper(s.keeperAdmission())),
                Optional.ofNullable(s.backup()));
    }

    /**
     * The n of {@code ANY n} the master's synchronous set is to use: minSynchronousStandbys under quorum commit;
     * null when every member confirms (FIRST) or replication is asynchronous.
     */
    public Integer synchronousQuorum() {
        return synchronousReplication && synchronousMode == ClusterSpec.SynchronousMode.QUORUM
                ? minSynchronousStandbys : null;
    }

    /** A keeper report unchanged for longer than this is a keeper that stopped reporting (two sleep intervals). */
    public Duration reportStaleAfter() {
        return sleepInterval.multipliedBy(2);
    }

    private static String upper(String s) {
        return s.toUpperCase(java.util.Locale.ROOT);
    }
}
