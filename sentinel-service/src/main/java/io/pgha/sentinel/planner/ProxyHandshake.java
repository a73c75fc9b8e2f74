package io.pgha.sentinel.planner;

import io.pgha.model.Cluster;
import io.pgha.model.Proxy;
import io.pgha.model.ProxyInfo;
import java.util.List;

/**
 * Phase 4, the proxy handshake: names the master to the proxies only after every live proxy acknowledged the
 * generation that named nobody (or proxyTimeout passed since, so a silent proxy has fenced itself), and once the
 * master runs as a primary ({@link PlanContext#servesClients}). A proxy therefore never routes to a new master while
 * another still routes to the old one, nor to a standby that is not promoted yet.
 */
final class ProxyHandshake {
    private ProxyHandshake() {
    }

    static void apply(PlanContext c) {
        Proxy p = c.cd().proxy();
        Cluster.Status status = c.cd().cluster().status();
        String master = status.phase() == Cluster.Phase.NORMAL ? status.master() : null;
        String named = p.spec().masterDbUid();
        if (named != null && !named.equals(master)) {
            c.fenceProxies();
            c.event(new PlanEvent.Info("proxies told to drop connections to " + named));
            return;
        }
        if (named != null || master == null || !c.servesClients(c.cd().dbs().get(master))) {
            return;
        }
        List<String> waiting = c.obs.proxies().values().stream().filter(i -> i.generation() < p.generation())
                .map(ProxyInfo::uid).sorted().toList();
        boolean timedOut = p.changeTime() == null
                || c.elapsedMillis(p.changeTime()) >= c.spec().proxyTimeout().toMillis();
        if (waiting.isEmpty() || timedOut) {
            c.set(c.cd().withProxy(p.withSpec(new Proxy.Spec(master, p.spec().enabledProxies()), c.now)));
            c.event(new PlanEvent.Info("proxies pointed at master " + master
                    + (waiting.isEmpty() ? "" : " (proxyTimeout passed for " + waiting + ")")));
        }
    }
}
