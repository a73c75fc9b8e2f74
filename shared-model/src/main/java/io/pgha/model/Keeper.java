package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A keeper as the sentinel tracks it: the operator's settings (spec) and the sentinel's verdict (status). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Keeper(String uid, long generation, Spec spec, Status status) {

    public Keeper {
        spec = spec != null ? spec : Spec.defaults();
        status = status != null ? status : new Status(false, null, null, null, false);
    }

    public Keeper withSpec(Spec s) {
        return new Keeper(uid, generation + 1, s, status);
    }

    public Keeper withStatus(Status s) {
        return new Keeper(uid, generation, spec, s);
    }

    /**
     * @param priority   0 = never primary; higher wins among equally advanced candidates
     * @param noFailover never promote this keeper automatically
     * @param noSync     never make this keeper a synchronous standby
     * @param admitted   registered by the operator (matters when keeperAdmission=registered)
     */
    public record Spec(int priority, boolean noFailover, boolean noSync, boolean admitted) {
        public static final int DEFAULT_PRIORITY = 1;

        public static Spec defaults() {
            return new Spec(DEFAULT_PRIORITY, false, false, false);
        }
    }

    /**
     * @param healthy         the sentinel's last verdict
     * @param lastHealthyTime persisted so a new sentinel leader need not wait a whole failInterval again
     * @param instanceId      the keeper process instance the sentinel acknowledged
     * @param forceFail       set by a forced failover: treat as failed at once
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(boolean healthy, Instant lastHealthyTime, String instanceId, String pgVersion,
                         boolean forceFail) {
    }
}
