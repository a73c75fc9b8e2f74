package io.pgha.sentinel.evidence;

import io.pgha.sentinel.planner.Observations.PortProbe;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sentinel's own look at a DB's PostgreSQL port: a plain TCP connect, closed at once (PostgreSQL logs nothing
 * for a connection that sends no bytes). Only "refused" counts as evidence: the host answered that nothing listens
 * there. A timeout (frozen or unreachable host) or any other error says nothing.
 */
public final class PortProber {
    private final Clock clock;
    private final Duration connectTimeout;
    private final Map<String, PortProbe> results = new ConcurrentHashMap<>();

    public PortProber(Clock clock, Duration connectTimeout) {
        this.clock = clock;
        this.connectTimeout = connectTimeout;
    }

    /** Probes {@code host:port} for DB {@code dbUid} once; returns true when the outcome changed. */
    public boolean probe(String dbUid, String host, int port) {
        String address = host + ":" + port;
        PortProbe before = results.get(dbUid);
        PortProbe after;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            after = PortProbe.notRefused(address, clock.instant());
        } catch (ConnectException e) {
            after = String.valueOf(e.getMessage()).contains("refused")
                    ? PortProbe.refused(address, clock.instant(), before) : PortProbe.notRefused(address, clock.instant());
        } catch (IOException | RuntimeException e) {
            after = PortProbe.notRefused(address, clock.instant()); // timed out, unreachable: no evidence either way
        }
        results.put(dbUid, after);
        return before == null || (before.refusedSince() == null) != (after.refusedSince() == null)
                || after.refusals() == 2;
    }

    /** Forgets every DB but {@code keep}. */
    public void retainOnly(String keep) {
        results.keySet().removeIf(uid -> !uid.equals(keep));
    }

    /** Forgets every result: nothing is being probed. */
    public void clear() {
        results.clear();
    }

    public Map<String, PortProbe> results() {
        return Map.copyOf(results);
    }
}
