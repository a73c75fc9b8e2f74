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
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Applying configuration: the rolling restart (now, scheduled, cancelled) and the reload. */
public final class MaintenanceCommands {
    private MaintenanceCommands() {
    }

    /** Prints an operation's outcome as the API answered it: done (0), or still running at the timeout (1). */
    static int outcome(Base command, String kind, AdminClient.Answer a, Duration took, String timeout) {
        JsonNode op = a.body().path("operation");
        if (command.root().json()) {
            return command.print(a.body(), "");
        }
        if (a.status() == 200) {
            command.out().println(kind + " done: " + op.path("message").asString("") + "; the primary is "
                    + a.body().path("primaryKeeper").asString("?") + ", after " + Units.seconds(took));
            command.out().flush();
            return Pghactl.DONE;
        }
        command.out().println(kind + " " + op.path("id").asString() + " not finished after " + timeout + " ("
                + op.path("state").asString() + (op.path("message").isString() ? ": " + op.path("message").asString()
                : "") + "); follow it with pghactl status");
        command.out().flush();
        return Pghactl.REFUSED;
    }

    @Command(name = "restart", mixinStandardHelpOptions = true,
            description = "Rolling restart of PostgreSQL: standbys one at a time (each streaming again before the"
                    + " next), then the primary by a switchover to a caught-up standby, else in place (asks unless"
                    + " --yes); --cancel withdraws a scheduled one.")
    public static final class Restart extends Base {
        @Option(names = "--pending", description = "only instances with parameters waiting for a restart")
        boolean pending;

        @Option(names = "--keeper", paramLabel = "KEEPER", description = "only this keeper (repeatable)")
        List<String> keepers = new ArrayList<>();

        @Option(names = "--at", paramLabel = "TIME", description = "when, as an ISO-8601 instant such as"
                + " 2026-12-05T02:00:00Z")
        Instant at;

        @Option(names = "--cancel", description = "withdraw the scheduled restart")
        boolean cancel;

        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Option(names = "--timeout", defaultValue = "10m", description = "how long to wait for the outcome"
                + " (default ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() {
            if (cancel) {
                if (pending || at != null || !keepers.isEmpty()) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                            "--cancel takes no --pending, --keeper or --at");
                }
                JsonNode r = api().delete("/api/v1/cluster/restart").body();
                return print(r, "cancelled restart " + r.path("operation").path("id").asString() + "\n");
            }
            duration(timeout);
            JsonNode view = api().get("/api/v1/cluster").body();
            List<String> waiting = new ArrayList<>();
            for (JsonNode k : view.path("keepers")) {
                if (k.path("needsRestart").asBoolean(false)) {
                    waiting.add(k.path("uid").asString());
                }
            }
            out().println("parameters waiting for a restart on: " + (waiting.isEmpty() ? "none"
                    : String.join(", ", waiting)) + "; primary: " + view.path("primaryKeeper").asString("none"));
            String which = (pending ? "the instances with pending parameters" : "every instance")
                    + (keepers.isEmpty() ? "" : " among " + String.join(", ", keepers));
            if (!confirmed(yes, "Restart " + which + ", standbys first, the primary last by switchover"
                    + (at == null ? " now" : " at " + at) + "?")) {
                return Pghactl.REFUSED;
            }
            ObjectNode b = AdminClient.JSON.createObjectNode();
            b.put("pendingOnly", pending);
            if (!keepers.isEmpty()) {
                ArrayNode list = b.putArray("keepers");
                keepers.forEach(list::add);
            }
            if (at != null) {
                b.put("scheduledAt", at.toString());
            }
            long t0 = System.nanoTime();
            AdminClient.Answer a = api().post("/api/v1/cluster/restart?timeout=" + (at == null ? timeout : "0s"), b);
            if (at != null && !root().json()) {
                out().println("restart " + a.body().path("operation").path("id").asString() + " scheduled at " + at
                        + " (withdraw it with: pghactl restart --cancel)");
                out().flush();
                return Pghactl.DONE;
            }
            return outcome(this, "restart", a, Duration.ofNanos(System.nanoTime() - t0), timeout);
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Every healthy keeper reloads its PostgreSQL configuration now.")
    public static final class Reload extends Base {
        @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait for the outcome"
                + " (default ${DEFAULT-VALUE})")
        String timeout;

        @Override
        public Integer call() {
            duration(timeout);
            long t0 = System.nanoTime();
            AdminClient.Answer a = api().post("/api/v1/cluster/reload?timeout=" + timeout, null);
            return outcome(this, "reload", a, Duration.ofNanos(System.nanoTime() - t0), timeout);
        }
    }
}
