package io.pgha.keeper.backup;

import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The backups' decisions, a pure function: {@code (backups document, backup spec, this keeper, clock) → next
 * document + what this keeper does}. Only the keeper of the confirmed, writable master takes backups, one at a
 * time: it claims a requested backup by writing itself into the document (compare-and-swap, so two keepers never
 * both claim it), requests the scheduled ones when they are due, and closes a run whose keeper is no longer the
 * primary's (failover) or was restarted, so that the next backup can start. A keeper that is not the master's
 * cancels the backup it runs. {@code BackupPlannerTest} has a scenario for every branch.
 */
final class BackupPlanner {
    private BackupPlanner() {
    }

    /** What this keeper does after writing {@code next} (when it differs from what it read). */
    enum Act {
        /** Nothing to run or stop. */
        NONE,
        /** Run {@code next.current()}: this keeper claimed it. */
        START,
        /** Stop the backup this keeper runs: it is no longer the master's, or its run was closed. */
        CANCEL
    }

    record Decision(Backups next, Act act, String reason) {
        static Decision none(Backups doc) {
            return new Decision(doc, Act.NONE, null);
        }
    }

    /**
     * @param doc         the backups document as read (empty when absent)
     * @param config      the spec's {@code backup}; empty: backups are not configured
     * @param self        this keeper's uid
     * @param master      this keeper's DB is the confirmed master and takes writes (not fenced, not recovering)
     * @param runningHere the id of the backup this keeper's pgBackRest runs now; null: none
     */
    static Decision decide(Backups doc, Optional<BackupConfig> config, String self, boolean master,
                           String runningHere, Instant now) {
        Backups.Run current = doc.current();
        if (runningHere != null && (!master || current == null || !runningHere.equals(current.id())
                || !self.equals(current.keeperUid()))) {
            return new Decision(doc, Act.CANCEL, !master ? "this keeper's DB is no longer the writable master"
                    : "the run was closed in the store (" + (current == null ? "none is current"
                    : "current is " + current.id()) + ")");
        }
        if (!master) {
            return Decision.none(doc);
        }
        if (config.isEmpty()) {
            Backups next = doc.withScheduled(Map.of());
            if (current != null) {
                next = next.finished(current.ended(Backups.Outcome.FAILED, now, null,
                        "backup is not configured (the spec has no backup)"));
            }
            return new Decision(next, Act.NONE, current != null ? "backup not configured" : null);
        }
        if (current != null && current.running()) {
            if (self.equals(current.keeperUid()) && current.id().equals(runningHere)) {
                return Decision.none(doc);
            }
            String why = self.equals(current.keeperUid())
                    ? "this keeper restarted while the backup ran"
                    : "keeper " + current.keeperUid() + " is no longer the primary's (failover) since the backup started";
            return new Decision(doc.finished(current.ended(Backups.Outcome.INTERRUPTED, now, null, why)), Act.NONE,
                    "backup " + current.id() + " interrupted: " + why);
        }
        Map<String, Backups.Slot> slots = slots(doc.scheduled(), config.get().schedule(), now);
        Backups next = doc.withScheduled(slots);
        if (current != null) {
            return new Decision(next.withCurrent(current.startedBy(self, now)), Act.START,
                    current.trigger() == Backups.Trigger.API ? "requested through the API" : "scheduled");
        }
        List<BackupConfig.Type> due = new ArrayList<>();
        slots.forEach((type, slot) -> {
            if (!slot.next().isAfter(now)) {
                due.add(BackupConfig.Type.parse(type));
            }
        });
        if (due.isEmpty()) {
            return Decision.none(next);
        }
        // Several due at once (e.g. the weekly full and the hourly incr): the fullest covers the others.
        BackupConfig.Type type = due.stream().min(Enum::compareTo).orElseThrow();
        Map<String, Backups.Slot> advanced = new LinkedHashMap<>(slots);
        for (BackupConfig.Type t : due) {
            String cron = slots.get(t.label()).cron();
            advanced.put(t.label(), new Backups.Slot(cron, nextFire(cron, now)));
        }
        Backups.Run run = Backups.Run.requested("s-" + type.label() + "-" + slots.get(type.label()).next()
                .getEpochSecond(), type, Backups.Trigger.SCHEDULE, now).startedBy(self, now);
        return new Decision(next.withScheduled(advanced).withCurrent(run), Act.START,
                "scheduled " + type.label() + " backup due at " + slots.get(type.label()).next());
    }

    /**
     * The schedule's slots: one per scheduled type, due at the cron's next time after it was first seen (a new or
     * changed expression starts from now, so changing the schedule never fires a backup at once).
     */
    static Map<String, Backups.Slot> slots(Map<String, Backups.Slot> known, BackupConfig.Schedule schedule,
                                           Instant now) {
        Map<String, Backups.Slot> out = new LinkedHashMap<>();
        if (schedule == null) {
            return out;
        }
        for (BackupConfig.Type t : BackupConfig.Type.values()) {
            String cron = schedule.of(t);
            if (cron == null) {
                continue;
            }
            Backups.Slot slot = known.get(t.label());
            out.put(t.label(), slot != null && slot.cron().equals(cron) ? slot
                    : new Backups.Slot(cron, nextFire(cron, now)));
        }
        return out;
    }

    private static Instant nextFire(String cron, Instant after) {
        return BackupConfig.cron(cron).next(after.atZone(ZoneOffset.UTC)).toInstant();
    }

    /** The document once this keeper's run ended: closed if it is still current (else only the catalogue). */
    static Backups finish(Backups doc, Backups.Run run, Backups.Outcome outcome, String label, String error,
                          Instant now, List<Backups.BackupSet> catalog) {
        Backups next = catalog == null ? doc : doc.withCatalog(catalog, now);
        if (next.current() != null && next.current().id().equals(run.id())) {
            next = next.finished(run.ended(outcome, now, label, error));
        }
        return next;
    }
}
