package io.pgha.keeper.converge;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.KeeperInfo;
import java.util.Map;
import java.util.Optional;

/** Where the DB a standby follows is: from its keeper's published info (fresh), else the DB status the sentinel kept. */
record Source(String host, int port, String systemId) {

    static Optional<Source> of(DB db, ClusterData cd, Map<String, KeeperInfo> peers) {
        if (db.spec().followConfig() == null || db.spec().followConfig().dbUid() == null) {
            return Optional.empty();
        }
        DB followed = cd.dbs().get(db.spec().followConfig().dbUid());
        if (followed == null) {
            return Optional.empty();
        }
        KeeperInfo info = peers.get(followed.spec().keeperUid());
        if (info != null && info.postgres() != null && info.postgres().listenAddress() != null
                && info.postgres().port() != null) {
            String systemId = info.postgres().systemId() != null ? info.postgres().systemId()
                    : followed.status().systemId();
            return Optional.of(new Source(info.postgres().listenAddress(), info.postgres().port(), systemId));
        }
        if (followed.status().listenAddress() != null && followed.status().port() != null) {
            return Optional.of(new Source(followed.status().listenAddress(), followed.status().port(),
                    followed.status().systemId()));
        }
        return Optional.empty();
    }
}
