package io.pgha.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every validation rule of the cluster spec: one spec that breaks it, one that satisfies it. */
class ClusterSpecValidationTest {

    /** rule name, a spec that breaks the rule, the field reported, a spec that satisfies it. */
    static Stream<Arguments> rules() {
        return Stream.of(
                rule("bad duration", "{'sleepInterval':'abc'}", "sleepInterval", "{'sleepInterval':'500ms'}"),
                rule("zero duration", "{'requestTimeout':'0s'}", "requestTimeout", "{'requestTimeout':'1s'}"),
                rule("failInterval not above sleepInterval", "{'sleepInterval':'2s','failInterval':'2s'}",
                        "failInterval", "{'sleepInterval':'2s','failInterval':'3s'}"),
                rule("negative duration", "{'convergenceTimeout':'-5s'}", "convergenceTimeout",
                        "{'convergenceTimeout':'5s'}"),
                rule("spaced duration", "{'initTimeout':'5 m'}", "initTimeout", "{'initTimeout':'5m'}"),
                rule("empty duration", "{'syncTimeout':''}", "syncTimeout", "{'syncTimeout':'1h'}"),
                rule("unitless duration", "{'dbWaitReadyTimeout':'10'}", "dbWaitReadyTimeout",
                        "{'dbWaitReadyTimeout':'10s'}"),
                rule("unknown unit", "{'deadKeeperRemovalInterval':'1d'}", "deadKeeperRemovalInterval",
                        "{'deadKeeperRemovalInterval':'24h'}"),
                rule("proxyCheckInterval >= proxyTimeout", "{'proxyCheckInterval':'5s','proxyTimeout':'5s'}",
                        "proxyCheckInterval", "{'proxyCheckInterval':'1s','proxyTimeout':'5s'}"),
                rule("bad proxyTimeout", "{'proxyTimeout':'x'}", "proxyTimeout", "{'proxyTimeout':'10s'}"),
                rule("maxStandbys below 1", "{'maxStandbys':0}", "maxStandbys", "{'maxStandbys':1}"),
                rule("maxStandbysPerSender below 1", "{'maxStandbysPerSender':0}", "maxStandbysPerSender",
                        "{'maxStandbysPerSender':1}"),
                rule("negative maxStandbyLag", "{'maxStandbyLag':-1}", "maxStandbyLag", "{'maxStandbyLag':0}"),
                rule("negative minSynchronousStandbys", "{'minSynchronousStandbys':-1}", "minSynchronousStandbys",
                        "{'minSynchronousStandbys':0}"),
                rule("maxSynchronousStandbys below 1", "{'maxSynchronousStandbys':0,'minSynchronousStandbys':0}",
                        "maxSynchronousStandbys", "{'maxSynchronousStandbys':1,'minSynchronousStandbys':0}"),
                rule("min above max synchronous", "{'minSynchronousStandbys':3,'maxSynchronousStandbys':2}",
                        "minSynchronousStandbys", "{'minSynchronousStandbys':2,'maxSynchronousStandbys':2}"),
                rule("unknown synchronousMode", "{'synchronousReplication':true,'synchronousMode':'all'}",
                        "synchronousMode", "{'synchronousReplication':true,'synchronousMode':'first'}"),
                rule("quorum without synchronous replication", "{'synchronousMode':'quorum'}", "synchronousMode",
                        "{'synchronousMode':'quorum','synchronousReplication':true}"),
                rule("quorum of 0", "{'synchronousReplication':true,'synchronousMode':'quorum',"
                        + "'minSynchronousStandbys':0}", "minSynchronousStandbys", "{'synchronousReplication':true,"
                        + "'synchronousMode':'quorum','minSynchronousStandbys':1}"),
                rule("negative additionalWalSenders", "{'additionalWalSenders':-1}", "additionalWalSenders",
                        "{'additionalWalSenders':0}"),
                rule("bad slot name", "{'additionalMasterReplicationSlots':['ok','Bad-Name']}",
                        "additionalMasterReplicationSlots[1]", "{'additionalMasterReplicationSlots':['ok','good_1']}"),
                rule("unknown initMode", "{'initMode':'clone'}", "initMode", "{'initMode':'new'}"),
                rule("existing without existingConfig", "{'initMode':'existing'}", "existingConfig.keeperUid",
                        "{'initMode':'existing','existingConfig':{'keeperUid':'k1'}}"),
                rule("pitr without %d", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'restore'}}",
                        "pitrConfig.dataRestoreCommand",
                        "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'restore %d'}}"),
                rule("two recovery targets", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d',"
                        + "'restoreCommand':'cp %f %p','recoveryTargetXid':'77','recoveryTargetName':'x'}}",
                        "pitrConfig", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d',"
                        + "'restoreCommand':'cp %f %p','recoveryTargetXid':'77'}}"),
                rule("a target without restoreCommand", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d',"
                        + "'recoveryTargetLsn':'0/3000060'}}", "pitrConfig.restoreCommand",
                        "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d'}}"),
                rule("a time without offset", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d',"
                        + "'restoreCommand':'cp %f %p','recoveryTargetTime':'2026-12-02 14:03'}}",
                        "pitrConfig.recoveryTargetTime", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':"
                        + "'r %d','restoreCommand':'cp %f %p','recoveryTargetTime':'2026-12-02T14:03:00+01:00'}}"),
                rule("a bad LSN", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d','restoreCommand':"
                        + "'cp %f %p','recoveryTargetLsn':'3000060'}}", "pitrConfig.recoveryTargetLsn",
                        "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d','restoreCommand':'cp %f %p',"
                        + "'recoveryTargetLsn':'0/3000060'}}"),
                rule("a bad timeline", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d',"
                        + "'recoveryTargetTimeline':'newest'}}", "pitrConfig.recoveryTargetTimeline",
                        "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d','recoveryTargetTimeline':'3'}}"),
                rule("an action other than promote", "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d',"
                        + "'recoveryTargetAction':'pause'}}", "pitrConfig.recoveryTargetAction",
                        "{'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d','recoveryTargetAction':"
                        + "'promote'}}"),
                rule("newline in restoreCommand", "{'pitrConfig':{'restoreCommand':'cp\\n%f'}}",
                        "pitrConfig.restoreCommand", "{'pitrConfig':{'restoreCommand':'cp %f %p'}}"),
                rule("unknown role", "{'role':'replica'}", "role", "{'role':'master'}"),
                rule("standby cluster without primaryConninfo", "{'role':'standby','standbyConfig':{'restoreCommand':"
                        + "'cp %f %p'}}", "standbyConfig.primaryConninfo", "{'role':'standby','standbyConfig':"
                        + "{'primaryConninfo':'host=a user=repl','restoreCommand':'cp %f %p'}}"),
                rule("standby cluster without standbyConfig", "{'role':'standby'}", "standbyConfig",
                        "{'role':'standby','standbyConfig':{'primaryConninfo':'host=a'}}"),
                rule("password in primaryConninfo", "{'role':'standby','standbyConfig':{'primaryConninfo':"
                        + "'host=a user=repl password=x'}}", "standbyConfig.primaryConninfo", "{'role':'standby',"
                        + "'standbyConfig':{'primaryConninfo':'host=a user=repl'}}"),
                rule("URI primaryConninfo", "{'role':'standby','standbyConfig':{'primaryConninfo':"
                        + "'postgresql://repl@a:5432/postgres'}}", "standbyConfig.primaryConninfo", "{'role':"
                        + "'standby','standbyConfig':{'primaryConninfo':'host=a port=5432 user=repl'}}"),
                rule("standby cluster restored from a backup", "{'role':'standby','standbyConfig':{'primaryConninfo':"
                        + "'host=a'},'initMode':'pitr','pitrConfig':{'dataRestoreCommand':'r %d'}}", "initMode",
                        "{'role':'standby','standbyConfig':{'primaryConninfo':'host=a'},'initMode':'new'}"),
                rule("standby cluster with backups", "{'role':'standby','standbyConfig':{'primaryConninfo':'host=a'},"
                        + "'backup':{'tool':'pgbackrest'}}", "backup", "{'role':'standby','standbyConfig':"
                        + "{'primaryConninfo':'host=a'}}"),
                rule("standbyConfig on a master", "{'standbyConfig':{'primaryConninfo':'host=a'}}", "standbyConfig",
                        "{'role':'standby','standbyConfig':{'primaryConninfo':'host=a'}}"),
                rule("bad primarySlotName", "{'role':'standby','standbyConfig':{'primaryConninfo':'h',"
                        + "'primarySlotName':'Bad'}}", "standbyConfig.primarySlotName",
                        "{'role':'standby','standbyConfig':{'primaryConninfo':'h','primarySlotName':'good'}}"),
                rule("newline in primaryConninfo", "{'role':'standby','standbyConfig':{'primaryConninfo':"
                        + "'host=a\\nport=1'}}", "standbyConfig.primaryConninfo", "{'role':'standby',"
                        + "'standbyConfig':{'primaryConninfo':'host=a port=1'}}"),
                rule("newline in a pg parameter", "{'pgParameters':{'work_mem':'4MB\\nfsync=off'}}",
                        "pgParameters.work_mem", "{'pgParameters':{'work_mem':'4MB'}}"),
                rule("bad pg parameter name", "{'pgParameters':{'bad name':'1'}}", "pgParameters.bad name",
                        "{'pgParameters':{'auto_explain.log_min_duration':'1s'}}"),
                rule("newline in pgHBA", "{'pgHBA':['host all all 0.0.0.0/0 md5\\nhost all all ::/0 trust']}",
                        "pgHBA[0]", "{'pgHBA':['host all all 0.0.0.0/0 md5','host all all ::/0 md5']}"),
                rule("empty pgHBA line", "{'pgHBA':['  ']}", "pgHBA[0]", "{'pgHBA':['local all all peer']}"),
                rule("unknown keeperAdmission", "{'keeperAdmission':'closed'}", "keeperAdmission",
                        "{'keeperAdmission':'registered'}"),
                rule("empty encoding", "{'newConfig':{'encoding':' '}}", "newConfig.encoding",
                        "{'newConfig':{'encoding':'LATIN1'}}"),
                rule("newline in locale", "{'newConfig':{'locale':'C\\n'}}", "newConfig.locale",
                        "{'newConfig':{'locale':'C'}}"),
                rule("a parameter pgha sets", "{'pgParameters':{'port':'5433'}}", "pgParameters.port",
                        "{'pgParameters':{'max_connections':'200'}}"),
                rule("unknown archive_mode", "{'pgParameters':{'archive_mode':'yes','archive_command':'true'}}",
                        "pgParameters.archive_mode",
                        "{'pgParameters':{'archive_mode':'always','archive_command':'true'}}"),
                rule("archiving without a command", "{'pgParameters':{'archive_mode':'on'}}",
                        "pgParameters.archive_command",
                        "{'pgParameters':{'archive_mode':'on','archive_command':'cp %p /archive/%f'}}"),
                rule("a command with archiving off", "{'pgParameters':{'archive_command':'cp %p /archive/%f'}}",
                        "pgParameters.archive_command",
                        "{'pgParameters':{'archive_mode':'off'}}"),
                rule("a backup tool other than pgbackrest", "{'backup':{'tool':'barman'}}", "backup.tool",
                        "{'backup':{'tool':'pgbackrest'}}"),
                rule("a backup without its tool", "{'backup':{'options':{'repo1-path':'/b'}}}", "backup.tool",
                        "{'backup':{'tool':'pgbackrest','options':{'repo1-path':'/b'}}}"),
                rule("a secret option in the spec", "{'backup':{'tool':'pgbackrest','options':{'repo1-cipher-pass':'x'}}}",
                        "backup.options.repo1-cipher-pass", "{'backup':{'tool':'pgbackrest','options':"
                                + "{'repo1-cipher-type':'aes-256-cbc'}}}"),
                rule("an option pgha sets", "{'backup':{'tool':'pgbackrest','options':{'pg1-path':'/d'}}}",
                        "backup.options.pg1-path", "{'backup':{'tool':'pgbackrest','options':{'repo1-path':'/d'}}}"),
                rule("a restore option in backup", "{'backup':{'tool':'pgbackrest','options':{'target':'x'}}}",
                        "backup.options.target", "{'backup':{'tool':'pgbackrest','options':{'process-max':'2'}}}"),
                rule("a bad option name", "{'backup':{'tool':'pgbackrest','options':{'Repo1_Path':'/b'}}}",
                        "backup.options.Repo1_Path", "{'backup':{'tool':'pgbackrest','options':{'repo1-path':'/b'}}}"),
                rule("an empty option", "{'backup':{'tool':'pgbackrest','options':{'repo1-path':' '}}}",
                        "backup.options.repo1-path", "{'backup':{'tool':'pgbackrest','options':{'repo1-path':'/b'}}}"),
                rule("a six-field cron", "{'backup':{'tool':'pgbackrest','schedule':{'full':'0 0 1 * * *'}}}",
                        "backup.schedule.full", "{'backup':{'tool':'pgbackrest','schedule':{'full':'0 1 * * *'}}}"),
                rule("a bad cron", "{'backup':{'tool':'pgbackrest','schedule':{'incr':'61 * * * *'}}}",
                        "backup.schedule.incr", "{'backup':{'tool':'pgbackrest','schedule':{'incr':'*/15 * * * *'}}}"),
                rule("an archive_command beside backup", "{'backup':{'tool':'pgbackrest'},'pgParameters':"
                                + "{'archive_mode':'on','archive_command':'cp %p /a/%f'}}", "pgParameters.archive_command",
                        "{'backup':{'tool':'pgbackrest'},'pgParameters':{'archive_mode':'on'}}"),
                rule("archiving from standbys with backup", "{'backup':{'tool':'pgbackrest'},'pgParameters':"
                        + "{'archive_mode':'always'}}", "pgParameters.archive_mode", "{'backup':{'tool':'pgbackrest'}}"),
                rule("archiving off with backup", "{'backup':{'tool':'pgbackrest'},'pgParameters':{'archive_mode':'off'}}",
                        "pgParameters.archive_mode", "{'backup':{'tool':'pgbackrest'},'pgParameters':{}}"),
                rule("pitr from a backup with a dataRestoreCommand", "{'initMode':'pitr','pitrConfig':{'backup':{},"
                                + "'dataRestoreCommand':'r %d'}}", "pitrConfig.dataRestoreCommand",
                        "{'initMode':'pitr','pitrConfig':{'backup':{}}}"),
                rule("pitr from a backup with a restoreCommand", "{'initMode':'pitr','pitrConfig':{'backup':{},"
                                + "'restoreCommand':'cp %f %p'}}", "pitrConfig.restoreCommand",
                        "{'initMode':'pitr','pitrConfig':{'backup':{},'recoveryTargetName':'before-upgrade'}}"),
                rule("pitr from a backup with a bad label", "{'initMode':'pitr','pitrConfig':{'backup':{'set':'latest'}}}",
                        "pitrConfig.backup.set", "{'initMode':'pitr','pitrConfig':{'backup':{'set':"
                                + "'20261202-140000F_20261202-150000I'}}}"),
                rule("pitr from a backup with a secret", "{'initMode':'pitr','pitrConfig':{'backup':{'stanza':'old',"
                                + "'options':{'repo1-s3-key-secret':'x'}}}}", "pitrConfig.backup.options.repo1-s3-key-secret",
                        "{'initMode':'pitr','pitrConfig':{'backup':{'stanza':'old','options':{'repo1-type':'s3'}}}}"));
    }

    private static Arguments rule(String name, String broken, String field, String fixed) {
        return Arguments.of(name, broken.replace('\'', '"'), field, fixed.replace('\'', '"'));
    }

    @ParameterizedTest(name = "{0}: reported on {2}")
    @MethodSource("rules")
    void aBrokenRuleIsReportedOnItsField(String name, String broken, String field, String fixed) {
        assertThat(ClusterSpecTest.read(broken).validateSubmission()).extracting(Violation::field).containsExactly(field);
    }

    @ParameterizedTest(name = "{0}: a valid value passes")
    @MethodSource("rules")
    void theValidCounterpartPasses(String name, String broken, String field, String fixed) {
        assertThat(ClusterSpecTest.read(fixed).validateSubmission()).isEmpty();
    }

    @ParameterizedTest(name = "every problem at once")
    @MethodSource("allAtOnce")
    void everyProblemIsReportedAtOnce(String spec, int expected) {
        assertThat(ClusterSpecTest.read(spec).validateSubmission()).hasSize(expected);
    }

    static Stream<Arguments> allAtOnce() {
        return Stream.of(Arguments.of("{\"sleepInterval\":\"x\",\"maxStandbys\":0,\"role\":\"replica\","
                + "\"initMode\":\"clone\",\"pgHBA\":[\"a\\nb\"],\"keeperAdmission\":\"no\"}", 6));
    }
}
