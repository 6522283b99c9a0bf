package org.elohim.bench.storage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Reach;
import org.elohim.node.storage.Hashes;
import org.elohim.node.storage.SqliteDocumentService;

/**
 * "Changes since heads" and "is this hash known" on one document of N changes (default 20,000),
 * from the node's change index, beside the engine-based way the node used before (fork the
 * document at the hash; encodeChangesSince) in the same run.
 *
 * <p>Run: {@code ./mvnw -B -q -pl bench compile exec:java -Dexec.mainClass=org.elohim.bench.storage.ChangeIndexBench -Dexec.args="20000"}
 */
public final class ChangeIndexBench {
    private ChangeIndexBench() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path dir = Files.createTempDirectory("elohim-bench-index");
        Document d = new Document();
        List<byte[]> marks = new ArrayList<>();
        byte[][] behind = new byte[2][];
        try {
            for (int i = 0; i < n; i++) {
                try (Transaction tx = d.startTransaction()) {
                    tx.set(ObjectId.ROOT, "k" + (i % 100), "v" + i);
                    tx.commit();
                }
                if (i % (n / 20) == 0) marks.add(Hashes.fromChangeHashes(d.getHeads()).get(0));
                if (i == n - 11) behind[0] = Hashes.fromChangeHashes(d.getHeads()).get(0);
                if (i == n - 1001) behind[1] = Hashes.fromChangeHashes(d.getHeads()).get(0);
            }
            List<byte[]> heads = Hashes.fromChangeHashes(d.getHeads());
            byte[] oneBehind = behind[1];
            byte[] all = d.encodeChangesSince(new ChangeHash[0]);
            List<String[]> rows = new ArrayList<>();
            try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
                s.applyChanges("doc", all, "bench", Reach.PRIVATE, EventKind.NEW, "bench").join();
                // first call after open loads the graph from SQLite
                s.close();
            }
            try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
                long t0 = System.nanoTime();
                s.containsHeads("doc", List.of(marks.get(1)));
                rows.add(new String[] {"index: first call after open (graph loaded from SQLite)", fmt((System.nanoTime() - t0) / 1e6), "-"});
                int[] k = {0};
                rows.add(row("index: hash known (containsHeads)", reps,
                        () -> s.containsHeads("doc", List.of(marks.get(k[0]++ % marks.size())))));
                rows.add(row("index: changes since heads (10 behind)", reps, () -> s.changesSince("doc", List.of(behind[0]))));
                rows.add(row("index: changes since heads (1,000 behind)", reps, () -> s.changesSince("doc", List.of(oneBehind))));
                rows.add(row("index: changes since current heads (nothing)", reps, () -> s.changesSince("doc", heads)));
            }
            int engineReps = Math.max(3, reps / 20);
            int[] k = {0};
            rows.add(row("engine: hash known (fork at hash, as before)", engineReps, () -> {
                Document f = d.fork(Hashes.toChangeHashes(List.of(marks.get(k[0]++ % marks.size()))));
                f.free();
                return null;
            }));
            rows.add(row("engine: changes since heads (1,000 behind, resident doc)", engineReps,
                    () -> d.encodeChangesSince(Hashes.toChangeHashes(List.of(oneBehind)))));
            System.out.printf(Locale.ROOT, "%n%d changes (%d bytes of changes)%n%-58s %10s %10s%n", n, all.length,
                    "measurement", "p50 ms", "p99 ms");
            for (String[] r : rows) System.out.printf(Locale.ROOT, "%-58s %10s %10s%n", r[0], r[1], r[2]);
            System.out.printf(Locale.ROOT, "%ncores=%d java=%s%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
        } finally {
            d.free();
            try (Stream<Path> w = Files.walk(dir)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String[] row(String what, int reps, Supplier<?> op) {
        for (int i = 0; i < Math.min(10, reps); i++) op.get();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            op.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return new String[] {what, fmt(ms[reps / 2]), fmt(ms[Math.min(reps - 1, (int) Math.ceil(reps * 0.99) - 1)])};
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
