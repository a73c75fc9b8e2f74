package io.pgha.keeper.archive;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.model.KeeperInfo;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ArchiveWatchTest {
    private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

    private static KeeperInfo.Archiver archiver(long archived, int archivedAt, long failed, String failedWal,
                                                Integer failedAt) {
        return new KeeperInfo.Archiver("on", archived, archived == 0 ? null : "00000001000000000000000" + archived,
                archived == 0 ? null : T0.plusSeconds(archivedAt), failed, failedWal,
                failedAt == null ? null : T0.plusSeconds(failedAt));
    }

    @Test
    void theFirstLookCountsWhatPostgresAlreadyCounted() {
        ArchiveWatch.Change c = ArchiveWatch.Change.between(null, archiver(3, 10, 2, "000000010000000000000004", 20));
        assertThat(c.newFailures()).isEqualTo(2);
        assertThat(c.startedFailing()).isTrue();
    }

    @Test
    void laterLooksCountTheDifferenceAndTellStartAndRecovery() {
        KeeperInfo.Archiver ok = archiver(3, 10, 0, null, null);
        KeeperInfo.Archiver failing = archiver(3, 10, 3, "000000010000000000000004", 20);
        KeeperInfo.Archiver stillFailing = archiver(3, 10, 6, "000000010000000000000004", 80);
        KeeperInfo.Archiver recovered = archiver(4, 90, 6, "000000010000000000000004", 80);
        assertThat(ArchiveWatch.Change.between(ok, failing)).isEqualTo(new ArchiveWatch.Change(3, true, false));
        assertThat(ArchiveWatch.Change.between(failing, stillFailing))
                .isEqualTo(new ArchiveWatch.Change(3, false, false));
        assertThat(ArchiveWatch.Change.between(stillFailing, recovered))
                .isEqualTo(new ArchiveWatch.Change(0, false, true));
    }

    @Test
    void aCounterThatDroppedWasResetByACrash() {
        KeeperInfo.Archiver before = archiver(9, 10, 5, "000000010000000000000009", 5);
        KeeperInfo.Archiver afterCrash = archiver(1, 30, 1, "00000001000000000000000A", 40);
        assertThat(ArchiveWatch.Change.between(before, afterCrash).newFailures()).isEqualTo(1);
    }

    @Test
    void theWatchSumsFailuresAndKeepsTheLatestSuccess() {
        ArchiveWatch w = new ArchiveWatch();
        w.observe(null);
        w.observe(archiver(3, 10, 1, "000000010000000000000004", 5));
        w.observe(null); // an observation that did not reach PostgreSQL changes nothing
        w.observe(archiver(4, 50, 4, "000000010000000000000005", 60));
        assertThat(w.failures()).isEqualTo(4);
        assertThat(w.lastSuccess()).isEqualTo(T0.plusSeconds(50));
    }
}
