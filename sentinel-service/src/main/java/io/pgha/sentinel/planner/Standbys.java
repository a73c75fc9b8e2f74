package io.pgha.sentinel.planner;

import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Phase 3d, standbys (only under a promoted, converged, healthy master): drops DBs that can no longer follow it
 * (another system, a forked timeline, stuck unconverged, the WAL they need removed), re-points the others at it
 * once it serves them, keeps within the standby limit, gives free keepers a new standby DB, and records the
 * master's followers (for which it keeps replication slots).
 */
final class Standbys {
    private Standbys() {
    }

    static void apply(PlanContext c) {
        Optional<DB> masterDb = c.cd().masterDb();
        if (masterDb.isEmpty() || !PlanContext.ready(masterDb.get())) {
            return;
        }
        DB m = masterDb.get();
        List<String> pending = new ArrayList<>();
        for (DB db : List.copyOf(c.cd().dbs().values())) {
            if (db.uid().equals(m.uid())) {
                continue;
            }
            Keeper k = c.keeperOf(db);
            Optional<String> invalid = k == null ? Optional.of("its keeper is gone")
                    : db.spec().role() == DB.Role.MASTER ? Optional.of("an old master")
                    : invalidStandby(c, m, db);
            if (invalid.isPresent()) {
                c.set(c.cd().withoutDb(db.uid()));
                c.event(new PlanEvent.DbRemoved(db.uid(), db.spec().keeperUid(), invalid.get()));
                continue;
            }
            boolean follows = db.spec().followConfig() != null && m.uid().equals(db.spec().followConfig().dbUid());
            if (!follows && !m.spec().followers().contains(db.uid())) {
                // A standby re-pointed before the master made its slot fails to stream and retries only after
                // wal_retrieve_retry_interval (5 s), holding synchronous commits that long: first the master gets
                // it as a follower (and creates the slot), then, once converged on that, it is re-pointed.
                pending.add(db.uid());
                continue;
            }
            c.set(c.cd().withDb(c.refresh(db, DB.Role.STANDBY, m.uid(), List.of(), List.of())));
        }
        int limit = c.spec().standbyLimit();
        removeExcess(c, m, limit);
        for (Keeper k : c.eligibleKeepers()) {
            if (c.standbysOf(m).size() + pending.size() >= limit) {
                break;
            }
            if (c.cd().dbOfKeeper(k.uid()).isEmpty()) {
                DB db = new DB(c.ids.next(), 1, c.now, c.dbSpec(k.uid(), DB.Role.STANDBY, DB.InitMode.RESYNC,
                        m.uid(), List.of(), List.of()), null);
                c.set(c.cd().withDb(db));
                c.event(new PlanEvent.DbAssigned(db.uid(), k.uid(), "new standby of " + m.uid()));
            }
        }
        DB master = c.cd().dbs().get(m.uid());
        List<String> followers = Stream.concat(c.standbysOf(master).stream().map(DB::uid), pending.stream())
                .sorted().toList();
        c.set(c.cd().withDb(c.refresh(master, DB.Role.MASTER, null, master.spec().synchronousStandbys(),
                followers)));
    }

    private static Optional<String> invalidStandby(PlanContext c, DB m, DB db) {
        DB.Status s = db.status();
        if (s.systemId() != null && m.status().systemId() != null && !s.systemId().equals(m.status().systemId())) {
            return Optional.of("system id " + s.systemId() + " differs from the master's");
        }
        if (forked(m, db)) {
            return Optional.of("its timeline " + s.timelineId() + " forked from the master's history");
        }
        Duration limit = db.spec().initMode() == DB.InitMode.RESYNC && s.currentGeneration() < 1
                ? c.spec().syncTimeout() : c.spec().convergenceTimeout();
        Keeper k = c.keeperOf(db);
        if (k.status().healthy() && c.unconvergedFor(db).compareTo(limit) > 0) {
            return Optional.of("did not converge within " + limit.toSeconds() + " s");
        }
        long needed = neededWal(s, c.report(db).orElse(null));
        if (k.status().healthy() && m.status().oldestWalFile() != null
                && needed < walFileStart(m.status().oldestWalFile())) {
            return Optional.of("the WAL it needs was removed from the master (needs "
                    + String.format("%X/%X", needed >>> 32, needed & 0xFFFFFFFFL)
                    + ", the master's oldest WAL file is " + m.status().oldestWalFile() + ")");
        }
        return Optional.empty();
    }

    /**
     * Where the standby's WAL stream must resume, when that is known; else Long.MAX_VALUE (never judged). Down
     * (the postmaster not running): its last recorded position. Running but not streaming: the receive position,
     * which PostgreSQL sets to the start point its WAL receiver asks for (the end of its local WAL) — not the
     * replay position, which lags behind during startup while the slot still keeps what the standby needs.
     */
    static long neededWal(DB.Status s, KeeperInfo.PostgresState report) {
        if (!s.healthy()) {
            // Only a postmaster that is really down is judged on its last position: a running standby that did
            // not answer one observation (a busy machine) may be replaying far behind what it received.
            return report != null && report.running() ? Long.MAX_VALUE
                    : s.walPosition() > 0 ? s.walPosition() : Long.MAX_VALUE;
        }
        if (report == null || report.streaming() == null || report.streaming()) {
            return Long.MAX_VALUE;
        }
        return report.receivedWalPosition() > 0 ? report.receivedWalPosition() : Long.MAX_VALUE;
    }

    /** A standby is forked when it went past the point where the master's history left its timeline. */
    static boolean forked(DB m, DB db) {
        long tl = db.status().timelineId();
        if (tl == 0 || db.status().walPosition() == 0) {
            return false;
        }
        if (tl > m.status().timelineId()) {
            return true;
        }
        if (tl == m.status().timelineId()) {
            return false;
        }
        return m.status().timelineHistory().stream().filter(e -> e.timelineId() == tl)
                .anyMatch(e -> db.status().walPosition() > e.switchPoint());
    }

    /** Keeps the synchronous standbys first, then the highest priority, then the most advanced. */
    private static void removeExcess(PlanContext c, DB m, int limit) {
        List<DB> standbys = new ArrayList<>(c.standbysOf(m));
        if (standbys.size() <= limit) {
            return;
        }
        standbys.sort(Comparator.comparing((DB d) -> !m.spec().synchronousStandbys().contains(d.uid()))
                .thenComparing(Comparator.comparingInt(c::priority).reversed())
                .thenComparing(Comparator.comparingLong((DB d) -> d.status().walPosition()).reversed()));
        for (DB extra : standbys.subList(limit, standbys.size())) {
            c.set(c.cd().withoutDb(extra.uid()));
            c.event(new PlanEvent.DbRemoved(extra.uid(), extra.spec().keeperUid(),
                    "more than " + limit + " standbys (maxStandbys/maxStandbysPerSender)"));
        }
    }

    /** The WAL position where a segment file starts (16 MiB segments). */
    static long walFileStart(String walFile) {
        long log = Long.parseLong(walFile.substring(8, 16), 16);
        long seg = Long.parseLong(walFile.substring(16, 24), 16);
        return (log << 32) + seg * 16L * 1024 * 1024;
    }
}
