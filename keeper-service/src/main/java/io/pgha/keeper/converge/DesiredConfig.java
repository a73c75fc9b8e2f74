package io.pgha.keeper.converge;

import io.pgha.keeper.postgres.PostgresConfig;
import io.pgha.model.ClusterData;
import io.pgha.model.ClusterSpec;
import io.pgha.model.EffectiveSpec;
import io.pgha.model.DB;
import io.pgha.model.KeeperInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The configuration a DB wants, rendered from the cluster data (pure).
 *
 * @param postgresqlConf the whole {@code postgresql.conf}
 * @param pgHba          the whole {@code pg_hba.conf}
 * @param standbySignal  true: {@code standby.signal} must exist; false: must not; null: leave it (a running
 *                       standby being promoted removes it itself, and fails if it is gone)
 */
record DesiredConfig(String postgresqlConf, String pgHba, Boolean standbySignal) {

    /** Whether the files on disk are already these. */
    boolean matches(String conf, String hba) {
        return postgresqlConf.equals(conf) && pgHba.equals(hba);
    }

    /**
     * @param syncGateClosed     pg_hba.conf lets only the keeper in while the synchronous standbys catch up
     * @param writesFenced       the fence block goes at the end of postgresql.conf
     * @param running            whether PostgreSQL runs (decides {@code standbySignal} on a primary)
     * @param instanceParameters what initdb (or an adopted instance) chose, kept below the spec's on a primary
     */
    static DesiredConfig render(ConfigSettings s, DB db, ClusterData cd, Map<String, KeeperInfo> peers,
                                Map<String, String> instanceParameters, boolean syncGateClosed,
                                boolean writesFenced, boolean running) {
        EffectiveSpec spec = cd.cluster().spec().effective();
        int maxStandbys = db.spec().maxStandbys() > 0 ? db.spec().maxStandbys() : spec.maxStandbys();
        int walSenders = maxStandbys + Math.max(db.spec().additionalWalSenders(), 0);
        int slots = walSenders + db.spec().additionalReplicationSlots().size();
        boolean master = db.spec().role() == DB.Role.MASTER;
        String syncNames = master ? PostgresConfig.synchronousStandbyNames(db.spec().synchronousReplication(),
                db.spec().synchronousStandbys(), spec.minSynchronousStandbys(), db.spec().synchronousQuorum()) : "";
        boolean backups = spec.backup().isPresent();
        PostgresConfig.Standby standby = null;
        if (!master && db.spec().followsUpstream()) {
            // A standby cluster's leader: the operator's upstream, slot and restore command.
            ClusterSpec.StandbyConfig upstream = db.spec().followConfig().standbySettings();
            standby = new PostgresConfig.Standby(s.upstreamConninfo(upstream.primaryConninfo(), db.uid()),
                    upstream.primarySlotName(), upstream.restoreCommand());
        } else if (!master) {
            Source source = Source.of(db, cd, peers).orElse(null);
            String conninfo = source == null ? "" : s.conninfo(source, s.replicationUser(), db.uid());
            standby = new PostgresConfig.Standby(conninfo, KeeperStep.slotName(db.uid()),
                    backups ? s.backupArchiving().restoreCommand() : null);
        }
        String conf = PostgresConfig.withFence(PostgresConfig.postgresqlConf(new PostgresConfig.Desired(
                s.listenAddress(), s.port(), s.socketDir(), walSenders, slots, syncNames, standby,
                backups ? withBackupArchiving(db.spec().pgParameters(), s.backupArchiving()) : db.spec().pgParameters(),
                master ? instanceParameters : Map.of())), writesFenced);
        List<String> peerAddresses = new ArrayList<>();
        peers.forEach((uid, info) -> {
            if (!uid.equals(s.keeperUid()) && info.postgres() != null && info.postgres().listenAddress() != null) {
                peerAddresses.add(info.postgres().listenAddress());
            }
        });
        // Also every keeper the cluster data knows: one whose registration is missing for a moment (lease lost in a
        // partition) must still be let in to replicate, or it never catches up once it is back.
        cd.dbs().values().forEach(other -> {
            if (!other.spec().keeperUid().equals(s.keeperUid()) && other.status().listenAddress() != null) {
                peerAddresses.add(other.status().listenAddress());
            }
        });
        String hba = PostgresConfig.pgHba(s.superuser(), s.replicationUser(), peerAddresses.stream()
                .sorted().distinct().toList(), db.spec().pgHBA(), syncGateClosed);
        Boolean signal = !master ? Boolean.TRUE : running ? null : Boolean.FALSE;
        return new DesiredConfig(conf, hba, signal);
    }

    /**
     * With built-in backups the primary archives into the repository (validation refuses another archive_command
     * and archive_mode=always, which pgBackRest does not support). What a lost primary had not archived yet, its
     * successor's keeper pushes from its own pg_wal after the promotion ({@code BackupAgent}).
     */
    static Map<String, String> withBackupArchiving(Map<String, String> parameters, ConfigSettings.BackupArchiving a) {
        Map<String, String> out = new java.util.LinkedHashMap<>(parameters);
        out.put("archive_mode", "on");
        out.put("archive_command", a.archiveCommand());
        return out;
    }
}
