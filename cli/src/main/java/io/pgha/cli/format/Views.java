package io.pgha.cli.format;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The admin API's documents as tables a person reads first (pure: JSON in, text out). The JSON itself is what
 * {@code -o json} prints.
 */
public final class Views {
    private Views() {
    }

    /** {@code GET /cluster}: a headline, the keepers, the proxies and the sentinels. */
    public static String status(JsonNode v) {
        StringBuilder b = new StringBuilder();
        b.append("Cluster ").append(v.path("name").asString("?")).append("  phase ").append(v.path("phase").asString("?"))
                .append("  primary ").append(primary(v));
        if (v.path("paused").asBoolean()) {
            b.append("  PAUSED (maintenance: no automatic failover)");
        }
        b.append('\n');
        JsonNode standby = v.path("standbyCluster");
        if (standby.isObject()) {
            b.append("Standby cluster of ").append(standby.path("primaryConninfo").asString("?")).append(": ")
                    .append(standby.path("streaming").asBoolean() ? "streaming, leader lag "
                            + (standby.path("standbyLeaderLagBytes").isNumber()
                            ? Units.bytes(standby.path("standbyLeaderLagBytes").asLong()) : "unknown")
                            : "NOT streaming from the upstream").append('\n');
        }
        JsonNode op = v.path("operation");
        // The operation in progress; a finished one's outcome is in the history and the cluster message.
        if (op.isObject() && (op.path("state").asString().equals("pending")
                || op.path("state").asString().equals("running"))) {
            b.append("Operation ").append(op.path("type").asString()).append(' ').append(op.path("state").asString());
            text(op, "candidate").ifPresent(c -> b.append(" to ").append(c));
            text(op, "scheduledAt").ifPresent(t -> b.append(" at ").append(t));
            text(op, "message").ifPresent(m -> b.append(": ").append(m));
            JsonNode done = op.path("progress").path("done");
            if (done.isArray() && !done.isEmpty()) {
                List<String> names = new ArrayList<>();
                done.forEach(d -> names.add(d.asString()));
                b.append(" (restarted so far: ").append(String.join(", ", names)).append(')');
            }
            b.append('\n');
        }
        text(v, "message").ifPresent(m -> b.append("Message: ").append(m).append('\n'));
        b.append('\n');
        Table keepers = new Table("KEEPER", "ROLE", "STATE", "ADDRESS", "TL", "LAG", "SYNC", "PRIO", "FLAGS");
        List<String> problems = new ArrayList<>();
        for (JsonNode k : v.path("keepers")) {
            keepers.row(k.path("uid").asString(), k.path("role").asString(), state(k),
                    text(k, "address").orElse(null), number(k, "timeline"),
                    k.path("lagBytes").isNumber() ? Units.bytes(k.path("lagBytes").asLong()) : null,
                    k.path("synchronous").asBoolean() ? "sync" : null, k.path("priority").asInt(), flags(k));
            text(k, "problem").ifPresent(p -> problems.add(k.path("uid").asString() + ": " + p));
        }
        b.append(keepers);
        problems.forEach(p -> b.append("  problem ").append(p).append('\n'));
        if (!v.path("proxies").isEmpty()) {
            Table proxies = new Table("PROXY", "LISTENING", "UP TO DATE");
            v.path("proxies").forEach(p -> proxies.row(p.path("uid").asString(), yes(p.path("listening")),
                    yes(p.path("acknowledged"))));
            b.append('\n').append(proxies);
        }
        if (!v.path("sentinels").isEmpty()) {
            Table sentinels = new Table("SENTINEL", "LEADER");
            v.path("sentinels").forEach(s -> sentinels.row(s.path("uid").asString(), yes(s.path("leader"))));
            b.append('\n').append(sentinels);
        }
        return b.toString();
    }

    /** Who streams from whom, as a tree under the primary (or the standby leader, under its upstream). */
    public static String topology(JsonNode v) {
        Map<String, List<String>> children = new LinkedHashMap<>();
        List<String> roots = new ArrayList<>();
        Map<String, JsonNode> byUid = new LinkedHashMap<>();
        for (JsonNode k : v.path("keepers")) {
            String uid = k.path("uid").asString();
            byUid.put(uid, k);
            String follows = text(k, "follows").orElse(null);
            if (follows == null || follows.equals("upstream") || !hasKeeper(v, follows)) {
                roots.add(uid);
            } else {
                children.computeIfAbsent(follows, x -> new ArrayList<>()).add(uid);
            }
        }
        StringBuilder b = new StringBuilder();
        if (v.path("standbyCluster").isObject()) {
            b.append("upstream ").append(v.path("standbyCluster").path("primaryConninfo").asString()).append('\n');
        }
        for (String r : roots) {
            tree(b, r, byUid, children, v.path("standbyCluster").isObject() ? "  " : "", true);
        }
        return b.toString();
    }

    private static void tree(StringBuilder b, String uid, Map<String, JsonNode> byUid,
                             Map<String, List<String>> children, String indent, boolean root) {
        JsonNode k = byUid.get(uid);
        b.append(indent).append(root ? "" : "└─ ").append(uid).append(" (").append(k.path("role").asString())
                .append(", ").append(state(k));
        if (k.path("synchronous").asBoolean()) {
            b.append(", sync");
        }
        if (k.path("lagBytes").isNumber()) {
            b.append(", lag ").append(Units.bytes(k.path("lagBytes").asLong()));
        }
        b.append(")\n");
        for (String c : children.getOrDefault(uid, List.of())) {
            tree(b, c, byUid, children, root ? indent : indent + "   ", false);
        }
    }

    /** {@code GET /cluster/history}: one line per master change, oldest first. */
    public static String history(JsonNode h) {
        Table t = new Table("TIME", "REASON", "FROM", "TO", "TL", "WAL", "WHY");
        for (JsonNode e : h.path("entries")) {
            t.row(text(e, "time").map(Views::shortTime).orElse(null), e.path("reason").asString(),
                    text(e, "fromKeeperUid").orElse(null), text(e, "toKeeperUid").orElse(null),
                    number(e, "timelineId"), e.path("walPosition").isNumber() ? Units.lsn(e.path("walPosition").asLong())
                            : null, text(e, "why").orElse(null));
        }
        return t.isEmpty() ? "no master changes yet\n" : t.toString();
    }

    /** {@code GET /keepers}: each keeper's settings and state. */
    public static String keepers(JsonNode list) {
        Table t = new Table("KEEPER", "ROLE", "STATE", "PRIO", "NO-FAILOVER", "NO-SYNC", "ADMITTED");
        for (JsonNode k : list.isArray() ? list : list.path("keepers")) {
            t.row(k.path("uid").asString(), text(k, "role").orElse(null), state(k), k.path("priority").asInt(),
                    yes(k.path("noFailover")), yes(k.path("noSync")), yes(k.path("admitted")));
        }
        return t.toString();
    }

    /** {@code GET /backups}: the catalogue, newest last. */
    public static String backups(JsonNode b) {
        if (!b.path("configured").asBoolean(true) && b.path("catalog").isEmpty()) {
            return "backup is not configured (the spec has no backup)\n";
        }
        Table t = new Table("LABEL", "TYPE", "START", "STOP", "SIZE", "WAL");
        for (JsonNode s : b.path("catalog")) {
            t.row(s.path("label").asString(), s.path("type").asString(), text(s, "start").map(Views::shortTime)
                            .orElse(null), text(s, "stop").map(Views::shortTime).orElse(null),
                    s.path("size").isNumber() ? Units.bytes(s.path("size").asLong()) : null,
                    text(s, "walStart").map(w -> w + " … " + s.path("walStop").asString("")).orElse(null));
        }
        return t.isEmpty() ? "no backups yet\n" : t.toString();
    }

    /** The primary as "keeper (db)"; "none" without one. */
    static String primary(JsonNode v) {
        return text(v, "primaryKeeper").map(k -> k + " (" + v.path("primary").asString() + ")").orElse("none");
    }

    static String state(JsonNode k) {
        if (k.has("alive") && !k.path("alive").asBoolean()) {
            return "gone";
        }
        return k.path("healthy").asBoolean() ? "running" : "unhealthy";
    }

    private static String flags(JsonNode k) {
        List<String> f = new ArrayList<>();
        if (k.path("needsRestart").asBoolean()) {
            f.add("needs-restart");
        }
        if (k.path("noFailover").asBoolean()) {
            f.add("no-failover");
        }
        if (k.path("noSync").asBoolean()) {
            f.add("no-sync");
        }
        if (k.path("archive").path("failing").asBoolean()) {
            f.add("archive-failing");
        }
        return f.isEmpty() ? null : String.join(",", f);
    }

    private static boolean hasKeeper(JsonNode v, String uid) {
        for (JsonNode k : v.path("keepers")) {
            if (uid.equals(k.path("uid").asString())) {
                return true;
            }
        }
        return false;
    }

    private static String yes(JsonNode b) {
        return b.asBoolean() ? "yes" : "no";
    }

    private static Object number(JsonNode n, String field) {
        return n.path(field).isNumber() ? n.path(field).asLong() : null;
    }

    static java.util.Optional<String> text(JsonNode n, String field) {
        JsonNode f = n.path(field);
        return f.isString() && !f.asString().isEmpty() ? java.util.Optional.of(f.asString())
                : java.util.Optional.empty();
    }

    /** {@code 2026-12-03 06:16:25Z}: seconds are enough to read. */
    static String shortTime(String iso) {
        try {
            return Instant.parse(iso).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace('T', ' ');
        } catch (RuntimeException e) {
            return iso;
        }
    }
}
