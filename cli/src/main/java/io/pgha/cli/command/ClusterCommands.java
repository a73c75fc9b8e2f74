package io.pgha.cli.command;

import io.pgha.cli.Pghactl;
import io.pgha.cli.api.AdminClient;
import io.pgha.cli.format.Views;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** Reading the cluster and maintenance mode. */
public final class ClusterCommands {
    private ClusterCommands() {
    }

    @Command(name = "status", aliases = "list", mixinStandardHelpOptions = true,
            description = "The cluster: phase, primary, each keeper's role, state, lag, timeline and sync; proxies;"
                    + " sentinels; the operation in progress.")
    public static final class Status extends Base {
        @Override
        public Integer call() {
            JsonNode v = api().get("/api/v1/cluster").body();
            return print(v, Views.status(v));
        }
    }

    @Command(name = "dsn", mixinStandardHelpOptions = true,
            description = "A libpq connection string through the proxies: the read-write port reaches the primary,"
                    + " --read-only the standbys. Every listening proxy is a host, so a client moves to the next when"
                    + " one is down.")
    public static final class Dsn extends Base {
        @Option(names = "--read-only", description = "the proxies' read-only port (reads spread over the standbys)")
        boolean readOnly;

        @Option(names = "--dbname", defaultValue = "postgres", description = "database (default ${DEFAULT-VALUE})")
        String dbname;

        @Option(names = "--user", description = "user name; default: the client's (libpq's PGUSER or login name)")
        String user;

        @Override
        public Integer call() {
            JsonNode v = api().get("/api/v1/cluster").body();
            java.util.List<String> hosts = new java.util.ArrayList<>();
            java.util.List<String> ports = new java.util.ArrayList<>();
            for (JsonNode p : v.path("proxies")) {
                String address = p.path(readOnly ? "readOnlyAddress" : "address").asString("");
                int colon = address.lastIndexOf(':');
                if (p.path("listening").asBoolean() && colon > 0) {
                    hosts.add(address.substring(0, colon).replace("[", "").replace("]", ""));
                    ports.add(address.substring(colon + 1));
                }
            }
            if (hosts.isEmpty()) {
                throw new Pghactl.Refused(readOnly ? "no listening proxy has a read-only port"
                        + " (pgha.proxy.read-only-port)" : "no proxy is listening: clients cannot connect now");
            }
            String dsn = "host=" + String.join(",", hosts) + " port=" + String.join(",", ports) + " dbname=" + dbname
                    + (user == null ? "" : " user=" + user) + (readOnly ? "" : " target_session_attrs=read-write");
            return print(AdminClient.JSON.createObjectNode().put("dsn", dsn), dsn + "\n");
        }
    }

    @Command(name = "topology", mixinStandardHelpOptions = true,
            description = "Who streams from whom: the primary (or a standby cluster's upstream) and its standbys as"
                    + " a tree.")
    public static final class Topology extends Base {
        @Override
        public Integer call() {
            JsonNode v = api().get("/api/v1/cluster").body();
            return print(v, Views.topology(v));
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "Master changes: time, reason (init, failover, switchover, promote), from, to, timeline,"
                    + " WAL position, why.")
    public static final class History extends Base {
        @Override
        public Integer call() {
            JsonNode h = api().get("/api/v1/cluster/history").body();
            return print(h, Views.history(h));
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Maintenance mode: no automatic failover, keepers do not restart PostgreSQL.")
    public static final class Pause extends Base {
        @Override
        public Integer call() {
            JsonNode r = api().post("/api/v1/cluster/pause", null).body();
            return print(r, "paused: no automatic failover until pghactl resume\n");
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Leave maintenance mode.")
    public static final class Resume extends Base {
        @Override
        public Integer call() {
            JsonNode r = api().post("/api/v1/cluster/resume", null).body();
            return print(r, "resumed: automatic failover is on\n");
        }
    }

    @Command(name = "completion", mixinStandardHelpOptions = true,
            description = "A completion script: source <(pghactl completion bash), or in zsh: autoload -U +X"
                    + " bashcompinit && bashcompinit && source <(pghactl completion zsh).")
    public static final class Completion extends Base {
        enum Shell { bash, zsh }

        @Parameters(paramLabel = "SHELL", description = "bash or zsh")
        Shell shell;

        @Override
        public Integer call() {
            // picocli's script serves both shells (zsh through bashcompinit).
            out().print(AutoComplete.bash("pghactl", spec.root().commandLine()));
            out().flush();
            return Pghactl.DONE;
        }
    }
}
