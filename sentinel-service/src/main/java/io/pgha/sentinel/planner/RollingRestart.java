package io.pgha.sentinel.planner;

import io.pgha.model.Cluster.Operation;
import io.pgha.model.Cluster.Operation.Progress;
import io.pgha.model.DB;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Phase 3b, a rolling restart (docs/api.md, Rolling restart and reload) and a reload. A restart takes one keeper at a time: it writes a restart
 * request into that DB's spec, and the step is over once the keeper reports the new generation applied (it does so
 * only after restarting), PostgreSQL is healthy and, for a standby, streams again. Before each step every healthy DB
 * must have applied the current spec. Standbys go first; then the primary, by a planned switchover to a standby that
 * has every acknowledged commit (the old primary comes back as a standby, restarted), else in place. When the spec
 * lowers a parameter a hot standby needs at least as high as its primary's ({@code max_connections} and four more),
 * the primary goes first, in place, and each standby only once it replayed past that restart: a standby cannot start
 * with less than its primary recorded. A standby cluster's standby leader is restarted in place, last.
 *
 * <p>With {@code pendingOnly} only instances whose PostgreSQL reports parameters waiting for a restart are taken;
 * keepers that are not healthy are skipped (named in the outcome). A step that does not end within
 * convergenceTimeout fails the operation; so does pausing the cluster. {@code automaticPgRestart} is a rolling
 * restart the sentinel starts itself when some instance needs one, once per spec (cluster generation): after it,
 * failed or done, the next automatic one needs a spec change (a restart that failed once would fail again, and one
 * that left a parameter pending would loop). A reload asks every healthy keeper to reload at once: reloading
 * disturbs nobody.
 */
final class RollingRestart {
    private RollingRestart() {
    }

    /**
     * The restart the sentinel starts itself for {@code automaticPgRestart} when no operation is in progress and an
     * instance needs a restart; the cluster data then holds it.
     */
    static Optional<Operation> automatic(PlanContext c, Operation last) {
        long generation = c.cd().cluster().generation();
        // One automatic restart per spec: one that failed would most likely fail again (and each attempt restarts
        // instances), and one that left a parameter pending would restart the cluster over and over.
        if (!c.spec().automaticPgRestart() || c.cd().cluster().status().paused()
                || (last != null && last.type() == Operation.Type.RESTART && last.progress() != null
                && last.progress().automatic() && Long.valueOf(generation).equals(last.progress().specGeneration()))) {
            return Optional.empty();
        }
        List<String> pending = c.cd().dbs().values().stream().filter(db -> db.status().healthy())
                .filter(c::needsRestart).map(db -> db.spec().keeperUid()).sorted().toList();
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        Operation op = new Operation("op-auto-" + c.now.toEpochMilli(), Operation.Type.RESTART, null, c.now, null,
                Operation.State.PENDING, null, null, Progress.automaticFor(generation));
        c.setOperation(op);
        c.event(new PlanEvent.OperationStep(op.id(), op.type(), "start", null, "automaticPgRestart: " + pending
                + " have parameters waiting for a restart"));
        return Optional.of(op);
    }

    static void apply(PlanContext c, Operation op) {
        if (op.state() == Operation.State.PENDING && op.scheduledAt() != null && c.now.isBefore(op.scheduledAt())) {
            return;
        }
        if (c.cd().cluster().status().paused()) {
            fail(c, op, null, "the cluster was paused: no instance is restarted in maintenance mode");
            return;
        }
        Progress p = op.progress() != null ? op.progress() : Progress.of(true, List.of(), false);
        if (p.current() != null) {
            continueStep(c, op, p);
        } else {
            nextStep(c, op, p);
        }
    }

    private static void continueStep(PlanContext c, Operation op, Progress p) {
        if (op.fromDb() != null) {
            // The primary's step is a switchover: it ends when the new master leads (the old one restarted as its
            // standby then).
            Operations.advanceSwitchover(c, op, p.currentSince()).ifPresent(outcome -> {
                if (outcome.done()) {
                    stepDone(c, op, p.finishedCurrent(c.now), "restarted as a standby of " + op.candidate()
                            + " by switchover");
                } else {
                    fail(c, op, p.current(), outcome.message());
                }
            });
            return;
        }
        Optional<DB> db = c.cd().dbOfKeeper(p.current());
        if (db.isEmpty()) {
            fail(c, op, p.current(), p.current() + " lost its DB during its restart");
            return;
        }
        if (restarted(c, db.get())) {
            Progress next = p.finishedCurrent(c.now);
            // A primary restarted before standbys (a lowered parameter): they restart once they replayed past its
            // restart, where it recorded its new values.
            stepDone(c, op, db.get().spec().role() == DB.Role.MASTER
                    ? next.replayingFirst(db.get().status().walPosition()) : next,
                    "restarted, " + (db.get().spec().leads() ? "healthy" : "streaming again"));
        } else if (c.usable(p.currentSince()).compareTo(c.spec().convergenceTimeout()) > 0) {
            fail(c, op, p.current(), p.current() + " did not " + (db.get().converged() ? "come back healthy"
                    + (db.get().spec().leads() ? "" : " and streaming") : "report the restart")
                    + " within convergenceTimeout (" + c.spec().convergenceTimeout().toSeconds() + "s)");
        }
    }

    /** The keeper applied the DB's generation with the request (it restarted), PostgreSQL is healthy, and streams. */
    private static boolean restarted(PlanContext c, DB db) {
        if (!db.converged() || !db.status().healthy()) {
            return false;
        }
        return db.spec().leads() || c.report(db).map(r -> Boolean.TRUE.equals(r.streaming())).orElse(false);
    }

    /** {@code next}: the progress with the current step finished. */
    private static void stepDone(PlanContext c, Operation op, Progress next, String how) {
        c.event(new PlanEvent.OperationStep(op.id(), op.type(), "restarted", next.done().get(next.done().size() - 1),
                how));
        c.setOperation(new Operation(op.id(), op.type(), null, op.requestedAt(), op.scheduledAt(),
                Operation.State.RUNNING, null, null, next));
        nextStep(c, c.cd().cluster().status().operation(), next);
    }

    /**
     * Parameters a hot standby must have at least as high as its primary's (PostgreSQL records the primary's values
     * in the WAL, and a standby started with less stops with "insufficient parameter settings").
     */
    static final List<String> HOT_STANDBY_MINIMUMS = List.of("max_connections", "max_worker_processes",
            "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction");

    /**
     * The spec lowers one of {@link #HOT_STANDBY_MINIMUMS} below what the primary runs with: the standbys could not
     * start with the lower value while the primary runs with the higher one, so the primary restarts first, in
     * place, and the standbys after it.
     */
    static Optional<String> lowersAStandbyMinimum(PlanContext c, DB primary) {
        for (String name : HOT_STANDBY_MINIMUMS) {
            Long wanted = integer(c.spec().pgParameters().get(name));
            Long running = integer(primary.status().pgParameters().get(name));
            if (wanted != null && running != null && wanted < running) {
                return Optional.of(name + " " + running + " → " + wanted);
            }
        }
        return Optional.empty();
    }

    private static Long integer(String value) {
        try {
            return value == null ? null : Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void nextStep(PlanContext c, Operation op, Progress p) {
        // Before each step, every healthy DB applies the current spec first: which instances have parameters pending
        // is known only then, and a standby that is not converged is no switchover candidate. At most
        // convergenceTimeout (a DB that never converges is the failover logic's to handle, not a reason to hang).
        List<String> unsettled = c.cd().dbs().values().stream().filter(db -> db.status().healthy())
                .filter(db -> !db.converged()).map(db -> db.spec().keeperUid()).sorted().toList();
        Long replayFirst = p.replayBeforeStandbys();
        List<String> replaying = replayFirst == null ? List.of() : c.cd().dbs().values().stream()
                .filter(db -> !db.spec().leads() && db.status().healthy())
                .filter(db -> c.report(db).map(r -> r.replayedWalPosition() < replayFirst).orElse(true))
                .map(db -> db.spec().keeperUid()).sorted().toList();
        Instant since = p.currentSince() != null ? p.currentSince()
                : op.scheduledAt() != null && op.scheduledAt().isAfter(op.requestedAt()) ? op.scheduledAt()
                : op.requestedAt();
        if ((!unsettled.isEmpty() || !replaying.isEmpty())
                && c.usable(since).compareTo(c.spec().convergenceTimeout()) <= 0) {
            String waiting = !unsettled.isEmpty() ? "waiting for " + unsettled + " to apply the current spec"
                    : "waiting for " + replaying + " to replay the primary's restart (at " + p.replayBeforeStandbys()
                    + ")";
            if (op.state() != Operation.State.RUNNING || !waiting.equals(op.message()) || !p.equals(op.progress())) {
                c.setOperation(new Operation(op.id(), op.type(), null, op.requestedAt(), op.scheduledAt(),
                        Operation.State.RUNNING, waiting, null, p));
            }
            return;
        }
        Optional<DB> leader = c.cd().masterDb();
        // Lowering a parameter standbys need at least as high as the primary: the primary first (whether or not it
        // reported the change pending yet: its running value is the evidence), and no standby before it.
        List<String> done = p.done();
        Optional<String> lowered = leader.filter(m -> m.spec().role() == DB.Role.MASTER)
                .filter(m -> !done.contains(m.spec().keeperUid()))
                .flatMap(m -> lowersAStandbyMinimum(c, m));
        if (lowered.isPresent()) {
            DB m = leader.get();
            String k = m.spec().keeperUid();
            if (p.inScope(k) && !p.skipped().containsKey(k)) {
                if (PlanContext.ready(m)) {
                    restartInPlace(c, op, p, m, "primary first, in place: " + lowered.get()
                            + " (a standby cannot start with less than its primary runs with)");
                    return;
                }
                p = p.skipping(k, "not ready");
            }
        }
        // Standbys first, in keeper order; each must be healthy (a standby that is down restarts on its own).
        for (DB db : c.cd().dbs().values().stream().filter(d -> !d.spec().leads())
                .sorted(Comparator.comparing((DB d) -> d.spec().keeperUid())).toList()) {
            String k = db.spec().keeperUid();
            if (!p.inScope(k) || p.done().contains(k) || p.skipped().containsKey(k)
                    || (p.pendingOnly() && !c.needsRestart(db))) {
                continue;
            }
            if (!db.status().healthy()) {
                p = p.skipping(k, "not healthy");
                continue;
            }
            if (lowered.isPresent()) {
                p = p.skipping(k, "the primary must restart first (" + lowered.get() + ")");
                continue;
            }
            restartInPlace(c, op, p, db, "standby");
            return;
        }
        if (leader.isPresent() && takes(c, p, leader.get())) {
            DB m = leader.get();
            String k = m.spec().keeperUid();
            if (!PlanContext.ready(m)) {
                p = p.skipping(k, "not ready");
            } else if (m.spec().role() == DB.Role.MASTER) {
                Optional<DB> caughtUp = Candidates.of(c, m).best();
                if (caughtUp.isPresent()) {
                    DB to = caughtUp.get();
                    Progress step = p.starting(k, c.now);
                    Operations.beginSwitchover(c, m, to, new Operation(op.id(), op.type(), to.uid(),
                            op.requestedAt(), op.scheduledAt(), Operation.State.RUNNING, "switching over from "
                            + k + " to " + to.spec().keeperUid(), m.uid(), step));
                    c.event(new PlanEvent.OperationStep(op.id(), op.type(), "switchover", k, "the primary last: "
                            + to.uid() + " on " + to.spec().keeperUid() + " has every acknowledged commit"));
                    return;
                }
                restartInPlace(c, op, p, m, "primary, in place: no standby has every acknowledged commit");
                return;
            } else {
                restartInPlace(c, op, p, m, "standby leader");
                return;
            }
        }
        String outcome = (p.done().isEmpty() ? "nothing " + (p.pendingOnly() ? "needed a restart" : "to restart")
                : "restarted " + String.join(", ", p.done()))
                + (p.skipped().isEmpty() ? "" : "; skipped " + p.skipped());
        c.setOperation(new Operation(op.id(), op.type(), null, op.requestedAt(), op.scheduledAt(),
                Operation.State.DONE, outcome, null, p));
        c.event(new PlanEvent.OperationStep(op.id(), op.type(), "done", null, outcome));
    }

    private static boolean takes(PlanContext c, Progress p, DB db) {
        String k = db.spec().keeperUid();
        return p.inScope(k) && !p.done().contains(k) && !p.skipped().containsKey(k)
                && (!p.pendingOnly() || c.needsRestart(db));
    }

    private static void restartInPlace(PlanContext c, Operation op, Progress p, DB db, String what) {
        String k = db.spec().keeperUid();
        c.set(c.cd().withDb(c.update(db, db.spec().withRequest(DB.Request.restart(op.id())))));
        Progress step = p.starting(k, c.now);
        c.setOperation(new Operation(op.id(), op.type(), null, op.requestedAt(), op.scheduledAt(),
                Operation.State.RUNNING, "restarting " + k, null, step));
        c.event(new PlanEvent.OperationStep(op.id(), op.type(), "restart", k, what
                + (c.needsRestart(db) ? ", parameters waiting for a restart" : "")));
    }

    private static void fail(PlanContext c, Operation op, String keeperUid, String why) {
        c.setOperation(op.withState(Operation.State.FAILED, why));
        c.event(new PlanEvent.OperationStep(op.id(), op.type(), "failed", keeperUid, why));
    }

    /** A reload: every healthy keeper's DB asks for one at once; done once each reported it applied. */
    static void reload(PlanContext c, Operation op) {
        Progress p = op.progress() != null ? op.progress() : Progress.of(false, List.of(), false);
        if (op.state() == Operation.State.PENDING) {
            for (DB db : c.cd().dbs().values().stream().sorted(Comparator.comparing((DB d) -> d.spec().keeperUid()))
                    .toList()) {
                String k = db.spec().keeperUid();
                if (!p.inScope(k)) {
                    continue;
                }
                if (!db.status().healthy()) {
                    p = p.skipping(k, "not healthy");
                    continue;
                }
                c.set(c.cd().withDb(c.update(db, db.spec().withRequest(DB.Request.reload(op.id())))));
            }
            p = p.starting(null, c.now);
            c.setOperation(op.withProgress(p, null));
            c.event(new PlanEvent.OperationStep(op.id(), op.type(), "reload", null, "every healthy keeper reloads"
                    + (p.skipped().isEmpty() ? "" : "; skipped " + p.skipped())));
            return;
        }
        List<DB> asked = c.cd().dbs().values().stream().filter(db -> isRequestOf(db, op)).toList();
        List<String> done = asked.stream().filter(DB::converged).map(db -> db.spec().keeperUid()).sorted().toList();
        List<String> waiting = asked.stream().filter(db -> !db.converged()).map(db -> db.spec().keeperUid())
                .sorted().toList();
        Progress now = new Progress(p.pendingOnly(), p.keepers(), p.automatic(), done, null, p.currentSince(),
                p.skipped());
        if (waiting.isEmpty()) {
            String outcome = "reloaded " + String.join(", ", done) + (p.skipped().isEmpty() ? ""
                    : "; skipped " + p.skipped());
            c.setOperation(new Operation(op.id(), op.type(), null, op.requestedAt(), null, Operation.State.DONE,
                    outcome, null, now));
            c.event(new PlanEvent.OperationStep(op.id(), op.type(), "done", null, outcome));
        } else if (c.usable(p.currentSince()).compareTo(c.spec().convergenceTimeout()) > 0) {
            fail(c, new Operation(op.id(), op.type(), null, op.requestedAt(), null, op.state(), null, null, now),
                    null, waiting + " did not reload within convergenceTimeout");
        } else if (!now.equals(p)) {
            c.setOperation(op.withProgress(now, "waiting for " + waiting));
        }
    }

    private static boolean isRequestOf(DB db, Operation op) {
        return db.spec().request() != null && op.id().equals(db.spec().request().operationId());
    }

    /**
     * A DB carries a request only while its operation's step on it runs: once the step ended (or the operation
     * finished, failed, or was replaced) the request is withdrawn, so that a keeper that restarts later does not
     * carry it out again.
     */
    static void withdrawFinishedRequests(PlanContext c) {
        Operation op = c.cd().cluster().status().operation();
        for (DB db : List.copyOf(c.cd().dbs().values())) {
            DB.Request r = db.spec().request();
            if (r == null) {
                continue;
            }
            boolean live = op != null && !op.finished() && r.operationId().equals(op.id())
                    && (op.type() == Operation.Type.RELOAD
                    || (op.progress() != null && Objects.equals(op.progress().current(), db.spec().keeperUid())
                    && op.fromDb() == null));
            if (!live) {
                c.set(c.cd().withDb(c.update(db, db.spec().withRequest(null))));
            }
        }
    }
}
