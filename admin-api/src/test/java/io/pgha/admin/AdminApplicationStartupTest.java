package io.pgha.admin;

import io.pgha.testing.ServiceStartupContract;

/** admin-api starts with only the cluster name and store endpoints, and reports store health and metrics. */
class AdminApplicationStartupTest extends ServiceStartupContract {
    AdminApplicationStartupTest() {
        super(AdminApplication.class);
    }

    /** Auth is on by default and needs an operator token (README, Configuration). */
    @Override
    protected String[] extraArguments() {
        return new String[] {"--pgha.admin.auth.operator-token=startup-test-token"};
    }
}
