package io.pgha.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The chart under test and the tools that read it: helm (PGHA_HELM, else helm on the PATH) and the Kubernetes
 * schema models for node (PGHA_K8S_MODELS, a node_modules folder). {@code scripts/chart-tools.sh} provides both;
 * without them the tests fail and say so rather than skip — a chart nobody checked is not a passing chart.
 */
final class Chart {
    static final Path DIR = Path.of("..", "helm", "pgha").toAbsolutePath().normalize();
    static final String RELEASE = "demo";
    static final String NAMESPACE = "db";
    private static final Map<String, Rendered> RENDERED = new ConcurrentHashMap<>();

    private Chart() {
    }

    /** What a command printed and how it ended. */
    record Run(int exitCode, String out, String err) {
    }

    static String helm() {
        String configured = System.getenv("PGHA_HELM");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        return Stream.of(System.getenv("PATH").split(":")).map(p -> Path.of(p, "helm")).filter(Files::isExecutable)
                .findFirst().map(Path::toString).orElseThrow(() -> new IllegalStateException(
                        "no helm: run scripts/test.sh (it fetches helm via scripts/chart-tools.sh) or set PGHA_HELM"));
    }

    static Path k8sModels() {
        String configured = System.getenv("PGHA_K8S_MODELS");
        if (configured == null || !Files.isDirectory(Path.of(configured, "kubernetes-models"))) {
            throw new IllegalStateException("no Kubernetes schema models: run scripts/test.sh (scripts/chart-tools.sh "
                    + "installs them) or set PGHA_K8S_MODELS to a node_modules folder holding kubernetes-models");
        }
        return Path.of(configured);
    }

    static Run run(List<String> command, String stdin, Map<String, String> env) {
        try {
            Path out = Files.createTempFile("chart-", ".out");
            Path err = Files.createTempFile("chart-", ".err");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within 120 s");
            }
            Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code helm template} with a values file from ci/ (null: the defaults) and extra --set arguments. */
    static Run template(String valuesFile, String... sets) {
        List<String> cmd = new ArrayList<>(List.of(helm(), "template", RELEASE, DIR.toString(), "--namespace",
                NAMESPACE));
        if (valuesFile != null) {
            cmd.addAll(List.of("-f", DIR.resolve("ci").resolve(valuesFile).toString()));
        }
        for (String s : sets) {
            cmd.addAll(List.of("--set", s));
        }
        return run(cmd, null, Map.of());
    }

    /** The objects rendered with that values file (cached: rendering is deterministic but for random secrets). */
    static Rendered rendered(String valuesFile) {
        return RENDERED.computeIfAbsent(valuesFile == null ? "" : valuesFile, k -> {
            Run r = template(valuesFile);
            if (r.exitCode() != 0) {
                throw new AssertionError("helm template with " + k + " failed:\n" + r.err());
            }
            return Rendered.parse(r.out());
        });
    }

    /** The objects rendered with that values file and --set arguments (not cached). */
    static Rendered rendered(String valuesFile, String... sets) {
        Run r = template(valuesFile, sets);
        if (r.exitCode() != 0) {
            throw new AssertionError("helm template with " + List.of(sets) + " failed:\n" + r.err());
        }
        return Rendered.parse(r.out());
    }

    /** The rendered manifest as parsed YAML objects, with lookups the tests need. */
    record Rendered(String yaml, List<Map<String, Object>> objects) {
        @SuppressWarnings("unchecked")
        static Rendered parse(String yaml) {
            Yaml parser = new Yaml(new SafeConstructor(new LoaderOptions()));
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Object doc : parser.loadAll(yaml)) {
                if (doc instanceof Map<?, ?> m) {
                    objects.add((Map<String, Object>) m);
                }
            }
            return new Rendered(yaml, objects);
        }

        List<Map<String, Object>> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
        }

        Optional<Map<String, Object>> find(String kind, String name) {
            return ofKind(kind).stream().filter(o -> name.equals(Y.str(o, "metadata", "name"))).findFirst();
        }

        Map<String, Object> get(String kind, String name) {
            return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
        }

        /** Deployments and StatefulSets. */
        List<Map<String, Object>> workloads() {
            return objects.stream().filter(o -> "Deployment".equals(o.get("kind"))
                    || "StatefulSet".equals(o.get("kind"))).toList();
        }
    }

    /** Navigation in parsed YAML. */
    static final class Y {
        private Y() {
        }

        @SuppressWarnings("unchecked")
        static Object at(Object node, Object... path) {
            Object n = node;
            for (Object key : path) {
                if (n instanceof Map<?, ?> m) {
                    n = m.get(key);
                } else if (n instanceof List<?> l && key instanceof Integer i) {
                    n = i < l.size() ? l.get(i) : null;
                } else {
                    return null;
                }
            }
            return n;
        }

        static String str(Object node, Object... path) {
            Object v = at(node, path);
            return v == null ? null : String.valueOf(v);
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> map(Object node, Object... path) {
            Object v = at(node, path);
            return v instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        }

        @SuppressWarnings("unchecked")
        static List<Map<String, Object>> list(Object node, Object... path) {
            Object v = at(node, path);
            return v instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
        }
    }
}
