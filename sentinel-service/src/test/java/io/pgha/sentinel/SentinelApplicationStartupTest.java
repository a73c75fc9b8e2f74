package io.pgha.sentinel;

import io.pgha.testing.ServiceStartupContract;

/** sentinel-service starts with only the cluster name and store endpoints, and reports store health and metrics. */
class SentinelApplicationStartupTest extends ServiceStartupContract {
    SentinelApplicationStartupTest() {
        super(SentinelApplication.class);
    }
}
