package io.pgha.keeper.converge;

/**
 * How a standby's data is rebuilt from the DB it follows (pure): pg_rewind when allowed and the local data is
 * the same cluster (same system identifier) as the source, else a new base backup. A failed rewind still falls
 * back to a base backup.
 */
record ResyncMethod(boolean rewind, String reason) {

    /**
     * @param localSystemId  the local data's system identifier, or null when there is none or it was not read
     * @param sourceSystemId the source's, or null when not known yet
     */
    static ResyncMethod choose(boolean usePgRewind, boolean localDataExists, String localSystemId,
                               String sourceSystemId) {
        if (!usePgRewind) {
            return new ResyncMethod(false, "resync (usePgRewind is off)");
        }
        if (!localDataExists) {
            return new ResyncMethod(false, "resync (no local data to rewind)");
        }
        if (sourceSystemId == null || localSystemId == null) {
            return new ResyncMethod(false, "resync (the source's system id is not known)");
        }
        if (!sourceSystemId.equals(localSystemId)) {
            return new ResyncMethod(false, "resync (local system id " + localSystemId + " differs from the source's "
                    + sourceSystemId + ")");
        }
        return new ResyncMethod(true, "resync with pg_rewind");
    }
}
