package org.elohim.bench.realtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.realtime.RealtimeEndpoints;
import org.elohim.node.runtime.ElohimNodeRuntime;

/**
 * One large document through a sync server: a stock automerge-repo client uploads a text document
 * of N MB (incompressible letters), a second stock client fetches it (interop/automerge
 * scenario-large.mjs). The elohim node (in this JVM) beside the stock JS sync server
 * (stock-server.mjs, NodeFS storage) in the same run. Reports the server's RSS (VmRSS, from /proc)
 * before, right after, and 10 s after, its peak (VmHWM), and the upload and total times.
 *
 * <p>Run: {@code java <bench classpath> org.elohim.bench.realtime.LargeDocBench [MB]} (see
 * docs/BENCHMARKS.md).
 */
public final class LargeDocBench {
    private LargeDocBench() {
    }

    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String kind = args.length > 1 ? args[1] : "text";
        Path interop = interopDir();
        List<String> rows = new ArrayList<>();
        rows.add("| server | upload ms | total ms (upload + fetch) | RSS before MiB | RSS after MiB | RSS +10 s MiB | peak RSS MiB |");
        rows.add("|---|---:|---:|---:|---:|---:|---:|");
        // elohim node, in this process
        Path dir = Files.createTempDirectory("elohim-large");
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir).with("realtime.access", "open"))
                .webSockets(RealtimeEndpoints::create).start()) {
            long self = ProcessHandle.current().pid();
            System.gc();
            long before = rss(self, "VmRSS");
            String ok = runScenario(interop, "ws://127.0.0.1:" + node.ports().http() + "/automerge", kind, mb);
            long after = rss(self, "VmRSS");
            Thread.sleep(10_000);
            rows.add(row("elohim node", ok, before, after, rss(self, "VmRSS"), rss(self, "VmHWM")));
        } finally {
            RealtimeBench.deleteTree(dir);
        }
        // stock JS server, its own process
        Path sdir = Files.createTempDirectory("stock-large");
        Path log = sdir.resolve("server.log");
        Process p = new ProcessBuilder("node", "stock-server.mjs", "0", sdir.resolve("data").toString())
                .directory(interop.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            int port = 0;
            for (int i = 0; i < 200 && port == 0; i++) {
                Thread.sleep(50);
                for (String l : Files.readAllLines(log)) if (l.startsWith("PORT ")) port = Integer.parseInt(l.substring(5).trim());
            }
            if (port == 0) throw new IllegalStateException("stock server did not start: " + Files.readString(log));
            long before = rss(p.pid(), "VmRSS");
            String ok = runScenario(interop, "ws://127.0.0.1:" + port, kind, mb);
            long after = rss(p.pid(), "VmRSS");
            Thread.sleep(10_000);
            rows.add(row("stock JS server", ok, before, after, rss(p.pid(), "VmRSS"), rss(p.pid(), "VmHWM")));
        } finally {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
            RealtimeBench.deleteTree(sdir);
        }
        System.out.printf(Locale.ROOT, "%n%s %d, stock automerge-repo 2.5.6 clients in Node; %d cores%n", kind, mb,
                Runtime.getRuntime().availableProcessors());
        rows.forEach(System.out::println);
    }

    private static String row(String name, String ok, long before, long after, long later, long peak) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %d | %d |", name, field(ok, "uploadedMs"),
                field(ok, "totalMs"), before >> 10, after >> 10, later >> 10, peak >> 10);
    }

    private static String field(String json, String name) {
        return json.replaceAll(".*\"" + name + "\":(\\d+).*", "$1");
    }

    private static String runScenario(Path interop, String url, String kind, int size) throws Exception {
        Path out = Files.createTempFile("large", ".out");
        try {
            Process p = new ProcessBuilder("node", "scenario-large.mjs", url, kind, Integer.toString(size))
                    .directory(interop.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("scenario timed out");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            return text.lines().filter(l -> l.startsWith("OK ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("scenario failed:\n" + text));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** A /proc/PID/status field in KiB. */
    static long rss(long pid, String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith(field + ":")) return Long.parseLong(l.replaceAll("\\D+", ""));
        }
        return -1;
    }

    private static Path interopDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("interop").resolve("automerge");
            if (Files.isDirectory(d.resolve("node_modules"))) return d;
        }
        throw new IllegalStateException("interop/automerge/node_modules not found: run npm ci in interop/automerge");
    }
}
