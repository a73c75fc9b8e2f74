package io.pgha.chart;

import io.pgha.chart.Chart.Y;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rendered chart's StatefulSets and Deployments run as podman containers, the way a kubelet and the cluster's
 * DNS would run them, so that a test exercises the chart's own wiring on the real images: every environment
 * variable as rendered (values, {@code fieldRef} to the pod's name, namespace and IP, {@code $(VAR)} expansion in
 * commands), Secrets and ConfigMaps mounted as files with their modes, one persistent directory per volume claim
 * (kept across container restarts, as a PersistentVolume), the pod and container security contexts (user, group,
 * fsGroup, dropped capabilities, no privilege escalation), memory limits, the grace period, and readiness probes.
 *
 * <p>Each pod gets a fixed address on its own podman network; Services are names in every container's hosts file
 * (a ClusterIP Service resolves to its first pod, a headless Service's pods by their stable names). There is no
 * kube-proxy: a client reaches a pod at its address and container port. Like a kubelet's restart policy, nothing
 * restarts a container by itself: the test does, with {@link #start}.
 */
final class PodmanPods implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodmanPods.class);
    // What podman needs on these machines: runc (crun fails with hybrid cgroups) and explicit limits (setrlimit
    // to the host's defaults is refused).
    private static final List<String> LIMITS = List.of("--ulimit", "nofile=1024:1024", "--ulimit",
            "nproc=1024:1024");
    private static final Pattern VAR = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** One pod of a workload: its container's ports by name and its readiness probe. */
    record Pod(String name, String component, String ip, Map<String, Integer> ports, String readinessPath,
            String readinessPort) {
        int port(String portName) {
            Integer p = ports.get(portName);
            if (p == null) {
                throw new IllegalArgumentException(name + " has no port " + portName + ": " + ports);
            }
            return p;
        }
    }

    private final String network;
    private final Path workDir;
    private final Map<String, Pod> pods = new LinkedHashMap<>();
    private final Map<String, List<String>> runCommands = new LinkedHashMap<>();

    private PodmanPods(String network, Path workDir) {
        this.network = network;
        this.workDir = workDir;
    }

    /**
     * Creates the network {@code network} on {@code subnet} (a /24, "10.89.7") and, for each workload of
     * {@code rendered}, its pods' containers (created, not started). Files for secrets and volumes go under
     * {@code workDir}.
     */
    static PodmanPods create(Chart.Rendered rendered, String network, String subnet, Path workDir) {
        PodmanPods pp = new PodmanPods(network, workDir);
        podman("network", "rm", "-f", network);
        check(podman("network", "create", "--subnet", subnet + ".0/24", network), "network create");
        try {
            pp.createAll(rendered, subnet);
        } catch (RuntimeException e) {
            pp.close();
            throw e;
        }
        return pp;
    }

    private void createAll(Chart.Rendered rendered, String subnet) {
        // First every pod's name and address, so that each container's hosts file can name all of them.
        record Planned(Map<String, Object> workload, String name, String ip) {
        }
        List<Planned> planned = new ArrayList<>();
        int host = 10;
        for (Map<String, Object> w : rendered.workloads()) {
            int replicas = Integer.parseInt(String.valueOf(Y.at(w, "spec", "replicas")));
            for (int i = 0; i < replicas; i++) {
                planned.add(new Planned(w, Y.str(w, "metadata", "name") + "-" + i, subnet + "." + host++));
            }
        }
        Map<String, String> hosts = new TreeMap<>();
        String namespace = Chart.NAMESPACE;
        for (Map<String, Object> svc : rendered.ofKind("Service")) {
            String svcName = Y.str(svc, "metadata", "name");
            Map<String, Object> selector = Y.map(svc, "spec", "selector");
            List<Planned> selected = planned.stream().filter(p -> labels(p.workload()).entrySet()
                    .containsAll(selector.entrySet())).toList();
            if (selected.isEmpty()) {
                continue;
            }
            for (String n : dnsNames(svcName, namespace)) {
                hosts.put(n, selected.get(0).ip());
            }
            if ("None".equals(Y.str(svc, "spec", "clusterIP"))) {
                for (Planned p : selected) {
                    for (String n : dnsNames(p.name() + "." + svcName, namespace)) {
                        hosts.put(n, p.ip());
                    }
                }
            }
        }
        for (Planned p : planned) {
            createPod(rendered, p.workload(), p.name(), p.ip(), hosts);
        }
    }

    private static List<String> dnsNames(String name, String namespace) {
        return List.of(name, name + "." + namespace, name + "." + namespace + ".svc",
                name + "." + namespace + ".svc.cluster.local");
    }

    private static Map<String, Object> labels(Map<String, Object> workload) {
        return Y.map(workload, "spec", "template", "metadata", "labels");
    }

    private void createPod(Chart.Rendered rendered, Map<String, Object> workload, String name, String ip,
            Map<String, String> hosts) {
        Map<String, Object> podSpec = Y.map(workload, "spec", "template", "spec");
        List<Map<String, Object>> containers = Y.list(podSpec, "containers");
        if (containers.size() != 1) {
            throw new IllegalStateException(name + ": one container per pod expected, got " + containers.size());
        }
        Map<String, Object> c = containers.get(0);
        Map<String, Object> podSecurity = Y.map(podSpec, "securityContext");
        Map<String, Object> security = Y.map(c, "securityContext");
        String user = Y.str(security, "runAsUser") != null ? Y.str(security, "runAsUser")
                : Y.str(podSecurity, "runAsUser");
        String group = Y.str(podSecurity, "runAsGroup");
        String fsGroup = Y.str(podSecurity, "fsGroup");

        List<String> run = new ArrayList<>(List.of("create", "--name", name, "--hostname", name, "--network",
                network, "--ip", ip));
        run.addAll(LIMITS);
        hosts.forEach((n, a) -> run.addAll(List.of("--add-host", n + ":" + a)));
        if (user != null) {
            run.addAll(List.of("--user", group == null ? user : user + ":" + group));
        }
        if (fsGroup != null) {
            run.addAll(List.of("--group-add", fsGroup));
        }
        for (Object cap : (List<?>) Optional.ofNullable(Y.at(security, "capabilities", "drop")).orElse(List.of())) {
            run.addAll(List.of("--cap-drop", String.valueOf(cap)));
        }
        if ("false".equals(Y.str(security, "allowPrivilegeEscalation"))) {
            run.addAll(List.of("--security-opt", "no-new-privileges"));
        }
        if ("true".equals(Y.str(security, "readOnlyRootFilesystem"))) {
            run.add("--read-only");
        }
        String memory = Y.str(c, "resources", "limits", "memory");
        if (memory != null) {
            run.addAll(List.of("--memory", quantity(memory)));
        }
        String grace = Y.str(podSpec, "terminationGracePeriodSeconds");
        run.addAll(List.of("--stop-timeout", grace == null ? "30" : grace));

        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> e : Y.list(c, "env")) {
            env.put(Y.str(e, "name"), expand(envValue(rendered, e, name, ip), env));
        }
        env.forEach((k, v) -> run.addAll(List.of("--env", k + "=" + v)));

        Path podDir = workDir.resolve(name);
        Map<String, Path> volumes = new LinkedHashMap<>();
        for (Map<String, Object> v : Y.list(podSpec, "volumes")) {
            volumes.put(Y.str(v, "name"), materialize(rendered, v, podDir, user, fsGroup));
        }
        for (Map<String, Object> claim : Y.list(workload, "spec", "volumeClaimTemplates")) {
            Path dir = podDir.resolve("claim-" + Y.str(claim, "metadata", "name"));
            mkdirOwned(dir, user, fsGroup, "rwxrwx---");
            volumes.put(Y.str(claim, "metadata", "name"), dir);
        }
        for (Map<String, Object> m : Y.list(c, "volumeMounts")) {
            Path source = volumes.get(Y.str(m, "name"));
            if (source == null) {
                throw new IllegalStateException(name + ": mount of an undeclared volume " + Y.str(m, "name"));
            }
            run.addAll(List.of("-v", source + ":" + Y.str(m, "mountPath")
                    + ("true".equals(Y.str(m, "readOnly")) ? ":ro" : "")));
        }

        List<Object> command = new ArrayList<>((List<?>) Optional.ofNullable(Y.at(c, "command")).orElse(List.of()));
        List<Object> args = new ArrayList<>((List<?>) Optional.ofNullable(Y.at(c, "args")).orElse(List.of()));
        if (!command.isEmpty()) {
            run.addAll(List.of("--entrypoint", String.valueOf(command.remove(0))));
            command.addAll(args);
        } else {
            command = args;
        }
        run.add(Y.str(c, "image"));
        command.forEach(a -> run.add(expand(String.valueOf(a), env)));

        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Map<String, Object> p : Y.list(c, "ports")) {
            ports.put(Y.str(p, "name"), Integer.parseInt(Y.str(p, "containerPort")));
        }
        check(podman(run), "create " + name);
        runCommands.put(name, run);
        pods.put(name, new Pod(name, Y.str(labels(workload), "app.kubernetes.io/component"), ip, ports,
                Y.str(c, "readinessProbe", "httpGet", "path"), Y.str(c, "readinessProbe", "httpGet", "port")));
    }

    private static String envValue(Chart.Rendered rendered, Map<String, Object> e, String pod, String ip) {
        if (Y.at(e, "value") != null) {
            return Y.str(e, "value");
        }
        String field = Y.str(e, "valueFrom", "fieldRef", "fieldPath");
        if (field != null) {
            return switch (field) {
                case "metadata.name" -> pod;
                case "metadata.namespace" -> Chart.NAMESPACE;
                case "status.podIP" -> ip;
                default -> throw new IllegalStateException("fieldRef " + field + " not emulated");
            };
        }
        Map<String, Object> secret = Y.map(e, "valueFrom", "secretKeyRef");
        if (!secret.isEmpty()) {
            return secretData(rendered, Y.str(secret, "name")).get(Y.str(secret, "key"));
        }
        Map<String, Object> config = Y.map(e, "valueFrom", "configMapKeyRef");
        if (!config.isEmpty()) {
            return Y.str(rendered.get("ConfigMap", Y.str(config, "name")), "data", Y.str(config, "key"));
        }
        throw new IllegalStateException("environment variable " + Y.str(e, "name") + " not emulated: " + e);
    }

    /** Kubernetes' {@code $(VAR)} expansion, from the variables defined so far. */
    private static String expand(String s, Map<String, String> env) {
        Matcher m = VAR.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        return m.appendTail(sb).toString();
    }

    /** A Secret's decoded data (and stringData). */
    static Map<String, String> secretData(Chart.Rendered rendered, String name) {
        Map<String, Object> s = rendered.get("Secret", name);
        Map<String, String> data = new TreeMap<>();
        Y.map(s, "data").forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(String.valueOf(v)),
                StandardCharsets.UTF_8)));
        Y.map(s, "stringData").forEach((k, v) -> data.put(k, String.valueOf(v)));
        return data;
    }

    /** A volume's files on this machine: a Secret's or ConfigMap's keys as files, or an empty directory. */
    private static Path materialize(Chart.Rendered rendered, Map<String, Object> volume, Path podDir, String user,
            String fsGroup) {
        Path dir = podDir.resolve("volume-" + Y.str(volume, "name"));
        Map<String, String> files;
        String mode;
        if (!Y.map(volume, "secret").isEmpty()) {
            files = secretData(rendered, Y.str(volume, "secret", "secretName"));
            mode = Y.str(volume, "secret", "defaultMode");
        } else if (!Y.map(volume, "configMap").isEmpty()) {
            files = new TreeMap<>();
            Y.map(rendered.get("ConfigMap", Y.str(volume, "configMap", "name")), "data")
                    .forEach((k, v) -> files.put(k, String.valueOf(v)));
            mode = Y.str(volume, "configMap", "defaultMode");
        } else if (Y.at(volume, "emptyDir") != null) {
            mkdirOwned(dir, user, fsGroup, "rwxrwx---");
            return dir;
        } else {
            throw new IllegalStateException("volume " + volume + " not emulated");
        }
        mkdirOwned(dir, user, fsGroup, "rwxr-x---");
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            try {
                Files.writeString(file, f.getValue());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // The kubelet gives the pod's fsGroup the files; the mode is the volume's defaultMode (0644 if none).
            chown(file, user, fsGroup);
            chmod(file, mode == null ? 0644 : Integer.parseInt(mode));
        }
        return dir;
    }

    private static void mkdirOwned(Path dir, String user, String group, String perms) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chown(dir, user, group);
    }

    private static void chown(Path p, String user, String group) {
        if (user != null) {
            check(run(List.of("chown", user + ":" + (group == null ? user : group), p.toString())), "chown " + p);
        }
    }

    private static void chmod(Path p, int mode) {
        // defaultMode is rendered as a decimal number (0400 octal = 256).
        check(run(List.of("chmod", Integer.toOctalString(mode), p.toString())), "chmod " + p);
    }

    /** A Kubernetes memory quantity as podman's --memory ("1Gi" → "1g", "384Mi" → "384m"). */
    static String quantity(String q) {
        Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi)?").matcher(q);
        if (!m.matches()) {
            throw new IllegalArgumentException("memory quantity " + q + " not emulated");
        }
        return m.group(2) == null ? m.group(1) : m.group(1) + Character.toLowerCase(m.group(2).charAt(0));
    }

    Pod pod(String name) {
        Pod p = pods.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no pod " + name + " in " + pods.keySet());
        }
        return p;
    }

    List<Pod> pods() {
        return List.copyOf(pods.values());
    }

    /** The pods of one component ("keeper", "sentinel", "proxy", "admin", "etcd"), in order. */
    List<Pod> component(String component) {
        return pods.values().stream().filter(p -> component.equals(p.component())).toList();
    }

    Optional<Pod> byIp(String ip) {
        return pods.values().stream().filter(p -> p.ip().equals(ip)).findFirst();
    }

    /** The {@code podman create} arguments of a pod (what the test ran, for the record). */
    List<String> runCommand(String name) {
        return runCommands.get(name);
    }

    void start(String name) {
        check(podman("start", name), "start " + name);
    }

    /** SIGKILL to the container's init process: the whole container (a keeper's PostgreSQL too) dies at once. */
    void kill(String name) {
        check(podman("kill", "--signal", "KILL", name), "kill " + name);
        // The container is stopped once podman has reaped it; only then does a start begin afresh.
        podman("wait", name);
    }

    boolean running(String name) {
        Chart.Run r = podman("inspect", "--format", "{{.State.Running}}", name);
        return r.exitCode() == 0 && r.out().trim().equals("true");
    }

    /** Whether the pod's readiness probe (an HTTP GET on its container port) answers 2xx now. */
    boolean ready(String name) {
        Pod p = pod(name);
        if (p.readinessPath() == null) {
            return running(name);
        }
        int port = p.readinessPort().chars().allMatch(Character::isDigit) ? Integer.parseInt(p.readinessPort())
                : p.port(p.readinessPort());
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + p.ip() + ":" + port
                    + p.readinessPath())).timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Every container's log into {@code dir} (one file per pod). */
    void saveLogs(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String name : pods.keySet()) {
                Chart.Run r = podman("logs", name);
                Files.writeString(dir.resolve(name + ".log"), r.out() + r.err());
            }
        } catch (IOException e) {
            log.warn("logs not saved: {}", e.toString());
        }
    }

    @Override
    public void close() {
        for (String name : pods.keySet()) {
            podman("rm", "-f", "-t", "0", name);
        }
        podman("network", "rm", "-f", network);
        run(List.of("rm", "-rf", workDir.toString()));
    }

    static Chart.Run podman(String... args) {
        return podman(List.of(args));
    }

    static Chart.Run podman(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc"));
        cmd.addAll(args);
        return run(cmd);
    }

    private static Chart.Run run(List<String> cmd) {
        return Chart.run(cmd, null, Map.of());
    }

    private static void check(Chart.Run r, String what) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("podman " + what + " failed (" + r.exitCode() + "): " + r.err().strip());
        }
    }
}
