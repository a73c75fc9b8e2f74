package io.pgha.proxy;

import io.pgha.testing.ServiceStartupContract;

/** proxy-service starts with only the cluster name and store endpoints, and reports store health and metrics. */
class ProxyApplicationStartupTest extends ServiceStartupContract {
    ProxyApplicationStartupTest() {
        super(ProxyApplication.class);
    }
}
