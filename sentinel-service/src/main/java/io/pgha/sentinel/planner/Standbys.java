package io.pgha.sentinel.planner;

import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.KeeperInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Phase 3d, standbys (only under a promoted, converged, healthy master): drops DBs that can no longer follow it
 * (another system, a forked timeline, stuck unconverged, the WAL they need removed), decides whom each other
 * standby streams from, keeps within maxStandbys, gives free keepers a new standby DB, and records every sender's
 * followers (for which it keeps replication slots).
 *
 * <p>Cascading: the master serves at most maxStandbysPerSender standbys itself — always the synchronous ones —
 * and each further standby streams from a healthy direct standby with room (each sender within the same limit),
 * so that five keepers with the defaults all get a DB. A standby whose sender fails is re-pointed to another
 * sender, or to the master when it has room. One level only: a sender follows the master.
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
        for (DB db : List.copyOf(c.cd().dbs().values())) {
            if (db.uid().equals(m.uid())) {
                continue;
            }
            Keeper k = c.keeperOf(db);
            Optional<String> invalid = k == null ? Optional.of("its keeper is gone")
                    : db.spec().leads() ? Optional.of(db.spec().role() == DB.Role.MASTER ? "an old master"
                            : "an old standby leader")
                    : invalidStandby(c, m, db);
            if (invalid.isPresent()) {
                c.set(c.cd().withoutDb(db.uid()));
                c.event(new PlanEvent.DbRemoved(db.uid(), db.spec().keeperUid(), invalid.get()));
            }
        }
        removeExcess(c, m, c.spec().maxStandbys());
        Map<String, String> target = senders(c, m);
        for (Keeper k : c.eligibleKeepers()) {
            if (target.size() >= c.spec().maxStandbys()) {
                break;
            }
            Optional<String> sender = withRoom(c, m, target, null);
            if (sender.isEmpty()) {
                break;
            }
            if (c.cd().dbOfKeeper(k.uid()).isEmpty()) {
                DB db = new DB(c.ids.next(), 1, c.now, c.dbSpec(k.uid(), DB.Role.STANDBY, DB.InitMode.RESYNC,
                        sender.get(), List.of(), List.of()), null);
                c.set(c.cd().withDb(db));
                target.put(db.uid(), sender.get());
                c.event(new PlanEvent.DbAssigned(db.uid(), k.uid(), "new standby of " + sender.get()));
            }
        }
        // Followers of X: those streaming from X now, and those to be pointed at X. A standby is re-pointed only
        // once its new sender has it among its followers and converged on that (made its slot): pointed earlier,
        // its WAL receiver fails on the missing slot and retries only after wal_retrieve_retry_interval (5 s),
        // holding synchronous commits that long.
        Map<String, List<String>> followers = new HashMap<>();
        Map<String, String> follow = new HashMap<>();
        for (Map.Entry<String, String> e : target.entrySet()) {
            DB db = c.cd().dbs().get(e.getKey());
            String now = db.spec().followConfig() == null ? null : db.spec().followConfig().dbUid();
            DB to = c.cd().dbs().get(e.getValue());
            boolean ready = e.getValue().equals(now) || to.spec().followers().contains(db.uid()) && to.converged();
            follow.put(db.uid(), ready ? e.getValue() : now);
            followers.computeIfAbsent(e.getValue(), x -> new ArrayList<>()).add(db.uid());
            if (!ready && now != null && c.cd().dbs().containsKey(now)) {
                followers.computeIfAbsent(now, x -> new ArrayList<>()).add(db.uid());
            }
        }
        for (String uid : target.keySet()) {
            DB db = c.cd().dbs().get(uid);
            c.set(c.cd().withDb(c.refresh(db, DB.Role.STANDBY, follow.get(uid), List.of(),
                    sorted(followers.get(uid)))));
        }
        DB master = c.cd().dbs().get(m.uid());
        c.set(c.cd().withDb(c.refreshLeader(master, master.spec().synchronousStandbys(),
                sorted(followers.get(m.uid())))));
    }

    /**
     * Whom each standby is to stream from: the synchronous ones and, up to maxStandbysPerSender, those not
     * cascaded now (following the master, or the master a failover replaced) from the master, then cascaded ones
     * while the master still has room; every other one from the sender it follows while that may still serve it,
     * else from the sender a re-point is under way to, else from a sender with room; one with nowhere to go keeps
     * following what it follows.
     */
    private static Map<String, String> senders(PlanContext c, DB m) {
        int perSender = c.spec().maxStandbysPerSender();
        List<DB> standbys = new ArrayList<>(c.cd().dbs().values().stream()
                .filter(d -> !d.uid().equals(m.uid()) && d.spec().role() == DB.Role.STANDBY).toList());
        standbys.sort(preference(c, m));
        Map<String, String> target = new LinkedHashMap<>();
        for (DB d : standbys) {
            if (m.spec().synchronousStandbys().contains(d.uid())) {
                target.put(d.uid(), m.uid());
            }
        }
        for (DB d : standbys) {
            if (!target.containsKey(d.uid()) && !cascaded(c, d) && count(target, m.uid()) < perSender) {
                target.put(d.uid(), m.uid());
            }
        }
        for (DB d : standbys) {
            if (target.containsKey(d.uid())) {
                continue;
            }
            String now = d.spec().followConfig() == null ? null : d.spec().followConfig().dbUid();
            // Cascaded only while the master is full: one left under a former master by a switchover, or under a
            // sender after a direct standby left, comes back to the master (and is a failover candidate again).
            if (count(target, m.uid()) < perSender) {
                target.put(d.uid(), m.uid());
                continue;
            }
            if (now != null && !now.equals(m.uid()) && m.uid().equals(target.get(now))
                    && maySend(c, c.cd().dbs().get(now), false) && count(target, now) < perSender) {
                target.put(d.uid(), now);
                continue;
            }
            // A re-point under way: the sender already has it among its followers (and is converging on that).
            Optional<String> moving = target.entrySet().stream()
                    .filter(e -> e.getValue().equals(m.uid()) && !e.getKey().equals(now))
                    .map(e -> c.cd().dbs().get(e.getKey()))
                    .filter(x -> x.spec().followers().contains(d.uid()) && maySend(c, x, false)
                            && count(target, x.uid()) < perSender)
                    .map(DB::uid).findFirst();
            Optional<String> sender = moving.isPresent() ? moving : withRoom(c, m, target, d.uid());
            target.put(d.uid(), sender.orElse(now != null && c.cd().dbs().containsKey(now) ? now : m.uid()));
        }
        return target;
    }

    /** A sender with room for one more standby: the master, else the ready direct standby with fewest followers. */
    private static Optional<String> withRoom(PlanContext c, DB m, Map<String, String> target, String standby) {
        int perSender = c.spec().maxStandbysPerSender();
        if (count(target, m.uid()) < perSender) {
            return Optional.of(m.uid());
        }
        return target.entrySet().stream()
                .filter(e -> e.getValue().equals(m.uid()) && !e.getKey().equals(standby))
                .map(e -> c.cd().dbs().get(e.getKey()))
                .filter(d -> maySend(c, d, true) && count(target, d.uid()) < perSender)
                .min(Comparator.comparingLong((DB d) -> count(target, d.uid())).thenComparing(DB::uid))
                .map(DB::uid);
    }

    /**
     * A standby that may serve others: its keeper not failed and its PostgreSQL running; to take a new follower
     * ({@code ready}) also healthy and converged — an existing follower is not moved on one bad observation.
     */
    private static boolean maySend(PlanContext c, DB d, boolean ready) {
        Keeper k = d == null ? null : c.keeperOf(d);
        if (k == null || !k.status().healthy() || k.status().forceFail()) {
            return false;
        }
        if (ready) {
            return d.status().healthy() && d.converged();
        }
        return d.status().healthy() || c.report(d).map(KeeperInfo.PostgresState::running).orElse(false);
    }

    /** Synchronous standbys first, then the highest priority, then the most advanced, then uid. */
    private static Comparator<DB> preference(PlanContext c, DB m) {
        return Comparator.comparing((DB d) -> !m.spec().synchronousStandbys().contains(d.uid()))
                .thenComparing(Comparator.comparingInt(c::priority).reversed())
                .thenComparing(Comparator.comparingLong((DB d) -> d.status().walPosition()).reversed())
                .thenComparing(DB::uid);
    }

    /** Streams from another standby (not from the master, nor from a master that was replaced). */
    private static boolean cascaded(PlanContext c, DB d) {
        DB from = d.spec().followConfig() == null ? null : c.cd().dbs().get(d.spec().followConfig().dbUid());
        return from != null && !from.spec().leads();
    }

    private static long count(Map<String, String> target, String sender) {
        return target.values().stream().filter(sender::equals).count();
    }

    private static List<String> sorted(List<String> uids) {
        return uids == null ? List.of() : uids.stream().distinct().sorted().toList();
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
        // Judged against the sender it streams from: a cascading standby keeps WAL for its followers.
        DB sender = db.spec().followConfig() == null ? m
                : c.cd().dbs().getOrDefault(db.spec().followConfig().dbUid(), m);
        long needed = neededWal(s, c.report(db).orElse(null));
        if (k.status().healthy() && sender.status().oldestWalFile() != null
                && needed < walFileStart(sender.status().oldestWalFile())) {
            return Optional.of("the WAL it needs was removed from " + (sender == m ? "the master" : sender.uid())
                    + " (needs " + String.format("%X/%X", needed >>> 32, needed & 0xFFFFFFFFL)
                    + ", its oldest WAL file is " + sender.status().oldestWalFile() + ")");
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

    /** Keeps at most {@code limit} standbys: the synchronous ones first, then by {@link #preference}. */
    private static void removeExcess(PlanContext c, DB m, int limit) {
        List<DB> standbys = new ArrayList<>(c.cd().dbs().values().stream()
                .filter(d -> !d.uid().equals(m.uid()) && d.spec().role() == DB.Role.STANDBY).toList());
        if (standbys.size() <= limit) {
            return;
        }
        standbys.sort(preference(c, m));
        for (DB extra : standbys.subList(limit, standbys.size())) {
            c.set(c.cd().withoutDb(extra.uid()));
            c.event(new PlanEvent.DbRemoved(extra.uid(), extra.spec().keeperUid(),
                    "more than " + limit + " standbys (maxStandbys)"));
        }
    }

    /** The WAL position where a segment file starts (16 MiB segments). */
    static long walFileStart(String walFile) {
        long log = Long.parseLong(walFile.substring(8, 16), 16);
        long seg = Long.parseLong(walFile.substring(16, 24), 16);
        return (log << 32) + seg * 16L * 1024 * 1024;
    }
}
