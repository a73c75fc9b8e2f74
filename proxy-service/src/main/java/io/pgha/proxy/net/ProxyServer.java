package io.pgha.proxy.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroupFuture;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import io.pgha.proxy.ProxyProperties;
import io.pgha.proxy.route.Backend;
import io.pgha.proxy.route.Routing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners and the routes behind them. {@link #apply} installs a new {@link Routing}: a backend that is
 * no longer wanted is retired (its connections closed), a new one gets a fresh route. {@link #listen} and
 * {@link #stopListening} bind and unbind the listeners; fencing is the caller's decision.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);
    private static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(64 * 1024, 256 * 1024);

    private final ProxyProperties props;
    private final Transport transport;
    private final Traffic traffic;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final Bootstrap backendTemplate;
    private final Map<Listener, Channel> bound = new EnumMap<>(Listener.class);
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final AtomicLong backendSwitches = new AtomicLong();
    private volatile Route readWrite;
    private volatile Map<String, Route> readOnly = Map.of();
    /** Why there is no read-write backend, and which standbys reads avoid: what a refused client is told. */
    private volatile String readWriteReason = "no cluster view yet";
    private volatile List<String> readOnlyExcluded = List.of();
    private final SslContext refusalTls;
    /** Held read-write connections waiting for a new routing (see StartupHandler); run once at the next apply. */
    private final Set<Runnable> routingWaiters = ConcurrentHashMap.newKeySet();
    private volatile boolean listening;
    /** System.nanoTime() until which the routing is confirmed; client bytes are not forwarded past it. */
    private volatile long viewValidUntilNanos = System.nanoTime();
    private final AtomicBoolean closed = new AtomicBoolean();
    private Backend lastPrimary;

    public ProxyServer(ProxyProperties props, Transport transport, Traffic traffic) {
        this.props = props;
        this.transport = transport;
        this.traffic = traffic;
        this.acceptors = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        this.workers = new MultiThreadIoEventLoopGroup(ioThreads(props), transport.ioHandlerFactory());
        Bootstrap b = new Bootstrap().channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) props.connectTimeout().toMillis());
        transport.keepalive(b, props.tcpKeepalive());
        this.backendTemplate = b;
        this.refusalTls = RefusalTlsContext.of(props.refusalTls());
        log.info("event=transport transport={} ioThreads={}", transport, ioThreads(props));
        schedule(props.ioScheduling());
    }

    /** Applies the I/O threads' scheduling policy on each of them; a failure is logged, the proxy serves anyway. */
    private void schedule(IoScheduling policy) {
        if (policy == IoScheduling.NORMAL) {
            return;
        }
        List<String> failures = new ArrayList<>();
        for (EventExecutor loop : workers) {
            try {
                String failure = loop.submit(policy::applyToCurrentThread).get(15, TimeUnit.SECONDS);
                if (failure != null) {
                    failures.add(failure);
                }
            } catch (ExecutionException | TimeoutException e) {
                failures.add(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add("interrupted");
                break;
            }
        }
        if (failures.isEmpty()) {
            log.info("event=io-scheduling policy={} threads={}", policy.name().toLowerCase(), ioThreads(props));
        } else {
            log.warn("event=io-scheduling-failed policy={} reason=\"{}\" consequence=\"{} of {} I/O threads keep "
                    + "the normal policy\"", policy.name().toLowerCase(), failures.get(0), failures.size(),
                    ioThreads(props));
        }
    }

    /** Each I/O thread's scheduling policy as the kernel reports it (tests). */
    List<Integer> ioThreadPolicies() throws Exception {
        List<Integer> policies = new ArrayList<>();
        for (EventExecutor loop : workers) {
            policies.add(loop.submit(IoScheduling::policyOfCurrentThread).get(15, TimeUnit.SECONDS));
        }
        return policies;
    }

    /**
     * Half the cores by default: the proxy shares its machine with clients or PostgreSQL, and one loop per
     * core made every loop sleep and wake per message — on 2 cores it cost 52 µs of CPU per pgbench
     * transaction against 42 µs with one loop (docs/benchmarks.md).
     */
    static int ioThreads(ProxyProperties props) {
        return props.ioThreads() > 0 ? props.ioThreads()
                : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    public Transport transport() {
        return transport;
    }

    public Traffic traffic() {
        return traffic;
    }

    public boolean listening() {
        return listening;
    }

    public long backendSwitches() {
        return backendSwitches.get();
    }

    /** The current read-write backend, or null when read-write connections are refused. */
    public Backend readWriteBackend() {
        Route r = readWrite;
        return r == null ? null : r.backend();
    }

    public List<Backend> readOnlyBackends() {
        return readOnly.values().stream().map(Route::backend).toList();
    }

    Bootstrap backendBootstrap(EventLoop loop) {
        return backendTemplate.clone(loop);
    }

    long holdTimeoutNanos() {
        return props.readWrite().holdTimeout().toNanos();
    }

    /** Runs {@code waiter} once after the next routing is installed (it must only hand work to an event loop). */
    void awaitRouting(Runnable waiter) {
        routingWaiters.add(waiter);
    }

    void stopAwaiting(Runnable waiter) {
        routingWaiters.remove(waiter);
    }

    long connectTimeoutMillis() {
        return props.connectTimeout().toMillis();
    }

    /** The TLS context a refused client that asks for TLS gets, or null: answer it 'N'. */
    SslContext refusalTls() {
        return refusalTls;
    }

    /**
     * Where a CancelRequest goes: every backend the proxy routes to now. The request carries only a process id
     * and a secret key, and a TLS session hides which backend handed them out, so it goes to all of them; a
     * PostgreSQL that does not know the pair ignores it. Backends of retired routes are left out: their client
     * connections were closed, so there is no query of theirs left to cancel.
     */
    List<Backend> cancelTargets() {
        Set<Backend> targets = new LinkedHashSet<>();
        Route rw = readWrite;
        if (rw != null && !rw.retired()) {
            targets.add(rw.backend());
        }
        for (Route r : readOnly.values()) {
            if (!r.retired()) {
                targets.add(r.backend());
            }
        }
        return List.copyOf(targets);
    }

    /**
     * Extends the validity of the routing: the last confirmed read was sent at {@code confirmedAtNanos}, and a
     * sentinel that replaced the primary after that waits proxyTimeout before naming the new one.
     */
    public void viewValidUntil(long nanos) {
        viewValidUntilNanos = nanos;
    }

    /**
     * Whether the routing may be out of date. The fence thread unbinds within a tick, but a proxy that was
     * frozen (SIGSTOP, a VM pause) resumes with client bytes already read: the data path checks this itself so
     * that not one statement reaches a primary that may have been replaced meanwhile.
     */
    boolean viewStale() {
        return System.nanoTime() - viewValidUntilNanos > 0;
    }

    /**
     * Picks a route for a new connection and admits the client to it, or says why not. Read-only connections go
     * to the eligible standby with the fewest connections (ties rotate), else to the primary when
     * {@code fallback-to-primary}, else nowhere.
     */
    Admission admit(Listener listener, Channel client) {
        if (viewStale()) {
            return Admission.refused(Refusal.viewNotConfirmed());
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            Route r = listener == Listener.RW ? readWrite : pickReadOnly();
            if (r == null) {
                break;
            }
            if (r.admit(client)) {
                return Admission.to(r);
            }
        }
        if (listener == Listener.RW) {
            return Admission.refused(Refusal.noPrimary(readWriteReason));
        }
        String detail = String.join("; ", readOnlyExcluded);
        if (props.readOnly().fallbackToPrimary()) {
            detail = (detail.isEmpty() ? "" : detail + "; ") + "no primary to fall back to: " + readWriteReason;
        }
        return Admission.refused(Refusal.noStandby(detail));
    }

    /** A route for a new connection, or the refusal the client is told. */
    record Admission(Route route, Refusal refusal) {
        static Admission to(Route route) {
            return new Admission(route, null);
        }

        static Admission refused(Refusal refusal) {
            return new Admission(null, refusal);
        }
    }

    private Route pickReadOnly() {
        List<Route> candidates = new ArrayList<>(readOnly.values());
        if (candidates.isEmpty()) {
            return props.readOnly().fallbackToPrimary() ? readWrite : null;
        }
        int start = Math.floorMod(roundRobin.getAndIncrement(), candidates.size());
        Route best = null;
        for (int i = 0; i < candidates.size(); i++) {
            Route r = candidates.get((start + i) % candidates.size());
            if (!r.retired() && (best == null || r.active() < best.active())) {
                best = r;
            }
        }
        return best;
    }

    /**
     * Installs a routing. Returns the closing of every connection to a backend that is no longer wanted;
     * the caller waits on it before acknowledging the proxy generation.
     */
    public synchronized Closing apply(Routing routing) {
        List<ChannelGroupFuture> closing = new ArrayList<>();
        int closed = 0;
        Route rw = readWrite;
        if (!Objects.equals(rw == null ? null : rw.backend(), routing.readWrite())) {
            readWrite = routing.readWrite() == null ? null : new Route(routing.readWrite());
            if (rw != null) {
                closed += rw.size();
                closing.add(rw.retire());
            }
            if (routing.readWrite() != null) {
                if (lastPrimary != null && !lastPrimary.equals(routing.readWrite())) {
                    backendSwitches.incrementAndGet();
                }
                lastPrimary = routing.readWrite();
            }
            log.info("event=read-write-backend from={} to={} closedConnections={}{}",
                    rw == null ? "none" : rw.backend(), routing.readWrite() == null ? "none" : routing.readWrite(),
                    closed, routing.reason() == null ? "" : " reason=\"" + routing.reason() + "\"");
        }
        Map<String, Route> next = new LinkedHashMap<>();
        int closedRo = 0;
        for (Backend b : routing.readOnly()) {
            Route existing = readOnly.get(b.dbUid());
            next.put(b.dbUid(), existing != null && existing.backend().equals(b) ? existing : new Route(b));
        }
        for (Route old : readOnly.values()) {
            if (next.get(old.backend().dbUid()) != old) {
                closedRo += old.size();
                closing.add(old.retire());
            }
        }
        if (!next.keySet().equals(readOnly.keySet()) || closedRo > 0) {
            log.info("event=read-only-backends backends={} excluded={} closedConnections={}",
                    next.values().stream().map(Route::backend).toList(), routing.excluded(), closedRo);
        }
        readOnly = Map.copyOf(next);
        readWriteReason = routing.reason() == null ? "none named" : routing.reason();
        readOnlyExcluded = routing.excluded();
        for (Runnable waiter : List.copyOf(routingWaiters)) {
            if (routingWaiters.remove(waiter)) {
                waiter.run();
            }
        }
        return new Closing(closing, closed + closedRo);
    }

    /** Binds the listeners; false (and nothing bound) when one cannot bind. */
    public synchronized boolean listen() {
        if (listening || closed.get()) {
            return listening;
        }
        try {
            bind(Listener.RW, props.port());
            if (props.readOnlyPort() != null) {
                bind(Listener.RO, props.readOnlyPort());
            }
        } catch (RuntimeException e) {
            log.error("event=bind-failed address={} reason=\"{}\"", props.listenAddress(), e.getMessage());
            unbindAll();
            return false;
        }
        listening = true;
        log.info("event=listening address={} port={} readOnlyPort={}", props.listenAddress(), props.port(),
                props.readOnlyPort() == null ? "none" : props.readOnlyPort());
        return true;
    }

    /** Fences: unbinds the listeners and closes every connection. */
    public synchronized Closing stopListening(String reason) {
        boolean was = listening;
        unbindAll();
        listening = false;
        Closing closing = apply(Routing.none(-1, reason));
        if (was) {
            log.warn("event=stopped-listening closedConnections={} reason=\"{}\"", closing.connections(), reason);
        }
        return closing;
    }

    private void bind(Listener listener, int port) {
        ServerBootstrap b = new ServerBootstrap().group(acceptors, workers).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new StartupHandler(ProxyServer.this, listener, traffic));
                    }
                });
        transport.keepalive(b, props.tcpKeepalive());
        Channel ch = b.bind(props.listenAddress(), port).syncUninterruptibly().channel();
        bound.put(listener, ch);
    }

    private void unbindAll() {
        for (Channel ch : bound.values()) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        bound.clear();
    }

    /**
     * Shutdown: stop accepting, let open connections end on their own for {@code shutdown-grace}, close
     * the rest, stop the event loops.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            unbindAll();
            listening = false;
        }
        long deadline = System.nanoTime() + props.shutdownGrace().toNanos();
        while (System.nanoTime() < deadline && openConnections() > 0) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Closing c = stopListening("shutting down");
        c.await(Duration.ofSeconds(5));
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        log.info("event=stopped");
    }

    private long openConnections() {
        return traffic.active(Listener.RW) + traffic.active(Listener.RO);
    }

    /** Connections being closed by a routing change. */
    public record Closing(List<ChannelGroupFuture> futures, int connections) {
        /** Waits until they are closed (or the wait ends); true when all are. */
        public boolean await(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            for (ChannelGroupFuture f : futures) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                    return false;
                }
            }
            return true;
        }
    }
}
