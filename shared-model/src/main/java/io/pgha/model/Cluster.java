package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The cluster object: identity, the operator's spec and the sentinel's view of its status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Cluster(String uid, long generation, Instant changeTime, ClusterSpec spec, Status status) {

    public Cluster {
        spec = spec != null ? spec : ClusterSpec.empty();
        status = status != null ? status : new Status(Phase.INITIALIZING, null, false, null);
    }

    public Cluster withSpec(ClusterSpec s, Instant now) {
        return new Cluster(uid, generation + 1, now, s, status);
    }

    public Cluster withStatus(Status s) {
        return new Cluster(uid, generation, changeTime, spec, s);
    }

    public enum Phase {
        @JsonProperty("initializing") INITIALIZING,
        @JsonProperty("normal") NORMAL
    }

    /**
     * @param master    uid of the DB elected master, null while none is
     * @param paused    maintenance mode: no automatic failover, keepers do not restart PostgreSQL
     * @param operation the operator request in progress (failover, switchover), null when none
     * @param message   why the sentinel is not doing what one might expect (e.g. no failover candidate)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(Phase phase, String master, boolean paused, Operation operation, String message) {
        public Status(Phase phase, String master, boolean paused, Operation operation) {
            this(phase, master, paused, operation, null);
        }

        public Status withMaster(String m) {
            return new Status(phase, m, paused, operation, message);
        }

        public Status withPhase(Phase p) {
            return new Status(p, master, paused, operation, message);
        }

        public Status withPaused(boolean p) {
            return new Status(phase, master, p, operation, message);
        }

        public Status withOperation(Operation o) {
            return new Status(phase, master, paused, o, message);
        }

        public Status withMessage(String m) {
            return new Status(phase, master, paused, operation, m);
        }
    }

    /**
     * An operator request written by admin-api and carried out by the sentinel leader (a rolling restart may also
     * be the sentinel's own, for {@code automaticPgRestart}).
     *
     * @param candidate the DB to promote (requested, or chosen once running); a rolling restart's switchover target
     * @param fromDb    the master being replaced, set once running
     * @param progress  a rolling restart's or a reload's scope and steps; null for a failover or switchover
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Operation(String id, Type type, String candidate, Instant requestedAt, Instant scheduledAt,
                            State state, String message, String fromDb, Progress progress) {
        public Operation(String id, Type type, String candidate, Instant requestedAt, Instant scheduledAt,
                         State state, String message, String fromDb) {
            this(id, type, candidate, requestedAt, scheduledAt, state, message, fromDb, null);
        }

        public Operation withState(State s, String msg) {
            return new Operation(id, type, candidate, requestedAt, scheduledAt, s, msg, fromDb, progress);
        }

        public Operation running(String chosen, String from) {
            return new Operation(id, type, chosen, requestedAt, scheduledAt, State.RUNNING, null, from, progress);
        }

        public Operation withProgress(Progress p, String msg) {
            return new Operation(id, type, candidate, requestedAt, scheduledAt, State.RUNNING, msg, fromDb, p);
        }

        public boolean finished() {
            return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
        }

        public enum Type {
            @JsonProperty("failover") FAILOVER,
            @JsonProperty("switchover") SWITCHOVER,
            /** Rolling restart of PostgreSQL: standbys one at a time, then the primary (by switchover when it can). */
            @JsonProperty("restart") RESTART,
            /** Every keeper reloads its PostgreSQL configuration. */
            @JsonProperty("reload") RELOAD;

            public String label() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }

            /** A failover or a switchover: the operation puts another DB in the master's place. */
            public boolean replacesMaster() {
                return this == FAILOVER || this == SWITCHOVER;
            }
        }

        public enum State {
            @JsonProperty("pending") PENDING,
            @JsonProperty("running") RUNNING,
            @JsonProperty("done") DONE,
            @JsonProperty("failed") FAILED,
            /** Withdrawn by the operator before it started (DELETE /cluster/switchover, DELETE /cluster/restart). */
            @JsonProperty("cancelled") CANCELLED
        }

        /**
         * The scope and the steps of a rolling restart or a reload, keepers by uid.
         *
         * @param pendingOnly  restart only the instances whose PostgreSQL reports parameters waiting for a restart
         * @param keepers      the keepers in scope; empty: all of them
         * @param automatic    started by the sentinel for {@code automaticPgRestart}, not by an operator
         * @param done         the keepers whose step finished, in the order they were restarted (or reloaded)
         * @param current      the keeper whose restart is under way; null between steps
         * @param currentSince when the current step began (its convergenceTimeout counts from there); between steps,
         *                     when the last one ended (the next waits from there until every DB applied its spec)
         * @param skipped      keepers in scope left out, with why (not healthy, nothing pending)
         * @param replayBeforeStandbys after the primary restarted first (a lowered parameter standbys need at least
         *                     as high), the WAL position a standby must have replayed before it restarts: it follows
         *                     the primary's record of its new values, which a standby's control file must hold
         *                     before it can start with them
         * @param specGeneration for an automatic restart, the cluster generation (spec) it was started for: the
         *                     sentinel starts no other automatic restart for the same spec, whatever this one's outcome
         */
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Progress(boolean pendingOnly, List<String> keepers, boolean automatic, List<String> done,
                               String current, Instant currentSince, Map<String, String> skipped,
                               Long replayBeforeStandbys, Long specGeneration) {
            public Progress {
                keepers = keepers == null ? List.of() : List.copyOf(keepers);
                done = done == null ? List.of() : List.copyOf(done);
                skipped = skipped == null ? Map.of() : Map.copyOf(skipped);
            }

            public Progress(boolean pendingOnly, List<String> keepers, boolean automatic, List<String> done,
                            String current, Instant currentSince, Map<String, String> skipped) {
                this(pendingOnly, keepers, automatic, done, current, currentSince, skipped, null, null);
            }

            public static Progress of(boolean pendingOnly, List<String> keepers, boolean automatic) {
                return new Progress(pendingOnly, keepers, automatic, List.of(), null, null, Map.of(), null, null);
            }

            /** The sentinel's own restart for {@code automaticPgRestart}, for the spec of cluster generation {@code g}. */
            public static Progress automaticFor(long g) {
                return new Progress(true, List.of(), true, List.of(), null, null, Map.of(), null, g);
            }

            public boolean inScope(String keeperUid) {
                return keepers.isEmpty() || keepers.contains(keeperUid);
            }

            /** The step on {@code keeperUid} began at {@code at}. */
            public Progress starting(String keeperUid, Instant at) {
                return new Progress(pendingOnly, keepers, automatic, done, keeperUid, at, skipped,
                        replayBeforeStandbys, specGeneration);
            }

            /** The current step finished at {@code at}. */
            public Progress finishedCurrent(Instant at) {
                List<String> d = new java.util.ArrayList<>(done);
                d.add(current);
                return new Progress(pendingOnly, keepers, automatic, d, null, at, skipped, replayBeforeStandbys,
                        specGeneration);
            }

            public Progress skipping(String keeperUid, String why) {
                Map<String, String> s = new java.util.TreeMap<>(skipped);
                s.put(keeperUid, why);
                return new Progress(pendingOnly, keepers, automatic, done, current, currentSince, s,
                        replayBeforeStandbys, specGeneration);
            }

            /** Standbys restart only once they replayed {@code position}. */
            public Progress replayingFirst(long position) {
                return new Progress(pendingOnly, keepers, automatic, done, current, currentSince, skipped, position,
                        specGeneration);
            }
        }
    }
}
