package io.pgha.keeper.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import io.pgha.model.ClusterSpec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackupCatalogTest {
    /** What pgBackRest 2.45 printed for a stanza with a full and an incremental backup (one damaged one added). */
    static final String INFO = """
            [{"archive":[{"database":{"id":1,"repo-key":1},"id":"15-1","max":"000000010000000000000005",
            "min":"000000010000000000000001"}],"backup":[{"archive":{"start":"000000010000000000000002",
            "stop":"000000010000000000000003"},"backrest":{"format":5,"version":"2.45"},"database":{"id":1,
            "repo-key":1},"error":false,"info":{"delta":23213813,"repository":{"delta":3062584,"size":3062584},
            "size":23213813},"label":"20261202-153413F","lsn":{"start":"0/2000028","stop":"0/3000050"},"prior":null,
            "reference":null,"timestamp":{"start":1796225653,"stop":1796225657},"type":"full"},{"archive":{"start":
            "000000010000000000000004","stop":"000000010000000000000005"},"backrest":{"format":5,"version":"2.45"},
            "database":{"id":1,"repo-key":1},"error":false,"info":{"delta":8457,"repository":{"delta":430,
            "size":3062584},"size":23213812},"label":"20261202-153413F_20261202-153418I","lsn":{"start":"0/4000028",
            "stop":"0/5000050"},"prior":"20261202-153413F","reference":["20261202-153413F"],"timestamp":{"start":
            1796225658,"stop":1796225659},"type":"incr"},{"error":true,"label":"20261202-160000F","type":"full",
            "timestamp":{"start":1796227200,"stop":1796227300}}],"cipher":"none","name":"demo","status":{"code":0,
            "message":"ok"}},{"name":"other","backup":[{"label":"x","type":"full","timestamp":{"start":1,"stop":2}}]}]
            """;

    @Test
    void theStanzasBackupsAreReadWithoutDamagedOnes() {
        List<Backups.BackupSet> sets = BackupCatalog.parse(INFO, "demo");
        assertThat(sets).hasSize(2);
        assertThat(sets.get(0)).isEqualTo(new Backups.BackupSet("20261202-153413F", BackupConfig.Type.FULL, null,
                Instant.ofEpochSecond(1796225653), Instant.ofEpochSecond(1796225657), "000000010000000000000002",
                "000000010000000000000003", "0/2000028", "0/3000050", 23213813, 3062584));
        assertThat(sets.get(1).type()).isEqualTo(BackupConfig.Type.INCR);
        assertThat(sets.get(1).prior()).isEqualTo("20261202-153413F");
        assertThat(BackupCatalog.parse("[]", "demo")).isEmpty();
    }

    static ClusterSpec.PitrConfig target(String time, String lsn) {
        return new ClusterSpec.PitrConfig(null, null, time, lsn, null, null, null, null,
                new BackupConfig.Restore(null, null, null));
    }

    @Test
    void aRestoreStartsFromTheNewestBackupThatEndsBeforeItsTarget() {
        List<Backups.BackupSet> sets = BackupCatalog.parse(INFO, "demo");
        // between the two backups' ends: the full one
        assertThat(BackupCatalog.forTarget(sets, target(Instant.ofEpochSecond(1796225658).toString(), null)))
                .hasValueSatisfying(b -> assertThat(b.label()).isEqualTo("20261202-153413F"));
        assertThat(BackupCatalog.forTarget(sets, target(Instant.ofEpochSecond(1796225700).toString(), null)))
                .hasValueSatisfying(b -> assertThat(b.label()).endsWith("I"));
        assertThat(BackupCatalog.forTarget(sets, target(Instant.ofEpochSecond(1796225600).toString(), null))).isEmpty();
        assertThat(BackupCatalog.forTarget(sets, target(null, "0/4000000")))
                .hasValueSatisfying(b -> assertThat(b.label()).isEqualTo("20261202-153413F"));
        assertThat(BackupCatalog.forTarget(sets, target(null, null)))
                .hasValueSatisfying(b -> assertThat(b.label()).endsWith("I"));
    }
}
