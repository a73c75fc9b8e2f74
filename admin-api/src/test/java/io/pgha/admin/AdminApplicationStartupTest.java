package io.pgha.admin;

import io.pgha.testing.ServiceStartupContract;

/** admin-api starts with only the cluster name and store endpoints, and reports store health and metrics. */
class AdminApplicationStartupTest extends ServiceStartupContract {
    AdminApplicationStartupTest() {
        super(AdminApplication.class);
    }
}
