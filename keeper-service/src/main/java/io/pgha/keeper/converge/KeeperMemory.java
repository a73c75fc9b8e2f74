package io.pgha.keeper.converge;

import io.pgha.model.DB;
import java.util.Objects;

/**
 * What a keeper step leaves for the next one (in memory only: a restarted keeper starts over).
 *
 * @param appliedGeneration the generation of the current DB fully applied, or -1
 * @param syncGateClosed    pg_hba.conf keeps clients out until the synchronous standbys are back in sync
 *                          (a primary restarted with synchronous standbys would otherwise acknowledge commits
 *                          that no standby has)
 * @param handledRequest    the DB spec's last request (restart, reload) carried out, so that it is carried out once.
 *                          A keeper restarted while its DB still carries the request carries it out once more (one
 *                          more restart of the same instance): the sentinel withdraws a request as soon as its
 *                          step ends, so that window is the few seconds before it sees the step done
 */
record KeeperMemory(long appliedGeneration, boolean syncGateClosed, DB.Request handledRequest) {
    static final KeeperMemory INITIAL = new KeeperMemory(-1, false, null);

    KeeperMemory withApplied(long generation) {
        return new KeeperMemory(generation, syncGateClosed, handledRequest);
    }

    KeeperMemory withGate(boolean closed) {
        return new KeeperMemory(appliedGeneration, closed, handledRequest);
    }

    KeeperMemory handled(DB.Request r) {
        return new KeeperMemory(appliedGeneration, syncGateClosed, r);
    }

    /** The DB's request when this keeper has not carried it out yet, else null. */
    DB.Request pending(DB db) {
        DB.Request r = db.spec().request();
        return r == null || Objects.equals(r, handledRequest) ? null : r;
    }
}
