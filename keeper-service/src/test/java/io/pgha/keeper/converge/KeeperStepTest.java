package io.pgha.keeper.converge;

import static io.pgha.keeper.converge.KeeperStepFixture.k1RunsMasterDb1;
import static io.pgha.keeper.converge.KeeperStepFixture.k1RunsStandbyDb2;
import static io.pgha.keeper.converge.KeeperStepFixture.k1RunsStandbyLeaderDb1;
import static io.pgha.keeper.converge.KeeperStepFixture.kinds;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.keeper.converge.KeeperAction.Applied;
import io.pgha.keeper.converge.KeeperAction.Initialize;
import io.pgha.keeper.converge.KeeperAction.Reload;
import io.pgha.keeper.converge.KeeperAction.Slots;
import io.pgha.keeper.converge.KeeperAction.Start;
import io.pgha.keeper.converge.KeeperAction.Stop;
import io.pgha.keeper.converge.KeeperAction.StopPurpose;
import io.pgha.keeper.converge.KeeperAction.Wait;
import io.pgha.keeper.converge.KeeperAction.WriteConfig;
import io.pgha.model.Cluster;
import io.pgha.model.DB;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The keeper's decision, scenario by scenario, without PostgreSQL: each names a situation and states what one
 * step does. Every scenario also checks that deciding left its input unchanged.
 */
class KeeperStepTest {

    private static KeeperStep.Decision decide(KeeperStepFixture f) {
        KeeperSituation s = f.situation();
        String before = s.toString();
        KeeperStep.Decision d = KeeperStep.decide(s);
        assertThat(s.toString()).as("the situation is input only").isEqualTo(before);
        return d;
    }

    private static <T extends KeeperAction> T only(KeeperStep.Decision d, Class<T> type) {
        List<T> found = d.actions().stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as(type.getSimpleName() + " in " + d.actions()).hasSize(1);
        return found.get(0);
    }

    // ---- fencing ----

    @Test
    void aRunningInstanceWithoutAssignmentIsStoppedAndReportsNothingApplied() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().unassigned());
        assertThat(kinds(d.actions())).containsExactly("Stop");
        assertThat(only(d, Stop.class).purpose()).isEqualTo(StopPurpose.FENCE);
        assertThat(d.next().appliedGeneration()).isEqualTo(-1);
    }

    @Test
    void aStoppedInstanceWithoutAssignmentStaysStopped() {
        assertThat(decide(k1RunsMasterDb1().unassigned().stopped()).actions()).isEmpty();
    }

    @Test
    void anInstanceWhoseDbWasReplacedStopsAndRebuildsTheNewOne() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().reassigned("db5", DB.InitMode.RESYNC));
        assertThat(kinds(d.actions())).containsExactly("Stop", "Initialize");
        assertThat(only(d, Stop.class).reason()).contains("its DB db2 was replaced by db5");
        assertThat(only(d, Initialize.class).mode()).isEqualTo(DB.InitMode.RESYNC);
    }

    @Test
    void aReplacedDbIsStoppedEvenBeforeTheNewInstanceIsAcknowledged() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().reassigned("db5", DB.InitMode.RESYNC).notAcknowledged());
        assertThat(kinds(d.actions())).containsExactly("Stop", "Wait");
        assertThat(d.next().appliedGeneration()).isEqualTo(-1);
    }

    // ---- initialization ----

    @Test
    void nothingIsInitializedBeforeTheSentinelAcknowledgedThisInstance() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().noLocalData().notAcknowledged());
        assertThat(only(d, Wait.class).reason()).contains("acknowledge instance i-1 before initializing");
        assertThat(d.actions()).hasSize(1);
    }

    @Test
    void initModeNewRunsInitdb() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().noLocalData());
        assertThat(only(d, Initialize.class).mode()).isEqualTo(DB.InitMode.NEW);
        assertThat(d.actions()).hasSize(1);
        assertThat(d.next()).isEqualTo(KeeperMemory.INITIAL);
    }

    @Test
    void initModeExistingAdoptsTheData() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().noLocalData().reassigned("db1", DB.InitMode.EXISTING));
        assertThat(only(d, Initialize.class).mode()).isEqualTo(DB.InitMode.EXISTING);
    }

    @Test
    void initModeNoneAdoptsTheDataOfARestartedKeeper() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().noLocalData().reassigned("db1", DB.InitMode.NONE));
        assertThat(only(d, Initialize.class).mode()).isEqualTo(DB.InitMode.NONE);
    }

    @Test
    void aNewStandbyIsResyncedFromItsPrimary() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().noLocalData());
        assertThat(only(d, Initialize.class).mode()).isEqualTo(DB.InitMode.RESYNC);
        assertThat(only(d, Initialize.class).reason()).isEqualTo("no local DB");
    }

    @Test
    void anInterruptedInitializationIsRedone() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().local("db2", false).stopped());
        assertThat(only(d, Initialize.class).reason()).contains("did not finish");
    }

    // ---- starting ----

    @Test
    void aStoppedInstanceIsNotStartedBeforeTheSentinelAcknowledgedThisInstance() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().stopped().notAcknowledged());
        assertThat(only(d, Wait.class).reason()).contains("before starting PostgreSQL");
        assertThat(d.actions()).hasSize(1);
    }

    @Test
    void aPausedClusterGetsNoRestartOfACrashedInstance() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().stopped().paused());
        assertThat(only(d, Wait.class).reason()).contains("the cluster is paused");
    }

    @Test
    void aCrashedAsynchronousMasterIsRestartedWithClientsLetIn() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().stopped());
        assertThat(kinds(d.actions())).containsExactly("WriteConfig", "Start");
        assertThat(only(d, Start.class).syncGateClosed()).isFalse();
        assertThat(only(d, Start.class).waitReady()).as("dbWaitReadyTimeout's default").hasSeconds(60);
        assertThat(only(d, WriteConfig.class).files().standbySignal()).as("a stopped master has no standby.signal")
                .isFalse();
    }

    @Test
    void aStartWaitsForPostgreSqlAsLongAsTheSpecsDbWaitReadyTimeout() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().clusterSpec("{\"dbWaitReadyTimeout\":\"5m\"}").stopped());
        assertThat(only(d, Start.class).waitReady()).hasMinutes(5);
    }

    @Test
    void aCrashedSynchronousMasterRestartsWithClientsKeptOutUntilItsStandbysAreBack() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().synchronous("db2").stopped());
        assertThat(only(d, Start.class).syncGateClosed()).isTrue();
        assertThat(d.next().syncGateClosed()).isTrue();
        assertThat(only(d, WriteConfig.class).files().pgHba()).isNotEqualTo(
                decide(k1RunsMasterDb1().stopped()).actions().stream().filter(WriteConfig.class::isInstance)
                        .map(a -> ((WriteConfig) a).files().pgHba()).findFirst().orElseThrow());
    }

    @Test
    void onlyPlaceholdersInTheSynchronousSetCloseNoGate() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().synchronous("pgha_placeholder_1").stopped());
        assertThat(only(d, Start.class).syncGateClosed()).isFalse();
    }

    @Test
    void aStoppedStandbyStartsWithStandbySignalAndItsPrimarysAddress() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().stopped());
        WriteConfig w = only(d, WriteConfig.class);
        assertThat(w.files().standbySignal()).isTrue();
        assertThat(w.files().postgresqlConf()).contains("host=10.0.0.2 port=5432 user=repluser")
                .contains("primary_slot_name = 'pgha_db2'").contains("application_name=db2");
        assertThat(only(d, Start.class).syncGateClosed()).isFalse();
    }

    @Test
    void aStandbyWhosePrimarysKeeperIsSilentFollowsTheAddressTheSentinelRecorded() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().followedKeeperSilentButRecordedAt("10.0.0.9", 6543)
                .stopped());
        assertThat(only(d, WriteConfig.class).files().postgresqlConf()).contains("host=10.0.0.9 port=6543");
    }

    @Test
    void anInstanceThatRunsButDoesNotAnswerYetIsLeftAlone() {
        assertThat(decide(k1RunsMasterDb1().notAnswering()).actions()).isEmpty();
    }

    // ---- roles ----

    @Test
    void anElectedMasterStillInRecoveryIsPromotedAndTheStepEnds() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().inRecovery(true).generation(4));
        assertThat(kinds(d.actions())).containsExactly("WriteConfig", "Promote");
        assertThat(only(d, WriteConfig.class).files().standbySignal()).as("promotion removes it itself").isNull();
        assertThat(d.next().appliedGeneration()).as("applied only once it runs as primary").isEqualTo(3);
        assertThat(d.lookAgain()).as("the next step, which reports the generation applied, follows at once").isTrue();
    }

    @Test
    void aStandbyRunningAsPrimaryIsDemotedAndRestartedAsStandby() {
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().inRecovery(false));
        assertThat(kinds(d.actions())).containsExactly("Stop", "ReportCleanShutdown", "WriteConfig", "Start");
        assertThat(only(d, Stop.class).purpose()).isEqualTo(StopPurpose.DEMOTE);
        assertThat(only(d, KeeperAction.ReportCleanShutdown.class).generation())
                .as("the generation it stopped for, before it restarts").isEqualTo(k1RunsStandbyDb2().situation()
                        .clusterData().dbs().get("db2").generation());
        assertThat(only(d, WriteConfig.class).files().standbySignal()).isTrue();
        assertThat(d.lookAgain()).as("a switchover waits for the next step's report as a standby").isTrue();
    }

    @Test
    void theCandidateOfASwitchoverUnderWayReportsOftenUntilItIsPromoted() {
        Cluster.Operation running = new Cluster.Operation("op-1", Cluster.Operation.Type.SWITCHOVER, "db2",
                KeeperStepFixture.T0, null, Cluster.Operation.State.RUNNING, null, "db1");
        assertThat(KeeperStep.switchoverCandidate(k1RunsStandbyDb2().operation(running).situation().clusterData(),
                "k1")).isTrue();
        assertThat(KeeperStep.switchoverCandidate(k1RunsStandbyDb2().operation(running.withState(
                Cluster.Operation.State.DONE, "new master db2")).situation().clusterData(), "k1"))
                .as("the switchover ended").isFalse();
        assertThat(KeeperStep.switchoverCandidate(k1RunsStandbyDb2().situation().clusterData(), "k1"))
                .as("no operation").isFalse();
        assertThat(KeeperStep.switchoverCandidate(k1RunsMasterDb1().operation(running).situation().clusterData(),
                "k1")).as("the old master is not the candidate").isFalse();
    }

    // ---- configuration ----

    @Test
    void aConvergedInstanceDoesNothing() {
        assertThat(decide(k1RunsMasterDb1()).actions()).isEmpty();
        assertThat(decide(k1RunsStandbyDb2()).actions()).isEmpty();
        assertThat(decide(k1RunsMasterDb1()).lookAgain()).as("nothing to follow up").isFalse();
    }

    @Test
    void aNewGenerationWithNothingToChangeIsReportedApplied() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(4));
        assertThat(kinds(d.actions())).containsExactly("Applied");
        assertThat(d.next().appliedGeneration()).isEqualTo(4);
        assertThat(d.lookAgain()).as("the instance runs as it did: the next step waits for news").isFalse();
    }

    @Test
    void changedParametersAreWrittenAndReloadedThenApplied() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(4).pgParameters(Map.of("work_mem", "8MB"))
                .filesOutdated());
        assertThat(kinds(d.actions())).containsExactly("WriteConfig", "Reload", "Applied");
        assertThat(only(d, WriteConfig.class).files().postgresqlConf()).contains("work_mem = '8MB'");
    }

    @Test
    void parametersThatNeedARestartWaitForTheSentinelsRequest() {
        // automaticPgRestart included: the sentinel orders restarts one instance at a time, the primary last.
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(4).pendingRestart("shared_buffers"));
        assertThat(kinds(d.actions())).containsExactly("Applied");
    }

    @Test
    void aRestartRequestRestartsTheInstanceOnceThenReportsTheGenerationApplied() {
        DB.Request r = DB.Request.restart("op-7");
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().generation(4).pendingRestart("shared_buffers").request(r));
        assertThat(kinds(d.actions())).containsExactly("Stop", "WriteConfig", "Start", "Applied");
        assertThat(only(d, Stop.class).purpose()).isEqualTo(StopPurpose.RESTART);
        assertThat(only(d, Stop.class).reason()).contains("op-7").contains("[shared_buffers]");
        assertThat(d.next().handledRequest()).isEqualTo(r);
        KeeperStep.Decision again = decide(k1RunsStandbyDb2().generation(4).request(r).handled(r));
        assertThat(kinds(again.actions())).doesNotContain("Stop", "Start");
    }

    @Test
    void aRestartRequestOfAStoppedInstanceIsCarriedOutByStartingIt() {
        DB.Request r = DB.Request.restart("op-7");
        KeeperStep.Decision d = decide(k1RunsStandbyDb2().request(r).stopped());
        assertThat(kinds(d.actions())).containsExactly("WriteConfig", "Start");
        assertThat(d.next().handledRequest()).isEqualTo(r);
    }

    @Test
    void aRestartedSynchronousMasterClosesTheGate() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().synchronous("db2").pendingRestart("max_connections")
                .request(DB.Request.restart("op-7")));
        assertThat(only(d, Start.class).syncGateClosed()).isTrue();
    }

    @Test
    void noRestartWhileThePauseLastsAndTheGenerationStaysUnapplied() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(4).paused().pendingRestart("shared_buffers")
                .request(DB.Request.restart("op-7")));
        assertThat(kinds(d.actions())).containsExactly("Wait");
        assertThat(d.next().handledRequest()).isNull();
    }

    @Test
    void aChangedFileIsReloadedFirstAndARequestedRestartWaitsForTheNextStep() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(4).filesOutdated().pendingRestart("shared_buffers")
                .request(DB.Request.restart("op-7")));
        assertThat(kinds(d.actions())).containsExactly("WriteConfig", "Reload");
        assertThat(d.next().handledRequest()).isNull();
    }

    @Test
    void aReloadRequestReloadsOnceAndReportsTheGenerationApplied() {
        DB.Request r = DB.Request.reload("op-8");
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(4).request(r));
        assertThat(kinds(d.actions())).containsExactly("Reload", "Applied");
        assertThat(only(d, Reload.class).reason()).contains("op-8");
        assertThat(kinds(decide(k1RunsMasterDb1().generation(4).request(r).handled(r)).actions()))
                .containsExactly("Applied");
    }

    @Test
    void theGateOpensOnceEverySynchronousStandbyIsInSync() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().synchronous("db2").memory(3, true).inSync("db2"));
        assertThat(kinds(d.actions())).containsExactly("OpenSyncGate", "WriteConfig", "Reload");
        assertThat(d.next().syncGateClosed()).isFalse();
    }

    @Test
    void theGateStaysClosedWhileASynchronousStandbyIsMissing() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().synchronous("db2", "db3").memory(3, true).inSync("db2"));
        assertThat(d.actions()).isEmpty();
        assertThat(d.next().syncGateClosed()).isTrue();
    }

    @Test
    void aFencedPrimaryKeepsItsFenceBlockInEveryFileItWrites() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().writesFenced().pgParameters(Map.of("work_mem", "8MB"))
                .filesOutdated());
        assertThat(only(d, WriteConfig.class).files().postgresqlConf()).contains("# pgha: writes fenced");
    }

    // ---- replication slots ----

    @Test
    void aMasterCreatesASlotForEachFollower() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().followers("db2", "db3").slots("pgha_db2"));
        assertThat(only(d, Slots.class).create()).containsExactly("pgha_db3");
        assertThat(only(d, Slots.class).drop()).isEmpty();
    }

    @Test
    void aMasterDropsTheSlotsOfFormerFollowersButNotOtherTools() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().followers("db2").slots("pgha_db2", "pgha_db3", "debezium"));
        assertThat(only(d, Slots.class).drop()).containsExactly("pgha_db3");
    }

    @Test
    void additionalReplicationSlotsAreKeptOnTheMaster() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().additionalSlots("archiver").slots());
        assertThat(only(d, Slots.class).create()).containsExactly("archiver");
    }

    @Test
    void aStandbyWithoutFollowersDropsLeftoverSlots() {
        Slots slots = only(decide(k1RunsStandbyDb2().slots("pgha_db9", "user_slot")), Slots.class);
        assertThat(slots.create()).isEmpty();
        assertThat(slots.drop()).containsExactly("pgha_db9");
    }

    @Test
    void aCascadingStandbyKeepsSlotsForItsFollowers() {
        Slots slots = only(decide(k1RunsStandbyDb2().followers("db3").slots("pgha_db9")), Slots.class);
        assertThat(slots.create()).containsExactly("pgha_db3");
        assertThat(slots.drop()).containsExactly("pgha_db9");
        assertThat(decide(k1RunsStandbyDb2().followers("db3").slots("pgha_db3")).actions()).isEmpty();
    }

    // ---- a standby cluster's leader ----

    @Test
    void aStandbyLeaderFollowsTheUpstreamWithItsPassfileSlotAndRestoreCommand() {
        KeeperStep.Decision d = decide(k1RunsStandbyLeaderDb1().stopped());
        WriteConfig w = only(d, WriteConfig.class);
        assertThat(w.files().standbySignal()).isTrue();
        assertThat(w.files().postgresqlConf())
                .contains("primary_conninfo = 'host=10.1.0.1 port=25432 user=repluser"
                        + " passfile=/var/lib/pgha/upstream-pgpass application_name=db1'")
                .contains("primary_slot_name = 'dr_site'")
                .contains("restore_command = 'cp /archive/%f %p'")
                .contains("synchronous_standby_names = ''")
                .doesNotContain("pgha_db1");
    }

    @Test
    void aNewStandbyLeaderIsClonedFromTheUpstream() {
        Initialize init = only(decide(k1RunsStandbyLeaderDb1().reassigned("db7", DB.InitMode.RESYNC)),
                Initialize.class);
        assertThat(init.mode()).isEqualTo(DB.InitMode.RESYNC);
    }

    @Test
    void aStandbyLeaderKeepsSlotsForItsFollowers() {
        Slots slots = only(decide(k1RunsStandbyLeaderDb1().followers("db2").slots()), Slots.class);
        assertThat(slots.create()).containsExactly("pgha_db2");
    }

    @Test
    void aPromotedStandbyLeaderIsPromotedAndNoLongerFollowsTheUpstream() {
        KeeperStep.Decision d = decide(k1RunsStandbyLeaderDb1().spec(s -> new DB.Spec(s.keeperUid(), DB.Role.MASTER,
                s.initMode(), null, false, List.of(), null, s.pgParameters(), s.pgHBA(), s.maxStandbys(),
                s.additionalWalSenders(), s.usePgRewind(), List.of(), s.followers(), null, null,
                s.automaticPgRestart())).generation(4));
        assertThat(kinds(d.actions())).containsExactly("WriteConfig", "Promote");
        assertThat(only(d, WriteConfig.class).files().postgresqlConf()).doesNotContain("primary_conninfo")
                .doesNotContain("10.1.0.1");
    }

    @Test
    void slotsComeBeforeTheGenerationIsReportedApplied() {
        KeeperStep.Decision d = decide(k1RunsMasterDb1().generation(5).followers("db2"));
        assertThat(kinds(d.actions())).containsExactly("Slots", "Applied");
        assertThat(only(d, Applied.class).generation()).isEqualTo(5);
    }

    // ---- resync ----

    @Test
    void theSameClusterIsRewound() {
        assertThat(ResyncMethod.choose(true, true, "7001", "7001").rewind()).isTrue();
    }

    @Test
    void anotherClustersDataIsReplacedByABaseBackup() {
        ResyncMethod m = ResyncMethod.choose(true, true, "6999", "7001");
        assertThat(m.rewind()).isFalse();
        assertThat(m.reason()).contains("differs");
    }

    @Test
    void withoutUsePgRewindItIsAlwaysABaseBackup() {
        assertThat(ResyncMethod.choose(false, true, "7001", "7001").rewind()).isFalse();
    }

    @Test
    void withoutLocalDataItIsABaseBackup() {
        assertThat(ResyncMethod.choose(true, false, null, "7001").rewind()).isFalse();
    }

    @Test
    void anUnknownSourceSystemIdIsNotGuessed() {
        assertThat(ResyncMethod.choose(true, true, "7001", null).rewind()).isFalse();
    }
}
