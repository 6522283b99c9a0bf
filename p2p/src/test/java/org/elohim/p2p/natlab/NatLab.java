package org.elohim.p2p.natlab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Simulated homes behind NATs in network namespaces this lab creates (and always removes): {@code pub} is the
 * "internet" (bridge 10.99.0.1/24), routers {@code rA}/{@code rB} (WAN .11/.12, LAN 192.168.1.1 / 192.168.2.1),
 * hosts {@code hA}/{@code hB} (192.168.1.2 / 192.168.2.2). NAT behaviour per router is set with nft. Needs root.
 */
final class NatLab implements AutoCloseable {

    enum Nat { CONE, SYMMETRIC, FULL_CONE }

    private final String prefix = "el" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0xFFFF));
    private final List<String> namespaces = new ArrayList<>();

    /** Why the lab cannot run here, or null if it can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "NAT lab needs root (network namespaces, nft); skipped";
        }
        for (String tool : List.of("/usr/sbin/nft", "/usr/sbin/ip", "/usr/sbin/conntrack")) {
            if (!Files.isExecutable(Path.of(tool)) && !Files.isExecutable(Path.of(tool.replace("/usr/sbin", "/sbin")))) {
                return "NAT lab needs " + Path.of(tool).getFileName() + " (apt-get install nftables iptables conntrack); skipped";
            }
        }
        return null;
    }

    String ns(String name) {
        return prefix + "-" + name;
    }

    NatLab() throws IOException, InterruptedException {
        try {
            for (String n : List.of("pub", "rA", "rB", "hA", "hB")) {
                run("ip", "netns", "add", ns(n));
                namespaces.add(ns(n));
                run("ip", "-n", ns(n), "link", "set", "lo", "up");
            }
            run("ip", "-n", ns("pub"), "link", "add", "br0", "type", "bridge");
            run("ip", "-n", ns("pub"), "addr", "add", "10.99.0.1/24", "dev", "br0");
            run("ip", "-n", ns("pub"), "link", "set", "br0", "up");
            home("A", "11", "1");
            home("B", "12", "2");
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void home(String x, String wanHost, String lanNet) throws IOException, InterruptedException {
        String r = ns("r" + x);
        String h = ns("h" + x);
        run("ip", "link", "add", "wan" + x, "netns", r, "type", "veth", "peer", "name", "p" + x, "netns", ns("pub"));
        run("ip", "-n", ns("pub"), "link", "set", "p" + x, "master", "br0", "up");
        run("ip", "-n", r, "addr", "add", "10.99.0." + wanHost + "/24", "dev", "wan" + x);
        run("ip", "-n", r, "link", "set", "wan" + x, "up");
        run("ip", "link", "add", "lan" + x, "netns", r, "type", "veth", "peer", "name", "eth0", "netns", h);
        run("ip", "-n", r, "addr", "add", "192.168." + lanNet + ".1/24", "dev", "lan" + x);
        run("ip", "-n", r, "link", "set", "lan" + x, "up");
        run("ip", "-n", h, "addr", "add", "192.168." + lanNet + ".2/24", "dev", "eth0");
        run("ip", "-n", h, "link", "set", "eth0", "up");
        run("ip", "-n", h, "route", "add", "default", "via", "192.168." + lanNet + ".1");
        run("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    }

    /** Replaces router {@code x}'s rules with {@code nat} and forgets its connection tracking state. */
    void setNat(String x, Nat nat) throws IOException, InterruptedException {
        String r = ns("r" + x);
        String wan = "wan" + x;
        String masquerade = nat == Nat.SYMMETRIC ? "masquerade fully-random" : "masquerade";
        StringBuilder rules = new StringBuilder("flush ruleset\n");
        rules.append("table ip nat {\n");
        if (nat == Nat.FULL_CONE) {
            // endpoint-independent filtering: remember each mapping and let anyone in through it
            rules.append("  map tcpfw { type inet_service : ipv4_addr . inet_service; flags dynamic,timeout; timeout 5m; }\n");
            rules.append("  chain pre { type nat hook prerouting priority dstnat; iifname \"" + wan
                    + "\" dnat ip to tcp dport map @tcpfw; }\n");
        }
        rules.append("  chain post { type nat hook postrouting priority srcnat; oifname \"" + wan + "\" " + masquerade + "; }\n");
        if (nat == Nat.FULL_CONE) {
            rules.append("  chain learn { type filter hook postrouting priority srcnat + 10; oifname \"" + wan
                    + "\" meta l4proto tcp update @tcpfw { tcp sport : ct original ip saddr . ct original proto-src }; }\n");
        }
        rules.append("}\n");
        // home routers drop unsolicited inbound silently (no RST, no ICMP): a RST would kill the punch
        rules.append("table inet filter {\n");
        rules.append("  chain input { type filter hook input priority 0; iifname \"" + wan
                + "\" ct state established,related accept; iifname \"" + wan + "\" drop; }\n");
        rules.append("  chain forward { type filter hook forward priority 0; iifname \"" + wan
                + "\" ct state established,related accept; iifname \"" + wan + "\" ct status dnat accept; iifname \""
                + wan + "\" drop; }\n");
        rules.append("}\n");
        String text = rules.toString();
        runStdin(text, "ip", "netns", "exec", r, "nft", "-f", "-");
        try {
            run("ip", "netns", "exec", r, "conntrack", "-F");
        } catch (IOException e) {
            // empty table: nothing to flush
        }
    }

    /** A command line running {@code argv} inside namespace {@code name}. */
    List<String> inNamespace(String name, List<String> argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns(name)));
        cmd.addAll(argv);
        return cmd;
    }

    @Override
    public void close() {
        for (String n : namespaces) {
            try {
                run("ip", "netns", "delete", n);
            } catch (IOException | InterruptedException e) {
                System.err.println("NAT lab: could not delete namespace " + n + ": " + e);
            }
        }
        namespaces.clear();
    }

    static void run(String... argv) throws IOException, InterruptedException {
        runStdin(null, argv);
    }

    private static void runStdin(String stdin, String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", argv) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + " failed (" + p.exitValue() + "): " + out
                    + (stdin != null ? "\ninput:\n" + stdin : ""));
        }
    }
}
