package io.pgha.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The derived facts every service reads: live keeper report first, the sentinel's record otherwise. */
class ClusterSnapshotTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static DB db(String uid, String keeper, DB.Role role, String recordedHost, long recordedWal) {
        DB.Spec spec = new DB.Spec(keeper, role, DB.InitMode.NEW, null, false, List.of(), null, Map.of(), List.of(), 0, 0,
                false, List.of(), List.of(), null, null, false);
        DB.Status status = new DB.Status(true, 1, recordedHost, recordedHost == null ? null : 5432, "rec-sys", 1,
                recordedWal, null, null, null, null, null, null);
        return new DB(uid, 1, T0, spec, status);
    }

    private static KeeperInfo report(String keeper, String dbUid, String host, long wal, long replayed) {
        return new KeeperInfo(keeper, "c1", "i", T0, 1, false, new KeeperInfo.PostgresState(dbUid, 1, true, true,
                replayed > 0, "live-sys", 1, List.of(), wal, replayed, replayed, List.of(), host, 6000, "15",
                Map.of(), null, false, true));
    }

    private static ClusterSnapshot snapshot(Map<String, KeeperInfo> infos, DB... dbs) {
        Map<String, DB> m = new java.util.TreeMap<>();
        for (DB d : dbs) {
            m.put(d.uid(), d);
        }
        Cluster cluster = new Cluster("c1", 1, T0, ClusterSpec.empty(), new Cluster.Status(Cluster.Phase.NORMAL,
                "db1", false, null));
        return new ClusterSnapshot(new ClusterData(ClusterData.FORMAT_VERSION, cluster, Map.of(), m, Proxy.empty()),
                infos);
    }

    @Test
    void aLiveReportWinsOverTheRecordedStatus() {
        DB master = db("db1", "k1", DB.Role.MASTER, "10.0.0.1", 500);
        ClusterSnapshot s = snapshot(Map.of("k1", report("k1", "db1", "10.0.0.9", 800, 0)), master);
        assertThat(s.address(master)).contains(new ClusterSnapshot.Address("10.0.0.9", 6000));
        assertThat(s.systemId(master)).isEqualTo("live-sys");
        assertThat(s.primaryPosition()).isEqualTo(800);
    }

    @Test
    void withoutAReportOnThatDbTheRecordedStatusIsUsed() {
        DB master = db("db1", "k1", DB.Role.MASTER, "10.0.0.1", 500);
        // k1 still reports on the DB it ran before (a stale report) — not on db1.
        ClusterSnapshot s = snapshot(Map.of("k1", report("k1", "db0", "10.0.0.9", 900, 0)), master);
        assertThat(s.report(master)).isEmpty();
        assertThat(s.address(master).map(Object::toString)).contains("10.0.0.1:5432");
        assertThat(s.systemId(master)).isEqualTo("rec-sys");
        assertThat(s.primaryPosition()).isEqualTo(500);
        assertThat(snapshot(Map.of(), db("db1", "k1", DB.Role.MASTER, null, 0)).address(
                db("db1", "k1", DB.Role.MASTER, null, 0))).isEmpty();
    }

    @Test
    void aPrimaryKeepsTheFurthestPositionAndAStandbyReportsWhatItReplayed() {
        DB master = db("db1", "k1", DB.Role.MASTER, "10.0.0.1", 900);
        DB standby = db("db2", "k2", DB.Role.STANDBY, "10.0.0.2", 100);
        ClusterSnapshot s = snapshot(Map.of("k1", report("k1", "db1", "10.0.0.1", 700, 0),
                "k2", report("k2", "db2", "10.0.0.2", 0, 650)), master, standby);
        assertThat(s.primaryPosition()).as("recorded 900 > live 700").isEqualTo(900);
        assertThat(s.walPosition(standby, false)).isEqualTo(650);
    }

    @Test
    void lagIsMeasuredAgainstTheMasterAndLiveLagOnlyAgainstOneThatRunsAsPrimary() {
        DB master = db("db1", "k1", DB.Role.MASTER, "10.0.0.1", 500);
        DB standby = db("db2", "k2", DB.Role.STANDBY, "10.0.0.2", 300);
        ClusterSnapshot live = snapshot(Map.of("k1", report("k1", "db1", "10.0.0.1", 800, 0),
                "k2", report("k2", "db2", "10.0.0.2", 0, 700)), master, standby);
        assertThat(live.lag(700)).contains(100L);
        assertThat(live.liveLag(700)).contains(100L);
        assertThat(live.lag(900)).as("ahead of the last known position").contains(0L);
        ClusterSnapshot masterSilent = snapshot(Map.of("k2", report("k2", "db2", "10.0.0.2", 0, 300)), master,
                standby);
        assertThat(masterSilent.lag(300)).as("against the recorded position").contains(200L);
        assertThat(masterSilent.liveLag(300)).as("no master running as primary now").isEmpty();
    }
}
