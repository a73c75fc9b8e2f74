package io.pgha.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real etcd for a test class: {@code @RegisterExtension static final EtcdExtension ETCD = new
 * EtcdExtension();}. Started before the class's tests, stopped by PID after them.
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
    private EtcdProcess etcd;

    @Override
    public void beforeAll(ExtensionContext context) {
        etcd = EtcdProcess.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (etcd != null) {
            etcd.close();
        }
    }

    public EtcdProcess etcd() {
        return etcd;
    }

    public String endpoint() {
        return etcd.endpoint();
    }
}
