package io.pgha.keeper.backup;

import io.pgha.model.BackupConfig;
import io.pgha.model.Backups;
import io.pgha.model.JsonCodec;
import io.pgha.keeper.postgres.Lsn;
import io.pgha.model.ClusterSpec;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;

/** The backups of a stanza from {@code pgbackrest info --output=json} (pure parsing). */
public final class BackupCatalog {
    private BackupCatalog() {
    }

    /**
     * The backup a restore to {@code pitr}'s target starts from: the newest one that ended before a time or WAL
     * position target (recovery can only go forwards from a backup's end), the newest of all for other targets;
     * empty when the stanza has none that qualifies.
     */
    public static Optional<Backups.BackupSet> forTarget(List<Backups.BackupSet> sets, ClusterSpec.PitrConfig pitr) {
        Predicate<Backups.BackupSet> before = b -> true;
        if (pitr.recoveryTargetTime() != null && !pitr.recoveryTargetTime().isBlank()) {
            Instant target = OffsetDateTime.parse(pitr.recoveryTargetTime()).toInstant();
            before = b -> b.stop().isBefore(target);
        } else if (pitr.recoveryTargetLsn() != null && !pitr.recoveryTargetLsn().isBlank()) {
            long target = Lsn.parse(pitr.recoveryTargetLsn());
            before = b -> b.lsnStop() != null && Lsn.parse(b.lsnStop()) <= target;
        }
        return sets.stream().filter(before).max(Comparator.comparing(Backups.BackupSet::stop));
    }

    /** The stanza's backups, oldest first; an empty list for a stanza without any. */
    public static List<Backups.BackupSet> parse(String infoJson, String stanza) {
        JsonNode root = JsonCodec.mapper().readTree(infoJson);
        List<Backups.BackupSet> out = new ArrayList<>();
        for (JsonNode s : root) {
            if (!stanza.equals(s.path("name").asString())) {
                continue;
            }
            for (JsonNode b : s.path("backup")) {
                if (b.path("error").asBoolean(false)) {
                    continue; // a backup pgBackRest found damaged is no restore point
                }
                out.add(new Backups.BackupSet(b.path("label").asString(),
                        BackupConfig.Type.parse(b.path("type").asString()),
                        b.path("prior").isNull() ? null : b.path("prior").asString(null),
                        Instant.ofEpochSecond(b.path("timestamp").path("start").asLong()),
                        Instant.ofEpochSecond(b.path("timestamp").path("stop").asLong()),
                        b.path("archive").path("start").asString(null), b.path("archive").path("stop").asString(null),
                        b.path("lsn").path("start").asString(null), b.path("lsn").path("stop").asString(null),
                        b.path("info").path("size").asLong(), b.path("info").path("repository").path("delta").asLong()));
            }
        }
        return out;
    }
}
