package org.elohim.bench.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.elohim.client.ElohimClient;
import org.elohim.client.SyncResult;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.ElohimNodeRuntime;

/**
 * Device reconnect cost. A node stores N documents of one owner; that owner's device (the Java SDK,
 * its own SQLite store) syncs once from scratch, disconnects, then reconnects (a) with nothing
 * changed and (b) after 100 documents changed on the node. Measured on the wire: Sync messages
 * and their bytes each way, round trips (turns of the conversation), every TCP byte of the
 * connection (through a counting proxy), and wall time from connect to converged. The fresh
 * device's first sync is printed beside it as the reference.
 *
 * <p>Run: see docs/bench/node.md. Arguments: document counts (default 1000 10000 100000).
 */
public final class ReconnectBench {
    static final int CHANGED = 100;

    record Row(int docs, String scenario, int received, double millis, long roundTrips, long msgsUp, long msgsDown,
               long protoBytes, long tcpBytes, String sequence) {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String a : args) sizes.add(Integer.parseInt(a.replace("_", "")));
        if (sizes.isEmpty()) sizes.addAll(List.of(1_000, 10_000, 100_000));
        List<Row> rows = new ArrayList<>();
        for (int n : sizes) {
            rows.addAll(run(n));
            print(rows);
        }
    }

    static List<Row> run(int n) throws Exception {
        Path tmp = Files.createTempDirectory("elohim-reconnect-");
        CountingSyncStreams[] counter = new CountingSyncStreams[1];
        List<Row> rows = new ArrayList<>();
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(tmp.resolve("node")))
                .wrapSyncStreams(s -> counter[0] = new CountingSyncStreams(s)).start();
             TcpCountingProxy proxy = new TcpCountingProxy(node.ports().grpc());
             ElohimClient device = ElohimClient.open(tmp.resolve("device"))) {
            long t0 = System.nanoTime();
            Corpus.populate(node.storage().documents(), n, "alice");
            System.err.printf("stored %d documents in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
            String token = node.storage().pairing().createToken("alice", Duration.ofMinutes(10));
            device.connect("127.0.0.1", proxy.port());
            device.pair(token, "bench-device");
            device.disconnect();

            rows.add(measure(n, "first sync, fresh device (reference)", counter[0], proxy, device));
            rows.add(measure(n, "(a) reconnect, nothing changed", counter[0], proxy, device));
            Corpus.change(node.storage().documents(), n, CHANGED, "alice", 1);
            rows.add(measure(n, "(b) reconnect, " + CHANGED + " changed", counter[0], proxy, device));
        } finally {
            deleteTree(tmp);
        }
        return rows;
    }

    static Row measure(int n, String scenario, CountingSyncStreams counter, TcpCountingProxy proxy, ElohimClient device)
            throws Exception {
        counter.reset();
        proxy.reset();
        long t0 = System.nanoTime();
        device.connect("127.0.0.1", proxy.port());
        SyncResult r = device.sync(Duration.ofMinutes(30));
        double millis = (System.nanoTime() - t0) / 1e6;
        device.disconnect();
        Thread.sleep(200); // let the proxy count the connection's last frames
        return new Row(n, scenario, r.documentsReceived(), millis, counter.roundTrips.get(), counter.messagesUp.get(),
                counter.messagesDown.get(), counter.bytesUp.get() + counter.bytesDown.get(),
                proxy.up.get() + proxy.down.get(), String.join(" ", counter.sequence));
    }

    static void print(List<Row> rows) {
        System.out.println();
        System.out.println("| docs stored | scenario | docs received | round trips | Sync msgs up/down | Sync bytes | TCP bytes | time |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf("| %,d | %s | %,d | %d | %d / %d | %,d | %,d | %.1f ms |%n", r.docs(), r.scenario(),
                    r.received(), r.roundTrips(), r.msgsUp(), r.msgsDown(), r.protoBytes(), r.tcpBytes(), r.millis());
        }
        System.out.println();
        System.out.println("Message sequence of each reconnect (first 12 messages):");
        for (Row r : rows) {
            if (r.scenario().startsWith("(")) System.out.printf("  %,d docs, %s: %s%n", r.docs(), r.scenario(), r.sequence());
        }
        System.out.flush();
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    private ReconnectBench() {
    }
}
