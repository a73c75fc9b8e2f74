package io.pgha.keeper.converge;

import static io.pgha.keeper.converge.KeeperStepFixture.k1RunsStandbyDb2;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.ClusterData;
import io.pgha.model.DB;
import io.pgha.model.JsonCodec;
import io.pgha.model.Keeper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Which rewrites of the cluster data run a keeper's step from its watch: a change of what it acts on does; the
 * reported state the sentinel rewrites with every keeper report does not.
 */
class WatchedPartTest {
    private final ClusterData cd = k1RunsStandbyDb2().situation().clusterData();

    private static WatchedPart part(ClusterData cd) {
        return WatchedPart.decode(JsonCodec.write(cd));
    }

    private ClusterData withDb(DB db) {
        return cd.withDb(db);
    }

    @Test
    void reportedPositionsHealthAndAppliedGenerationsDoNotConcernTheKeeper() {
        DB master = cd.dbs().get("db1");
        DB.Status s = master.status();
        DB.Status moved = new DB.Status(!s.healthy(), s.currentGeneration() + 1, s.listenAddress(), s.port(),
                s.systemId(), s.timelineId(), s.walPosition() + 8192, s.timelineHistory(), s.synchronousStandbys(),
                s.pgParameters(), s.oldestWalFile(), Instant.now(), null);
        Keeper k = cd.keepers().get("k1");
        ClusterData rewritten = withDb(master.withStatus(moved)).withKeeper(k.withStatus(new Keeper.Status(
                !k.status().healthy(), Instant.now(), k.status().instanceId(), "15.9", false)));
        assertThat(part(rewritten)).isEqualTo(part(cd));
    }

    @Test
    void aSpecChangeANewMasterAnAcknowledgementOrAnAddressDoes() {
        DB standby = cd.dbs().get("db2");
        DB master = cd.dbs().get("db1");
        DB.Status s = master.status();
        Keeper k = cd.keepers().get("k1");
        assertThat(part(withDb(standby.withSpec(standby.spec().withFollowers(java.util.List.of("db9")),
                Instant.now())))).as("its DB's spec").isNotEqualTo(part(cd));
        assertThat(part(cd.withCluster(cd.cluster().withStatus(cd.cluster().status().withMaster("db2")))))
                .as("the master").isNotEqualTo(part(cd));
        assertThat(part(cd.withKeeper(k.withStatus(new Keeper.Status(true, null, "another-instance", null, false)))))
                .as("the instance the sentinel acknowledged").isNotEqualTo(part(cd));
        assertThat(part(withDb(master.withStatus(new DB.Status(s.healthy(), s.currentGeneration(), "10.9.9.9",
                s.port(), s.systemId(), s.timelineId(), s.walPosition(), s.timelineHistory(), s.synchronousStandbys(),
                s.pgParameters(), s.oldestWalFile(), s.notConvergedSince(), null)))))
                .as("the address its primary was seen at").isNotEqualTo(part(cd));
    }

    @Test
    void aDocumentThatDoesNotDecodeHasNoPart() {
        assertThat(WatchedPart.decode("{not json")).isNull();
    }
}
