package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.ClusterHistory;
import io.pgha.model.ClusterSpec;
import io.pgha.model.DB;
import io.pgha.model.Durations;
import io.pgha.model.Keeper;
import io.pgha.model.PgParameters;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Phase 3a, while the cluster is initializing: assigns the first master (the chosen keeper for
 * {@code initMode=existing}, else the healthy keeper of highest priority, which initdb's or, for
 * {@code initMode=pitr}, restores it — never the one instead of the other), declares the cluster normal once it
 * converged, and drops it when it did not initialize within initTimeout so that another keeper may try.
 */
final class Initialization {
    private Initialization() {
    }

    static void apply(PlanContext c) {
        String master = c.cd().cluster().status().master();
        if (master == null || !c.cd().dbs().containsKey(master)) {
            assignFirstMaster(c);
            return;
        }
        DB db = c.cd().dbs().get(master);
        if (db.converged() && db.status().healthy()) {
            c.set(c.cd().withCluster(c.cd().cluster().withStatus(c.cd().cluster().status()
                    .withPhase(Cluster.Phase.NORMAL))));
            mergeInstanceParameters(c, db);
            c.event(new PlanEvent.MasterElected(ClusterHistory.Reason.INIT, null, null, db.uid(),
                    db.spec().keeperUid(), db.status().timelineId(), db.status().walPosition(),
                    null, db.spec().role() == DB.Role.MASTER ? "cluster initialized"
                    : "standby cluster initialized: its standby leader follows the upstream"));
        } else if (c.usable(db.changeTime()).compareTo(c.spec().initTimeout()) > 0) {
            c.set(c.cd().withoutDb(db.uid()).withCluster(c.cd().cluster().withStatus(c.cd().cluster().status()
                    .withMaster(null))));
            c.event(new PlanEvent.DbRemoved(db.uid(), db.spec().keeperUid(), "initialization did not finish"
                    + " within initTimeout " + Durations.format(c.spec().initTimeout())));
        }
    }

    private static void assignFirstMaster(PlanContext c) {
        boolean existing = c.spec().initMode() == ClusterSpec.InitMode.EXISTING;
        Optional<Keeper> chosen = existing
                ? Optional.ofNullable(c.cd().keepers().get(c.spec().existingConfig().keeperUid()))
                        .filter(k -> k.status().healthy())
                : c.eligibleKeepers().stream().filter(k -> k.spec().priority() > 0).findFirst();
        if (chosen.isEmpty()) {
            c.setMessage("initializing: waiting for a healthy keeper to become the first master");
            return;
        }
        // A standby cluster's first leader is a base backup of the upstream (validation allows initMode new only).
        DB.InitMode mode = c.spec().role() == ClusterSpec.Role.STANDBY ? DB.InitMode.RESYNC
                : existing ? DB.InitMode.EXISTING
                : c.spec().initMode() == ClusterSpec.InitMode.PITR ? DB.InitMode.PITR : DB.InitMode.NEW;
        DB db = new DB(c.ids.next(), 1, c.now, c.leaderSpec(chosen.get().uid(), mode, List.of(), List.of()), null);
        c.set(c.cd().withDb(db).withCluster(c.cd().cluster().withStatus(c.cd().cluster().status()
                .withMaster(db.uid()).withMessage(null))));
        c.event(new PlanEvent.DbAssigned(db.uid(), chosen.get().uid(), db.spec().role() == DB.Role.MASTER
                ? "first master (" + mode + ")" : "first standby leader (base backup of the upstream)"));
    }

    /**
     * With {@code mergePgParameters}, what initdb (or the adopted instance) chose becomes part of the spec, under
     * the operator's own values, so that every standby runs with the same settings.
     */
    private static void mergeInstanceParameters(PlanContext c, DB master) {
        if (!c.spec().mergePgParameters() || master.status().pgParameters().isEmpty()) {
            return;
        }
        Map<String, String> instance = new java.util.LinkedHashMap<>(master.status().pgParameters());
        if (c.spec().backup().isPresent()) {
            // With built-in backups each keeper sets archiving itself, through its own pgBackRest configuration:
            // the first master's would be another keeper's path in the spec (and validation refuses it there).
            instance.keySet().removeAll(PgParameters.ARCHIVING);
        }
        Map<String, String> merged = PgParameters.mergeUnder(instance, c.spec().pgParameters());
        if (!merged.equals(c.spec().pgParameters())) {
            c.set(c.cd().withCluster(c.cd().cluster().withSpec(c.cd().cluster().spec().withPgParameters(merged),
                    c.now)));
            c.event(new PlanEvent.Info("merged the first master's parameters into the spec: " + merged.keySet()));
        }
    }
}
