package io.pgha.keeper.converge;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.Keeper;
import io.pgha.model.Proxy;
import io.pgha.store.ClusterRepository;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The part of the cluster data a keeper's step depends on, for its watch to tell a change that concerns it from one
 * that does not: the cluster (spec, master, phase, pause, operation), every DB's uid, generation and spec with the
 * address it was last seen at (a standby connects there), and every keeper's settings with the instance the sentinel
 * acknowledged. Left out are the proxies' part (the keeper has none) and what the sentinel rewrites as the keepers report: WAL positions, health, generations
 * applied, health times. Those change with every report while a client writes, and each rewrite used to run every
 * keeper's step, whose report made the sentinel rewrite again; they reach the keeper with its sleepInterval step.
 */
record WatchedPart(ClusterData relevant) {

    /** The watched part of {@code json}; null when it does not decode (the step then reports why). */
    static WatchedPart decode(String json) {
        try {
            return of(ClusterRepository.decodeValidClusterData(json, "watched cluster data"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    static WatchedPart of(ClusterData cd) {
        Map<String, DB> dbs = cd.dbs().values().stream().collect(Collectors.toMap(DB::uid, d -> d.withStatus(
                new DB.Status(false, 0, d.status().listenAddress(), d.status().port(), null, 0, 0, null, null, null,
                        null, null, null))));
        Map<String, Keeper> keepers = cd.keepers().values().stream().collect(Collectors.toMap(Keeper::uid,
                k -> k.withStatus(new Keeper.Status(false, null, k.status().instanceId(), null, false))));
        return new WatchedPart(new ClusterData(cd.formatVersion(), cd.cluster(), keepers, dbs, Proxy.empty(),
                cd.extensions()));
    }
}
