package io.pgha.sentinel.planner;

import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Phase 1, keepers: admits new keepers, acknowledges their instances, and judges health. A keeper fails only on
 * evidence that lasted failInterval of time in which the store was usable, or, for the master, on a second,
 * independent signal (its port refusing connections while its keeper is silent).
 */
final class KeeperHealth {
    private KeeperHealth() {
    }

    static void apply(PlanContext c) {
        admit(c);
        String masterKeeper = c.cd().masterDb().filter(m -> m.spec().leads())
                .map(m -> m.spec().keeperUid()).orElse(null);
        for (Keeper k : List.copyOf(c.cd().keepers().values())) {
            KeeperInfo info = c.info(k.uid());
            Keeper.Status st = k.status();
            Instant lastAlive = lastAlive(c, k, info);
            Optional<FailureEvidence> failure = failure(c, k, info, lastAlive, k.uid().equals(masterKeeper));
            failure.ifPresent(f -> c.failures.put(k.uid(), f));
            boolean healthy = failure.isEmpty();
            // Refreshed coarsely: enough for a new leader to judge, without a write on every loop. The time is
            // that of the keeper's last healthy report as this sentinel saw it, not of this run: a keeper that
            // died keeps looking fresh until its report goes stale, and failInterval counts from its death.
            Instant lastHealthy = st.lastHealthyTime();
            if (lastAlive != null && (lastHealthy == null || (healthy && !st.healthy())
                    || Duration.between(lastHealthy, lastAlive).toMillis()
                    >= c.spec().failInterval().toMillis() / 4)) {
                lastHealthy = lastAlive;
            }
            if (st.healthy() && !healthy) {
                c.event(new PlanEvent.KeeperFailed(k.uid(), failure.get()));
            }
            String instance = info != null ? info.instanceId() : st.instanceId();
            String version = info != null && pgVersion(info) != null ? pgVersion(info) : st.pgVersion();
            Keeper.Status next = new Keeper.Status(healthy, lastHealthy, instance, version, st.forceFail());
            if (!next.equals(st)) {
                c.set(c.cd().withKeeper(k.withStatus(next)));
            }
        }
    }

    /** New keepers join, unless only keepers added through the admin API take part. */
    private static void admit(PlanContext c) {
        if (c.spec().keeperAdmission() == ClusterSpec.KeeperAdmission.REGISTERED) {
            return;
        }
        for (KeeperInfo info : c.obs.keepers().values()) {
            if (!c.cd().keepers().containsKey(info.uid())) {
                c.set(c.cd().withKeeper(new Keeper(info.uid(), 1,
                        new Keeper.Spec(info.priority(), false, info.noSync(), false),
                        new Keeper.Status(true, c.now, info.instanceId(), pgVersion(info), false))));
                c.event(new PlanEvent.Info("keeper " + info.uid() + " joined"));
            }
        }
    }

    /**
     * The last time the keeper was seen healthy: the later of the recorded lastHealthyTime and the time the
     * sentinel saw its last healthy report appear (an unchanged report was true when it was published).
     */
    private static Instant lastAlive(PlanContext c, Keeper k, KeeperInfo info) {
        Instant t = k.status().lastHealthyTime();
        Observations.Sighting seen = c.obs.sightings().get(k.uid());
        KeeperInfo report = seen != null ? seen.info() : info;
        Instant at = seen != null ? seen.changedAt() : info != null ? c.now : null;
        if (report != null && at != null && reportsHealthy(c, k.uid(), report)) {
            Instant capped = at.isAfter(c.now) ? c.now : at;
            t = t == null || capped.isAfter(t) ? capped : t;
        }
        return t;
    }

    /** Its PostgreSQL healthy, unless the report is about no DB or another one (still working on a new one). */
    private static boolean reportsHealthy(PlanContext c, String keeperUid, KeeperInfo info) {
        Optional<DB> db = c.cd().dbOfKeeper(keeperUid);
        KeeperInfo.PostgresState pg = info.postgres();
        return db.isEmpty() || pg == null || !db.get().uid().equals(pg.dbUid()) || pg.healthy();
    }

    private static Optional<FailureEvidence> failure(PlanContext c, Keeper k, KeeperInfo info, Instant lastAlive,
                                                     boolean master) {
        Instant lastReport = c.lastReport(k);
        if (k.status().forceFail()) {
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.FORCED, Duration.ZERO, lastReport,
                    "forced to fail by an operator request"));
        }
        Duration unhealthy = c.usable(lastAlive);
        Duration silent = c.usable(lastReport);
        if (unhealthy.compareTo(c.spec().failInterval()) < 0) {
            return master ? refusedMaster(c, k, silent, lastReport) : Optional.empty();
        }
        if (info == null) {
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.KEEPER_SILENT, unhealthy, lastReport,
                    "keeper " + k.uid() + ": its info is gone"));
        }
        if (silent.compareTo(c.spec().reportStaleAfter()) > 0) {
            return Optional.of(new FailureEvidence(FailureEvidence.Signal.KEEPER_SILENT, unhealthy, lastReport,
                    "keeper " + k.uid() + ": its info has not changed"));
        }
        return Optional.of(new FailureEvidence(FailureEvidence.Signal.POSTGRES_UNHEALTHY, unhealthy, lastReport,
                "keeper " + k.uid() + " reports PostgreSQL not running or not answering"));
    }

    /**
     * The second signal, for the master only: its keeper silent for half of failInterval and every probe of the
     * sentinel finding nothing listening at its PostgreSQL address for half a sleepInterval (a refused
     * connection is an answer from the host: the postmaster is gone, and no keeper is there to restart it). A
     * frozen or unreachable host never answers so, and waits for the whole failInterval.
     */
    private static Optional<FailureEvidence> refusedMaster(PlanContext c, Keeper k, Duration silent,
                                                           Instant lastReport) {
        Optional<DB> m = c.cd().dbOfKeeper(k.uid());
        Observations.PortProbe probe = m.map(d -> c.obs.probes().get(d.uid())).orElse(null);
        Duration sleep = c.spec().sleepInterval();
        if (probe == null || probe.refusedSince() == null || probe.refusals() < 2
                || silent.compareTo(c.spec().failInterval().dividedBy(2)) < 0
                || Duration.between(probe.refusedSince(), probe.lastAttempt()).compareTo(sleep.dividedBy(2)) < 0
                || Duration.between(probe.lastAttempt(), c.now).compareTo(sleep) > 0) {
            return Optional.empty();
        }
        return Optional.of(new FailureEvidence(FailureEvidence.Signal.POSTGRES_REFUSED, silent, lastReport,
                "keeper " + k.uid() + " silent and " + probe.address() + " refused " + probe.refusals()
                        + " connections in " + FailureEvidence.seconds(Duration.between(probe.refusedSince(),
                        probe.lastAttempt()))));
    }

    private static String pgVersion(KeeperInfo info) {
        return info.postgres() == null ? null : info.postgres().pgVersion();
    }
}
