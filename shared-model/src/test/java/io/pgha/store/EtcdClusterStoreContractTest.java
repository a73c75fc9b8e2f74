package io.pgha.store;

import io.pgha.store.etcd.EtcdClusterStore;
import io.pgha.testing.EtcdExtension;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store contract against a real etcd process (from PATH, free ports, stopped by PID). */
class EtcdClusterStoreContractTest extends ClusterStoreContract {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();

    @Override
    protected ClusterStore connect(String root) {
        return EtcdClusterStore.connect(List.of(ETCD.endpoint()), root, Duration.ofSeconds(2));
    }

    @Override
    protected void restartServer() {
        ETCD.etcd().restart();
    }

    @Override
    protected void freezeServer() {
        ETCD.etcd().freeze();
    }

    @Override
    protected void thawServer() {
        ETCD.etcd().thaw();
    }
}
