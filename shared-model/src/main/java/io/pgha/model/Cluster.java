package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

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
     * An operator request written by admin-api and carried out by the sentinel leader.
     *
     * @param candidate the DB to promote (requested, or chosen once running)
     * @param fromDb    the master being replaced, set once running
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Operation(String id, Type type, String candidate, Instant requestedAt, Instant scheduledAt,
                            State state, String message, String fromDb) {
        public Operation withState(State s, String msg) {
            return new Operation(id, type, candidate, requestedAt, scheduledAt, s, msg, fromDb);
        }

        public Operation running(String chosen, String from) {
            return new Operation(id, type, chosen, requestedAt, scheduledAt, State.RUNNING, null, from);
        }

        public boolean finished() {
            return state == State.DONE || state == State.FAILED || state == State.CANCELLED;
        }

        public enum Type {
            @JsonProperty("failover") FAILOVER,
            @JsonProperty("switchover") SWITCHOVER
        }

        public enum State {
            @JsonProperty("pending") PENDING,
            @JsonProperty("running") RUNNING,
            @JsonProperty("done") DONE,
            @JsonProperty("failed") FAILED,
            /** Withdrawn by the operator before it started (DELETE /cluster/switchover). */
            @JsonProperty("cancelled") CANCELLED
        }
    }
}
