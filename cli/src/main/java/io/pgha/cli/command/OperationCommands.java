package io.pgha.cli.command;

import io.pgha.cli.Pghactl;
import io.pgha.cli.api.AdminClient;
import io.pgha.cli.format.Units;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Changing the primary: failover, switchover (now, scheduled, cancelled), and promoting a standby cluster. */
public final class OperationCommands {
    private OperationCommands() {
    }

    /** What failover and switchover share: the candidate, confirmation, waiting and the outcome. */
    abstract static class PrimaryChange extends Base {
        @Option(names = "--candidate", paramLabel = "KEEPER", description = "the keeper (or DB uid) to promote;"
                + " default: the best candidate the sentinel finds")
        String candidate;

        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait for the outcome"
                + " (default ${DEFAULT-VALUE})")
        String timeout;

        /** Prints the primary and the candidates; null when there is no primary to replace (refused). */
        String describe(JsonNode view) {
            String primary = view.path("primaryKeeper").asString("");
            if (primary.isEmpty()) {
                throw new Pghactl.Refused("the cluster has no primary to replace (phase "
                        + view.path("phase").asString("?") + ")");
            }
            List<String> candidates = new ArrayList<>();
            for (JsonNode k : view.path("keepers")) {
                if (k.path("role").asString().equals("standby") && k.path("healthy").asBoolean()
                        && k.path("priority").asInt() > 0 && !k.path("noFailover").asBoolean()) {
                    candidates.add(k.path("uid").asString() + (k.path("synchronous").asBoolean() ? " (sync)" : "")
                            + (k.path("lagBytes").isNumber() ? " lag " + Units.bytes(k.path("lagBytes").asLong())
                            : ""));
                }
            }
            out().println("primary: " + primary + "; candidates: " + (candidates.isEmpty() ? "none"
                    : String.join(", ", candidates)));
            return primary;
        }

        int request(String kind, ObjectNode body, boolean waitForIt) {
            long t0 = System.nanoTime();
            AdminClient.Answer a = api().post("/api/v1/cluster/" + kind + "?timeout=" + (waitForIt ? timeout : "0s"),
                    body);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            JsonNode op = a.body().path("operation");
            if (root().json()) {
                return print(a.body(), "");
            }
            if (a.status() == 200) {
                out().println(kind + " done: the primary is " + a.body().path("primaryKeeper").asString("?") + " ("
                        + a.body().path("primary").asString("?") + "), after " + Units.seconds(took));
                out().flush();
                return Pghactl.DONE;
            }
            if (!waitForIt) {
                out().println(kind + " " + op.path("id").asString() + " scheduled at " + op.path("scheduledAt")
                        .asString() + " (withdraw it with: pghactl switchover --cancel)");
                out().flush();
                return Pghactl.DONE;
            }
            out().println(kind + " " + op.path("id").asString() + " not finished after " + timeout + " (state "
                    + op.path("state").asString() + "); follow it with pghactl status");
            out().flush();
            return Pghactl.REFUSED;
        }

        ObjectNode body() {
            ObjectNode b = AdminClient.JSON.createObjectNode();
            if (candidate != null) {
                b.put("candidate", candidate);
            }
            return b;
        }
    }

    @Command(name = "failover", mixinStandardHelpOptions = true,
            description = "Forced failover: replace the primary now with a candidate (asks unless --yes).")
    public static final class Failover extends PrimaryChange {
        @Override
        public Integer call() {
            String primary = describe(api().get("/api/v1/cluster").body());
            if (!confirmed(yes, "Fail over from " + primary + " to " + (candidate == null ? "the best candidate"
                    : candidate) + "? Asynchronous standbys may miss the last commits.")) {
                return Pghactl.REFUSED;
            }
            return request("failover", body(), true);
        }
    }

    @Command(name = "switchover", mixinStandardHelpOptions = true,
            description = "Planned switchover (no acknowledged commit lost), now or --at a time; --cancel withdraws a"
                    + " scheduled one.")
    public static final class Switchover extends PrimaryChange {
        @Option(names = "--at", paramLabel = "TIME", description = "when, as an ISO-8601 instant such as"
                + " 2026-12-05T02:00:00Z")
        Instant at;

        @Option(names = "--cancel", description = "withdraw the scheduled switchover")
        boolean cancel;

        @Override
        public Integer call() {
            if (cancel) {
                if (candidate != null || at != null) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                            "--cancel takes no --candidate or --at");
                }
                JsonNode r = api().delete("/api/v1/cluster/switchover").body();
                return print(r, "cancelled switchover " + r.path("operation").path("id").asString() + "\n");
            }
            String primary = describe(api().get("/api/v1/cluster").body());
            if (!confirmed(yes, "Switch over from " + primary + " to " + (candidate == null ? "the best candidate"
                    : candidate) + (at == null ? " now" : " at " + at) + "?")) {
                return Pghactl.REFUSED;
            }
            ObjectNode b = body();
            if (at != null) {
                b.put("scheduledAt", at.toString());
            }
            return request("switchover", b, at == null);
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = "Promote a standby cluster: its standby leader stops following the upstream and takes"
                    + " writes (asks unless --yes).")
    public static final class Promote extends Base {
        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait until the leader"
                + " is the primary (default ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() throws InterruptedException {
            JsonNode view = api().get("/api/v1/cluster").body();
            if (!view.path("standbyCluster").isObject()) {
                throw new Pghactl.Refused("not a standby cluster: there is nothing to promote");
            }
            String leader = view.path("primaryKeeper").asString("?");
            if (!confirmed(yes, "Promote standby leader " + leader + "? It stops following "
                    + view.path("standbyCluster").path("primaryConninfo").asString() + " for good; make sure the"
                    + " upstream takes no more writes.")) {
                return Pghactl.REFUSED;
            }
            long t0 = System.nanoTime();
            JsonNode r = api().post("/api/v1/cluster/promote", null).body();
            long deadline = t0 + duration(timeout).toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode v = api().get("/api/v1/cluster").body();
                for (JsonNode k : v.path("keepers")) {
                    if (k.path("role").asString().equals("primary") && k.path("healthy").asBoolean()) {
                        return print(r, "promoted: " + k.path("uid").asString() + " is the primary, after "
                                + Units.seconds(Duration.ofNanos(System.nanoTime() - t0)) + "\n");
                    }
                }
                Thread.sleep(250);
            }
            out().println("promotion requested; " + leader + " is not the primary yet after " + timeout
                    + ": follow it with pghactl status");
            out().flush();
            return Pghactl.REFUSED;
        }
    }
}
