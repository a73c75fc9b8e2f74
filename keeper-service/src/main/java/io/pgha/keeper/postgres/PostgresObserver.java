package io.pgha.keeper.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.pgha.model.Durations;
import io.pgha.model.KeeperInfo;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQL to the local instance through a small HikariCP pool with short timeouts: observations each loop,
 * and the few statements the keeper runs (roles, slots). A failed connection is an observation ("not
 * reachable"), never an exception out of {@link #observe}.
 */
public final class PostgresObserver implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresObserver.class);

    private volatile HikariDataSource pool;
    private final PostgresInstance instance;
    /**
     * The highest timeline seen for this system id. A standby's replay timeline cannot be read in SQL: the WAL
     * receiver shows it only while streaming and the control file only after a restartpoint, so when the
     * primary dies a standby that followed a timeline switch would look as if it were back on the old
     * timeline — and be refused as a failover candidate. Within one system id the timeline only grows
     * (promotion, rewind and base backups all move forward), so remembering the maximum is exact enough; a
     * standby that could not follow a fork never saw the new timeline and still reports the old one.
     */
    private long knownTimeline;
    private String knownTimelineSystemId;
    private final String jdbcUrl;
    private final String user;
    private final String password;
    /** The spec's requestTimeout, which the pool's timeouts follow. */
    private Duration requestTimeout;

    public PostgresObserver(PostgresInstance instance, String host, int port, String user, String password,
                            Duration timeout) {
        this.instance = instance;
        this.jdbcUrl = "jdbc:postgresql://" + host + ":" + port + "/postgres?ApplicationName=pgha-keeper"
                + "&tcpKeepAlive=true";
        this.user = user;
        this.password = password;
        this.requestTimeout = timeout;
        this.pool = newPool(timeout);
    }

    /**
     * A connection attempt waits up to {@code timeout}; a query without an answer for twice as long (a frozen or
     * stuck server, which would not hear a cancel either) fails.
     */
    private HikariDataSource newPool(Duration timeout) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("keeper-pg");
        c.setJdbcUrl(jdbcUrl + "&connectTimeout=" + Math.max(1, timeout.toSeconds())
                + "&socketTimeout=" + Math.max(2, timeout.toSeconds() * 2));
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(2);
        c.setMinimumIdle(0);
        c.setConnectionTimeout(Math.max(250, timeout.toMillis()));
        c.setValidationTimeout(Math.max(250, timeout.toMillis() / 2));
        c.setInitializationFailTimeout(-1);
        c.setIdleTimeout(30_000);
        c.setMaxLifetime(300_000);
        return new HikariDataSource(c);
    }

    /**
     * Follows the spec's requestTimeout. HikariCP takes a new connection timeout only at its next housekeeping
     * (up to 30 s later) and the socket timeout only for new connections, so a change gets a new pool.
     */
    public synchronized void requestTimeout(Duration timeout) {
        if (!timeout.equals(requestTimeout)) {
            HikariDataSource old = pool;
            pool = newPool(timeout);
            requestTimeout = timeout;
            old.close();
            log.info("requestTimeout={} for the keeper's connections to PostgreSQL", Durations.format(timeout));
        }
    }

    /** One look at the instance; never throws. */
    public Observation observe() {
        boolean running = instance.isRunning();
        if (!running) {
            return Observation.down(false);
        }
        try (Connection conn = pool.getConnection(); Statement st = conn.createStatement()) {
            boolean inRecovery = bool(st, "SELECT pg_is_in_recovery()");
            String systemId = string(st, "SELECT system_identifier::text FROM pg_control_system()");
            String version = string(st, "SHOW server_version");
            long wal = 0;
            long received = 0;
            long replayed = 0;
            long timeline;
            boolean streaming = false;
            KeeperInfo.Upstream upstream = null;
            List<String> sync = new ArrayList<>();
            if (inRecovery) {
                received = Lsn.parse(string(st, "SELECT pg_last_wal_receive_lsn()::text"));
                replayed = Lsn.parse(string(st, "SELECT pg_last_wal_replay_lsn()::text"));
                wal = Math.max(received, replayed);
                long receivedTli = 0;
                try (ResultSet rs = st.executeQuery("SELECT status, received_tli, sender_host, sender_port,"
                        + " latest_end_lsn::text, last_msg_receipt_time FROM pg_stat_wal_receiver")) {
                    if (rs.next()) {
                        streaming = "streaming".equals(rs.getString(1));
                        receivedTli = rs.getLong(2);
                        if (streaming) {
                            int port = rs.getInt(4);
                            Integer senderPort = rs.wasNull() ? null : port;
                            String walEnd = rs.getString(5);
                            java.sql.Timestamp last = rs.getTimestamp(6);
                            upstream = new KeeperInfo.Upstream(rs.getString(3), senderPort,
                                    walEnd == null ? 0 : Lsn.parse(walEnd), last == null ? null : last.toInstant());
                        }
                    }
                }
                // The replayed timeline: the last restartpoint's, newer once the receiver follows a new one, and
                // never lower than what this keeper already saw (see knownTimeline).
                timeline = Math.max(receivedTli,
                        Long.parseLong(string(st, "SELECT timeline_id::text FROM pg_control_checkpoint()")));
                if (systemId.equals(knownTimelineSystemId)) {
                    timeline = Math.max(timeline, knownTimeline);
                }
            } else {
                wal = Lsn.parse(string(st, "SELECT pg_current_wal_lsn()::text"));
                timeline = Long.parseLong(string(st, "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"),
                        16);
                // In sync = confirming now: a standby whose replication a partition cut keeps its row (and state
                // 'streaming') until wal_sender_timeout, but its replies stop; standbys reply every
                // wal_receiver_status_interval (1 s by default here), so three intervals without one means stuck.
                try (ResultSet rs = st.executeQuery("SELECT application_name FROM pg_stat_replication"
                        + " WHERE sync_state IN ('sync', 'quorum') AND state = 'streaming' AND (reply_time IS NULL"
                        + " OR reply_time > now() - greatest(interval '3 seconds',"
                        + " 3 * current_setting('wal_receiver_status_interval')::interval))")) {
                    while (rs.next()) {
                        sync.add(rs.getString(1));
                    }
                }
            }
            knownTimeline = timeline;
            knownTimelineSystemId = systemId;
            Map<String, String> params = new HashMap<>();
            Set<String> pending = new HashSet<>();
            try (ResultSet rs = st.executeQuery("SELECT name, setting, pending_restart FROM pg_settings"
                    + " WHERE source = 'configuration file' OR pending_restart")) {
                while (rs.next()) {
                    params.put(rs.getString(1), rs.getString(2));
                    // A promoted primary's file no longer has the recovery_target_* settings, and PostgreSQL reports
                    // them pending a restart; they act only when an instance starts in recovery, so on a primary
                    // that restart would change nothing (and would cost every new primary a switchover).
                    if (rs.getBoolean(3) && (inRecovery || !rs.getString(1).startsWith("recovery_target"))) {
                        pending.add(rs.getString(1));
                    }
                }
            }
            String oldestWal = string(st, "SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'");
            Set<String> slots = new HashSet<>();
            try (ResultSet rs = st.executeQuery("SELECT slot_name FROM pg_replication_slots")) {
                while (rs.next()) {
                    slots.add(rs.getString(1));
                }
            }
            return new Observation(true, true, inRecovery, systemId, timeline, instance.timelineHistory(timeline),
                    wal, received, replayed, streaming, sync, version, params, pending, oldestWal, slots,
                    archiver(st), upstream);
        } catch (SQLException | RuntimeException e) {
            log.debug("observation failed: {}", e.getMessage());
            return Observation.down(instance.isRunning());
        }
    }

    /** pg_stat_archiver while archive_mode is on or always; null when it is off. */
    private static KeeperInfo.Archiver archiver(Statement st) throws SQLException {
        String mode = string(st, "SHOW archive_mode");
        if ("off".equals(mode)) {
            return null;
        }
        try (ResultSet rs = st.executeQuery("SELECT archived_count, last_archived_wal, last_archived_time,"
                + " failed_count, last_failed_wal, last_failed_time FROM pg_stat_archiver")) {
            rs.next();
            return new KeeperInfo.Archiver(mode, rs.getLong(1), rs.getString(2), instant(rs.getTimestamp(3)),
                    rs.getLong(4), rs.getString(5), instant(rs.getTimestamp(6)));
        }
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    /** Statements run on one connection; an {@link SQLException} propagates to {@link #execute}'s caller. */
    @FunctionalInterface
    public interface StatementWork {
        void run(Statement st) throws SQLException;
    }

    /** Runs statements in one connection (autocommit); failures propagate. */
    public void execute(StatementWork work) throws SQLException {
        try (Connection conn = pool.getConnection(); Statement st = conn.createStatement()) {
            work.run(st);
        }
    }

    /**
     * Waits until the instance left recovery (a promotion finished), looking every 10 ms; false when it had not
     * by {@code deadline}. A look that fails (the server busy ending recovery) counts as "not yet".
     */
    public boolean awaitOutOfRecovery(Instant deadline) throws InterruptedException {
        while (true) {
            try (Connection conn = pool.getConnection(); Statement st = conn.createStatement()) {
                if (!bool(st, "SELECT pg_is_in_recovery()")) {
                    return true;
                }
            } catch (SQLException e) {
                log.debug("promotion check failed: {}", e.getMessage());
            }
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            Thread.sleep(10);
        }
    }

    public void evictConnections() {
        pool.getHikariPoolMXBean().softEvictConnections();
    }

    private static boolean bool(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static String string(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Override
    public synchronized void close() {
        pool.close();
    }
}
