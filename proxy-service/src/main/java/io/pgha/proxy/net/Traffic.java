package io.pgha.proxy.net;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hot-path counters of the data path, read by metrics: plain adders, so forwarding a buffer costs one
 * uncontended add rather than a meter lookup.
 */
public final class Traffic {
    private final LongAdder toBackend = new LongAdder();
    private final LongAdder toClient = new LongAdder();
    private final Map<Listener, LongAdder> accepted = new EnumMap<>(Listener.class);
    private final Map<Listener, LongAdder> refused = new EnumMap<>(Listener.class);
    private final Map<Listener, LongAdder> active = new EnumMap<>(Listener.class);
    private final Map<Listener, LongAdder> cancels = new EnumMap<>(Listener.class);
    private final Map<Listener, LongAdder> held = new EnumMap<>(Listener.class);

    public Traffic() {
        for (Listener l : Listener.values()) {
            accepted.put(l, new LongAdder());
            refused.put(l, new LongAdder());
            active.put(l, new LongAdder());
            cancels.put(l, new LongAdder());
            held.put(l, new LongAdder());
        }
    }

    public long bytesToBackend() {
        return toBackend.sum();
    }

    public long bytesToClient() {
        return toClient.sum();
    }

    public long accepted(Listener l) {
        return accepted.get(l).sum();
    }

    public long refused(Listener l) {
        return refused.get(l).sum();
    }

    public long cancelRequests(Listener l) {
        return cancels.get(l).sum();
    }

    public long held(Listener l) {
        return held.get(l).sum();
    }

    public long active(Listener l) {
        return active.get(l).sum();
    }

    void addToBackend(int bytes) {
        toBackend.add(bytes);
    }

    void addToClient(int bytes) {
        toClient.add(bytes);
    }

    void opened(Listener l) {
        accepted.get(l).increment();
        active.get(l).increment();
    }

    void closed(Listener l) {
        active.get(l).decrement();
    }

    void countHeld(Listener l) {
        held.get(l).increment();
    }

    void countCancel(Listener l) {
        cancels.get(l).increment();
    }

    void countRefused(Listener l) {
        refused.get(l).increment();
    }
}
