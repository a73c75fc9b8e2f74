package io.pgha.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.scheduling.support.CronExpression;

/**
 * ClusterSpec {@code backup}: built-in backups with pgBackRest (docs/backup.md). The stanza is the cluster's name
 * and {@code pg1-*} are each keeper's own; {@code options} are pgBackRest options as pgBackRest names them (e.g.
 * {@code repo1-path}, {@code repo1-retention-full}); secret options are never here but in files of the keepers'
 * {@code pgha.keeper.backup.secret-dir}.
 *
 * @param tool     {@code pgbackrest}, the only tool built in (others go through archive_command and pitrConfig)
 * @param options  pgBackRest option → value, written to the {@code [global]} section of each keeper's configuration
 * @param schedule when the primary takes backups by itself (UTC cron expressions); absent: only on request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BackupConfig(String tool, Map<String, String> options, Schedule schedule) {
    public static final String PGBACKREST = "pgbackrest";

    public BackupConfig {
        options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** The kinds of pgBackRest backup: a full copy, the changes since the last full, the changes since the last one. */
    public enum Type {
        @JsonProperty("full") FULL,
        @JsonProperty("diff") DIFF,
        @JsonProperty("incr") INCR;

        /** The name pgBackRest and the API use: full, diff, incr. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Accepts full, diff, incr (any case); null for anything else. */
        public static Type parse(String text) {
            for (Type t : values()) {
                if (t.label().equalsIgnoreCase(text)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** UTC cron expressions with five fields (minute hour day-of-month month day-of-week), one per backup type. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Schedule(String full, String diff, String incr) {
        /** The expression for a type; null when that type is not scheduled. */
        public String of(Type type) {
            return switch (type) {
                case FULL -> full;
                case DIFF -> diff;
                case INCR -> incr;
            };
        }
    }

    /**
     * Options pgha writes itself, or that would make pgBackRest read another configuration: the keeper's own
     * PostgreSQL ({@code pgN-*}), the stanza, the configuration files.
     */
    private static final Pattern RESERVED = Pattern.compile("pg[0-9]+-.*|stanza|config|config-path|config-include-path");
    /**
     * Options that hold secrets: kept out of the spec (and so out of the store and the API), read by each keeper from
     * its secret directory.
     */
    public static final Pattern SECRET = Pattern.compile(
            "repo[0-9]+-(s3-key|s3-key-secret|s3-token|cipher-pass|azure-key|sftp-private-key-passphrase)");
    private static final Pattern OPTION_NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
    private static final Set<String> RESTORE_ONLY = Set.of("type", "target", "target-action", "target-timeline",
            "set", "delta", "force");

    /** Parses a five-field cron expression as UTC; call on a validated one. */
    public static CronExpression cron(String fiveFields) {
        return CronExpression.parse("0 " + fiveFields.trim());
    }

    void validate(Validator v, String field) {
        v.require(PGBACKREST.equals(tool), field + ".tool", tool == null ? "required: pgbackrest"
                : "only pgbackrest is built in, not '" + tool + "' (other tools: archive_command and pitrConfig)");
        validateOptions(v, field + ".options", options);
        RESTORE_ONLY.stream().filter(options::containsKey).sorted().forEach(o -> v.fail(field + ".options." + o,
                "a restore option; pgha sets it for restores (pitrConfig)"));
        if (schedule != null) {
            for (Type t : Type.values()) {
                String expression = schedule.of(t);
                if (expression == null) {
                    continue;
                }
                String f = field + ".schedule." + t.label();
                if (expression.trim().split("\\s+").length != 5) {
                    v.fail(f, "must be a cron expression with 5 fields (minute hour day month weekday, UTC), not '"
                            + expression + "'");
                    continue;
                }
                try {
                    cron(expression);
                } catch (IllegalArgumentException e) {
                    v.fail(f, "invalid cron expression '" + expression + "': " + e.getMessage());
                }
            }
        }
    }

    /** The rules every pgBackRest option map follows: names as pgBackRest spells them, no reserved or secret ones. */
    static void validateOptions(Validator v, String field, Map<String, String> options) {
        options.forEach((name, value) -> {
            String f = field + "." + name;
            if (!OPTION_NAME.matcher(name).matches()) {
                v.fail(f, "not a pgBackRest option name (lower case letters, digits and -, e.g. repo1-path)");
            } else if (RESERVED.matcher(name).matches()) {
                v.fail(f, "set by pgha itself (stanza = the cluster's name, pg1-* = each keeper's PostgreSQL)");
            } else if (SECRET.matcher(name).matches()) {
                v.fail(f, "a secret: put it in a file named " + name + " in each keeper's pgha.keeper.backup.secret-dir,"
                        + " never in the spec");
            }
            v.require(value != null && !value.isBlank(), f, "must not be empty");
            v.singleLine(f, value);
        });
    }

    /**
     * pitrConfig {@code backup}: restore from a pgBackRest repository, this cluster's or another's.
     *
     * @param stanza  the repository's stanza; absent: this cluster's name
     * @param set     a backup label ({@code pgbackrest info}); absent: the newest backup that ends before the target
     * @param options pgBackRest options to reach the repository (as {@code backup.options}); secrets from the
     *                keeper's secret directory
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Restore(String stanza, String set, Map<String, String> options) {
        private static final Pattern LABEL = Pattern.compile("[0-9]{8}-[0-9]{6}F(_[0-9]{8}-[0-9]{6}[DI])?");
        private static final Pattern STANZA = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

        public Restore {
            options = options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
        }

        void validate(Validator v, String field) {
            v.require(stanza == null || STANZA.matcher(stanza).matches(), field + ".stanza",
                    "not a stanza name (letters, digits, _ . -)");
            v.require(set == null || LABEL.matcher(set).matches(), field + ".set",
                    "not a pgBackRest backup label (e.g. 20261202-140000F or 20261202-140000F_20261202-150000I)");
            validateOptions(v, field + ".options", options);
            RESTORE_ONLY.stream().filter(options::containsKey).sorted().forEach(o -> v.fail(field + ".options." + o,
                    "set by pgha from pitrConfig (set and the recovery target)"));
        }
    }
}
