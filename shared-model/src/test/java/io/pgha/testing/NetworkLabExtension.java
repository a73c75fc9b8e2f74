package io.pgha.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link NetworkLab} of three nodes with a 3-member {@link EtcdCluster} on it, for a test class:
 * {@code @RegisterExtension static final NetworkLabExtension LAB = new NetworkLabExtension();}. Built before the
 * class's tests, healed after each one, torn down (processes by PID, namespaces deleted) after them all.
 */
public final class NetworkLabExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private NetworkLab lab;
    private EtcdCluster etcd;

    @Override
    public void beforeAll(ExtensionContext context) {
        lab = NetworkLab.create(3);
        etcd = EtcdCluster.start(lab);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        lab.heal();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (etcd != null) {
                etcd.close();
            }
        } finally {
            if (lab != null) {
                lab.close();
            }
        }
    }

    public NetworkLab lab() {
        return lab;
    }

    public EtcdCluster etcd() {
        return etcd;
    }
}
