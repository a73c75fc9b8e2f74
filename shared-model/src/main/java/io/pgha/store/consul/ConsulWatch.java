package io.pgha.store.consul;

import io.pgha.store.StoreException;
import io.pgha.store.StoreWatch;
import io.pgha.store.Versioned;
import io.pgha.store.WatchEvent;
import io.pgha.store.WatchListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch as a loop of Consul blocking queries. Each answer is diffed with the previous snapshot into
 * PUT/DELETE events ordered by index. Errors are retried from the last index, so an outage or a Consul
 * restart resumes the watch; when the index goes backwards (state restored), the listener is told to
 * re-read.
 */
final class ConsulWatch implements StoreWatch {
    private static final Logger log = LoggerFactory.getLogger(ConsulWatch.class);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ConsulClusterStore store;
    private final String key;
    private final boolean prefix;
    private final WatchListener listener;
    private final Thread thread;
    private volatile boolean closed;
    private long index;
    private Map<String, Versioned<String>> snapshot = new LinkedHashMap<>();

    private ConsulWatch(ConsulClusterStore store, String key, boolean prefix, WatchListener listener) {
        this.store = store;
        this.key = key;
        this.prefix = prefix;
        this.listener = listener;
        this.thread = new Thread(this::run, "consul-watch-" + key);
        this.thread.setDaemon(true);
    }

    static ConsulWatch start(ConsulClusterStore store, String key, boolean prefix,
                             WatchListener listener) {
        ConsulWatch w = new ConsulWatch(store, key, prefix, listener);
        w.thread.start();
        return w;
    }

    private void run() {
        boolean primed = false;
        while (!closed) {
            try {
                String query = store.kvPath(key) + (prefix ? "?recurse=true&" : "?")
                        + (primed ? "index=" + index + "&wait=" + WAIT.toSeconds() + "s" : "stale=false");
                ConsulHttp.Response r = store.http().send("watch " + key, "GET", query, null,
                        primed ? WAIT.plus(store.timeout()) : store.timeout());
                List<Versioned<String>> entries = r.status() == 404 ? List.of() : parse(r);
                Map<String, Versioned<String>> next = new LinkedHashMap<>();
                entries.forEach(e -> next.put(e.key(), e));
                if (!primed) {
                    primed = true;
                } else if (r.index() < index) {
                    log.warn("watch key={} index went backwards ({} -> {}): re-reading", key, index, r.index());
                    listener.onReset();
                } else if (r.index() != index) {
                    List<WatchEvent> events = diff(snapshot, next, r.index());
                    if (!events.isEmpty()) {
                        listener.onEvents(events);
                    }
                }
                snapshot = next;
                index = Math.max(1, r.index());
            } catch (StoreException e) {
                log.debug("watch key={} retrying: {}", key, e.getMessage());
                pause();
            } catch (RuntimeException e) {
                log.error("watch key={} listener failed", key, e);
            }
        }
    }

    private List<Versioned<String>> parse(ConsulHttp.Response r) {
        ConsulClusterStore.expect(r, "watch " + key);
        List<Versioned<String>> entries = store.parseEntries(r.body());
        return prefix ? entries : entries.stream().filter(e -> e.key().equals(key)).toList();
    }

    /** The changes from one snapshot to the next, in index order; deletes carry the query's index. */
    static List<WatchEvent> diff(Map<String, Versioned<String>> before, Map<String, Versioned<String>> after,
                                 long index) {
        List<WatchEvent> events = new ArrayList<>();
        after.forEach((k, v) -> {
            Versioned<String> old = before.get(k);
            if (old == null || old.revision() != v.revision()) {
                events.add(new WatchEvent(WatchEvent.Type.PUT, k, v.value(), v.revision()));
            }
        });
        before.keySet().stream().filter(k -> !after.containsKey(k))
                .forEach(k -> events.add(new WatchEvent(WatchEvent.Type.DELETE, k, null, index)));
        events.sort(Comparator.comparingLong(WatchEvent::revision));
        return events;
    }

    private void pause() {
        try {
            Thread.sleep(500); // back off before retrying an unreachable Consul
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
