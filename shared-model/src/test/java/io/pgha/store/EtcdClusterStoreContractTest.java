package io.pgha.store;

import io.pgha.store.etcd.EtcdClusterStore;
import io.pgha.testing.EtcdProcess;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract against a real etcd process (from PATH, free ports, stopped by PID). */
class EtcdClusterStoreContractTest extends ClusterStoreContract {
    private static EtcdProcess etcd;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdProcess.start();
    }

    @AfterAll
    static void stopEtcd() {
        etcd.close();
    }

    @Override
    protected ClusterStore connect(String root) {
        return EtcdClusterStore.connect(List.of(etcd.endpoint()), root, Duration.ofSeconds(2));
    }

    @Override
    protected void restartServer() {
        etcd.restart();
    }

    @Override
    protected void freezeServer() {
        etcd.freeze();
    }

    @Override
    protected void thawServer() {
        etcd.thaw();
    }
}
