package org.elohim.bench.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.DataDirLock;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.elohim.node.runtime.NodeFiles;
import org.elohim.node.runtime.NodeStorage;
import org.elohim.node.storage.StorageStats;

/**
 * Resident memory of a node holding N documents (default 100,000) while every one of them is
 * touched (loaded through the document cache), twice over. Each configuration runs in its own
 * JVM (the whole node: storage, gRPC, HTTP, WebSockets) and reports its RSS from /proc as it goes.
 * Side by side: the default bounded cache (storage.cache_documents = 256) and a cache that
 * never evicts (stopped early if it passes the RSS ceiling).
 *
 * <p>Run: see docs/BENCHMARKS.md. Arguments: [documents] (default 100000).
 */
public final class MemoryBench {
    static final long RSS_CEILING_BYTES = 3L << 30;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 100_000;
        Path tmp = Files.createTempDirectory("elohim-memory-");
        try {
            Path data = tmp.resolve("data");
            long t0 = System.nanoTime();
            NodeConfig config = NodeConfig.ephemeral(data);
            try (DataDirLock lock = DataDirLock.tryAcquire(new NodeFiles(data)).orElseThrow();
                 NodeStorage storage = NodeStorage.open(config, null)) {
                Corpus.populate(storage.documents(), n, "alice");
            }
            System.err.printf("stored %,d documents in %.1f s; database %,d bytes%n", n, (System.nanoTime() - t0) / 1e9,
                    Files.size(data.resolve("node.db")));
            Map<String, List<String[]>> runs = new LinkedHashMap<>();
            runs.put("bounded cache (256, default)", runChild(data, n, 256));
            runs.put("unbounded cache (reference)", runChild(data, n, n));
            print(n, runs);
        } finally {
            ReconnectBench.deleteTree(tmp);
        }
    }

    static List<String[]> runChild(Path data, int n, int cache) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                MemoryBench.class.getName(), "--child", data.toString(), Integer.toString(n), Integer.toString(cache))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String[]> samples = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("SAMPLE ")) samples.add(line.substring(7).split(" "));
                else System.err.println("child: " + line);
            }
        }
        int code = p.waitFor();
        if (code != 0) System.err.println("child exited " + code);
        return samples;
    }

    /** In the child JVM: a whole node on the data dir; touch every document twice, sampling RSS. */
    static void child(Path data, int n, int cache) throws Exception {
        NodeConfig config = NodeConfig.ephemeral(data).with("storage.cache_documents", Integer.toString(cache));
        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(config)) {
            var docs = node.storage().documents();
            sample(node, "start", 0);
            int step = Math.max(1, n / 10);
            for (int pass = 1; pass <= 2; pass++) {
                for (int i = 0; i < n; i++) {
                    docs.read(Corpus.id(i), d -> d.getHeads().length).join();
                    if ((i + 1) % step == 0) {
                        long rss = sample(node, "pass" + pass, i + 1);
                        if (rss > RSS_CEILING_BYTES) {
                            System.out.println("stopped: RSS above " + (RSS_CEILING_BYTES >> 20) + " MiB");
                            return;
                        }
                    }
                }
            }
        }
    }

    static long sample(ElohimNodeRuntime node, String phase, int touched) throws IOException {
        System.gc();
        long rss = rssBytes();
        Runtime rt = Runtime.getRuntime();
        StorageStats s = node.storage().documents().stats();
        System.out.printf("SAMPLE %s %d %d %d %d %d%n", phase, touched, rss, rt.totalMemory() - rt.freeMemory(),
                s.cachedDocuments(), s.cacheEvictions());
        System.out.flush();
        return rss;
    }

    static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        return -1;
    }

    static void print(int n, Map<String, List<String[]>> runs) {
        System.out.println();
        System.out.printf("Resident memory of a node with %,d stored documents while touching all of them (two passes)%n%n", n);
        System.out.println("| cache | phase | documents touched | RSS | Java heap used | resident docs | evictions |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, List<String[]>> e : runs.entrySet()) {
            List<String[]> samples = e.getValue();
            for (String[] s : samples) {
                long touched = Long.parseLong(s[1]);
                // the table keeps start, 10%, 50% and 100% of the first pass, and the end of the second
                boolean keep = touched == 0 || (s[0].equals("pass1") && (touched == n / 10 || touched == n / 2 || touched == n))
                        || (s[0].equals("pass2") && touched == n) || s == samples.get(samples.size() - 1);
                if (!keep) continue;
                System.out.printf("| %s | %s | %,d | %,d MiB | %,d MiB | %,d | %,d |%n", e.getKey(), s[0],
                        Long.parseLong(s[1]), Long.parseLong(s[2]) >> 20, Long.parseLong(s[3]) >> 20,
                        Long.parseLong(s[4]), Long.parseLong(s[5]));
            }
        }
        System.out.flush();
    }

    private MemoryBench() {
    }
}
