package io.pgha.cli.command;

import io.pgha.cli.Pghactl;
import io.pgha.cli.api.AdminClient;
import io.pgha.cli.api.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The cluster spec: show it, patch it, or edit it in $EDITOR (sent with If-Match, so no change is lost). */
@Command(name = "spec", mixinStandardHelpOptions = true, description = "Show, patch or edit the cluster spec.",
        subcommands = {SpecCommand.Show.class, SpecCommand.Patch.class, SpecCommand.Edit.class})
public final class SpecCommand extends Base {
    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return Pghactl.USAGE;
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "The spec with every default filled in.")
    public static final class Show extends Base {
        @Override
        public Integer call() {
            JsonNode s = api().get("/api/v1/cluster/spec").body();
            out().println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s));
            out().flush();
            return Pghactl.DONE;
        }
    }

    @Command(name = "patch", mixinStandardHelpOptions = true,
            description = "Change the spec with a JSON merge patch (null removes a field), given inline or as @FILE.")
    public static final class Patch extends Base {
        @Parameters(paramLabel = "JSON|@FILE", description = "e.g. '{\"maxStandbyLag\": 2097152}'")
        String patch;

        @Override
        public Integer call() {
            String text = patch.startsWith("@") ? read(Path.of(patch.substring(1))) : patch;
            JsonNode body;
            try {
                body = AdminClient.JSON.readTree(text);
            } catch (RuntimeException e) {
                throw new Pghactl.Refused("the patch is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
            }
            JsonNode r = api().patch("/api/v1/cluster/spec", body, null).body();
            return print(r, changed(r));
        }
    }

    @Command(name = "edit", mixinStandardHelpOptions = true,
            description = "Edit the spec in $VISUAL or $EDITOR (default vi); the changes go as a merge patch with"
                    + " If-Match, so a spec changed meanwhile is refused instead of overwritten.")
    public static final class Edit extends Base {
        @Override
        public Integer call() throws IOException, InterruptedException {
            AdminClient.Answer current = api().get("/api/v1/cluster/spec");
            String before = AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(current.body());
            Path file = Files.createTempFile("pghactl-spec-", ".json");
            try {
                Files.writeString(file, before + "\n");
                String editor = root().env().getOrDefault("VISUAL", root().env().getOrDefault("EDITOR", "vi"));
                int rc = new ProcessBuilder("sh", "-c", editor + " \"$1\"", "sh", file.toString()).inheritIO().start()
                        .waitFor();
                if (rc != 0) {
                    throw new Pghactl.Refused("the editor (" + editor + ") exited with " + rc + ": nothing sent");
                }
                JsonNode after;
                try {
                    after = AdminClient.JSON.readTree(Files.readString(file));
                } catch (RuntimeException e) {
                    throw new Pghactl.Refused("the edited spec is not JSON (" + e.getMessage().lines().findFirst()
                            .orElse("") + "): nothing sent");
                }
                JsonNode patch = mergePatch(current.body(), after);
                if (patch.isEmpty()) {
                    out().println("no change");
                    out().flush();
                    return Pghactl.DONE;
                }
                out().print(diff("", current.body(), after));
                JsonNode r;
                try {
                    r = api().patch("/api/v1/cluster/spec", patch, current.etag().orElse(null)).body();
                } catch (ApiException e) {
                    if (e.status() == 409) {
                        throw new Pghactl.Refused("the spec changed while you edited it: nothing sent; run pghactl"
                                + " spec edit again");
                    }
                    throw e;
                }
                return print(r, changed(r));
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    /** What a PATCH answered, in words: the generation and the parameters that need a restart. */
    static String changed(JsonNode r) {
        StringBuilder b = new StringBuilder("spec changed (generation ").append(r.path("generation").asLong())
                .append(")\n");
        List<String> restart = new ArrayList<>();
        r.path("needsRestart").forEach(n -> restart.add(n.asString()));
        if (!restart.isEmpty()) {
            b.append("needs a PostgreSQL restart to apply: ").append(String.join(", ", restart))
                    .append(" (pghactl restart --pending; automaticPgRestart does it by itself)\n");
        }
        return b.toString();
    }

    /** The RFC 7386 merge patch that turns {@code from} into {@code to} (removed fields become null). */
    public static ObjectNode mergePatch(JsonNode from, JsonNode to) {
        ObjectNode patch = AdminClient.JSON.createObjectNode();
        for (Map.Entry<String, JsonNode> e : from.properties()) {
            if (!to.has(e.getKey())) {
                patch.putNull(e.getKey());
            }
        }
        for (Map.Entry<String, JsonNode> e : to.properties()) {
            JsonNode old = from.get(e.getKey());
            if (old == null || old.isNull()) {
                patch.set(e.getKey(), e.getValue());
            } else if (old.isObject() && e.getValue().isObject()) {
                ObjectNode inner = mergePatch(old, e.getValue());
                if (!inner.isEmpty()) {
                    patch.set(e.getKey(), inner);
                }
            } else if (!old.equals(e.getValue())) {
                patch.set(e.getKey(), e.getValue());
            }
        }
        return patch;
    }

    /** Each changed field by its path: {@code - path: old} and {@code + path: new}. */
    public static String diff(String prefix, JsonNode from, JsonNode to) {
        StringBuilder b = new StringBuilder();
        java.util.Set<String> names = new java.util.TreeSet<>(from.propertyNames());
        names.addAll(to.propertyNames());
        for (String name : names) {
            JsonNode a = from.get(name);
            JsonNode z = to.get(name);
            String path = prefix + name;
            if (a != null && z != null && a.isObject() && z.isObject()) {
                b.append(diff(path + ".", a, z));
            } else if (a == null || !a.equals(z)) {
                if (a != null) {
                    b.append("- ").append(path).append(": ").append(a).append('\n');
                }
                if (z != null) {
                    b.append("+ ").append(path).append(": ").append(z).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new Pghactl.Refused("cannot read " + f + ": " + e.getMessage());
        }
    }
}
