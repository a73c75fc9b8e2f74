package io.pgha.keeper.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where a cleanly stopped primary's WAL ends, from its control data and the record pg_waldump shows. */
class ShutdownCheckpointTest {
    private static final int PAGE = 8192;
    private static final long SEGMENT = 16L * 1024 * 1024;
    // As pg_waldump prints it for PostgreSQL 15 (the end it implies, 0/1537608, is where pg_waldump found no next record).
    private static final String DUMP = "rmgr: XLOG        len (rec/tot):    114/   114, tx:          0, lsn: 0/01537590,"
            + " prev 0/015373F8, desc: CHECKPOINT_SHUTDOWN redo 0/1537590; tli 1; prev tli 1; fpw true; shutdown\n";

    private static Map<String, String> control(String state, String location) {
        Map<String, String> m = new HashMap<>();
        m.put("Database cluster state", state);
        m.put("Latest checkpoint location", location);
        m.put("Latest checkpoint's TimeLineID", "3");
        m.put("WAL block size", "8192");
        m.put("Bytes per WAL segment", "16777216");
        return m;
    }

    @Test
    void aCleanlyStoppedPrimaryEndsAfterItsShutdownCheckpointPaddedToEightBytes() {
        assertThat(ShutdownCheckpoint.of(control("shut down", "0/1537590"), DUMP))
                .contains(new ShutdownCheckpoint(3, Lsn.parse("0/1537590"), Lsn.parse("0/1537608")));
    }

    @Test
    void aStandbyAnInstanceNotStoppedCleanlyOrAnotherRecordGiveNothing() {
        assertThat(ShutdownCheckpoint.of(control("shut down in recovery", "0/1537590"), DUMP)).isEmpty();
        assertThat(ShutdownCheckpoint.of(control("in production", "0/1537590"), DUMP)).isEmpty();
        assertThat(ShutdownCheckpoint.of(control("shut down", "0/1537600"), DUMP)).as("not the latest checkpoint")
                .isEmpty();
        assertThat(ShutdownCheckpoint.of(control("shut down", "0/1537590"), DUMP.replace("CHECKPOINT_SHUTDOWN",
                "CHECKPOINT_ONLINE"))).isEmpty();
        assertThat(ShutdownCheckpoint.of(control("shut down", "0/1537590"),
                "pg_waldump: error: could not find file \"000000030000000000000001\"")).isEmpty();
    }

    @Test
    void aRecordWithinItsPageEndsAfterItsPaddedLength() {
        assertThat(ShutdownCheckpoint.recordEnd(0x1000028, 114, PAGE, SEGMENT)).isEqualTo(0x1000028 + 120);
        assertThat(ShutdownCheckpoint.recordEnd(0x1000028, 120, PAGE, SEGMENT)).isEqualTo(0x1000028 + 120);
    }

    @Test
    void aRecordEndingExactlyAtThePageEndEndsThere() {
        long start = 0x1000000 + PAGE - 120;
        assertThat(ShutdownCheckpoint.recordEnd(start, 114, PAGE, SEGMENT)).isEqualTo(0x1000000 + PAGE);
    }

    @Test
    void aRecordCrossingAPageContinuesAfterTheNextPagesShortHeader() {
        long start = 0x1000000 + PAGE - 40; // 40 bytes on this page, 80 on the next one after its header
        assertThat(ShutdownCheckpoint.recordEnd(start, 114, PAGE, SEGMENT))
                .isEqualTo(0x1000000 + PAGE + ShutdownCheckpoint.SHORT_PAGE_HEADER + 80);
    }

    @Test
    void aRecordCrossingIntoTheNextSegmentContinuesAfterItsLongHeader() {
        long start = 2 * SEGMENT - 40;
        assertThat(ShutdownCheckpoint.recordEnd(start, 114, PAGE, SEGMENT))
                .isEqualTo(2 * SEGMENT + ShutdownCheckpoint.LONG_PAGE_HEADER + 80);
    }
}
