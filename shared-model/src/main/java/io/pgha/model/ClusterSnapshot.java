package io.pgha.model;

import java.util.Map;
import java.util.Optional;

/**
 * The cluster as seen at one moment: the cluster data and the keepers' published infos, with the facts every
 * service derives from them in one place — a keeper's live report when it reports on its current DB, else what
 * the sentinel recorded in the DB status.
 *
 * @param keepers keeper infos by keeper uid (those whose lease is alive)
 */
public record ClusterSnapshot(ClusterData clusterData, Map<String, KeeperInfo> keepers) {

    public ClusterSnapshot {
        keepers = Map.copyOf(keepers);
    }

    /** Where a PostgreSQL instance listens. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** The keeper's live report on {@code db}, when its keeper reports on that DB (not on an older one). */
    public Optional<KeeperInfo.PostgresState> report(DB db) {
        return KeeperInfo.reportOn(keepers.get(db.spec().keeperUid()), db.uid());
    }

    /** Where {@code db} listens: as its keeper reports now, else as the sentinel last recorded. */
    public Optional<Address> address(DB db) {
        KeeperInfo.PostgresState pg = report(db).orElse(null);
        if (pg != null && pg.listenAddress() != null && pg.port() != null) {
            return Optional.of(new Address(pg.listenAddress(), pg.port()));
        }
        if (db.status().listenAddress() != null && db.status().port() != null) {
            return Optional.of(new Address(db.status().listenAddress(), db.status().port()));
        }
        return Optional.empty();
    }

    /** {@code db}'s system identifier: live, else recorded (null when neither knows). */
    public String systemId(DB db) {
        return report(db).map(KeeperInfo.PostgresState::systemId).orElse(db.status().systemId());
    }

    /**
     * {@code db}'s WAL position: as a primary the furthest of its live report and the recorded one, as a
     * standby what its keeper reports replayed; the recorded position when its keeper reports nothing on it.
     */
    public long walPosition(DB db, boolean asPrimary) {
        return report(db).map(pg -> asPrimary ? Math.max(pg.walPosition(), db.status().walPosition())
                : pg.replayedWalPosition()).orElse(db.status().walPosition());
    }

    /** The elected master's WAL position, or 0 without a master. */
    public long primaryPosition() {
        return master().map(db -> walPosition(db, true)).orElse(0L);
    }

    /** The elected master's DB. */
    public Optional<DB> master() {
        return clusterData.masterDb();
    }

    /**
     * How far a standby's replayed position is behind the elected master's WAL position, as the cluster knows
     * them (live, else recorded): 0 at or ahead of it; empty without a master.
     */
    public Optional<Long> lag(long replayedPosition) {
        return master().map(m -> Math.max(0, walPosition(m, true) - replayedPosition));
    }

    /**
     * Like {@link #lag(long)}, but only against a master whose keeper reports it running as a primary now: what a
     * keeper's health probe may promise a load balancer (a standby of a master that is down is not "within N
     * bytes of the master"). A standby cluster's standby leader runs in recovery: running is enough there.
     */
    public Optional<Long> liveLag(long replayedPosition) {
        return master().filter(m -> report(m).filter(pg -> pg.healthy()
                        && (!pg.inRecovery() || m.spec().role() == DB.Role.STANDBY)).isPresent())
                .flatMap(m -> lag(replayedPosition));
    }
}
