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

            List<String[]> rows = new ArrayList<>();
            double[] jsjs = measure("js -> js", runs, bytes, (u, d) -> jsClient.perf(jsAddr.toString(), u, d));
            rows.add(row("js -> js", jsjs, jsjs));
            rows.add(row("Java -> Java", measure("Java -> Java", runs, bytes, java(javaClient, javaAddr)), jsjs));
            rows.add(row("Java -> js", measure("Java -> js", runs, bytes, java(javaClient, jsAddr)), jsjs));
            rows.add(row("js -> Java", measure("js -> Java", runs, bytes, (u, d) -> jsClient.perf(javaAddr.toString(), u, d)), jsjs));

            double cipher = chachaSealOpenMbps();
            System.out.printf(Locale.ROOT, "%nTCP + Noise + yamux, one connection, loopback, %d MiB per run, median of %d runs%n", mib, runs);
            System.out.printf(Locale.ROOT, "JVM: %s; js: js-libp2p 3.3.11 on node %s%n", jvm, nodeVersion());
            System.out.printf(Locale.ROOT, "%-14s %14s %16s %12s %14s%n", "client->server", "upload Mbit/s", "download Mbit/s", "up vs js-js", "down vs js-js");
            for (String[] r : rows) {
                System.out.printf(Locale.ROOT, "%-14s %14s %16s %12s %14s%n", (Object[]) r);
            }
            System.out.printf(Locale.ROOT, "JVM ChaCha20-Poly1305 seal+open, 64 KiB frames, 1 core: %.0f Mbit/s%n", cipher);
            System.out.printf(Locale.ROOT, "Java -> Java best direction vs cipher limit: %s%n", "see rows above / " + Math.round(cipher));
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

    /** {median upload Mbit/s, median download Mbit/s}; one warm-up run each way first. */
    private static double[] measure(String name, int runs, long bytes, Perf perf) throws Exception {
        perf.run(bytes / 4, 0);
        perf.run(0, bytes / 4);
        double[] up = new double[runs];
        double[] down = new double[runs];
        for (int i = 0; i < runs; i++) {
            long[] u = perf.run(bytes, 0);
            up[i] = bytes * 8e3 / u[1]; // until the server has drained everything and finished
            long[] d = perf.run(0, bytes);
            down[i] = bytes * 8e3 / (d[1] - d[0]);
        }
        double[] m = {median(up), median(down)};
        System.err.printf(Locale.ROOT, "%s: upload %s, download %s Mbit/s%n", name, Arrays.toString(round(up)), Arrays.toString(round(down)));
        return m;
    }

    private static long[] round(double[] v) {
        return Arrays.stream(v).mapToLong(Math::round).toArray();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String[] row(String name, double[] m, double[] base) {
        return new String[]{name, String.format(Locale.ROOT, "%.0f", m[0]), String.format(Locale.ROOT, "%.0f", m[1]),
                String.format(Locale.ROOT, "%.2fx", m[0] / base[0]), String.format(Locale.ROOT, "%.2fx", m[1] / base[1])};
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
