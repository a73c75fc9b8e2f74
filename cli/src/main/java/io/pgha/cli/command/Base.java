package io.pgha.cli.command;

import io.pgha.cli.Pghactl;
import io.pgha.cli.api.AdminClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** What every command shares: the root's settings (URL, token, output), its writer, and JSON printing. */
abstract class Base implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The root command, however deep this one is nested. */
    Pghactl root() {
        CommandSpec s = spec;
        while (s.parent() != null) {
            s = s.parent();
        }
        return (Pghactl) s.userObject();
    }

    AdminClient api() {
        return root().client();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Prints the API's JSON with {@code -o json}, else {@code table}. */
    int print(JsonNode json, String table) {
        out().print(root().json() ? AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n"
                : table);
        out().flush();
        return Pghactl.DONE;
    }

    /** {@code 500ms}, {@code 60s}, {@code 2m}, {@code 1h}: a usage error otherwise. */
    java.time.Duration duration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text.strip());
        if (!m.matches()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "invalid duration '" + text
                    + "': expected e.g. 30s, 2m");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            default -> java.time.Duration.ofHours(n);
        };
    }

    /** A destructive command's confirmation: given by {@code --yes}, else asked. */
    boolean confirmed(boolean yes, String question) {
        if (yes) {
            return true;
        }
        boolean ok = root().confirm(out(), question);
        if (!ok) {
            out().println("not confirmed: nothing done");
            out().flush();
        }
        return ok;
    }
}
