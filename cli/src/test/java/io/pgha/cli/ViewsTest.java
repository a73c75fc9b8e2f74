package io.pgha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.cli.api.AdminClient;
import io.pgha.cli.format.Units;
import io.pgha.cli.format.Views;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The tables a person reads, from the admin API's documents: golden outputs. */
class ViewsTest {

    static JsonNode resource(String name) throws IOException {
        try (InputStream in = ViewsTest.class.getResourceAsStream("/" + name)) {
            return AdminClient.JSON.readTree(in);
        }
    }

    @Test
    void statusShowsTheClusterTheKeepersProxiesAndSentinels() throws IOException {
        assertThat(Views.status(resource("cluster-view.json"))).isEqualTo("""
                Cluster main  phase normal  primary k1 (db1)
                Operation switchover pending to db3 at 2026-12-05T02:00:00Z

                KEEPER  ROLE     STATE    ADDRESS          TL  LAG      SYNC  PRIO  FLAGS
                k1      primary  running  127.0.0.1:15411  2   -        -     1     -
                k2      standby  running  127.0.0.1:15412  2   0 B      sync  1     needs-restart
                k3      standby  gone     127.0.0.1:15413  2   2.1 MiB  -     0     no-failover
                  problem k3: pg_basebackup failed

                PROXY  LISTENING  UP TO DATE
                p1     yes        yes

                SENTINEL  LEADER
                s1        yes
                s2        no
                """);
    }

    @Test
    void topologyIsATreeUnderThePrimary() throws IOException {
        assertThat(Views.topology(resource("cluster-view.json"))).isEqualTo("""
                k1 (primary, running)
                └─ k2 (standby, running, sync, lag 0 B)
                   └─ k3 (standby, gone, lag 2.1 MiB)
                """);
    }

    @Test
    void aStandbyClusterSaysWhatItFollowsAndHowFarBehind() {
        JsonNode v = AdminClient.JSON.readTree("""
                {"name":"dr","phase":"normal","primary":"db9","primaryKeeper":"d1","keepers":[
                 {"uid":"d1","healthy":true,"alive":true,"role":"standby-leader","follows":"upstream","priority":1}],
                 "standbyCluster":{"primaryConninfo":"host=a port=5432 user=repluser","streaming":true,
                 "standbyLeaderLagBytes":1536}}""");
        assertThat(Views.status(v)).startsWith("""
                Cluster dr  phase normal  primary d1 (db9)
                Standby cluster of host=a port=5432 user=repluser: streaming, leader lag 1.5 KiB
                """);
        assertThat(Views.topology(v)).isEqualTo("""
                upstream host=a port=5432 user=repluser
                  d1 (standby-leader, running)
                """);
    }

    @Test
    void aRollingRestartInProgressShowsItsStepAndWhatIsDone() {
        JsonNode v = AdminClient.JSON.readTree("""
                {"name":"main","phase":"normal","primary":"db1","primaryKeeper":"k1","keepers":[],
                 "operation":{"id":"op-1","type":"restart","state":"running","message":"restarting k3",
                  "progress":{"pendingOnly":true,"keepers":[],"automatic":false,"done":["k2"],"current":"k3"}}}""");
        assertThat(Views.status(v)).startsWith("""
                Cluster main  phase normal  primary k1 (db1)
                Operation restart running: restarting k3 (restarted so far: k2)
                """);
    }

    @Test
    void historyIsOneLinePerMasterChange() {
        JsonNode h = AdminClient.JSON.readTree("""
                {"formatVersion":1,"entries":[
                 {"time":"2026-12-03T06:16:25.295Z","reason":"init","toDbUid":"db1","toKeeperUid":"k1","timelineId":1,
                  "walPosition":100663296,"why":"cluster initialized"},
                 {"time":"2026-12-03T06:16:32.843Z","reason":"failover","fromKeeperUid":"k1","toKeeperUid":"k2",
                  "timelineId":2,"walPosition":100663392,"why":"master failed"}]}""");
        assertThat(Views.history(h)).isEqualTo("""
                TIME                  REASON    FROM  TO  TL  WAL        WHY
                2026-12-03 06:16:25Z  init      -     k1  1   0/6000000  cluster initialized
                2026-12-03 06:16:32Z  failover  k1    k2  2   0/6000060  master failed
                """);
        assertThat(Views.history(AdminClient.JSON.readTree("{\"entries\":[]}"))).isEqualTo("no master changes yet\n");
    }

    @Test
    void bytesAreInBinaryUnits() {
        assertThat(Units.bytes(0)).isEqualTo("0 B");
        assertThat(Units.bytes(1023)).isEqualTo("1023 B");
        assertThat(Units.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Units.bytes(16L * 1024 * 1024)).isEqualTo("16.0 MiB");
        assertThat(Units.lsn(0x1_0000_0060L)).isEqualTo("1/60");
    }
}
