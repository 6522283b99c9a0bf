package org.elohim.bench.p2p;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.perf.PerfService;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * QUIC vs TCP + Noise + yamux, one connection on loopback, /perf/1.0.0: Java↔Java on both, js↔js QUIC
 * (js-libp2p 3.3.11 + @chainsafe/libp2p-quic 2.1.1) and Java↔js QUIC in the same run, runs interleaved.
 * Prints median Mbit/s and the process's RSS. Usage: {@code QuicBench [--mib 64] [--runs 5]}
 */
public final class QuicBench {

    private interface Perf {
        long[] run(long upload, long download) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int mib = 64;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long bytes = (long) mib << 20;
        List<Host> hosts = new ArrayList<>();
        try (JsPerfPeer jsServer = new JsPerfPeer("transport-peer.mjs", new String[] {"--listen", "/ip4/127.0.0.1/udp/0/quic-v1"});
             JsPerfPeer jsClient = new JsPerfPeer("transport-peer.mjs", new String[] {"--listen", "/ip4/127.0.0.1/udp/0/quic-v1"})) {
            Host tcpServer = host(hosts);
            Host quicServer = host(hosts);
            Multiaddr tcpAddr = tcpServer.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS)
                    .withPeerId(tcpServer.peerId());
            Multiaddr quicAddr = quicServer.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1")).get(5, TimeUnit.SECONDS)
                    .withPeerId(quicServer.peerId());
            Multiaddr jsQuic = Multiaddr.parse(jsServer.address());
            // js -> js runs from the other js process, so each js process dials one peer only
            Multiaddr jsQuicOfClient = Multiaddr.parse(jsClient.address());
            String[] names = {"js -> js QUIC", "Java -> Java QUIC", "Java -> Java TCP", "Java -> js QUIC", "js -> Java QUIC"};
            Perf[] pairs = {
                (u, d) -> jsServer.perf(jsQuicOfClient.toString(), u, d),
                java(host(hosts), quicAddr),
                java(host(hosts), tcpAddr),
                java(host(hosts), jsQuic),
                (u, d) -> jsClient.perf(quicAddr.toString(), u, d)};
            double[][] med = measure(names, pairs, runs, bytes);
            System.out.printf(Locale.ROOT, "%nQUIC vs TCP+Noise+yamux, one connection, loopback, %d MiB per run, median of %d runs (Mbit/s)%n",
                    mib, runs);
            System.out.printf(Locale.ROOT, "JVM: %s %s; %d cores; Java process RSS after the runs: %d MiB%n",
                    System.getProperty("java.vm.name"), Runtime.version(), Runtime.getRuntime().availableProcessors(), rssMiB());
            String fmt = "%-18s %8s %9s%n";
            System.out.printf(Locale.ROOT, fmt, "client -> server", "upload", "download");
            for (int p = 0; p < names.length; p++) {
                System.out.printf(Locale.ROOT, fmt, names[p], String.format(Locale.ROOT, "%.0f", med[p][0]),
                        String.format(Locale.ROOT, "%.0f", med[p][1]));
            }
        } finally {
            hosts.forEach(Host::close);
        }
    }

    private static Host host(List<Host> hosts) {
        Host h = Host.create(HostConfig.defaults(IdentityKey.generate()));
        hosts.add(h);
        return h;
    }

    private static Perf java(Host client, Multiaddr target) {
        return (u, d) -> {
            P2pConnection c = client.dial(target).get(20, TimeUnit.SECONDS);
            PerfService.Result r = client.perf(c.remotePeer(), u, d).get(300, TimeUnit.SECONDS);
            return new long[] {r.uploadNanos(), r.totalNanos()};
        };
    }

    private static double[][] measure(String[] names, Perf[] pairs, int runs, long bytes) throws Exception {
        for (Perf p : pairs) {
            p.run(bytes / 4, 0);
            p.run(0, bytes / 4);
        }
        double[][] up = new double[pairs.length][runs];
        double[][] down = new double[pairs.length][runs];
        for (int i = 0; i < runs; i++) {
            for (int p = 0; p < pairs.length; p++) {
                long[] u = pairs[p].run(bytes, 0);
                up[p][i] = bytes * 8e3 / u[1];
                long[] d = pairs[p].run(0, bytes);
                down[p][i] = bytes * 8e3 / (d[1] - d[0]);
            }
        }
        double[][] med = new double[pairs.length][];
        for (int p = 0; p < pairs.length; p++) {
            med[p] = new double[] {median(up[p]), median(down[p])};
            System.err.printf(Locale.ROOT, "%s: upload %s, download %s Mbit/s%n", names[p],
                    Arrays.toString(Arrays.stream(up[p]).mapToLong(Math::round).toArray()),
                    Arrays.toString(Arrays.stream(down[p]).mapToLong(Math::round).toArray()));
        }
        return med;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** VmRSS of this process from /proc (memory as the OS sees it, not the heap). */
    private static long rssMiB() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
