package org.elohim.bench.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.realtime.RealtimeEndpoints;
import org.elohim.node.runtime.ElohimNodeRuntime;

/**
 * Realtime benchmark: the elohim node's automerge-repo endpoint beside the stock automerge-repo
 * sync server (WebSocketServerAdapter + NodeFS storage, as automerge-repo-sync-server runs it),
 * same machine, same run, same stock clients (interop/automerge). Prints two tables:
 * live-edit latency (N editors, one watcher) and catch-up after being offline.
 *
 * <p>Usage: {@code RealtimeBench [--editors 10,100,200] [--seconds 10] [--interval-ms 1000]
 * [--catchup-docs 10000] [--catchup-changed 100] [--live-procs 1,4]}; {@code --editors none} or
 * {@code --catchup-docs 0} skips a part; {@code --catchup-peers elohim,stock,sdk}
 * picks the catch-up rows. {@code --live-procs K} (K > 1) spreads the editors over K Node
 * processes with the watcher alone in another, to separate client-side load from server latency.
 */
public final class RealtimeBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RealtimeBench() {
    }

    interface Server extends AutoCloseable {
        String name();

        String url();

        /** CPU seconds the server process has used so far. */
        double cpuSeconds();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        List<Integer> editors = List.of(10, 100, 200);
        int seconds = 10;
        int intervalMs = 1000;
        int catchupDocs = 10_000;
        int catchupChanged = 100;
        List<Integer> liveProcs = List.of(1);
        List<String> catchupPeers = List.of("elohim", "stock", "sdk");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--editors" -> editors = Stream.of(args[i + 1].split(",")).filter(e -> !e.isBlank() && !e.equals("none"))
                        .map(Integer::parseInt).toList();
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--interval-ms" -> intervalMs = Integer.parseInt(args[i + 1]);
                case "--catchup-docs" -> catchupDocs = Integer.parseInt(args[i + 1]);
                case "--catchup-changed" -> catchupChanged = Integer.parseInt(args[i + 1]);
                case "--catchup-peers" -> catchupPeers = List.of(args[i + 1].split(","));
                case "--live-procs" -> liveProcs = Stream.of(args[i + 1].split(",")).map(Integer::parseInt).toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path interop = interopDir();
        System.out.printf(Locale.ROOT, "machine: %d cores, %s; clients: stock automerge-repo 2.5.6 in Node%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"));

        List<String> live = new ArrayList<>();
        live.add("| editors | server | editor procs | edits seen | p50 ms | p99 ms | max ms | server CPU s "
                + "| client CPU s (editors / watcher) | watcher event-loop delay p99 / max ms |");
        live.add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int n : editors) {
            for (int procs : liveProcs) {
                for (boolean elohim : new boolean[]{true, false}) {
                    try (Server s = elohim ? elohim() : stock(interop)) {
                        double cpu0 = s.cpuSeconds();
                        JsonNode r = procs <= 1
                                ? runDriver(interop, 600, "bench-live.mjs", s.url(), Integer.toString(n),
                                        Integer.toString(seconds), Integer.toString(intervalMs))
                                : runDriver(interop, 600, "bench-live-multi.mjs", s.url(), Integer.toString(n),
                                        Integer.toString(seconds), Integer.toString(intervalMs), Integer.toString(procs));
                        double cpu = s.cpuSeconds() - cpu0;
                        String clientCpu = r.has("editorCpuS")
                                ? String.format(Locale.ROOT, "%.1f / %.1f", r.get("editorCpuS").asDouble(), r.get("watcherCpuS").asDouble())
                                : "- (one process)";
                        String lag = r.has("watcherLoopDelayP99")
                                ? String.format(Locale.ROOT, "%.1f / %.1f", r.get("watcherLoopDelayP99").asDouble(),
                                        r.get("watcherLoopDelayMax").asDouble())
                                : "-";
                        live.add(String.format(Locale.ROOT, "| %d | %s | %s | %d/%d | %.1f | %.1f | %.1f | %.1f | %s | %s |", n,
                                s.name(), procs <= 1 ? "1 (with watcher)" : procs + " (+1 watcher)",
                                r.get("observed").asInt(), r.get("edits").asInt(), r.get("p50").asDouble(),
                                r.get("p99").asDouble(), r.get("max").asDouble(), cpu, clientCpu, lag));
                        System.out.println(live.get(live.size() - 1));
                    }
                }
            }
        }
        List<String> catchup = new ArrayList<>();
        if (catchupDocs <= 0) {
            System.out.println();
            live.forEach(System.out::println);
            return;
        }
        catchup.add("| docs / changed | server / client | time to see the changes ms | bytes client->server | bytes server->client | messages |");
        catchup.add("|---|---|---:|---:|---:|---:|");
        for (boolean elohim : new boolean[]{true, false}) {
            if (!catchupPeers.contains(elohim ? "elohim" : "stock")) continue;
            try (Server s = elohim ? elohim() : stock(interop)) {
                JsonNode r = runDriver(interop, 1800, "bench-catchup.mjs", s.url(), Integer.toString(catchupDocs),
                        Integer.toString(catchupChanged));
                catchup.add(String.format(Locale.ROOT, "| %d / %d | %s | %.0f | %d | %d | %d |", catchupDocs, catchupChanged,
                        s.name(), r.get("ms").asDouble(), r.get("bytesSent").asLong(), r.get("bytesReceived").asLong(),
                        r.get("messages").asLong()));
                System.out.println(catchup.get(catchup.size() - 1));
            }
        }
        if (catchupPeers.contains("sdk")) {
            SdkCatchUp.Result sdk = SdkCatchUp.run(catchupDocs, catchupChanged);
            catchup.add(String.format(Locale.ROOT, "| %d / %d | elohim-node gRPC Sync, Java SDK device (TCP bytes) | %.0f | %d | %d | %d docs received |",
                    catchupDocs, catchupChanged, sdk.millis(), sdk.bytesUp(), sdk.bytesDown(), sdk.documentsReceived()));
            System.out.println(catchup.get(catchup.size() - 1));
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Live editing (%d s, each editor edits every %d ms, one watcher sees every doc)%n%n",
                seconds, intervalMs);
        live.forEach(System.out::println);
        System.out.println();
        System.out.println("Catch-up (a client with storage reconnects after edits elsewhere)");
        System.out.println();
        catchup.forEach(System.out::println);
    }

    private static JsonNode runDriver(Path dir, long timeoutSeconds, String script, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("node", script));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("bench", ".out");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " timed out");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            String line = text.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
                    .orElseThrow(() -> new IllegalStateException(script + " failed:\n" + text));
            return JSON.readTree(line.substring("RESULT ".length()));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Server elohim() throws IOException {
        Path dir = Files.createTempDirectory("elohim-bench");
        ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir).with("realtime.access", "open"))
                .webSockets(RealtimeEndpoints::create).start();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new Server() {
            public String name() {
                return "elohim-node";
            }

            public String url() {
                return "ws://127.0.0.1:" + node.ports().http() + "/automerge";
            }

            public double cpuSeconds() {
                return os.getProcessCpuTime() / 1e9;
            }

            public void close() {
                node.close();
                deleteTree(dir);
            }
        };
    }

    private static Server stock(Path interop) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("stock-bench");
        Path log = dir.resolve("server.log");
        Process p = new ProcessBuilder("node", "stock-server.mjs", "0", dir.resolve("data").toString())
                .directory(interop.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int port = 0;
        for (int i = 0; i < 200 && port == 0; i++) {
            Thread.sleep(50);
            for (String l : Files.readAllLines(log)) if (l.startsWith("PORT ")) port = Integer.parseInt(l.substring(5).trim());
        }
        if (port == 0) {
            p.destroyForcibly();
            throw new IllegalStateException("stock server did not start: " + Files.readString(log));
        }
        int bound = port;
        return new Server() {
            public String name() {
                return "stock JS server";
            }

            public String url() {
                return "ws://127.0.0.1:" + bound;
            }

            public double cpuSeconds() {
                try {
                    String[] f = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat")).split("\\) ")[1].split(" ");
                    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in USER_HZ
                } catch (IOException e) {
                    return Double.NaN;
                }
            }

            public void close() {
                p.destroy();
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
                deleteTree(dir);
            }
        };
    }

    private static Path interopDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path d = p.resolve("interop").resolve("automerge");
            if (Files.isDirectory(d.resolve("node_modules"))) return d;
        }
        throw new IllegalStateException("interop/automerge/node_modules not found: run npm ci in interop/automerge");
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp files; best effort
        }
    }
}
