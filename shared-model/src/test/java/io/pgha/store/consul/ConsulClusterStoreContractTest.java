package io.pgha.store.consul;

import io.pgha.store.ClusterStore;
import io.pgha.store.ClusterStoreContract;
import java.net.URI;
import java.time.Duration;
import org.testcontainers.consul.ConsulContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The store contract against a real Consul agent in a container. Runs only where a Docker engine is
 * available (there is none on pgha's development and CI machines, so it is reported skipped there).
 * Consul's sessions have a 10 s minimum TTL and may live up to twice their TTL. Its {@code -dev} agent
 * keeps state in memory, so a "restart" is a pause and resume of the container.
 */
@Testcontainers(disabledWithoutDocker = true)
class ConsulClusterStoreContractTest extends ClusterStoreContract {
    @Container
    static final ConsulContainer CONSUL = new ConsulContainer("hashicorp/consul:1.20");

    @Override
    protected ClusterStore connect(String root) {
        return new ConsulClusterStore(URI.create("http://" + CONSUL.getHost() + ":" + CONSUL.getMappedPort(8500)),
                null, root, Duration.ofSeconds(2));
    }

    @Override
    protected Duration ttl() {
        return ConsulClusterStore.MIN_SESSION_TTL;
    }

    @Override
    protected Duration expiryAllowance() {
        return ttl().multipliedBy(2).plusSeconds(5);
    }

    @Override
    protected void restartServer() {
        freezeServer();
        thawServer();
    }

    @Override
    protected void freezeServer() {
        CONSUL.getDockerClient().pauseContainerCmd(CONSUL.getContainerId()).exec();
    }

    @Override
    protected void thawServer() {
        CONSUL.getDockerClient().unpauseContainerCmd(CONSUL.getContainerId()).exec();
    }
}
