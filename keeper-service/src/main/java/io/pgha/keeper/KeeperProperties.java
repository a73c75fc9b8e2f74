package io.pgha.keeper;

import io.pgha.config.MissingPropertyException;
import io.pgha.config.Secrets;
import io.pgha.config.StartupFailure;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code pgha.keeper.*} (README, Configuration).
 *
 * @param uid      keeper uid; else the one persisted in the data dir; else generated
 * @param dataDir  required: holds the keeper's state and PostgreSQL's data ({@code <data-dir>/postgres})
 * @param priority ≥ 0; 0 = never primary
 * @param noSync   never a synchronous standby
 * @param backup   how this keeper runs pgBackRest when the spec has {@code backup} (docs/backup.md)
 * @param standby  how this keeper logs in to a standby cluster's upstream (docs/standby-cluster.md)
 */
@ConfigurationProperties("pgha.keeper")
public record KeeperProperties(String uid, Path dataDir, @DefaultValue Pg pg, @DefaultValue("1") int priority,
                               @DefaultValue("false") boolean noSync, @DefaultValue Backup backup,
                               @DefaultValue Standby standby) {

    public KeeperProperties {
        backup = backup != null ? backup : new Backup(null, "pgbackrest");
        standby = standby != null ? standby : new Standby(null, null);
        if (dataDir == null) {
            throw new MissingPropertyException("pgha.keeper.data-dir", "PGHA_KEEPER_DATA_DIR");
        }
        if (priority < 0) {
            throw new StartupFailure("pgha.keeper.priority must be >= 0 (was " + priority + ")",
                    "Set pgha.keeper.priority to 0 (never primary) or more.");
        }
    }

    /**
     * @param binDir           PostgreSQL binaries; auto-detected when absent
     * @param listenAddress    PostgreSQL {@code listen_addresses}
     * @param advertiseAddress the address other keepers and proxies use (default: listen address)
     * @param osUser           OS user that runs PostgreSQL when the keeper runs as root
     */
    public record Pg(Path binDir, @DefaultValue("127.0.0.1") String listenAddress, @DefaultValue("5432") int port,
                     String advertiseAddress, Integer advertisePort, String osUser,
                     @DefaultValue Credentials superuser, @DefaultValue Credentials replication) {

        public String effectiveAdvertiseAddress() {
            if (advertiseAddress != null) {
                return advertiseAddress;
            }
            return listenAddress.equals("*") || listenAddress.equals("0.0.0.0") ? "127.0.0.1" : listenAddress;
        }

        public int effectiveAdvertisePort() {
            return advertisePort != null ? advertisePort : port;
        }

        /** Where the keeper itself connects: loopback when PostgreSQL listens on every address. */
        public String localAddress() {
            return listenAddress.equals("*") || listenAddress.equals("0.0.0.0") ? "127.0.0.1"
                    : listenAddress.split(",")[0].trim();
        }
    }

    public record Credentials(String username, String password, String passwordFile) {
    }

    /**
     * @param secretDir secret pgBackRest options, one file per option named as the option (e.g.
     *                  {@code repo1-cipher-pass}); absent: none
     * @param command   the pgBackRest program: a path, or a name looked up on PATH
     */
    public record Backup(Path secretDir, @DefaultValue("pgbackrest") String command) {
        public Backup {
            command = command == null || command.isBlank() ? "pgbackrest" : command;
        }
    }

    /**
     * The password of a standby cluster's upstream (the user is in the spec's {@code standbyConfig.primaryConninfo});
     * never in the store. Absent: the upstream lets the standby leader in without one (e.g. a certificate).
     */
    public record Standby(String password, String passwordFile) {
        @Override
        public String toString() {
            return "Standby[password " + (password != null || passwordFile != null ? "given" : "none") + "]";
        }
    }

    /** The upstream's password from {@code pgha.keeper.standby.password(-file)}; empty when neither is set. */
    public java.util.Optional<String> upstreamPassword() {
        try {
            return Secrets.read("pgha.keeper.standby.password", standby.password(), standby.passwordFile());
        } catch (IllegalArgumentException e) {
            throw new StartupFailure(e.getMessage(), "Give pgha.keeper.standby.password-file a non-empty secret, or"
                    + " leave it out when the upstream needs no password.");
        }
    }

    /** User name and password of a PostgreSQL role, resolved from properties or files. */
    public record Role(String username, String password) {
        @Override
        public String toString() {
            return "Role[" + username + "]"; // never the password
        }
    }

    public Role superuser() {
        return role("superuser", pg.superuser(), "postgres");
    }

    public Role replication() {
        return role("replication", pg.replication(), "repluser");
    }

    /** Both roles, checked together: the same user name with two different passwords is an error. */
    public void validateRoles() {
        Role su = superuser();
        Role repl = replication();
        if (su.username().equals(repl.username()) && !su.password().equals(repl.password())) {
            throw new StartupFailure("pgha.keeper.pg.superuser and pgha.keeper.pg.replication name the same user '"
                    + su.username() + "' with different passwords",
                    "Use one password for that user, or different user names.");
        }
    }

    private static Role role(String which, Credentials c, String defaultUser) {
        String property = "pgha.keeper.pg." + which + ".password";
        String user = c.username() != null && !c.username().isBlank() ? c.username() : defaultUser;
        String password;
        try {
            password = Secrets.read(property, c.password(), c.passwordFile()).orElseThrow(
                    () -> new MissingPropertyException(property + "(-file)", "PGHA_KEEPER_PG_"
                            + which.toUpperCase() + "_PASSWORD_FILE"));
        } catch (IllegalArgumentException e) {
            throw new StartupFailure(e.getMessage(), "Give " + property + " or " + property + "-file a non-empty"
                    + " secret.");
        }
        return new Role(user, password);
    }
}
