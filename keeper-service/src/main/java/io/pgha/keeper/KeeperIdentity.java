package io.pgha.keeper;

import io.pgha.config.StartupFailure;
import io.pgha.keeper.postgres.PgCommands;
import io.pgha.model.ClusterSpec;
import io.pgha.model.Uids;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who this keeper is: its uid (configured, else persisted in the data dir, else generated; always a valid
 * replication slot name), the id of this process start, and the exclusive lock on the data dir that keeps
 * a second keeper away from it.
 */
public final class KeeperIdentity implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeeperIdentity.class);
    static final String UID_FILE = "keeper-uid";
    static final String LOCK_FILE = "keeper.lock";

    private final String uid;
    private final String instanceId;
    private final Path dataDir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private KeeperIdentity(String uid, Path dataDir, FileChannel lockChannel, FileLock lock) {
        this.uid = uid;
        this.instanceId = UUID.randomUUID().toString();
        this.dataDir = dataDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    public static KeeperIdentity establish(KeeperProperties properties, PgCommands commands) {
        Path dir = properties.dataDir().toAbsolutePath();
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            commands.giveToOsUser(dir); // PostgreSQL's data lives below it
        } catch (IOException e) {
            throw new StartupFailure("cannot use pgha.keeper.data-dir " + dir + ": " + e.getMessage(),
                    "Make the directory writable by the keeper.");
        }
        FileChannel channel;
        FileLock lock;
        try {
            channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(dir.resolve(LOCK_FILE)).strip();
                channel.close();
                throw new StartupFailure("data dir " + dir + " is in use by another keeper (pid " + holder + ")",
                        "Stop the other keeper, or give this one its own pgha.keeper.data-dir.");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(
                    StandardCharsets.UTF_8)));
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + dir, e);
        }
        String uid = resolveUid(properties.uid(), dir);
        KeeperIdentity id = new KeeperIdentity(uid, dir, channel, lock);
        log.info("keeper uid={} instance={} dataDir={}", uid, id.instanceId, dir);
        return id;
    }

    static String resolveUid(String configured, Path dir) {
        Path file = dir.resolve(UID_FILE);
        try {
            String persisted = Files.exists(file) ? Files.readString(file).strip() : null;
            String uid;
            if (configured != null && !configured.isBlank()) {
                uid = slotSafe(configured);
                if (!uid.equals(configured)) {
                    log.info("keeper uid={} from pgha.keeper.uid={} reason=\"'-' is not allowed in a replication "
                            + "slot name\"", uid, configured);
                }
                if (!ClusterSpec.SLOT_NAME.matcher(uid).matches()) {
                    throw new StartupFailure("pgha.keeper.uid '" + uid + "' is not a valid replication slot name",
                            "Use lower case letters, digits and '_' (at most 63).");
                }
                if (persisted != null && !persisted.equals(uid)) {
                    log.warn("pgha.keeper.uid={} replaces the uid {} persisted in {}", uid, persisted, file);
                }
            } else if (persisted != null && !persisted.isEmpty()) {
                uid = persisted;
            } else {
                uid = Uids.random("k");
            }
            if (!uid.equals(persisted)) {
                Files.writeString(file, uid + "\n");
            }
            return uid;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist the keeper uid in " + file, e);
        }
    }

    /**
     * A Kubernetes pod name ({@code pgha-keeper-0}, what the chart passes) as a keeper uid: the uid names the
     * keeper's replication slot and its entry in {@code synchronous_standby_names}, where '-' is not allowed, so
     * each '-' becomes '_'. Anything else invalid is left for the check to refuse.
     */
    static String slotSafe(String name) {
        return name.replace('-', '_');
    }

    public String uid() {
        return uid;
    }

    /** New at every process start: the sentinel must acknowledge it before PostgreSQL is started. */
    public String instanceId() {
        return instanceId;
    }

    public Path dataDir() {
        return dataDir;
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.debug("releasing the data dir lock: {}", e.getMessage());
        }
    }
}
