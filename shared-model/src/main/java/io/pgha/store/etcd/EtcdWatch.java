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
 * continues from the present. It runs on the store's preferred member and moves (from the same revision) when
 * that changes: a watch on a member that a partition cut off would otherwise wait for events in silence.
 */
final class EtcdWatch implements StoreWatch {
    private static final Logger log = LoggerFactory.getLogger(EtcdWatch.class);
    private static final long RETRY_MILLIS = 500;

    private final EtcdMembers members;
    private final Runnable onSwitch = this::memberSwitched;
    private final ScheduledExecutorService scheduler;
    private final String root;
    private final String key;
    private final boolean prefix;
    private final WatchListener listener;
    private final Object lock = new Object();
    /** The first revision not yet delivered; 0 until the first response pins "now". */
    private long nextRevision;
    private Watch.Watcher watcher;
    /** The member the current watcher runs on. */
    private EtcdMembers.Member member;
    private Subscription subscription;
    private boolean closed;

    private EtcdWatch(EtcdMembers members, ScheduledExecutorService scheduler, String root, String key,
                      boolean prefix, WatchListener listener) {
        this.members = members;
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
    static EtcdWatch start(EtcdMembers members, ScheduledExecutorService scheduler, String root, String key,
                           boolean prefix, WatchListener listener, long fromRevision) {
        EtcdWatch w = new EtcdWatch(members, scheduler, root, key, prefix, listener);
        w.nextRevision = fromRevision;
        members.onSwitch(w.onSwitch);
        w.open();
        return w;
    }

    /** The store moved to another member: move the watch there too (off the reporting thread). */
    private void memberSwitched() {
        synchronized (lock) {
            if (closed || watcher == null || member == members.preferred()) {
                return;
            }
            log.debug("watch key={} moves from member={} to member={}", key, member, members.preferred());
            closeWatcher();
        }
        scheduleReopen(0);
    }

    private void open() {
        synchronized (lock) {
            if (closed || watcher != null) {
                return;
            }
            WatchOption.Builder option = WatchOption.builder().isPrefix(prefix).withCreateNotify(true)
                    .withRequireLeader(true);
            if (nextRevision > 0) {
                option.withRevision(nextRevision);
            }
            member = members.preferred();
            subscription = new Subscription();
            watcher = member.watches.watch(ByteSequence.from(root + key, StandardCharsets.UTF_8), option.build(),
                    subscription);
        }
    }

    /**
     * The callbacks of one watcher. A watcher closed because the watch moved may still report (its stream ending):
     * only the current one's callbacks count.
     */
    private final class Subscription implements Watch.Listener {
        @Override
        public void onNext(WatchResponse response) {
            if (isCurrent()) {
                EtcdWatch.this.onNext(response);
            }
        }

        @Override
        public void onError(Throwable t) {
            if (isCurrent()) {
                EtcdWatch.this.onError(t);
            }
        }

        @Override
        public void onCompleted() {
            if (isCurrent()) {
                EtcdWatch.this.onCompleted();
            }
        }

        private boolean isCurrent() {
            synchronized (lock) {
                return subscription == this;
            }
        }
    }

    private void onNext(WatchResponse response) {
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

    private void onError(Throwable t) {
        String message = EtcdClusterStore.rootMessage(t);
        boolean compacted = message.contains("compacted");
        EtcdMembers.Member on;
        synchronized (lock) {
            if (closed) {
                return;
            }
            on = member;
            closeWatcher();
            if (compacted) {
                nextRevision = 0;
            }
        }
        if (!compacted && on != null && EtcdMembers.isMemberProblem(t)) {
            members.failed(on, "watch " + key + ": " + message); // e.g. the member lost its leader
        }
        log.warn("watch key={} interrupted ({}), resuming", key, message);
        if (compacted) {
            try {
                listener.onReset();
            } catch (RuntimeException e) {
                log.error("watch key={} reset listener failed", key, e);
            }
        }
        scheduleReopen(RETRY_MILLIS);
    }

    private void onCompleted() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closeWatcher();
        }
        scheduleReopen(RETRY_MILLIS);
    }

    private void scheduleReopen(long millis) {
        try {
            scheduler.schedule(this::open, millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("watch key={} not resumed: store closing", key);
        }
    }

    private void closeWatcher() {
        Watch.Watcher closing = watcher;
        // Cleared first: closing may call back (its stream ending), and that callback must not count.
        watcher = null;
        subscription = null;
        if (closing != null) {
            try {
                closing.close();
            } catch (RuntimeException e) {
                log.debug("watch key={} close failed: {}", key, e.toString());
            }
        }
    }

    @Override
    public void close() {
        members.removeSwitchListener(onSwitch);
        synchronized (lock) {
            closed = true;
            closeWatcher();
        }
    }
}
