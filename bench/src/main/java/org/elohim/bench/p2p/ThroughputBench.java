package org.elohim.bench.p2p;

import org.elohim.p2p.host.Host;
import org.elohim.p2p.host.HostConfig;
import org.elohim.p2p.host.P2pConnection;
import org.elohim.p2p.multiaddr.Multiaddr;
import org.elohim.p2p.peer.IdentityKey;
import org.elohim.p2p.peer.PeerId;
import org.elohim.p2p.perf.PerfService;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Single-connection throughput over TCP + Noise + yamux on loopback with /perf/1.0.0: Java↔Java, Java↔js-libp2p
 * and js↔js in the same run, plus the JVM's raw ChaCha20-Poly1305 seal+open rate (the physical limit of one
 * connection's cipher on one core). Prints medians in Mbit/s.
 * <p>
 * Usage: {@code ThroughputBench [--mib 256] [--runs 5]}
 */
public final class ThroughputBench {

    private interface Perf {
        /** {uploadNanos, totalNanos} */
        long[] run(long upload, long download) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int mib = 256;
        int runs = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mib" -> mib = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        long bytes = (long) mib << 20;
        String jvm = System.getProperty("java.vm.name") + " " + Runtime.version();

        Host javaServer = Host.create(HostConfig.defaults(IdentityKey.generate()));
        Host javaClient = Host.create(HostConfig.defaults(IdentityKey.generate()));
        try (JsPerfPeer jsServer = new JsPerfPeer("--listen");
             JsPerfPeer jsClient = new JsPerfPeer()) {
            Multiaddr javaAddr = javaServer.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).get(5, TimeUnit.SECONDS)
                    .withPeerId(javaServer.peerId());
            Multiaddr jsAddr = Multiaddr.parse(jsServer.address());

            double cipher = chachaSealOpenMbps();
            String[] names = {"js -> js", "Java -> Java", "Java -> js", "js -> Java"};
            Perf[] pairs = {
                (u, d) -> jsClient.perf(jsAddr.toString(), u, d),
                java(javaClient, javaAddr),
                java(javaClient, jsAddr),
                (u, d) -> jsClient.perf(javaAddr.toString(), u, d)};
            double[][] medians = measure(names, pairs, runs, bytes);
            List<String[]> rows = new ArrayList<>();
            for (int p = 0; p < names.length; p++) {
                rows.add(row(names[p], medians[p], medians[0], cipher));
            }

            System.out.printf(Locale.ROOT, "%nTCP + Noise + yamux, one connection, loopback, %d MiB per run, median of %d runs (Mbit/s)%n", mib, runs);
            System.out.printf(Locale.ROOT, "JVM: %s; js: js-libp2p 3.3.11 on node %s; %d cores%n", jvm, nodeVersion(),
                    Runtime.getRuntime().availableProcessors());
            String fmt = "%-14s %8s %9s %11s %11s %13s %13s%n";
            System.out.printf(Locale.ROOT, fmt, "client->server", "upload", "download", "up/js-js", "down/js-js", "up/cipher", "down/cipher");
            for (String[] r : rows) {
                System.out.printf(Locale.ROOT, fmt, (Object[]) r);
            }
            System.out.printf(Locale.ROOT, "cipher = this JVM's ChaCha20-Poly1305 seal+open of 64 KiB frames on 1 core: %.0f Mbit/s%n", cipher);
        } finally {
            javaClient.close();
            javaServer.close();
        }
    }

    private static Perf java(Host client, Multiaddr target) {
        return (u, d) -> {
            P2pConnection c = client.dial(target).get(10, TimeUnit.SECONDS);
            PeerId peer = c.remotePeer();
            PerfService.Result r = client.perf(peer, u, d).get(300, TimeUnit.SECONDS);
            return new long[]{r.uploadNanos(), r.totalNanos()};
        };
    }

    /**
     * Per pair {median upload Mbit/s, median download Mbit/s}. Runs are interleaved across pairs (run 1 of every
     * pair, then run 2 ...) so that load from other processes on the machine spreads evenly; warm-up first.
     */
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
                up[p][i] = bytes * 8e3 / u[1]; // until the server has drained everything and finished
                long[] d = pairs[p].run(0, bytes);
                down[p][i] = bytes * 8e3 / (d[1] - d[0]);
            }
        }
        double[][] medians = new double[pairs.length][];
        for (int p = 0; p < pairs.length; p++) {
            medians[p] = new double[]{median(up[p]), median(down[p])};
            System.err.printf(Locale.ROOT, "%s: upload %s, download %s Mbit/s%n", names[p],
                    Arrays.toString(round(up[p])), Arrays.toString(round(down[p])));
        }
        return medians;
    }

    private static long[] round(double[] v) {
        return Arrays.stream(v).mapToLong(Math::round).toArray();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String[] row(String name, double[] m, double[] base, double cipher) {
        return new String[]{name, String.format(Locale.ROOT, "%.0f", m[0]), String.format(Locale.ROOT, "%.0f", m[1]),
                String.format(Locale.ROOT, "%.2fx", m[0] / base[0]), String.format(Locale.ROOT, "%.2fx", m[1] / base[1]),
                String.format(Locale.ROOT, "%.0f%%", 100 * m[0] / cipher), String.format(Locale.ROOT, "%.0f%%", 100 * m[1] / cipher)};
    }

    /** Plaintext Mbit/s through one seal and one open of each 64 KiB frame with the JDK's ChaCha20-Poly1305. */
    static double chachaSealOpenMbps() throws Exception {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 7);
        SecretKeySpec k = new SecretKeySpec(key, "ChaCha20");
        Cipher seal = Cipher.getInstance("ChaCha20-Poly1305");
        Cipher open = Cipher.getInstance("ChaCha20-Poly1305");
        byte[] plain = new byte[65519];
        byte[] sealed = new byte[plain.length + 16];
        byte[] opened = new byte[plain.length];
        long counter = 0;
        long bytes = 0;
        long start = 0;
        for (int phase = 0; phase < 2; phase++) { // phase 0 warms up the JIT
            long until = System.nanoTime() + (phase == 0 ? 1_000_000_000L : 3_000_000_000L);
            if (phase == 1) {
                start = System.nanoTime();
                bytes = 0;
            }
            while (System.nanoTime() < until) {
                byte[] nonce = new byte[12];
                long n = counter++;
                for (int i = 0; i < 8; i++) {
                    nonce[4 + i] = (byte) (n >>> (8 * i));
                }
                seal.init(Cipher.ENCRYPT_MODE, k, new IvParameterSpec(nonce));
                seal.doFinal(plain, 0, plain.length, sealed, 0);
                open.init(Cipher.DECRYPT_MODE, k, new IvParameterSpec(nonce));
                open.doFinal(sealed, 0, sealed.length, opened, 0);
                bytes += plain.length;
            }
        }
        return bytes * 8e3 / (System.nanoTime() - start);
    }

    private static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").start();
            String v = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return v;
        } catch (Exception e) {
            return "?";
        }
    }
}
