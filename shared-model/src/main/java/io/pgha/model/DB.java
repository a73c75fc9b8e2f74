package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One assignment of a PostgreSQL instance to a keeper. A new DB uid means "rebuild from scratch"; the
 * sentinel bumps {@code generation} whenever the spec changes and the keeper reports the generation it
 * applied in {@code status.currentGeneration}: converged means equal.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DB(String uid, long generation, Instant changeTime, Spec spec, Status status) {

    public DB {
        status = status != null ? status : Status.unknown();
    }

    public DB withSpec(Spec s, Instant now) {
        return new DB(uid, generation + 1, now, s, status);
    }

    public DB withStatus(Status s) {
        return new DB(uid, generation, changeTime, spec, s);
    }

    public boolean converged() {
        return status.currentGeneration() == generation;
    }

    public enum Role {
        @JsonProperty("master") MASTER,
        @JsonProperty("standby") STANDBY
    }

    public enum InitMode {
        @JsonProperty("none") NONE,
        @JsonProperty("new") NEW,
        @JsonProperty("existing") EXISTING,
        @JsonProperty("resync") RESYNC,
        @JsonProperty("pitr") PITR
    }

    /** Whom a standby follows: another DB of this cluster, or an external primary (standby cluster). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FollowConfig(Type type, String dbUid, ClusterSpec.StandbyConfig standbySettings) {
        public enum Type {
            @JsonProperty("internal") INTERNAL,
            @JsonProperty("external") EXTERNAL
        }

        public static FollowConfig internal(String dbUid) {
            return new FollowConfig(Type.INTERNAL, dbUid, null);
        }

        /** Follows the upstream of a standby cluster: the standby leader. */
        public static FollowConfig external(ClusterSpec.StandbyConfig upstream) {
            return new FollowConfig(Type.EXTERNAL, null, upstream);
        }

        public boolean external() {
            return type == Type.EXTERNAL;
        }
    }

    /**
     * A one-off request to the keeper, part of an operation ({@code operationId}): restart PostgreSQL once, or reload
     * its configuration once. The keeper carries out each operation's request once and then reports the DB's
     * generation as applied; the sentinel withdraws the request when the operation's step on this DB ends.
     */
    public record Request(Kind kind, String operationId) {
        public enum Kind {
            @JsonProperty("restart") RESTART,
            @JsonProperty("reload") RELOAD
        }

        public static Request restart(String operationId) {
            return new Request(Kind.RESTART, operationId);
        }

        public static Request reload(String operationId) {
            return new Request(Kind.RELOAD, operationId);
        }
    }

    /**
     * What the keeper must make its instance be. {@code synchronousStandbys} are DB uids (the standbys'
     * application_name); the keeper pads them with placeholders that block commits while too few are named.
     * {@code synchronousQuorum}: null, every listed standby confirms each commit ({@code FIRST}); n, any n of them
     * do ({@code ANY n}, quorum commit).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(
            String keeperUid,
            Role role,
            InitMode initMode,
            FollowConfig followConfig,
            boolean synchronousReplication,
            List<String> synchronousStandbys,
            Integer synchronousQuorum,
            Map<String, String> pgParameters,
            List<String> pgHBA,
            int maxStandbys,
            int additionalWalSenders,
            boolean usePgRewind,
            List<String> additionalReplicationSlots,
            List<String> followers,
            ClusterSpec.NewConfig newConfig,
            ClusterSpec.PitrConfig pitrConfig,
            boolean automaticPgRestart,
            Request request) {

        public Spec {
            synchronousStandbys = synchronousStandbys == null ? List.of() : List.copyOf(synchronousStandbys);
            pgParameters = pgParameters == null ? Map.of() : Map.copyOf(pgParameters);
            pgHBA = pgHBA == null ? List.of() : List.copyOf(pgHBA);
            additionalReplicationSlots = additionalReplicationSlots == null ? List.of()
                    : List.copyOf(additionalReplicationSlots);
            followers = followers == null ? List.of() : List.copyOf(followers);
        }

        /** A spec without a pending request. */
        public Spec(String keeperUid, Role role, InitMode initMode, FollowConfig followConfig,
                    boolean synchronousReplication, List<String> synchronousStandbys, Integer synchronousQuorum,
                    Map<String, String> pgParameters, List<String> pgHBA, int maxStandbys, int additionalWalSenders,
                    boolean usePgRewind, List<String> additionalReplicationSlots, List<String> followers,
                    ClusterSpec.NewConfig newConfig, ClusterSpec.PitrConfig pitrConfig, boolean automaticPgRestart) {
            this(keeperUid, role, initMode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, pgParameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind,
                    additionalReplicationSlots, followers, newConfig, pitrConfig, automaticPgRestart, null);
        }

        /**
         * Whether this DB leads its cluster: the master, or a standby cluster's standby leader (a standby that
         * follows the external upstream and is followed by the cluster's other standbys).
         */
        public boolean leads() {
            return role == Role.MASTER || followsUpstream();
        }

        /** Follows a standby cluster's external upstream (the standby leader's follow config). */
        public boolean followsUpstream() {
            return followConfig != null && followConfig.external();
        }

        // One wither per thing a caller changes, so that nobody re-lists the eighteen components.

        /** The spec with {@code r} pending (null: none). */
        public Spec withRequest(Request r) {
            return new Spec(keeperUid, role, initMode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, pgParameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind,
                    additionalReplicationSlots, followers, newConfig, pitrConfig, automaticPgRestart, r);
        }

        public Spec withSynchronous(boolean synchronous, List<String> standbys, Integer quorum) {
            return new Spec(keeperUid, role, initMode, followConfig, synchronous, standbys, quorum, pgParameters,
                    pgHBA, maxStandbys, additionalWalSenders, usePgRewind, additionalReplicationSlots, followers,
                    newConfig, pitrConfig, automaticPgRestart, request);
        }

        public Spec withFollowers(List<String> dbUids) {
            return new Spec(keeperUid, role, initMode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, pgParameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind,
                    additionalReplicationSlots, dbUids, newConfig, pitrConfig, automaticPgRestart, request);
        }

        /** How the DB was initialized: history that a refreshed spec keeps. */
        public Spec withInitialization(InitMode mode, ClusterSpec.NewConfig newConfig, ClusterSpec.PitrConfig pitrConfig) {
            return new Spec(keeperUid, role, mode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, pgParameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind,
                    additionalReplicationSlots, followers, newConfig, pitrConfig, automaticPgRestart, request);
        }

        public Spec withPgParameters(Map<String, String> parameters) {
            return new Spec(keeperUid, role, initMode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, parameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind,
                    additionalReplicationSlots, followers, newConfig, pitrConfig, automaticPgRestart, request);
        }

        public Spec withAdditionalReplicationSlots(List<String> slots) {
            return new Spec(keeperUid, role, initMode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, pgParameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind, slots,
                    followers, newConfig, pitrConfig, automaticPgRestart, request);
        }

        public Spec withAutomaticPgRestart(boolean on) {
            return new Spec(keeperUid, role, initMode, followConfig, synchronousReplication, synchronousStandbys,
                    synchronousQuorum, pgParameters, pgHBA, maxStandbys, additionalWalSenders, usePgRewind,
                    additionalReplicationSlots, followers, newConfig, pitrConfig, on, request);
        }
    }

    /**
     * What the keeper last reported about the instance, as the sentinel recorded it.
     * {@code notConvergedSince}: when the sentinel first saw this DB not at its current generation (null while
     * converged), so that convergenceTimeout counts from when it stopped converging, not from an old spec change.
     * {@code syncUnconfirmedSince}: for a standby in the master's synchronous set, when the sentinel first saw the
     * master not report it in sync (null while it does), so that it is replaced on evidence over time.
     * {@code earlierSynchronousSets}: for a master, the synchronous configurations it had before its current one
     * whose acknowledged commits the current set may not hold yet (see {@link EarlierSynchronousSet}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(
            boolean healthy,
            long currentGeneration,
            String listenAddress,
            Integer port,
            String systemId,
            long timelineId,
            long walPosition,
            List<TimelineHistoryEntry> timelineHistory,
            List<String> synchronousStandbys,
            Map<String, String> pgParameters,
            String oldestWalFile,
            Instant notConvergedSince,
            Instant syncUnconfirmedSince,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<EarlierSynchronousSet> earlierSynchronousSets) {

        public Status {
            timelineHistory = timelineHistory == null ? List.of() : List.copyOf(timelineHistory);
            synchronousStandbys = synchronousStandbys == null ? List.of() : List.copyOf(synchronousStandbys);
            pgParameters = pgParameters == null ? Map.of() : Map.copyOf(pgParameters);
            earlierSynchronousSets = earlierSynchronousSets == null ? List.of() : List.copyOf(earlierSynchronousSets);
        }

        /** A status without earlier synchronous sets (every DB but a master whose set changed). */
        public Status(boolean healthy, long currentGeneration, String listenAddress, Integer port, String systemId,
                      long timelineId, long walPosition, List<TimelineHistoryEntry> timelineHistory,
                      List<String> synchronousStandbys, Map<String, String> pgParameters, String oldestWalFile,
                      Instant notConvergedSince, Instant syncUnconfirmedSince) {
            this(healthy, currentGeneration, listenAddress, port, systemId, timelineId, walPosition, timelineHistory,
                    synchronousStandbys, pgParameters, oldestWalFile, notConvergedSince, syncUnconfirmedSince, null);
        }

        public static Status unknown() {
            return new Status(false, -1, null, null, null, 0, 0, null, null, null, null, null, null);
        }

        public Status withNotConvergedSince(Instant since) {
            return new Status(healthy, currentGeneration, listenAddress, port, systemId, timelineId, walPosition,
                    timelineHistory, synchronousStandbys, pgParameters, oldestWalFile, since, syncUnconfirmedSince,
                    earlierSynchronousSets);
        }

        public Status withSyncUnconfirmedSince(Instant since) {
            return new Status(healthy, currentGeneration, listenAddress, port, systemId, timelineId, walPosition,
                    timelineHistory, synchronousStandbys, pgParameters, oldestWalFile, notConvergedSince, since,
                    earlierSynchronousSets);
        }

        public Status withEarlierSynchronousSets(List<EarlierSynchronousSet> sets) {
            return new Status(healthy, currentGeneration, listenAddress, port, systemId, timelineId, walPosition,
                    timelineHistory, synchronousStandbys, pgParameters, oldestWalFile, notConvergedSince,
                    syncUnconfirmedSince, sets);
        }
    }

    /**
     * A synchronous configuration a master had before its current one: {@code size} names (the {@code members}
     * plus placeholders), any {@code quorum} of which confirmed each commit. Commits acknowledged under it are on
     * {@code quorum} of its members, not necessarily on the current set's: it counts for failover until at least
     * as many members of the current set as confirm each commit now have received {@code position}, the master's
     * WAL position once it applied {@code generation} (0 until the sentinel saw that).
     */
    public record EarlierSynchronousSet(List<String> members, int size, int quorum, long generation, long position) {
        public EarlierSynchronousSet {
            members = List.copyOf(members);
        }

        public EarlierSynchronousSet at(long masterPosition) {
            return new EarlierSynchronousSet(members, size, quorum, generation, masterPosition);
        }
    }

    /** One line of a timeline history file: timeline {@code timelineId} ended at {@code switchPoint}. */
    public record TimelineHistoryEntry(long timelineId, long switchPoint, String reason) {
    }
}
