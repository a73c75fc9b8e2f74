package io.pgha.cli.command;

import io.pgha.cli.api.AdminClient;
import io.pgha.cli.format.Views;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** Built-in backups: take one, list the catalogue. */
public final class BackupCommands {
    private BackupCommands() {
    }

    @Command(name = "backup", mixinStandardHelpOptions = true, description = "Take a backup now on the primary.")
    public static final class Backup extends Base {
        enum Type { full, diff, incr }

        @Option(names = "--type", defaultValue = "full", description = "full, diff or incr (default"
                + " ${DEFAULT-VALUE})")
        Type type;

        @Option(names = "--timeout", defaultValue = "60s", description = "how long to wait (default"
                + " ${DEFAULT-VALUE}); it goes on in the background after that")
        String timeout;

        @Override
        public Integer call() {
            AdminClient.Answer a = api().post("/api/v1/backups?timeout=" + timeout,
                    AdminClient.JSON.createObjectNode().put("type", type.name()));
            JsonNode run = a.body().path("backup");
            return print(a.body(), a.status() == 200 ? type + " backup " + run.path("backupLabel").asString("")
                    + " done\n" : type + " backup " + run.path("id").asString() + " running; see pghactl backups\n");
        }
    }

    @Command(name = "backups", mixinStandardHelpOptions = true, description = "The backup catalogue.")
    public static final class Catalog extends Base {
        @Override
        public Integer call() {
            JsonNode b = api().get("/api/v1/backups").body();
            return print(b, Views.backups(b));
        }
    }

}
