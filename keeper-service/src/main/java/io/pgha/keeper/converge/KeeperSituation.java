package io.pgha.keeper.converge;

import io.pgha.keeper.postgres.Observation;
import io.pgha.model.ClusterData;
import io.pgha.model.KeeperInfo;
import java.util.Map;

/**
 * Everything one keeper step decides on, read by the executor before it decides: the cluster data (validated),
 * the peers' infos, the local state file, one observation of PostgreSQL, the configuration files on disk and
 * what the previous steps left ({@link KeeperMemory}).
 *
 * @param instanceId         this keeper process's instance id (the sentinel acknowledges it before the keeper
 *                           may initialize or start anything)
 * @param postmasterRunning  the postmaster process exists (pid file and process table)
 * @param instanceParameters what initdb or an adopted instance chose (kept file)
 * @param writesFenced       the self-fence holds writes back (its own thread decides that)
 * @param confOnDisk         postgresql.conf as it is now ("" when missing)
 * @param hbaOnDisk          pg_hba.conf as it is now
 */
record KeeperSituation(ConfigSettings settings, String instanceId, ClusterData clusterData,
                       Map<String, KeeperInfo> peers, LocalState local, boolean postmasterRunning,
                       Observation observation, Map<String, String> instanceParameters, boolean writesFenced,
                       String confOnDisk, String hbaOnDisk, KeeperMemory memory) {

    KeeperSituation {
        peers = Map.copyOf(peers);
        instanceParameters = Map.copyOf(instanceParameters);
    }
}
