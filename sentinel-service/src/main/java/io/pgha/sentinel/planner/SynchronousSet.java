package io.pgha.sentinel.planner;

import io.pgha.model.DB;
import io.pgha.model.Keeper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Phase 3e, the synchronous set: keeps between min and max synchronous standbys, never shrinking the guarantee
 * in one step. A bad member leaves only when enough good members are already in sync without it, or, when it
 * stopped confirming (the master has not reported it in sync for failInterval: its replication is cut or stuck),
 * in exchange for a ready standby. The exchange is safe because a new member is no failover candidate until the
 * master reports it in sync, which PostgreSQL does only once it caught up with everything acknowledged so far;
 * without it, commits would wait for the stuck member for as long as its connection looks open.
 */
final class SynchronousSet {
    private SynchronousSet() {
    }

    static void apply(PlanContext c) {
        Optional<DB> masterDb = c.cd().masterDb();
        // A pending spec change (e.g. this very one) must not hold the set back: a healthy master suffices.
        if (masterDb.isEmpty() || masterDb.get().spec().role() != DB.Role.MASTER
                || !masterDb.get().status().healthy()) {
            return;
        }
        DB m = masterDb.get();
        if (!c.spec().synchronousReplication()) {
            c.set(c.cd().withDb(c.update(m, m.spec().withSynchronous(false, List.of(), null))));
            noteUnconfirmed(c, m);
            SynchronousGuarantee.track(c, c.input.dbs().get(m.uid()), m.uid());
            return;
        }
        Set<String> inSync = Set.copyOf(m.status().synchronousStandbys());
        List<String> target = new ArrayList<>(m.spec().synchronousStandbys());
        target.removeIf(uid -> !c.cd().dbs().containsKey(uid)); // replaced DBs hold no copy any more
        List<DB> good = c.standbysOf(m).stream().filter(d -> readySyncStandby(c, d))
                .sorted(Comparator.comparingInt(c::priority).reversed().thenComparing(Comparator.comparingLong(
                        (DB d) -> d.status().walPosition()).reversed()).thenComparing(DB::uid))
                .toList();
        replaceUnconfirmed(c, m, target, good);
        for (DB d : good) {
            if (target.size() >= c.spec().maxSynchronousStandbys()) {
                break;
            }
            if (!target.contains(d.uid())) {
                target.add(d.uid());
            }
        }
        // A member leaves only on evidence over time (keeper failed, or not converging), never on one report.
        Set<String> goodUids = c.standbysOf(m).stream().filter(d -> keepsSyncRole(c, d)).map(DB::uid)
                .collect(Collectors.toSet());
        for (String uid : List.copyOf(target)) {
            long goodInSync = target.stream().filter(u -> !u.equals(uid) && goodUids.contains(u)
                    && inSync.contains(u)).count();
            if (!goodUids.contains(uid) && goodInSync >= c.spec().minSynchronousStandbys()) {
                target.remove(uid);
            }
        }
        while (target.size() > c.spec().maxSynchronousStandbys()) {
            String drop = target.stream().filter(u -> !inSync.contains(u)).findFirst()
                    .orElse(target.get(target.size() - 1));
            target.remove(drop);
        }
        c.set(c.cd().withDb(c.update(m, m.spec().withSynchronous(true, target, c.spec().synchronousQuorum()))));
        noteUnconfirmed(c, c.cd().dbs().get(m.uid()));
        SynchronousGuarantee.track(c, c.input.dbs().get(m.uid()), m.uid());
    }

    /** Swaps a member the master has not reported in sync for failInterval for a ready standby, if there is one. */
    private static void replaceUnconfirmed(PlanContext c, DB m, List<String> target, List<DB> good) {
        // Only a master heard from just now tells that a member stopped confirming; a stale report tells nothing.
        Keeper mk = c.keeperOf(m);
        if (mk == null || !c.freshReport(mk)) {
            return;
        }
        for (String uid : List.copyOf(target)) {
            Duration unconfirmed = syncUnconfirmedFor(c, c.cd().dbs().get(uid));
            if (unconfirmed.compareTo(c.spec().failInterval()) <= 0) {
                continue;
            }
            Optional<DB> replacement = good.stream().filter(d -> !target.contains(d.uid())).findFirst();
            if (replacement.isPresent()) {
                target.set(target.indexOf(uid), replacement.get().uid());
                c.event(new PlanEvent.Info("synchronous standby " + uid + " replaced by "
                        + replacement.get().uid() + ": the master has not reported it in sync for "
                        + unconfirmed.toMillis() + " ms"));
            }
        }
    }

    /**
     * Notes, on each standby, since when the master's synchronous set names it but the master's report does not
     * show it in sync; cleared once it does, or once it is no longer in the set.
     */
    private static void noteUnconfirmed(PlanContext c, DB m) {
        Set<String> inSync = Set.copyOf(m.status().synchronousStandbys());
        for (DB d : c.standbysOf(m)) {
            boolean unconfirmed = m.spec().synchronousStandbys().contains(d.uid()) && !inSync.contains(d.uid());
            Instant since = d.status().syncUnconfirmedSince();
            Instant next = !unconfirmed ? null : since != null ? since : c.now;
            if (!Objects.equals(next, since)) {
                c.set(c.cd().withDb(d.withStatus(d.status().withSyncUnconfirmedSince(next))));
            }
        }
    }

    /** How long (usable store time) the master has not reported {@code d} in sync; zero while it does. */
    private static Duration syncUnconfirmedFor(PlanContext c, DB d) {
        Instant since = d == null ? null : d.status().syncUnconfirmedSince();
        return since == null ? Duration.ZERO : c.usable(since);
    }

    /** May become a synchronous standby now: healthy and converged in its latest report. */
    private static boolean readySyncStandby(PlanContext c, DB d) {
        return keepsSyncRole(c, d) && d.status().healthy() && d.converged();
    }

    /** May stay a synchronous standby: its keeper not failed and its DB not stuck unconverged. */
    private static boolean keepsSyncRole(PlanContext c, DB d) {
        Keeper k = c.keeperOf(d);
        return k != null && k.status().healthy() && !k.status().forceFail() && !k.spec().noSync()
                && c.unconvergedFor(d).compareTo(c.spec().convergenceTimeout()) <= 0;
    }
}
