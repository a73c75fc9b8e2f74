package io.pgha.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import io.pgha.store.StoreWatch;
import io.pgha.store.WatchEvent;
import io.pgha.store.WatchListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch that never silently stops: when jetcd reports an error or ends the stream, it is re-created
 * from the revision after the last one delivered, so no change is missed or repeated. If that revision
 * was compacted away, the listener is told to re-read ({@link WatchListener#onReset()}) and the watch
 * continues from the present.
 */
final class EtcdWatch implements StoreWatch, Watch.Listener {
    private static final Logger log = LoggerFactory.getLogger(EtcdWatch.class);
    private static final long RETRY_MILLIS = 500;

    private final Watch watchClient;
    private final ScheduledExecutorService scheduler;
    private final String root;
    private final String key;
    private final boolean prefix;
    private final WatchListener listener;
    private final Object lock = new Object();
    /** The first revision not yet delivered; 0 until the first response pins "now". */
    private long nextRevision;
    private Watch.Watcher watcher;
    private boolean closed;

    private EtcdWatch(Watch watchClient, ScheduledExecutorService scheduler, String root, String key,
                      boolean prefix, WatchListener listener) {
        this.watchClient = watchClient;
        this.scheduler = scheduler;
        this.root = root;
        this.key = key;
        this.prefix = prefix;
        this.listener = listener;
    }

    /**
     * Starts watching from {@code fromRevision} (the revision after the store's current one, so that nothing
     * written once this returns is missed), or from whenever the server registers the watch when 0 (the store
     * did not answer: the watch still starts and resumes once it does).
     */
    static EtcdWatch start(Watch watchClient, ScheduledExecutorService scheduler, String root, String key,
                           boolean prefix, WatchListener listener, long fromRevision) {
        EtcdWatch w = new EtcdWatch(watchClient, scheduler, root, key, prefix, listener);
        w.nextRevision = fromRevision;
        w.open();
        return w;
    }

    private void open() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            WatchOption.Builder option = WatchOption.builder().isPrefix(prefix).withCreateNotify(true)
                    .withRequireLeader(true);
            if (nextRevision > 0) {
                option.withRevision(nextRevision);
            }
            watcher = watchClient.watch(ByteSequence.from(root + key, StandardCharsets.UTF_8), option.build(),
                    this);
        }
    }

    @Override
    public void onNext(WatchResponse response) {
        List<WatchEvent> events = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (nextRevision == 0 && response.isCreatedNotify()) {
                nextRevision = response.getHeader().getRevision() + 1;
            }
            for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
                KeyValue kv = e.getKeyValue();
                if (kv.getModRevision() < nextRevision) {
                    continue; // already delivered before a resume
                }
                boolean put = e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.PUT;
                String k = kv.getKey().toString(StandardCharsets.UTF_8).substring(root.length());
                events.add(new WatchEvent(put ? WatchEvent.Type.PUT : WatchEvent.Type.DELETE, k,
                        put ? kv.getValue().toString(StandardCharsets.UTF_8) : null, kv.getModRevision()));
                nextRevision = Math.max(nextRevision, kv.getModRevision() + 1);
            }
        }
        if (!events.isEmpty()) {
            deliver(events);
        }
    }

    private void deliver(List<WatchEvent> events) {
        try {
            listener.onEvents(events);
        } catch (RuntimeException e) {
            log.error("watch key={} listener failed", key, e);
        }
    }

    @Override
    public void onError(Throwable t) {
        String message = EtcdClusterStore.rootMessage(t);
        boolean compacted = message.contains("compacted");
        synchronized (lock) {
            if (closed) {
                return;
            }
            closeWatcher();
            if (compacted) {
                nextRevision = 0;
            }
        }
        log.warn("watch key={} interrupted ({}), resuming", key, message);
        if (compacted) {
            try {
                listener.onReset();
            } catch (RuntimeException e) {
                log.error("watch key={} reset listener failed", key, e);
            }
        }
        scheduleReopen();
    }

    @Override
    public void onCompleted() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closeWatcher();
        }
        scheduleReopen();
    }

    private void scheduleReopen() {
        try {
            scheduler.schedule(this::open, RETRY_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("watch key={} not resumed: store closing", key);
        }
    }

    private void closeWatcher() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (RuntimeException e) {
                log.debug("watch key={} close failed: {}", key, e.toString());
            }
            watcher = null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            closeWatcher();
        }
    }
}
