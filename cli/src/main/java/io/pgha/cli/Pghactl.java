package io.pgha.cli;

import io.pgha.cli.api.AdminClient;
import io.pgha.cli.api.ApiException;
import io.pgha.cli.api.UnreachableException;
import io.pgha.cli.command.BackupCommands;
import io.pgha.cli.command.ClusterCommands;
import io.pgha.cli.command.KeeperCommands;
import io.pgha.cli.command.MaintenanceCommands;
import io.pgha.cli.command.OperationCommands;
import io.pgha.cli.command.SpecCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/**
 * {@code pghactl}: the operator's command line over the admin API. Exit codes: 0 done, 1 refused or failed (the
 * problem's title and detail printed), 2 usage error, 3 admin API unreachable.
 */
@Command(name = "pghactl", mixinStandardHelpOptions = true, versionProvider = Pghactl.Version.class,
        description = "Operate a pgha cluster through its admin API.",
        subcommands = {ClusterCommands.Status.class, ClusterCommands.Topology.class, ClusterCommands.History.class,
                OperationCommands.Failover.class, OperationCommands.Switchover.class, ClusterCommands.Pause.class,
                ClusterCommands.Resume.class, OperationCommands.Promote.class, SpecCommand.class,
                KeeperCommands.class, MaintenanceCommands.Restart.class, MaintenanceCommands.Reload.class,
                BackupCommands.Backup.class, BackupCommands.Catalog.class,
                ClusterCommands.Dsn.class, ClusterCommands.Completion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:refused or failed (the API's problem is printed)", "2:usage error",
                "3:admin API unreachable"})
public final class Pghactl {
    public static final int DONE = 0;
    public static final int REFUSED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    public enum Output { table, json }

    @Option(names = "--url", description = "admin API base URL (env PGHA_ADMIN_URL; default ${DEFAULT-VALUE})",
            defaultValue = "${env:PGHA_ADMIN_URL:-http://127.0.0.1:8080}")
    URI url;

    @Option(names = "--token-file", description = "file holding the bearer token (env PGHA_TOKEN_FILE; or the"
            + " token itself in PGHA_TOKEN)", defaultValue = "${env:PGHA_TOKEN_FILE}")
    Path tokenFile;

    @Option(names = {"-o", "--output"}, description = "table (default) or json (the API's own document)",
            defaultValue = "table")
    Output output;

    private final Map<String, String> env;
    private BufferedReader in;
    private AdminClient client;

    public Pghactl(Map<String, String> env, BufferedReader in) {
        this.env = env;
        this.in = in;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Pghactl(System.getenv(), new BufferedReader(new InputStreamReader(System.in,
                StandardCharsets.UTF_8)))).execute(args));
    }

    /** The command line with pghactl's exit codes for the API's refusals and an unreachable API. */
    public static CommandLine commandLine(Pghactl root) {
        CommandLine cl = new CommandLine(root);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            if (e instanceof ApiException a) {
                err.println("error: " + problem(a));
                err.flush();
                return REFUSED;
            }
            if (e instanceof UnreachableException u) {
                err.println("error: " + u.getMessage());
                err.println("  (set --url or PGHA_ADMIN_URL to the admin API, e.g. http://127.0.0.1:15450)");
                err.flush();
                return UNREACHABLE;
            }
            if (e instanceof Refused r) {
                err.println("error: " + r.getMessage());
                err.flush();
                return REFUSED;
            }
            throw e;
        });
        return cl;
    }

    /** The API's problem as one line per fact: status and title, the detail, each field's error. */
    public static String problem(ApiException a) {
        JsonNode p = a.problem();
        StringBuilder b = new StringBuilder().append(a.status()).append(' ').append(p.path("title").asString("error"));
        String detail = p.path("detail").asString("");
        if (!detail.isEmpty()) {
            b.append(": ").append(detail);
        }
        for (JsonNode f : p.path("errors")) {
            b.append("\n  ").append(f.path("field").asString("?")).append(": ").append(f.path("message").asString(""));
        }
        return b.toString();
    }

    /** A refusal of pghactl's own (nothing was sent): exit code 1 with the message. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    public AdminClient client() {
        if (client == null) {
            URI base = url.toString().endsWith("/") ? url : URI.create(url + "/");
            client = new AdminClient(base, token(), Duration.ofSeconds(150));
        }
        return client;
    }

    private String token() {
        if (tokenFile != null) {
            try {
                return Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw new Refused("cannot read the token file " + tokenFile + ": " + e.getMessage());
            }
        }
        String t = env.get("PGHA_TOKEN");
        return t == null || t.isBlank() ? null : t.strip();
    }

    public boolean json() {
        return output == Output.json;
    }

    public Map<String, String> env() {
        return env;
    }

    /** Asks {@code question} on the terminal; only "y" or "yes" agrees (end of input says no). */
    public boolean confirm(PrintWriter out, String question) {
        out.print(question + " [y/N] ");
        out.flush();
        try {
            String answer = in.readLine();
            return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
        } catch (IOException e) {
            return false;
        }
    }

    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Pghactl.class.getPackage().getImplementationVersion();
            return new String[] {"pghactl " + (v == null ? "development build" : v)};
        }
    }
}
