package io.pgha.sentinel.planner;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Why a keeper or its master DB is judged failed, with what the verdict rests on: the failure signal, how long
 * it lasted in time the store was usable, and the keeper's last report (sentinel clock; null when none was seen).
 */
public record FailureEvidence(Signal signal, Duration lasted, Instant lastReport, String detail) {

    public enum Signal {
        /** An operator forced the failover. */
        FORCED,
        /** The keeper's info vanished or stopped changing. */
        KEEPER_SILENT,
        /** The keeper reports its PostgreSQL not running or not answering. */
        POSTGRES_UNHEALTHY,
        /** The keeper is silent and the sentinel's own probes find nothing listening at PostgreSQL's address. */
        POSTGRES_REFUSED,
        /** The master did not apply its assignment. */
        NOT_CONVERGED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** One line: the signal, how long, the last report, and the detail. */
    public String describe() {
        return signal.label() + " for " + seconds(lasted) + " (" + detail + "; last report "
                + (lastReport == null ? "none seen" : lastReport.toString()) + ")";
    }

    static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
