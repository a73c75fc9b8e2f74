package io.pgha.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several "hosts" on this machine for real partition tests: one Linux network namespace per node, each with one
 * interface on a bridge (itself in a namespace of its own), and a veth from this process's namespace onto the
 * same bridge so that the test itself can reach every node. Addresses are {@code 10.213.S.i} (node i, from 1)
 * and {@code 10.213.S.254} (the test), with S chosen per lab; traffic only ever flows between these namespaces.
 *
 * <p>Partitions are iptables rules inside the node namespaces ({@link #cut}, {@link #isolate}); {@link #heal}
 * drops them all. {@link #command} wraps a command line so it runs inside a node. {@link #close} deletes every
 * namespace and link it made (and so ends the network of anything still running in them); namespaces left by a
 * lab of a crashed run are deleted when the next lab starts. Needs root, {@code ip} and {@code iptables}.
 */
public final class NetworkLab implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkLab.class);
    /** Every namespace and link of a lab starts with this, so that leftovers can be found. */
    static final String PREFIX = "pghal";

    private final String tag;
    private final int subnet;
    private final int nodes;
    private final List<String> namespaces = new ArrayList<>();
    private final String hostLink;

    private NetworkLab(int nodes) {
        this.tag = HexFormat.of().formatHex(new SecureRandom().generateSeed(2));
        this.subnet = 1 + new SecureRandom().nextInt(250);
        this.nodes = nodes;
        this.hostLink = PREFIX + tag + "h";
    }

    /** Builds {@code nodes} node namespaces on one bridge, reachable from this process. */
    public static NetworkLab create(int nodes) {
        removeLeftovers();
        NetworkLab lab = new NetworkLab(nodes);
        try {
            lab.build();
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void build() {
        String bridgeNs = PREFIX + tag + "br";
        run("ip", "netns", "add", bridgeNs);
        namespaces.add(bridgeNs);
        inNs(bridgeNs, "ip", "link", "set", "lo", "up");
        inNs(bridgeNs, "ip", "link", "add", "br0", "type", "bridge");
        inNs(bridgeNs, "ip", "link", "set", "br0", "up");
        for (int i = 1; i <= nodes; i++) {
            String ns = namespace(i);
            run("ip", "netns", "add", ns);
            namespaces.add(ns);
            String outside = PREFIX + tag + "n" + i;
            run("ip", "link", "add", outside, "type", "veth", "peer", "name", "eth" + tag);
            run("ip", "link", "set", "eth" + tag, "netns", ns);
            run("ip", "link", "set", outside, "netns", bridgeNs);
            inNs(bridgeNs, "ip", "link", "set", outside, "master", "br0");
            inNs(bridgeNs, "ip", "link", "set", outside, "up");
            inNs(ns, "ip", "link", "set", "lo", "up");
            inNs(ns, "ip", "link", "set", "eth" + tag, "name", "eth0");
            inNs(ns, "ip", "addr", "add", address(i) + "/24", "dev", "eth0");
            inNs(ns, "ip", "link", "set", "eth0", "up");
        }
        run("ip", "link", "add", hostLink, "type", "veth", "peer", "name", "hp" + tag);
        run("ip", "link", "set", "hp" + tag, "netns", bridgeNs);
        inNs(bridgeNs, "ip", "link", "set", "hp" + tag, "master", "br0");
        inNs(bridgeNs, "ip", "link", "set", "hp" + tag, "up");
        run("ip", "addr", "add", hostAddress() + "/24", "dev", hostLink);
        run("ip", "link", "set", hostLink, "up");
        log.info("network lab {}: {} nodes at {}.1-{}, this process at {}", tag, nodes, base(), nodes, hostAddress());
    }

    public int nodes() {
        return nodes;
    }

    /** The address of node {@code i} (from 1). */
    public String address(int i) {
        return base() + "." + i;
    }

    /** The address of the test (this process) on the lab's bridge. */
    public String hostAddress() {
        return base() + ".254";
    }

    public String namespace(int i) {
        return PREFIX + tag + "n" + i;
    }

    private String base() {
        return "10.213." + subnet;
    }

    /** {@code command} to be run inside node {@code i}. */
    public List<String> command(int i, List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", namespace(i)));
        out.addAll(command);
        return out;
    }

    /** Drops every packet between nodes {@code a} and {@code b} (both directions). */
    public void cut(int a, int b) {
        drop(a, address(b));
        drop(b, address(a));
        log.info("network lab {}: cut {} | {}", tag, a, b);
    }

    /**
     * Drops the TCP traffic to and from {@code port} between nodes {@code a} and {@code b} (e.g. replication to one
     * PostgreSQL); everything else between them still flows.
     */
    public void cutPort(int a, int b, int port) {
        for (int[] pair : new int[][] {{a, b}, {b, a}}) {
            String peer = address(pair[1]);
            String ns = namespace(pair[0]);
            for (String dir : new String[] {"--dport", "--sport"}) {
                inNs(ns, "iptables", "-A", "INPUT", "-s", peer, "-p", "tcp", dir, String.valueOf(port), "-j", "DROP");
                inNs(ns, "iptables", "-A", "OUTPUT", "-d", peer, "-p", "tcp", dir, String.valueOf(port), "-j",
                        "DROP");
            }
        }
        log.info("network lab {}: cut tcp port {} between {} and {}", tag, port, a, b);
    }

    /** Drops every packet between node {@code i} and every other node (this process still reaches it). */
    public void isolateFromNodes(int i) {
        for (int j = 1; j <= nodes; j++) {
            if (j != i) {
                cut(i, j);
            }
        }
    }

    /** Drops every packet between node {@code i} and this process. */
    public void cutFromHost(int i) {
        drop(i, hostAddress());
        log.info("network lab {}: cut {} | test", tag, i);
    }

    /** Node {@code i} cut from every other node and from this process. */
    public void isolate(int i) {
        isolateFromNodes(i);
        cutFromHost(i);
    }

    /** Removes every partition. */
    public void heal() {
        for (int i = 1; i <= nodes; i++) {
            inNs(namespace(i), "iptables", "-F", "INPUT");
            inNs(namespace(i), "iptables", "-F", "OUTPUT");
        }
        log.info("network lab {}: healed", tag);
    }

    private void drop(int node, String peer) {
        inNs(namespace(node), "iptables", "-A", "INPUT", "-s", peer, "-j", "DROP");
        inNs(namespace(node), "iptables", "-A", "OUTPUT", "-d", peer, "-j", "DROP");
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            try {
                run("ip", "netns", "del", ns);
            } catch (RuntimeException e) {
                log.warn("network lab {}: could not delete namespace {}: {}", tag, ns, e.getMessage());
            }
        }
        namespaces.clear();
        try {
            runQuietly("ip", "link", "del", hostLink); // usually gone with its peer's namespace
        } catch (RuntimeException e) {
            // already gone
        }
    }

    /** Deletes the namespaces and host links of labs that were not closed (a killed test run). */
    static void removeLeftovers() {
        for (String line : runQuietly("ip", "netns", "list").split("\n")) {
            String ns = line.split(" ")[0].trim();
            if (ns.startsWith(PREFIX)) {
                runQuietly("ip", "netns", "del", ns);
            }
        }
        for (String line : runQuietly("ip", "-o", "link", "show").split("\n")) {
            String[] parts = line.split(":\\s+");
            if (parts.length > 1) {
                String name = parts[1].split("@")[0];
                if (name.startsWith(PREFIX)) {
                    runQuietly("ip", "link", "del", name);
                }
            }
        }
    }

    private static void inNs(String ns, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(List.of(command));
        run(cmd.toArray(String[]::new));
    }

    private static String run(String... command) {
        Result r = exec(command);
        if (r.exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exit + ": " + r.output);
        }
        return r.output;
    }

    private static String runQuietly(String... command) {
        return exec(command).output;
    }

    private record Result(int exit, String output) {
    }

    private static Result exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, out + " (timed out)");
            }
            return new Result(p.exitValue(), out.trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
