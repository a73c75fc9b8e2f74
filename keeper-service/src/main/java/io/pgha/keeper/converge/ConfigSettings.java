package io.pgha.keeper.converge;

import java.nio.file.Path;

/**
 * The keeper's own, fixed settings that its configuration files depend on (from {@code pgha.keeper.*}).
 *
 * @param keeperUid       this keeper
 * @param listenAddress   PostgreSQL's listen_addresses
 * @param port            PostgreSQL's port
 * @param socketDir       where PostgreSQL's Unix socket goes
 * @param superuser       the superuser's name (pg_hba.conf)
 * @param replicationUser the replication role's name (pg_hba.conf, primary_conninfo)
 * @param passFile        the keeper's passfile: conninfos point at it and never carry a password
 * @param upstreamPassFile the passfile of a standby cluster's upstream
 * @param backupArchiving archive_command and restore_command through this keeper's pgBackRest configuration, used
 *                        while the spec has {@code backup}
 */
record ConfigSettings(String keeperUid, String listenAddress, int port, Path socketDir, String superuser,
                      String replicationUser, Path passFile, Path upstreamPassFile,
                      BackupArchiving backupArchiving) {

    /** The commands PostgreSQL runs to archive WAL into, and fetch it from, the cluster's pgBackRest repository. */
    record BackupArchiving(String archiveCommand, String restoreCommand) {
    }

    /** A libpq conninfo to {@code s}; the password comes from the keeper's passfile. */
    String conninfo(Source s, String user, String applicationName) {
        StringBuilder b = new StringBuilder("host=").append(s.host()).append(" port=").append(s.port())
                .append(" user=").append(user).append(" dbname=postgres")
                .append(" passfile=").append(passFile)
                .append(" connect_timeout=2 sslmode=prefer");
        if (applicationName != null) {
            b.append(" application_name=").append(applicationName);
        }
        return b.toString();
    }

    /**
     * The operator's conninfo to a standby cluster's upstream (key=value form, validated without a password) with
     * the upstream passfile and this DB's application name; later keywords win in libpq, so these two are pgha's.
     */
    String upstreamConninfo(String primaryConninfo, String applicationName) {
        return primaryConninfo.trim() + " passfile=" + upstreamPassFile + " application_name=" + applicationName;
    }
}
