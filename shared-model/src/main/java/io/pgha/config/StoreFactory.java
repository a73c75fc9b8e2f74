package io.pgha.config;

import io.etcd.jetcd.ClientBuilder;
import io.pgha.store.ClusterStore;
import io.pgha.store.consul.ConsulClusterStore;
import io.pgha.store.etcd.EtcdClusterStore;
import java.io.File;
import java.net.URI;
import javax.net.ssl.SSLException;

/** Builds the {@link ClusterStore} for the configured backend. Connecting is lazy: no I/O happens here. */
public final class StoreFactory {
    private StoreFactory() {
    }

    public static ClusterStore create(PghaProperties properties) {
        PghaProperties.Store s = properties.store();
        if (s.endpoints().isEmpty()) {
            throw new IllegalArgumentException("pgha.store.endpoints must name at least one endpoint");
        }
        return switch (s.backend()) {
            case ETCDV3 -> new EtcdClusterStore(s.endpoints(), etcdClient(s), properties.storeRoot(),
                    s.timeout());
            case CONSUL -> new ConsulClusterStore(URI.create(s.endpoints().get(0)),
                    Secrets.read("pgha.store.consul.token", s.consul().token(), s.consul().tokenFile()).orElse(null),
                    properties.storeRoot(), s.timeout());
        };
    }

    private static ClientBuilder etcdClient(PghaProperties.Store s) {
        ClientBuilder b = EtcdClusterStore.builder(s.timeout());
        PghaProperties.Tls tls = s.tls();
        if (tls.enabled()) {
            try {
                b.sslContext(ssl -> {
                    if (tls.caFile() != null) {
                        ssl.trustManager(new File(tls.caFile()));
                    }
                    if (tls.certFile() != null) {
                        ssl.keyManager(new File(tls.certFile()), new File(tls.keyFile()));
                    }
                });
            } catch (SSLException e) {
                throw new IllegalArgumentException("pgha.store.tls: " + e.getMessage(), e);
            }
        }
        return b;
    }
}
