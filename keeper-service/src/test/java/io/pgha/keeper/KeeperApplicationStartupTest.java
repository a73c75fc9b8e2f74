package io.pgha.keeper;

import io.pgha.testing.ServiceStartupContract;

/** keeper-service starts with only the cluster name and store endpoints, and reports store health and metrics. */
class KeeperApplicationStartupTest extends ServiceStartupContract {
    KeeperApplicationStartupTest() {
        super(KeeperApplication.class);
    }
}
