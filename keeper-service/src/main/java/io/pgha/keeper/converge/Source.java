package io.pgha.keeper.converge;

import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSnapshot;
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
        ClusterSnapshot snapshot = new ClusterSnapshot(cd, peers);
        return snapshot.address(followed).map(a -> new Source(a.host(), a.port(), snapshot.systemId(followed)));
    }
}
