package io.pgha.keeper.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.keeper.backup.BackupPlanner.Act;
import io.pgha.keeper.backup.BackupPlanner.Decision;
import io.pgha.model.BackupConfig;
import io.pgha.model.BackupConfig.Type;
import io.pgha.model.Backups;
import io.pgha.model.JsonCodec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One scenario per branch of {@link BackupPlanner}; every scenario also checks its input is left unchanged. */
class BackupPlannerTest {
    static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");
    static final Optional<BackupConfig> CONFIGURED = Optional.of(new BackupConfig("pgbackrest",
            Map.of("repo1-path", "/b"), null));

    static Optional<BackupConfig> scheduled(String full, String diff, String incr) {
        return Optional.of(new BackupConfig("pgbackrest", Map.of(), new BackupConfig.Schedule(full, diff, incr)));
    }

    static Backups requested(Type type) {
        return Backups.empty().withCurrent(Backups.Run.requested("b1", type, Backups.Trigger.API, T0.minusSeconds(1)));
    }

    static Backups runningOn(String keeper) {
        return Backups.empty().withCurrent(Backups.Run.requested("b1", Type.FULL, Backups.Trigger.API, T0)
                .startedBy(keeper, T0));
    }

    /** Decides and checks that the document it was given is unchanged (it is immutable, but its JSON must be too). */
    static Decision decide(Backups doc, Optional<BackupConfig> config, boolean master, String runningHere, Instant now) {
        String before = JsonCodec.write(doc);
        Decision d = BackupPlanner.decide(doc, config, "k1", master, runningHere, now);
        assertThat(JsonCodec.write(doc)).isEqualTo(before);
        return d;
    }

    @Test
    void theMastersKeeperClaimsARequestedBackup() {
        Decision d = decide(requested(Type.INCR), CONFIGURED, true, null, T0);
        assertThat(d.act()).isEqualTo(Act.START);
        assertThat(d.next().current().keeperUid()).isEqualTo("k1");
        assertThat(d.next().current().startedAt()).isEqualTo(T0);
        assertThat(d.next().current().type()).isEqualTo(Type.INCR);
    }

    @Test
    void aStandbysKeeperLeavesARequestToTheMaster() {
        Decision d = decide(requested(Type.FULL), CONFIGURED, false, null, T0);
        assertThat(d.act()).isEqualTo(Act.NONE);
        assertThat(d.next()).isEqualTo(requested(Type.FULL));
    }

    @Test
    void aKeeperThatIsNoLongerTheMastersCancelsItsBackup() {
        Decision d = decide(runningOn("k1"), CONFIGURED, false, "b1", T0);
        assertThat(d.act()).isEqualTo(Act.CANCEL);
        assertThat(d.reason()).contains("no longer the writable master");
    }

    @Test
    void aBackupWhoseRunWasClosedInTheStoreIsCancelled() {
        Decision d = decide(Backups.empty(), CONFIGURED, true, "b1", T0);
        assertThat(d.act()).isEqualTo(Act.CANCEL);
    }

    @Test
    void theBackupRunningHereGoesOn() {
        Decision d = decide(runningOn("k1"), CONFIGURED, true, "b1", T0.plusSeconds(30));
        assertThat(d.act()).isEqualTo(Act.NONE);
        assertThat(d.next()).isEqualTo(runningOn("k1"));
    }

    @Test
    void aNewMasterClosesTheRunOfTheOldPrimarysKeeperAsInterrupted() {
        Decision d = decide(runningOn("k2"), CONFIGURED, true, null, T0.plusSeconds(30));
        assertThat(d.act()).isEqualTo(Act.NONE);
        assertThat(d.next().current()).isNull();
        assertThat(d.next().last().outcome()).isEqualTo(Backups.Outcome.INTERRUPTED);
        assertThat(d.next().last().error()).contains("k2").contains("failover");
    }

    @Test
    void aRunOfThisKeeperThatItDoesNotRunAnyMoreWasCutByARestart() {
        Decision d = decide(runningOn("k1"), CONFIGURED, true, null, T0.plusSeconds(30));
        assertThat(d.next().last().outcome()).isEqualTo(Backups.Outcome.INTERRUPTED);
        assertThat(d.next().last().error()).contains("restarted");
    }

    @Test
    void aRequestWithoutBackupConfiguredFails() {
        Decision d = decide(requested(Type.FULL), Optional.empty(), true, null, T0);
        assertThat(d.act()).isEqualTo(Act.NONE);
        assertThat(d.next().current()).isNull();
        assertThat(d.next().last().outcome()).isEqualTo(Backups.Outcome.FAILED);
        assertThat(d.next().last().error()).contains("not configured");
    }

    @Test
    void aNewScheduleIsDueAtItsNextTimeNotAtOnce() {
        Decision d = decide(Backups.empty(), scheduled("0 1 * * 0", null, "0 * * * *"), true, null, T0);
        assertThat(d.act()).isEqualTo(Act.NONE);
        assertThat(d.next().scheduled()).containsOnlyKeys("full", "incr");
        assertThat(d.next().scheduled().get("incr").next()).isEqualTo(Instant.parse("2026-12-02T11:00:00Z"));
        assertThat(d.next().scheduled().get("full").next()).isEqualTo(Instant.parse("2026-12-06T01:00:00Z"));
    }

    @Test
    void aDueSlotStartsItsBackupAndMovesOn() {
        Backups doc = decide(Backups.empty(), scheduled(null, null, "0 * * * *"), true, null, T0).next();
        Decision d = decide(doc, scheduled(null, null, "0 * * * *"), true, null, Instant.parse("2026-12-02T11:00:05Z"));
        assertThat(d.act()).isEqualTo(Act.START);
        assertThat(d.next().current().type()).isEqualTo(Type.INCR);
        assertThat(d.next().current().trigger()).isEqualTo(Backups.Trigger.SCHEDULE);
        assertThat(d.next().current().keeperUid()).isEqualTo("k1");
        assertThat(d.next().scheduled().get("incr").next()).isEqualTo(Instant.parse("2026-12-02T12:00:00Z"));
    }

    @Test
    void slotsDueTogetherTakeTheFullestBackupOnce() {
        Optional<BackupConfig> s = scheduled("0 11 * * *", "0 11 * * *", "0 * * * *");
        Backups doc = decide(Backups.empty(), s, true, null, T0).next();
        Decision d = decide(doc, s, true, null, Instant.parse("2026-12-02T11:00:00Z"));
        assertThat(d.next().current().type()).isEqualTo(Type.FULL);
        assertThat(d.next().scheduled().values()).allSatisfy(slot -> assertThat(slot.next())
                .isAfter(Instant.parse("2026-12-02T11:00:00Z")));
    }

    @Test
    void aDueSlotWaitsWhileABackupRuns() {
        Optional<BackupConfig> s = scheduled(null, null, "0 * * * *");
        Backups doc = decide(Backups.empty(), s, true, null, T0).next().withCurrent(runningOn("k1").current());
        Decision d = decide(doc, s, true, "b1", Instant.parse("2026-12-02T11:00:05Z"));
        assertThat(d.act()).isEqualTo(Act.NONE);
        assertThat(d.next().scheduled().get("incr").next()).isEqualTo(Instant.parse("2026-12-02T11:00:00Z"));
    }

    @Test
    void aChangedExpressionStartsAfreshAndARemovedOneIsForgotten() {
        Backups doc = decide(Backups.empty(), scheduled("0 1 * * 0", null, "0 * * * *"), true, null, T0).next();
        Decision d = decide(doc, scheduled("30 2 * * *", null, null), true, null, T0.plusSeconds(60));
        assertThat(d.next().scheduled()).containsOnlyKeys("full");
        assertThat(d.next().scheduled().get("full")).isEqualTo(new Backups.Slot("30 2 * * *",
                Instant.parse("2026-12-03T02:30:00Z")));
    }

    @Test
    void backupsNoLongerConfiguredDropTheSchedule() {
        Backups doc = decide(Backups.empty(), scheduled(null, null, "0 * * * *"), true, null, T0).next();
        assertThat(decide(doc, Optional.empty(), true, null, T0).next().scheduled()).isEmpty();
    }

    @Test
    void aFinishedRunBecomesTheLastAndTheCatalogueIsReplaced() {
        Backups.Run run = runningOn("k1").current();
        Backups.BackupSet set = new Backups.BackupSet("20261202-100000F", Type.FULL, null, T0, T0.plusSeconds(9),
                "000000010000000000000002", "000000010000000000000003", "0/2000028", "0/3000050", 100, 10);
        Backups done = BackupPlanner.finish(runningOn("k1"), run, Backups.Outcome.SUCCEEDED, set.label(), null,
                T0.plusSeconds(10), List.of(set));
        assertThat(done.current()).isNull();
        assertThat(done.last().outcome()).isEqualTo(Backups.Outcome.SUCCEEDED);
        assertThat(done.last().label()).isEqualTo("20261202-100000F");
        assertThat(done.catalog()).containsExactly(set);
        assertThat(done.newest(Type.FULL)).contains(set);
    }

    @Test
    void aRunClosedMeanwhileOnlyRefreshesTheCatalogue() {
        Backups closed = Backups.empty().finished(runningOn("k1").current().ended(Backups.Outcome.INTERRUPTED, T0,
                null, "failover"));
        Backups done = BackupPlanner.finish(closed, runningOn("k1").current(), Backups.Outcome.SUCCEEDED, "x", null,
                T0.plusSeconds(10), List.of());
        assertThat(done.last().outcome()).isEqualTo(Backups.Outcome.INTERRUPTED);
        assertThat(done.catalogAt()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void theDocumentSurvivesItsJson() {
        Backups doc = decide(requested(Type.DIFF), scheduled(null, "0 3 * * *", null), true, null, T0).next();
        assertThat(JsonCodec.read(JsonCodec.write(doc), Backups.class, "backups")).isEqualTo(doc);
        assertThat(JsonCodec.write(doc)).contains("\"type\":\"diff\"").contains("\"trigger\":\"api\"");
    }

    @Test
    void afterAPromotionTheOldTimelinesSegmentsBeforeTheBranchAreArchivedButNotRecycledFiles() {
        List<String> pgWal = List.of("000000010000000000000005", "000000010000000000000006",
                "000000010000000000000007.partial", "00000002.history", "000000020000000000000007",
                "000000020000000000000008", "00000001000000000000000A", "archive_status", "000000010000000000000004");
        assertThat(BackupAgent.segmentsBeforeTimeline(pgWal, 2)).containsExactly("000000010000000000000004",
                "000000010000000000000005", "000000010000000000000006");
        assertThat(BackupAgent.segmentsBeforeTimeline(pgWal, 1)).isEmpty();
        assertThat(BackupAgent.segmentsBeforeTimeline(List.of("000000010000000000000005"), 2)).isEmpty();
    }
}
