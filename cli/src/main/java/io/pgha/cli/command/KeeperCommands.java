package io.pgha.cli.command;

import io.pgha.cli.Pghactl;
import io.pgha.cli.api.AdminClient;
import io.pgha.cli.format.Views;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The keepers: list, add (keeperAdmission registered), change, remove, rebuild. */
@Command(name = "keepers", mixinStandardHelpOptions = true, description = "List, add, change, remove or rebuild"
        + " keepers.", subcommands = {KeeperCommands.ListKeepers.class, KeeperCommands.Add.class,
        KeeperCommands.Set.class, KeeperCommands.Remove.class, KeeperCommands.Reinit.class})
public final class KeeperCommands extends Base {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return Pghactl.USAGE;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every keeper's settings and state.")
    public static final class ListKeepers extends Base {
        @Override
        public Integer call() {
            JsonNode l = api().get("/api/v1/keepers").body();
            return print(l, Views.keepers(l));
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a keeper (it may join under"
            + " keeperAdmission registered).")
    public static final class Add extends Base {
        @Parameters(paramLabel = "KEEPER")
        String uid;
        @Option(names = "--priority", description = "0 = never primary")
        Integer priority;
        @Option(names = "--no-failover", description = "never promoted automatically")
        boolean noFailover;
        @Option(names = "--no-sync", description = "never a synchronous standby")
        boolean noSync;

        @Override
        public Integer call() {
            ObjectNode b = AdminClient.JSON.createObjectNode().put("uid", uid);
            if (priority != null) {
                b.put("priority", priority);
            }
            if (noFailover) {
                b.put("noFailover", true);
            }
            if (noSync) {
                b.put("noSync", true);
            }
            JsonNode r = api().post("/api/v1/keepers", b).body();
            return print(r, "keeper " + uid + " added\n");
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Change a keeper's priority or flags.")
    public static final class Set extends Base {
        @Parameters(paramLabel = "KEEPER")
        String uid;
        @Option(names = "--priority", description = "0 = never primary")
        Integer priority;
        @Option(names = "--no-failover", arity = "1", paramLabel = "true|false")
        Boolean noFailover;
        @Option(names = "--no-sync", arity = "1", paramLabel = "true|false")
        Boolean noSync;
        @Option(names = "--admitted", arity = "1", paramLabel = "true|false")
        Boolean admitted;

        @Override
        public Integer call() {
            ObjectNode b = AdminClient.JSON.createObjectNode();
            if (priority != null) {
                b.put("priority", priority);
            }
            if (noFailover != null) {
                b.put("noFailover", noFailover);
            }
            if (noSync != null) {
                b.put("noSync", noSync);
            }
            if (admitted != null) {
                b.put("admitted", admitted);
            }
            if (b.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "nothing to change: give"
                        + " --priority, --no-failover, --no-sync or --admitted");
            }
            JsonNode r = api().patch("/api/v1/keepers/" + uid, b, null).body();
            return print(r, "keeper " + uid + " changed\n");
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a keeper and its DB (refused"
            + " for the primary).")
    public static final class Remove extends Base {
        @Parameters(paramLabel = "KEEPER")
        String uid;
        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Override
        public Integer call() {
            if (!confirmed(yes, "Remove keeper " + uid + " and its DB from the cluster?")) {
                return Pghactl.REFUSED;
            }
            JsonNode r = api().delete("/api/v1/keepers/" + uid).body();
            return print(r, "keeper " + uid + " removed\n");
        }
    }

    @Command(name = "reinit", mixinStandardHelpOptions = true, description = "Rebuild a standby from the primary"
            + " (its data is replaced).")
    public static final class Reinit extends Base {
        @Parameters(paramLabel = "KEEPER")
        String uid;
        @Option(names = {"-y", "--yes"}, description = "do not ask for confirmation")
        boolean yes;

        @Override
        public Integer call() {
            if (!confirmed(yes, "Rebuild " + uid + " from the primary? Its data is replaced.")) {
                return Pghactl.REFUSED;
            }
            JsonNode r = api().post("/api/v1/keepers/" + uid + "/reinit", null).body();
            return print(r, "keeper " + uid + ": its DB " + r.path("droppedDb").asString("?")
                    + " is being rebuilt\n");
        }
    }
}
