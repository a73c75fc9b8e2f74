package io.pgha.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgha.chart.Chart.Rendered;
import io.pgha.chart.Chart.Y;
import io.pgha.model.ClusterSpec;
import io.pgha.model.JsonCodec;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The chart helm/pgha, rendered with the default values and each values file in helm/pgha/ci: it lints
 * strictly, every object is valid against the Kubernetes schemas, and what is rendered is what the services
 * need — their settings bound the way Spring Boot binds environment variables, probes on their Actuator
 * groups, the write Service on the proxy's read-write port, secrets only as files, disruption budgets,
 * anti-affinity. values.schema.json refuses wrong types and impossible values.
 */
class ChartTest {
    private static final Set<String> PROBE_PATHS = Set.of("/actuator/health/liveness", "/actuator/health/readiness");
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(PASSWORD|TOKEN|SECRET).*");

    /** The pgha service a container runs, from its image name. */
    private static String service(Map<String, Object> container) {
        String image = Y.str(container, "image");
        for (String s : List.of("keeper-service", "sentinel-service", "proxy-service", "admin-api")) {
            if (image.contains("/" + s + ":")) {
                return s;
            }
        }
        return "other";
    }

    /** Settings each service cannot run without (README, Configuration, and what the chart promises). */
    private static final Map<String, List<String>> REQUIRED = Map.of(
            "keeper-service", List.of("pgha.keeper.uid", "pgha.keeper.data-dir", "pgha.keeper.pg.listen-address",
                    "pgha.keeper.pg.port", "pgha.keeper.pg.advertise-address",
                    "pgha.keeper.pg.superuser.password-file", "pgha.keeper.pg.replication.password-file"),
            "sentinel-service", List.of("pgha.sentinel.uid", "pgha.sentinel.initial-cluster-spec"),
            "proxy-service", List.of("pgha.proxy.uid", "pgha.proxy.listen-address", "pgha.proxy.port",
                    "pgha.proxy.read-only-port"),
            "admin-api", List.of("pgha.admin.auth.operator-token-file"));

    /** A container's environment bound as Spring Boot binds OS environment variables (relaxed binding). */
    private static Binder binder(Map<String, Object> container) {
        Map<String, Object> env = new HashMap<>();
        for (Map<String, Object> e : Y.list(container, "env")) {
            Object value = e.get("value");
            env.put(Y.str(e, "name"), value != null ? String.valueOf(value)
                    : "<from " + Y.str(e, "valueFrom", "fieldRef", "fieldPath") + ">");
        }
        return new Binder(ConfigurationPropertySource.from(new SystemEnvironmentPropertySource("env", env)));
    }

    private static Optional<String> setting(Map<String, Object> container, String property) {
        return binder(container).bind(property, String.class).map(Optional::of).orElse(Optional.empty());
    }

    private static List<Map<String, Object>> pghaContainers(Rendered r) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> w : r.workloads()) {
            for (Map<String, Object> c : Y.list(w, "spec", "template", "spec", "containers")) {
                if (!service(c).equals("other")) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    private static Map<String, Object> workloadOf(Rendered r, String service) {
        return r.workloads().stream().filter(w -> Y.list(w, "spec", "template", "spec", "containers").stream()
                .anyMatch(c -> service(c).equals(service))).findFirst()
                .orElseThrow(() -> new AssertionError("no workload runs " + service));
    }

    private static Map<String, Object> container(Map<String, Object> workload) {
        return Y.list(workload, "spec", "template", "spec", "containers").get(0);
    }

    private static int containerPort(Map<String, Object> container, String name) {
        return Y.list(container, "ports").stream().filter(p -> name.equals(Y.str(p, "name")))
                .map(p -> Integer.parseInt(Y.str(p, "containerPort"))).findFirst()
                .orElseThrow(() -> new AssertionError("container " + Y.str(container, "name") + " has no port " + name));
    }

    // ---- lint and schemas -----------------------------------------------------------------------------------

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"external-etcd-values.yaml", "consul-values.yaml", "minimal-values.yaml",
            "monitoring-values.yaml", "backup-values.yaml", "standby-values.yaml"})
    void lintsStrictlyAndEveryRenderedObjectIsValidAgainstTheKubernetesSchemas(String values) {
        List<String> lint = new ArrayList<>(List.of(Chart.helm(), "lint", "--strict", Chart.DIR.toString()));
        if (values != null) {
            lint.addAll(List.of("-f", Chart.DIR.resolve("ci").resolve(values).toString()));
        }
        Chart.Run linted = Chart.run(lint, null, Map.of());
        assertThat(linted.exitCode()).as(linted.out() + linted.err()).isZero();

        Rendered r = Chart.rendered(values);
        Chart.Run validated = Chart.run(List.of("node", Chart.DIR.resolveSibling("tools").resolve("validate-k8s.mjs")
                .toString()), r.yaml(), Map.of("NODE_PATH", Chart.k8sModels().toString()));
        assertThat(validated.exitCode()).as(validated.out() + validated.err()).isZero();
        assertThat(validated.out()).contains(r.objects().size() + " objects, 0 invalid");
    }

    @Test
    void theSchemaValidatorRejectsAnInvalidObject() {
        // The check above can fail: a Deployment whose replicas is a string is refused.
        String bad = Chart.rendered(null).yaml().replaceFirst("replicas: 2", "replicas: two");
        Chart.Run validated = Chart.run(List.of("node", Chart.DIR.resolveSibling("tools").resolve("validate-k8s.mjs")
                .toString()), bad, Map.of("NODE_PATH", Chart.k8sModels().toString()));
        assertThat(validated.exitCode()).isNotZero();
        assertThat(validated.out()).contains("replicas must be integer");
    }

    // ---- what every value set must render ------------------------------------------------------------------

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"external-etcd-values.yaml", "consul-values.yaml", "minimal-values.yaml",
            "monitoring-values.yaml", "backup-values.yaml", "standby-values.yaml"})
    void everyServiceGetsTheSettingsItRequiresBoundAsSpringBootBindsTheEnvironment(String values) {
        Rendered r = Chart.rendered(values);
        List<Map<String, Object>> containers = pghaContainers(r);
        assertThat(containers).extracting(ChartTest::service)
                .containsExactlyInAnyOrder("keeper-service", "sentinel-service", "proxy-service", "admin-api");
        for (Map<String, Object> c : containers) {
            List<String> needed = new ArrayList<>(List.of("pgha.cluster-name", "pgha.store.backend",
                    "pgha.store.endpoints", "server.port"));
            needed.addAll(REQUIRED.get(service(c)));
            for (String property : needed) {
                assertThat(setting(c, property)).as(service(c) + " " + property).get().asString().isNotBlank();
            }
            // Every file setting points into a mounted volume that holds that file.
            for (String property : List.of("pgha.keeper.pg.superuser.password-file",
                    "pgha.keeper.pg.replication.password-file", "pgha.sentinel.initial-cluster-spec",
                    "pgha.admin.auth.operator-token-file", "pgha.admin.auth.viewer-token-file",
                    "pgha.store.consul.token-file", "pgha.store.tls.ca-file")) {
                setting(c, property).ifPresent(file -> assertMountedFile(r, workloadOf(r, service(c)), c, file));
            }
        }
    }

    /** {@code file} lies in a volume mounted into {@code container}; a Secret or ConfigMap rendered here has it. */
    private static void assertMountedFile(Rendered r, Map<String, Object> workload, Map<String, Object> container,
                                          String file) {
        Map<String, Object> mount = Y.list(container, "volumeMounts").stream()
                .filter(m -> file.startsWith(Y.str(m, "mountPath") + "/")).findFirst()
                .orElseThrow(() -> new AssertionError(file + " is not under any volume mount of "
                        + Y.str(container, "name")));
        String key = file.substring(Y.str(mount, "mountPath").length() + 1);
        Map<String, Object> volume = Y.list(workload, "spec", "template", "spec", "volumes").stream()
                .filter(v -> Y.str(mount, "name").equals(Y.str(v, "name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + Y.str(mount, "name")));
        String secret = Y.str(volume, "secret", "secretName");
        String configMap = Y.str(volume, "configMap", "name");
        assertThat(secret != null || configMap != null).as(file + " comes from a Secret or ConfigMap").isTrue();
        Optional<Map<String, Object>> source = secret != null ? r.find("Secret", secret)
                : r.find("ConfigMap", configMap);
        // A Secret the operator provides (existingSecret, consul token, TLS) is not rendered: nothing to look into.
        source.ifPresent(s -> assertThat(Y.map(s, "data")).as(file).containsKey(key));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"external-etcd-values.yaml", "consul-values.yaml", "minimal-values.yaml",
            "monitoring-values.yaml", "backup-values.yaml", "standby-values.yaml"})
    void probesUseTheActuatorGroupsOnEachServicesOwnPort(String values) {
        Rendered r = Chart.rendered(values);
        for (Map<String, Object> c : pghaContainers(r)) {
            int serverPort = Integer.parseInt(setting(c, "server.port").orElseThrow());
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                Map<String, Object> get = Y.map(c, probe, "httpGet");
                assertThat(Y.str(get, "path")).as(service(c) + " " + probe).isIn(PROBE_PATHS);
                assertThat(containerPort(c, Y.str(get, "port"))).as(service(c) + " " + probe + " port")
                        .isEqualTo(serverPort);
            }
            assertThat(Y.str(c, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
            assertThat(Y.str(c, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theProbeEndpointsExistInEveryService() throws Exception {
        // The groups /actuator/health/{liveness,readiness} exist because every service imports pgha-common.yml.
        try (InputStream in = getClass().getResourceAsStream("/pgha-common.yml")) {
            Map<String, Object> common = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            assertThat(Y.at(common, "management", "endpoint", "health", "probes", "enabled")).isEqualTo(true);
            assertThat((String) Y.at(common, "management", "endpoints", "web", "exposure", "include"))
                    .contains("health", "prometheus");
        }
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"external-etcd-values.yaml", "minimal-values.yaml"})
    void theWriteServiceTargetsTheProxysReadWritePortAndTheReadServiceItsReadOnlyPort(String values) {
        Rendered r = Chart.rendered(values);
        Map<String, Object> proxy = workloadOf(r, "proxy-service");
        Map<String, Object> c = container(proxy);
        Map<String, Object> write = r.get("Service", "demo-pgha-proxy");
        Map<String, Object> read = r.get("Service", "demo-pgha-proxy-read");
        for (Map<String, Object> svc : List.of(write, read)) {
            assertThat(Y.map(proxy, "spec", "template", "metadata", "labels"))
                    .containsAllEntriesOf(Y.map(svc, "spec", "selector"));
            assertThat(Y.str(svc, "spec", "ports", 0, "port")).isEqualTo("5432");
        }
        assertThat(containerPort(c, Y.str(write, "spec", "ports", 0, "targetPort")))
                .isEqualTo(Integer.parseInt(setting(c, "pgha.proxy.port").orElseThrow()));
        assertThat(containerPort(c, Y.str(read, "spec", "ports", 0, "targetPort")))
                .isEqualTo(Integer.parseInt(setting(c, "pgha.proxy.read-only-port").orElseThrow()));
        Map<String, Object> admin = r.get("Service", "demo-pgha-admin");
        Map<String, Object> ac = container(workloadOf(r, "admin-api"));
        assertThat(containerPort(ac, Y.str(admin, "spec", "ports", 0, "targetPort")))
                .isEqualTo(Integer.parseInt(setting(ac, "server.port").orElseThrow()));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"external-etcd-values.yaml", "consul-values.yaml", "minimal-values.yaml",
            "monitoring-values.yaml", "backup-values.yaml", "standby-values.yaml"})
    void secretsReachTheServicesAsFilesNeverAsEnvironmentValues(String values) {
        Rendered r = Chart.rendered(values);
        for (Map<String, Object> w : r.workloads()) {
            for (Map<String, Object> c : Y.list(w, "spec", "template", "spec", "containers")) {
                for (Map<String, Object> e : Y.list(c, "env")) {
                    assertThat(Y.at(e, "valueFrom", "secretKeyRef")).as(Y.str(e, "name")).isNull();
                    if (SECRET_NAME.matcher(Y.str(e, "name")).matches()) {
                        // a file, or a directory of files (pgBackRest's secret options)
                        assertThat(Y.str(e, "name")).as("a secret passed as a value").matches(".*_(FILE|DIR)");
                    }
                }
                assertThat(Y.list(c, "envFrom")).isEmpty();
            }
            for (Map<String, Object> v : Y.list(w, "spec", "template", "spec", "volumes")) {
                if (v.containsKey("secret")) {
                    assertThat(Y.at(v, "secret", "defaultMode")).as("mode of " + Y.str(v, "name"))
                            .isEqualTo(0400);
                }
            }
        }
    }

    @Test
    void theNotesTellHowToConnectWithoutPrintingASecret() throws Exception {
        // helm template does not render NOTES.txt; its text must fetch secrets through kubectl, never embed them.
        String notes = java.nio.file.Files.readString(Chart.DIR.resolve("templates").resolve("NOTES.txt"));
        assertThat(notes).doesNotContain("b64dec", "randAlphaNum", "lookup");
        assertThat(notes).contains("kubectl get secret", "psql -h", "/api/v1/cluster", "-read");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"external-etcd-values.yaml", "consul-values.yaml", "minimal-values.yaml"})
    void everyReplicatedWorkloadHasADisruptionBudgetSelectingItsPods(String values) {
        Rendered r = Chart.rendered(values);
        List<Map<String, Object>> pdbs = r.ofKind("PodDisruptionBudget");
        for (Map<String, Object> w : r.workloads()) {
            if (Y.str(w, "metadata", "name").endsWith("-admin")) {
                continue; // stateless and not part of the data path
            }
            Map<String, Object> labels = Y.map(w, "spec", "template", "metadata", "labels");
            assertThat(pdbs).as("a PDB for " + Y.str(w, "metadata", "name")).anySatisfy(p -> {
                assertThat(labels).containsAllEntriesOf(Y.map(p, "spec", "selector", "matchLabels"));
                assertThat(Y.map(p, "spec", "selector", "matchLabels")).containsKey("app.kubernetes.io/component");
            });
        }
    }

    // ---- the default install --------------------------------------------------------------------------------

    @Test
    void theDefaultInstallRunsThreeKeepersApartTwoSentinelsTwoProxiesAndAThreeMemberEtcd() {
        Rendered r = Chart.rendered(null);
        Map<String, Object> keepers = r.get("StatefulSet", "demo-pgha-keeper");
        assertThat(Y.at(keepers, "spec", "replicas")).isEqualTo(3);
        assertThat(Y.list(keepers, "spec", "template", "spec", "affinity", "podAntiAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution")).singleElement()
                .satisfies(term -> assertThat(Y.str(term, "topologyKey")).isEqualTo("kubernetes.io/hostname"));
        assertThat(Y.list(keepers, "spec", "volumeClaimTemplates")).hasSize(1);
        Map<String, Object> keeper = container(keepers);
        assertThat(Y.list(keeper, "env")).anySatisfy(e -> {
            assertThat(Y.str(e, "name")).isEqualTo("PGHA_KEEPER_PG_ADVERTISE_ADDRESS");
            assertThat(Y.str(e, "valueFrom", "fieldRef", "fieldPath")).isEqualTo("status.podIP");
        });
        assertThat(Y.list(keeper, "env")).anySatisfy(e -> {
            assertThat(Y.str(e, "name")).isEqualTo("PGHA_KEEPER_UID");
            assertThat(Y.str(e, "valueFrom", "fieldRef", "fieldPath")).isEqualTo("metadata.name");
        });
        assertThat(Y.at(r.get("Deployment", "demo-pgha-sentinel"), "spec", "replicas")).isEqualTo(2);
        assertThat(Y.at(r.get("Deployment", "demo-pgha-proxy"), "spec", "replicas")).isEqualTo(2);

        // etcd: members named by their stable DNS names; the services connect through its client Service.
        Map<String, Object> etcd = r.get("StatefulSet", "demo-pgha-etcd");
        assertThat(Y.str(etcd, "spec", "serviceName")).isEqualTo("demo-pgha-etcd-headless");
        assertThat(Y.str(r.get("Service", "demo-pgha-etcd-headless"), "spec", "clusterIP")).isEqualTo("None");
        String initialCluster = Y.list(etcd, "spec", "template", "spec", "containers").get(0).get("command")
                .toString();
        for (int i = 0; i < 3; i++) {
            assertThat(initialCluster).contains("demo-pgha-etcd-" + i
                    + "=http://demo-pgha-etcd-" + i + ".demo-pgha-etcd-headless.db.svc:2380");
        }
        assertThat(Y.list(etcd, "spec", "volumeClaimTemplates")).hasSize(1);
        assertThat(Y.str(r.get("Service", "demo-pgha-etcd"), "spec", "ports", 0, "port")).isEqualTo("2379");
        assertThat(setting(keeper, "pgha.store.endpoints")).contains("http://demo-pgha-etcd:2379");
        assertThat(r.find("ServiceMonitor", "demo-pgha")).isEmpty();
    }

    @Test
    void theInitialClusterSpecIsAValidSpecFromTheValues() {
        Rendered r = Chart.rendered(null);
        String json = Y.str(r.get("ConfigMap", "demo-pgha-cluster-spec"), "data", "cluster-spec.json");
        ClusterSpec spec = JsonCodec.readSubmitted(json, ClusterSpec.class, "cluster-spec.json");
        assertThat(spec.validate()).isEmpty();
        assertThat(spec.withDefaults().synchronousReplication()).isTrue();
        assertThat(spec.withDefaults().usePgRewind()).isTrue();
    }

    @Test
    void backupValuesBecomeTheSpecsBackupAndTheSecretReachesTheKeepersAsFiles() {
        Rendered r = Chart.rendered("backup-values.yaml");
        String json = Y.str(r.get("ConfigMap", "demo-pgha-cluster-spec"), "data", "cluster-spec.json");
        ClusterSpec spec = JsonCodec.readSubmitted(json, ClusterSpec.class, "cluster-spec.json");
        assertThat(spec.validateSubmission()).isEmpty();
        assertThat(spec.backup().tool()).isEqualTo("pgbackrest");
        assertThat(spec.backup().options()).containsEntry("repo1-type", "s3").containsEntry("repo1-retention-full", "2");
        assertThat(spec.backup().schedule().full()).isEqualTo("0 1 * * 0");
        assertThat(spec.withDefaults().synchronousReplication()).as("the rest of clusterSpec is kept").isTrue();
        Map<String, Object> keeperPod = Y.map(workloadOf(r, "keeper-service"), "spec", "template", "spec");
        Map<String, Object> keeper = container(workloadOf(r, "keeper-service"));
        assertThat(setting(keeper, "pgha.keeper.backup.secret-dir")).contains("/etc/pgha/backup-secrets");
        assertThat(Y.list(keeper, "volumeMounts")).anySatisfy(m -> {
            assertThat(m.get("mountPath")).isEqualTo("/etc/pgha/backup-secrets");
            assertThat(m.get("readOnly")).isEqualTo(true);
        });
        assertThat(Y.list(keeperPod, "volumes")).anySatisfy(v -> assertThat(Y.str(v, "secret", "secretName"))
                .isEqualTo("pgha-backup-secrets"));

        Rendered shared = Chart.rendered(null, "backup.enabled=true", "backup.repositoryClaim=pgha-backup");
        Map<String, Object> sharedKeeper = container(workloadOf(shared, "keeper-service"));
        assertThat(Y.list(sharedKeeper, "volumeMounts")).anySatisfy(m -> assertThat(m.get("mountPath"))
                .isEqualTo("/var/lib/pgha-backup"));
        assertThat(setting(sharedKeeper, "pgha.keeper.backup.secret-dir")).isEmpty();
        assertThat(JsonCodec.readSubmitted(Y.str(Chart.rendered(null).get("ConfigMap", "demo-pgha-cluster-spec"),
                "data", "cluster-spec.json"), ClusterSpec.class, "spec").backup()).as("off by default").isNull();
    }

    @Test
    void aStandbyClusterGetsItsSpecAndTheUpstreamPasswordAsAFile() {
        Rendered r = Chart.rendered("standby-values.yaml");
        String json = Y.str(r.get("ConfigMap", "demo-pgha-cluster-spec"), "data", "cluster-spec.json");
        ClusterSpec spec = JsonCodec.readSubmitted(json, ClusterSpec.class, "cluster-spec.json");
        assertThat(spec.validateSubmission()).isEmpty();
        assertThat(spec.role()).isEqualTo("standby");
        assertThat(spec.standbyConfig().primarySlotName()).isEqualTo("dr_site");
        Map<String, Object> keeperPod = Y.map(workloadOf(r, "keeper-service"), "spec", "template", "spec");
        Map<String, Object> keeper = container(workloadOf(r, "keeper-service"));
        assertThat(setting(keeper, "pgha.keeper.standby.password-file"))
                .contains("/etc/pgha/standby/replication-password");
        assertThat(Y.list(keeper, "volumeMounts")).anySatisfy(m -> {
            assertThat(m.get("mountPath")).isEqualTo("/etc/pgha/standby");
            assertThat(m.get("readOnly")).isEqualTo(true);
        });
        assertThat(Y.list(keeperPod, "volumes")).anySatisfy(v -> assertThat(Y.str(v, "secret", "secretName"))
                .isEqualTo("place-a-replication"));
        assertThat(setting(container(workloadOf(Chart.rendered(null), "keeper-service")),
                "pgha.keeper.standby.password-file")).as("none by default").isEmpty();
    }

    @Test
    void externalStoresReplaceTheInChartEtcd() {
        Rendered external = Chart.rendered("external-etcd-values.yaml");
        assertThat(external.find("StatefulSet", "demo-pgha-etcd")).isEmpty();
        Map<String, Object> sentinel = container(workloadOf(external, "sentinel-service"));
        assertThat(setting(sentinel, "pgha.store.endpoints")).contains("http://etcd-0.etcd.infra.svc:2379,"
                + "http://etcd-1.etcd.infra.svc:2379,http://etcd-2.etcd.infra.svc:2379");
        assertThat(setting(sentinel, "pgha.store.prefix")).contains("pgha-prod");

        Rendered consul = Chart.rendered("consul-values.yaml");
        assertThat(consul.find("StatefulSet", "demo-pgha-etcd")).isEmpty();
        for (Map<String, Object> c : pghaContainers(consul)) {
            assertThat(setting(c, "pgha.store.backend")).contains("consul");
            assertThat(setting(c, "pgha.store.consul.token-file")).contains("/etc/pgha/consul/token");
        }
    }

    @Test
    void monitoringAddsAServiceMonitorOverEveryServicesHttpPort() {
        Rendered r = Chart.rendered("monitoring-values.yaml");
        Map<String, Object> monitor = r.get("ServiceMonitor", "demo-pgha");
        assertThat(Y.map(monitor, "metadata", "labels")).containsEntry("release", "prometheus");
        assertThat(Y.str(monitor, "spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
        Map<String, Object> svc = r.get("Service", "demo-pgha-metrics");
        assertThat(Y.map(svc, "metadata", "labels")).containsAllEntriesOf(Y.map(monitor, "spec", "selector",
                "matchLabels"));
        for (Map<String, Object> c : pghaContainers(r)) {
            containerPort(c, Y.str(svc, "spec", "ports", 0, "targetPort")); // every service names its port "http"
        }
        assertThat(r.find("Secret", "demo-pgha-keeper")).isEmpty();
        assertThat(r.find("Secret", "demo-pgha-admin")).isEmpty();
        assertThat(setting(container(workloadOf(r, "keeper-service")), "pgha.store.tls.cert-file")).isPresent();
    }

    @Test
    void theMinimalInstallRunsOneOfEachWithoutAntiAffinity() {
        Rendered r = Chart.rendered("minimal-values.yaml");
        for (Map<String, Object> w : r.workloads()) {
            assertThat(Y.at(w, "spec", "replicas")).as(Y.str(w, "metadata", "name")).isEqualTo(1);
        }
        assertThat(Y.at(r.get("StatefulSet", "demo-pgha-keeper"), "spec", "template", "spec", "affinity")).isNull();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"minimal-values.yaml"})
    void everyJvmIsSizedFromItsContainersMemoryLimit(String values) {
        for (Map<String, Object> c : pghaContainers(Chart.rendered(values))) {
            assertThat(Y.str(c, "resources", "limits", "memory")).as(service(c) + " memory limit").isNotBlank();
            String opts = Y.list(c, "env").stream().filter(e -> "JAVA_TOOL_OPTIONS".equals(Y.str(e, "name")))
                    .map(e -> Y.str(e, "value")).findFirst().orElse("");
            assertThat(opts).as(service(c) + " JAVA_TOOL_OPTIONS").contains("-XX:MaxRAMPercentage=")
                    .doesNotContain("-Xmx");
        }
    }

    @Test
    void podsAreAnnotatedForPrometheusOnTheirHttpPort() {
        Rendered r = Chart.rendered(null);
        for (Map<String, Object> w : r.workloads()) {
            Map<String, Object> c = container(w);
            if (service(c).equals("other")) {
                continue;
            }
            Map<String, Object> annotations = Y.map(w, "spec", "template", "metadata", "annotations");
            assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/path", "/actuator/prometheus")
                    .containsEntry("prometheus.io/port", setting(c, "server.port").orElseThrow());
        }
    }

    // ---- values.schema.json -------------------------------------------------------------------------------

    @Test
    void theValuesSchemaRejectsWrongTypesAndImpossibleValues() {
        Map<String, String> refused = Map.of(
                "keeper.replicas=0", "/keeper/replicas",
                "proxy.port=abc", "/proxy/port",
                "proxy.readOnlyPort=70000", "/proxy/readOnlyPort",
                "etcd.replicas=2", "/etcd/replicas",
                "keeper.antiAffinity=sometimes", "/keeper/antiAffinity",
                "store.backend=zookeeper", "/store/backend",
                "keepers.replicas=3", "keepers",
                "backup.options.repo1-cipher-pass=x", "invalid propertyName 'repo1-cipher-pass'",
                "backup.schedule.weekly=x", "/backup/schedule");
        refused.forEach((set, where) -> {
            Chart.Run run = Chart.template(null, set);
            assertThat(run.exitCode()).as(set).isNotZero();
            assertThat(run.err()).as(set).contains(where);
        });
        Chart.Run noEndpoints = Chart.template(null, "etcd.enabled=false");
        assertThat(noEndpoints.exitCode()).isNotZero();
        assertThat(noEndpoints.err()).contains("/store/endpoints");
        assertThat(Chart.template(null, "keeper.replicas=5").exitCode()).isZero();
    }
}
