package io.pgha.keeper.converge;

/**
 * What a keeper step leaves for the next one (in memory only: a restarted keeper starts over).
 *
 * @param appliedGeneration the generation of the current DB fully applied, or -1
 * @param syncGateClosed    pg_hba.conf keeps clients out until the synchronous standbys are back in sync
 *                          (a primary restarted with synchronous standbys would otherwise acknowledge commits
 *                          that no standby has)
 */
record KeeperMemory(long appliedGeneration, boolean syncGateClosed) {
    static final KeeperMemory INITIAL = new KeeperMemory(-1, false);

    KeeperMemory withApplied(long generation) {
        return new KeeperMemory(generation, syncGateClosed);
    }

    KeeperMemory withGate(boolean closed) {
        return new KeeperMemory(appliedGeneration, closed);
    }
}
