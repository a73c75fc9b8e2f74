package io.pgha.store;

import java.time.Duration;

/**
 * A kept-alive lease (etcd) or session (Consul). Keys written through it are ephemeral: they vanish when
 * the session ends, whether closed, lost, or because its owner died.
 *
 * <p>Loss is judged locally and early: when no keep-alive was acknowledged for {@code ttl} the session
 * counts as lost and its listener fires, because by then the store may have expired it; leaders must
 * step down on that signal. A lost session never comes back; open a new one.
 */
public interface StoreSession extends AutoCloseable {
    String id();

    Duration ttl();

    boolean isAlive();

    /** Writes {@code key} bound to this session (creating or replacing it). */
    void putEphemeral(String key, String value);

    /**
     * Creates {@code key} bound to this session if no live owner holds it.
     *
     * @return true when this session now holds the key
     */
    boolean createEphemeralIfAbsent(String key, String value);

    /**
     * Stops keep-alives without revoking, as if the owning process had died: the store expires the
     * session after its TTL. For fencing and for tests of failure detection.
     */
    void abandon();

    /** Revokes the session: its keys are deleted at once. */
    @Override
    void close();

    /**
     * Revokes the session again after it was lost: the revoke sent at the loss may have failed (the store was
     * unreachable) while the store still holds the session and its keys. Returns true once the store no longer
     * holds it (revoked now, or already gone); false while the store does not answer.
     */
    boolean release();

    /** Told once, on the first edge from alive to lost (never after a deliberate close). */
    interface Listener {
        void sessionLost(String reason);
    }
}
