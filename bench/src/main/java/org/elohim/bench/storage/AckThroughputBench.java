package org.elohim.bench.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.node.reach.Reach;
import org.elohim.node.storage.SqliteDocumentService;

/**
 * Acknowledged (committed, fsync'd) document changes per second from 1, 10 and 100 concurrent
 * writers ("devices", each waiting for its ack before the next change), with p50/p99 ack latency,
 * beside raw SQLite batched-insert throughput (same pragmas: WAL, synchronous=FULL) in the same run.
 *
 * <p>Run: {@code java -cp <bench classpath> org.elohim.bench.storage.AckThroughputBench [seconds] [dir]}
 * (see docs/BENCHMARKS.md for the one-line Maven command).
 */
public final class AckThroughputBench {
    private record Row(String what, int writers, double perSecond, double p50Ms, double p99Ms, long total) {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path base = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("elohim-bench-storage");
        List<Row> rows = new ArrayList<>();
        rows.add(rawSqlite(base.resolve("raw-batched"), seconds, 1000));
        rows.add(rawSqlite(base.resolve("raw-single"), seconds, 1));
        for (int writers : new int[] {1, 10, 100}) {
            rows.add(acked(base.resolve("acked-" + writers), writers, 2, seconds));
        }
        // A hot set larger than the document cache (256 by default): every change reloads its document.
        rows.add(acked(base.resolve("acked-100x10"), 100, 10, seconds));
        System.out.printf(Locale.ROOT, "%n%-44s %8s %12s %9s %9s %10s%n", "measurement", "writers", "per second",
                "p50 ms", "p99 ms", "total");
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-44s %8d %12.0f %9s %9s %10d%n", r.what(), r.writers(), r.perSecond(),
                    Double.isNaN(r.p50Ms()) ? "-" : String.format(Locale.ROOT, "%.2f", r.p50Ms()),
                    Double.isNaN(r.p99Ms()) ? "-" : String.format(Locale.ROOT, "%.2f", r.p99Ms()), r.total());
        }
        System.out.printf(Locale.ROOT, "%ncores=%d java=%s dir=%s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), base);
        deleteTree(base);
    }

    /**
     * Each writer ("device"): edit one of its documents (one small map key), and when that
     * change is acknowledged, send the next one. Writers are modelled as connections with one
     * write outstanding (as a device's gRPC stream would be), not as blocked threads.
     */
    private static Row acked(Path dir, int writers, int docsPerWriter, int seconds) throws Exception {
        try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
            AtomicBoolean measuring = new AtomicBoolean(false);
            AtomicBoolean stop = new AtomicBoolean(false);
            long[][] latencies = new long[writers][];
            int[] counts = new int[writers];
            long[] next = new long[writers];
            CountDownLatch done = new CountDownLatch(writers);
            for (int w = 0; w < writers; w++) {
                latencies[w] = new long[1 << 14];
            }
            class Device {
                void write(int id) {
                    if (stop.get()) {
                        done.countDown();
                        return;
                    }
                    long key = next[id]++;
                    long start = System.nanoTime();
                    s.edit("dev" + id + "-" + (key % docsPerWriter), "owner" + id, Reach.PRIVATE, d -> {
                        try (Transaction tx = d.startTransaction()) {
                            tx.set(ObjectId.ROOT, "k" + key, "value " + key);
                            tx.commit();
                        }
                    }, "bench").whenComplete((r, err) -> {
                        long took = System.nanoTime() - start;
                        if (err != null) {
                            err.printStackTrace();
                        } else if (measuring.get()) {
                            if (counts[id] == latencies[id].length) {
                                latencies[id] = Arrays.copyOf(latencies[id], latencies[id].length * 2);
                            }
                            latencies[id][counts[id]++] = took;
                        }
                        write(id);
                    });
                }
            }
            Device device = new Device();
            for (int w = 0; w < writers; w++) device.write(w);
            Thread.sleep(1000); // warm-up: JIT, caches, first documents
            measuring.set(true);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            measuring.set(false);
            long elapsed = System.nanoTime() - t0;
            stop.set(true);
            done.await(60, TimeUnit.SECONDS);
            int total = 0;
            for (int c : counts) total += c;
            long[] all = new long[total];
            int i = 0;
            for (int w = 0; w < writers; w++) {
                System.arraycopy(latencies[w], 0, all, i, counts[w]);
                i += counts[w];
            }
            Arrays.sort(all);
            var st = s.database().stats();
            var ss = s.stats();
            System.out.printf(Locale.ROOT, "  %d writers x %d docs: %d commits, %.1f writes per commit, mean commit %.2f ms,"
                            + " cache hits %d misses %d%n", writers, docsPerWriter, st.commits(),
                    st.writeJobs() / (double) Math.max(1, st.commits()), st.meanCommitNanos() / 1e6,
                    ss.cacheHits(), ss.cacheMisses());
            return new Row("elohim acked change, " + writers * docsPerWriter + " hot docs", writers, total / (elapsed / 1e9),
                    pct(all, 0.50), pct(all, 0.99), total);
        }
    }

    /** Plain JDBC inserts of ~200-byte rows, {@code batch} rows per fsync'd transaction. */
    private static Row rawSqlite(Path dir, int seconds, int batch) throws Exception {
        Files.createDirectories(dir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("raw.db"))) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, doc TEXT, data BLOB)");
            }
            c.setAutoCommit(false);
            byte[] payload = new byte[200];
            long rows = 0;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t(doc, data) VALUES(?,?)")) {
                while (System.nanoTime() < end) {
                    for (int i = 0; i < batch; i++) {
                        ps.setString(1, "doc" + (rows % 1000));
                        ps.setBytes(2, payload);
                        ps.executeUpdate();
                        rows++;
                    }
                    c.commit();
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            String what = batch == 1 ? "raw SQLite insert, 1 row per commit" : "raw SQLite insert, " + batch + " rows per commit";
            return new Row(what, 1, rows / secs, Double.NaN, Double.NaN, rows);
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) return Double.NaN;
        int idx = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, idx)] / 1e6;
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (Exception ignored) {
            // temp data
        }
    }
}
