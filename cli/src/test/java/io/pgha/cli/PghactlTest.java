package io.pgha.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.cli.api.AdminClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * pghactl against a stand-in admin API: what each command sends, what it prints, its exit code, and that a
 * destructive command sends nothing until confirmed.
 */
class PghactlTest {
    private final StubAdmin api = new StubAdmin();
    private final Map<String, String> env = new HashMap<>(Map.of("PGHA_TOKEN", "t0ken"));
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private Run run(String input, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Pghactl.commandLine(new Pghactl(env, new BufferedReader(new StringReader(input))));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--url", api.url()));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private StubAdmin withCluster() throws IOException {
        return api.answer("GET /api/v1/cluster", 200, ViewsTest.resource("cluster-view.json").toString());
    }

    @Test
    void statusPrintsTheTableAndJsonPrintsTheApisDocument() throws IOException {
        withCluster();
        Run table = run("", "status");
        assertThat(table.exit()).isZero();
        assertThat(table.out()).contains("primary k1 (db1)", "k2      standby  running");
        assertThat(api.requests.get(0).header("Authorization")).isEqualTo("Bearer t0ken");
        Run json = run("", "-o", "json", "list");
        assertThat(AdminClient.JSON.readTree(json.out())).isEqualTo(ViewsTest.resource("cluster-view.json"));
    }

    @Test
    void theTokenComesFromTheTokenFileFirst() throws IOException {
        withCluster();
        Path token = Files.writeString(dir.resolve("token"), "from-file\n");
        assertThat(run("", "--token-file", token.toString(), "status").exit()).isZero();
        assertThat(api.requests.get(0).header("Authorization")).isEqualTo("Bearer from-file");
        Run missing = run("", "--token-file", dir.resolve("nope").toString(), "status");
        assertThat(missing.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(missing.err()).contains("cannot read the token file");
    }

    @Test
    void aSwitchoverNotConfirmedSendsNothing() throws IOException {
        withCluster();
        Run no = run("n\n", "switchover", "--candidate", "k2");
        assertThat(no.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(no.out()).contains("primary: k1; candidates: k2 (sync) lag 0 B", "Switch over from k1 to k2 now?",
                "not confirmed: nothing done");
        Run eof = run("", "failover");
        assertThat(eof.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(api.sent("POST", "/api/v1/cluster/switchover")).isEmpty();
        assertThat(api.sent("POST", "/api/v1/cluster/failover")).isEmpty();
    }

    @Test
    void aConfirmedSwitchoverIsSentAndItsOutcomePrinted() throws IOException {
        withCluster().answer("POST /api/v1/cluster/switchover", 200, "{\"operation\":{\"id\":\"op-1\",\"state\":"
                + "\"done\"},\"primary\":\"db2\",\"primaryKeeper\":\"k2\"}");
        Run yes = run("y\n", "switchover", "--candidate", "k2");
        assertThat(yes.exit()).isZero();
        assertThat(yes.out()).contains("switchover done: the primary is k2 (db2), after");
        StubAdmin.Request sent = api.sent("POST", "/api/v1/cluster/switchover").get(0);
        assertThat(AdminClient.JSON.readTree(sent.body()).path("candidate").asString()).isEqualTo("k2");
        assertThat(sent.query()).isEqualTo("timeout=60s");
    }

    @Test
    void aScheduledSwitchoverIsSentWithoutWaitingAndCanBeCancelled() throws IOException {
        withCluster().answer("POST /api/v1/cluster/switchover", 202, "{\"operation\":{\"id\":\"op-2\",\"state\":"
                        + "\"pending\",\"scheduledAt\":\"2030-01-01T02:00:00Z\"}}")
                .answer("DELETE /api/v1/cluster/switchover", 200, "{\"operation\":{\"id\":\"op-2\",\"state\":"
                        + "\"cancelled\"}}");
        Run at = run("", "switchover", "--at", "2030-01-01T02:00:00Z", "--yes");
        assertThat(at.exit()).isZero();
        assertThat(at.out()).contains("scheduled at 2030-01-01T02:00:00Z", "pghactl switchover --cancel");
        StubAdmin.Request sent = api.sent("POST", "/api/v1/cluster/switchover").get(0);
        assertThat(sent.query()).isEqualTo("timeout=0s");
        assertThat(AdminClient.JSON.readTree(sent.body()).path("scheduledAt").asString())
                .isEqualTo("2030-01-01T02:00:00Z");
        Run cancel = run("", "switchover", "--cancel");
        assertThat(cancel.exit()).isZero();
        assertThat(cancel.out()).contains("cancelled switchover op-2");
    }

    @Test
    void aRestartNotConfirmedSendsNothing() throws IOException {
        withCluster();
        Run no = run("n\n", "restart", "--pending");
        assertThat(no.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(no.out()).contains("Restart the instances with pending parameters", "not confirmed");
        assertThat(api.sent("POST", "/api/v1/cluster/restart")).isEmpty();
    }

    @Test
    void aConfirmedRestartSendsItsScopeAndPrintsWhatWasRestarted() throws IOException {
        withCluster().answer("POST /api/v1/cluster/restart", 200, "{\"operation\":{\"id\":\"op-3\",\"type\":"
                + "\"restart\",\"state\":\"done\",\"message\":\"restarted k2, k3, k1\"},\"primary\":\"db2\","
                + "\"primaryKeeper\":\"k2\"}");
        Run yes = run("", "restart", "--pending", "--keeper", "k2", "--keeper", "k3", "--yes");
        assertThat(yes.exit()).as(yes.out() + yes.err()).isZero();
        assertThat(yes.out()).contains("restart done: restarted k2, k3, k1; the primary is k2, after");
        StubAdmin.Request sent = api.sent("POST", "/api/v1/cluster/restart").get(0);
        JsonNode body = AdminClient.JSON.readTree(sent.body());
        assertThat(body.path("pendingOnly").asBoolean()).isTrue();
        assertThat(body.path("keepers").toString()).isEqualTo("[\"k2\",\"k3\"]");
        assertThat(sent.query()).isEqualTo("timeout=10m");
    }

    @Test
    void aScheduledRestartIsSentWithoutWaitingAndCanBeCancelled() throws IOException {
        withCluster().answer("POST /api/v1/cluster/restart", 202, "{\"operation\":{\"id\":\"op-4\",\"state\":"
                        + "\"pending\"}}")
                .answer("DELETE /api/v1/cluster/restart", 200, "{\"operation\":{\"id\":\"op-4\",\"state\":"
                        + "\"cancelled\"}}");
        Run at = run("", "restart", "--at", "2030-01-01T02:00:00Z", "--yes");
        assertThat(at.exit()).isZero();
        assertThat(at.out()).contains("restart op-4 scheduled at 2030-01-01T02:00:00Z", "pghactl restart --cancel");
        JsonNode body = AdminClient.JSON.readTree(api.sent("POST", "/api/v1/cluster/restart").get(0).body());
        assertThat(body.path("pendingOnly").asBoolean(true)).as("everything without --pending").isFalse();
        assertThat(body.path("scheduledAt").asString()).isEqualTo("2030-01-01T02:00:00Z");
        Run cancel = run("", "restart", "--cancel");
        assertThat(cancel.exit()).isZero();
        assertThat(cancel.out()).contains("cancelled restart op-4");
        assertThat(run("", "restart", "--cancel", "--keeper", "k2").exit()).isEqualTo(Pghactl.USAGE);
    }

    @Test
    void aReloadWaitsForItsOutcome() throws IOException {
        withCluster().answer("POST /api/v1/cluster/reload", 200, "{\"operation\":{\"id\":\"op-5\",\"state\":"
                + "\"done\",\"message\":\"reloaded k1, k2, k3\"},\"primary\":\"db1\",\"primaryKeeper\":\"k1\"}");
        Run r = run("", "reload");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("reload done: reloaded k1, k2, k3");
        assertThat(api.sent("POST", "/api/v1/cluster/reload").get(0).query()).isEqualTo("timeout=60s");
    }

    @Test
    void dsnNamesEveryListeningProxy() {
        api.answer("GET /api/v1/cluster", 200, "{\"name\":\"main\",\"proxies\":["
                + "{\"uid\":\"p1\",\"listening\":true,\"address\":\"10.0.0.1:5432\",\"readOnlyAddress\":\"10.0.0.1:5433\"},"
                + "{\"uid\":\"p2\",\"listening\":true,\"address\":\"10.0.0.2:5432\"},"
                + "{\"uid\":\"p3\",\"listening\":false,\"address\":\"10.0.0.3:5432\"}]}");
        Run rw = run("", "dsn", "--user", "app");
        assertThat(rw.exit()).isZero();
        assertThat(rw.out()).isEqualTo("host=10.0.0.1,10.0.0.2 port=5432,5432 dbname=postgres user=app"
                + " target_session_attrs=read-write\n");
        assertThat(run("", "dsn", "--read-only").out()).isEqualTo("host=10.0.0.1 port=5433 dbname=postgres\n");
        api.answer("GET /api/v1/cluster", 200, "{\"name\":\"main\",\"proxies\":[]}");
        Run none = run("", "dsn");
        assertThat(none.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(none.err() + none.out()).contains("no proxy is listening");
    }

    @Test
    void aRefusalPrintsTheProblemAndExits1() throws IOException {
        withCluster().answer("POST /api/v1/cluster/failover", 412, "{\"title\":\"Not eligible\",\"status\":412,"
                + "\"detail\":\"k3 has priority 0\"}");
        Run r = run("", "failover", "--candidate", "k3", "--yes");
        assertThat(r.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(r.err()).contains("error: 412 Not eligible: k3 has priority 0");
    }

    @Test
    void anInvalidSpecPatchNamesTheField() {
        api.answer("PATCH /api/v1/cluster/spec", 400, "{\"title\":\"Invalid request\",\"status\":400,\"detail\":"
                + "\"1 invalid spec field(s)\",\"errors\":[{\"field\":\"maxStandbyLag\",\"message\":\"must be a"
                + " number\"}]}");
        Run r = run("", "spec", "patch", "{\"maxStandbyLag\":\"banana\"}");
        assertThat(r.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(r.err()).contains("400 Invalid request", "maxStandbyLag: must be a number");
        assertThat(api.sent("PATCH", "/api/v1/cluster/spec").get(0).header("Content-Type"))
                .isEqualTo("application/merge-patch+json");
        Run notJson = run("", "spec", "patch", "{maxStandbyLag");
        assertThat(notJson.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(notJson.err()).contains("the patch is not JSON");
        assertThat(api.sent("PATCH", "/api/v1/cluster/spec")).hasSize(1);
    }

    @Test
    void specEditSendsOnlyTheChangeWithIfMatch() throws IOException {
        api.answer("GET /api/v1/cluster/spec", 200, "{\"failInterval\":\"4s\",\"maxStandbys\":20,\"pgParameters\":"
                        + "{\"work_mem\":\"4MB\",\"max_connections\":\"100\"}}", Map.of("ETag", "\"7\""))
                .answer("PATCH /api/v1/cluster/spec", 200, "{\"generation\":8,\"needsRestart\":[\"max_connections\"]}");
        Path editor = dir.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i -e 's/\"4s\"/\"6s\"/' -e 's/\"100\"/\"200\"/'"
                + " -e '/work_mem/d' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        env.put("EDITOR", editor.toString());
        Run r = run("", "spec", "edit");
        assertThat(r.exit()).as(r.err()).isZero();
        StubAdmin.Request sent = api.sent("PATCH", "/api/v1/cluster/spec").get(0);
        assertThat(sent.header("If-Match")).isEqualTo("\"7\"");
        JsonNode patch = AdminClient.JSON.readTree(sent.body());
        assertThat(patch).isEqualTo(AdminClient.JSON.readTree("{\"failInterval\":\"6s\",\"pgParameters\":"
                + "{\"work_mem\":null,\"max_connections\":\"200\"}}"));
        assertThat(r.out()).contains("- failInterval: \"4s\"", "+ failInterval: \"6s\"",
                "- pgParameters.work_mem: \"4MB\"", "spec changed (generation 8)",
                "needs a PostgreSQL restart to apply: max_connections");
    }

    @Test
    void aSpecEditedMeanwhileIsNotOverwritten() throws IOException {
        api.answer("GET /api/v1/cluster/spec", 200, "{\"failInterval\":\"4s\"}", Map.of("ETag", "\"7\""))
                .answer("PATCH /api/v1/cluster/spec", 409, "{\"title\":\"Conflict\",\"status\":409}");
        Path editor = dir.resolve("editor.sh");
        Files.writeString(editor, "#!/bin/sh\nsed -i 's/4s/6s/' \"$1\"\n");
        Files.setPosixFilePermissions(editor, PosixFilePermissions.fromString("rwx------"));
        env.put("VISUAL", editor.toString());
        Run r = run("", "spec", "edit");
        assertThat(r.exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(r.err()).contains("the spec changed while you edited it");
        env.put("VISUAL", "true");
        Run unchanged = run("", "spec", "edit");
        assertThat(unchanged.exit()).isZero();
        assertThat(unchanged.out()).contains("no change");
        assertThat(api.sent("PATCH", "/api/v1/cluster/spec")).hasSize(1);
    }

    @Test
    void anUnreachableApiExits3AndAUsageErrorExits2() {
        StringWriter err = new StringWriter();
        CommandLine cl = Pghactl.commandLine(new Pghactl(env, new BufferedReader(new StringReader(""))));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("--url", "http://127.0.0.1:1", "status")).isEqualTo(Pghactl.UNREACHABLE);
        assertThat(err.toString()).contains("not reachable", "PGHA_ADMIN_URL");
        assertThat(run("", "switchover", "--at", "tomorrow").exit()).isEqualTo(Pghactl.USAGE);
        assertThat(run("", "frobnicate").exit()).isEqualTo(Pghactl.USAGE);
        assertThat(run("", "switchover", "--cancel", "--candidate", "k2").exit()).isEqualTo(Pghactl.USAGE);
        assertThat(api.requests).isEmpty();
    }

    @Test
    void everyCommandHasHelpAndCompletionServesBashAndZsh() {
        for (String[] cmd : new String[][] {{"--help"}, {"status", "--help"}, {"spec", "edit", "--help"},
                {"keepers", "remove", "--help"}, {"switchover", "--help"}, {"restart", "--help"}, {"reload", "--help"}}) {
            Run r = run("", cmd);
            assertThat(r.exit()).as(String.join(" ", cmd)).isZero();
            assertThat(r.out()).contains("Usage:");
        }
        Run bash = run("", "completion", "bash");
        assertThat(bash.exit()).isZero();
        assertThat(bash.out()).contains("complete -F", "switchover", "topology");
        assertThat(run("", "completion", "zsh").out()).contains("bashcompinit");
    }

    @Test
    void keepersAreChangedAndRemovedOnlyWhenConfirmed() {
        api.answer("PATCH /api/v1/keepers/k3", 200, "{\"uid\":\"k3\",\"priority\":0}")
                .answer("DELETE /api/v1/keepers/k3", 200, "{}");
        assertThat(run("", "keepers", "set", "k3", "--priority", "0", "--no-failover", "true").exit()).isZero();
        assertThat(AdminClient.JSON.readTree(api.sent("PATCH", "/api/v1/keepers/k3").get(0).body()))
                .isEqualTo(AdminClient.JSON.readTree("{\"priority\":0,\"noFailover\":true}"));
        assertThat(run("no\n", "keepers", "remove", "k3").exit()).isEqualTo(Pghactl.REFUSED);
        assertThat(api.sent("DELETE", "/api/v1/keepers/k3")).isEmpty();
        assertThat(run("yes\n", "keepers", "remove", "k3").exit()).isZero();
        assertThat(api.sent("DELETE", "/api/v1/keepers/k3")).hasSize(1);
    }
}
