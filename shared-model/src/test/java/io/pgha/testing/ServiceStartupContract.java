package io.pgha.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.pgha.config.MissingPropertyException;
import io.pgha.model.JsonCodec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * What every pgha service must do from the first day: start with only {@code pgha.cluster-name} and
 * {@code pgha.store.endpoints}, report the store in {@code /actuator/health} (DOWN with a reason during an
 * outage, UP again after it without a restart), tag metrics with the cluster, and refuse to start without
 * a cluster name with a one-line message.
 */
@ExtendWith(OutputCaptureExtension.class)
public abstract class ServiceStartupContract {
    @RegisterExtension
    static final EtcdExtension ETCD = new EtcdExtension();
    private final Class<?> application;
    private final HttpClient http = HttpClient.newHttpClient();

    protected ServiceStartupContract(Class<?> application) {
        this.application = application;
    }

    protected String[] extraArguments() {
        return new String[0];
    }

    private ConfigurableApplicationContext run(String... args) {
        String[] all = new String[args.length + extraArguments().length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(extraArguments(), 0, all, args.length, extraArguments().length);
        return new SpringApplicationBuilder(application).run(all);
    }

    @Test
    void reportsTheStoreUpThenDownWhileItIsFrozenThenUpAgainWithoutARestart() throws Exception {
        try (ConfigurableApplicationContext ctx = run("--pgha.cluster-name=demo",
                "--pgha.store.endpoints=" + ETCD.endpoint(), "--pgha.store.timeout=1s", "--server.port=0")) {
            String base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");

            await().atMost(Duration.ofSeconds(15)).until(() -> storeStatus(base), s -> s.equals("UP"));

            ETCD.etcd().freeze();
            try {
                await().atMost(Duration.ofSeconds(15)).until(() -> storeStatus(base), s -> s.equals("DOWN"));
                JsonNode store = health(base).path("components").path("store");
                assertThat(store.path("details").path("reason").asString()).contains("timed out");
                assertThat(ctx.isRunning()).isTrue();
            } finally {
                ETCD.etcd().thaw();
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> storeStatus(base), s -> s.equals("UP"));
        }
    }

    @Test
    void publishesPrometheusMetricsTaggedWithTheCluster() throws Exception {
        try (ConfigurableApplicationContext ctx = run("--pgha.cluster-name=demo-metrics",
                "--pgha.store.endpoints=" + ETCD.endpoint(), "--server.port=0")) {
            String base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
            HttpResponse<String> r = get(base + "/actuator/prometheus");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("cluster=\"demo-metrics\"").contains("jvm_memory_used_bytes");
        }
    }

    @Test
    void refusesToStartWithoutAClusterNameWithAOneLineMessage(CapturedOutput output) {
        assertThatThrownBy(() -> run("--pgha.store.endpoints=" + ETCD.endpoint(), "--server.port=0"))
                .hasRootCauseInstanceOf(MissingPropertyException.class);
        assertThat(output.getOut() + output.getErr())
                .contains("required property pgha.cluster-name is not set (environment variable PGHA_CLUSTER_NAME)");
    }

    private String storeStatus(String base) throws Exception {
        return health(base).path("components").path("store").path("status").asString();
    }

    private JsonNode health(String base) throws Exception {
        return JsonCodec.mapper().readTree(get(base + "/actuator/health").body());
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
