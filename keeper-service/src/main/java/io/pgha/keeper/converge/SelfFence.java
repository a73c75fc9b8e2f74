package io.pgha.keeper.converge;

import java.time.Duration;
import java.time.Instant;

/**
 * Whether a primary must withhold writes because it cannot confirm that it is still the master: once its last
 * confirmation (a cluster data read, sent at that time, naming this keeper's DB the master) is older than
 * failInterval, the sentinels may have elected another master, and a primary that kept committing would
 * acknowledge writes that the new master never sees. Pure: the keeper loop applies it.
 */
public final class SelfFence {
    private SelfFence() {
    }

    /**
     * @param primaryRunning this instance runs read-write (not in recovery)
     * @param lastConfirmed  when the last read that named this keeper's DB the master was sent (the keeper's
     *                       start when none yet)
     */
    public static boolean mustFence(boolean primaryRunning, Instant lastConfirmed, Instant now, Duration failInterval) {
        return primaryRunning && Duration.between(lastConfirmed, now).compareTo(failInterval) > 0;
    }
}
