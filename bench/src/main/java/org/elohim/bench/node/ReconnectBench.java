package org.elohim.bench.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.elohim.client.ElohimClient;
import org.elohim.client.SyncResult;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.grpc.SyncStreamTap;
import org.elohim.node.grpc.SyncStreams;
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
 * <p>Run: see docs/BENCHMARKS.md. Arguments: document counts (default 1000 10000 100000).
 */
public final class ReconnectBench {
    static final int CHANGED = 100;
    static final long ONE_WAY_DELAY_MS = Long.getLong("reconnect.delayMs", 100);

    record Row(int docs, String scenario, int received, double millis, long roundTrips, long turns, long msgsUp,
               long msgsDown, long protoBytes, long tcpBytes, String sequence) {
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
        FlightCounter[] flights = new FlightCounter[1];
        List<Row> rows = new ArrayList<>();
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(tmp.resolve("node")))
                .wrapSyncStreams(s -> flights[0] = new FlightCounter(counter[0] = new CountingSyncStreams(s))).start();
             TcpCountingProxy counting = new TcpCountingProxy(node.ports().grpc());
             DelayRelay proxy = new DelayRelay(counting.port(), ONE_WAY_DELAY_MS);
             ElohimClient device = ElohimClient.open(tmp.resolve("device"))) {
            long t0 = System.nanoTime();
            Corpus.populate(node.storage().documents(), n, "alice");
            System.err.printf("stored %d documents in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
            String token = node.storage().pairing().createToken("alice", Duration.ofMinutes(10));
            device.connect("127.0.0.1", proxy.port());
            device.pair(token, "bench-device");
            device.disconnect();

            rows.add(measure(n, "first sync, fresh device (reference)", counter[0], flights[0], counting, proxy, device));
            rows.add(measure(n, "(a) reconnect, nothing changed", counter[0], flights[0], counting, proxy, device));
            Corpus.change(node.storage().documents(), n, CHANGED, "alice", 1);
            rows.add(measure(n, "(b) reconnect, " + CHANGED + " changed", counter[0], flights[0], counting, proxy, device));
        } finally {
            deleteTree(tmp);
        }
        return rows;
    }

    static Row measure(int n, String scenario, CountingSyncStreams counter, FlightCounter flights, TcpCountingProxy proxy,
                       DelayRelay relay, ElohimClient device) throws Exception {
        counter.reset();
        flights.reset();
        proxy.reset();
        long t0 = System.nanoTime();
        device.connect("127.0.0.1", relay.port());
        SyncResult r = device.sync(Duration.ofMinutes(30));
        double millis = (System.nanoTime() - t0) / 1e6;
        device.disconnect();
        Thread.sleep(200 + 2 * ONE_WAY_DELAY_MS); // let the proxy count the connection's last frames
        return new Row(n, scenario, r.documentsReceived(), millis, flights.roundTrips.get(), counter.roundTrips.get(),
                counter.messagesUp.get(),
                counter.messagesDown.get(), counter.bytesUp.get() + counter.bytesDown.get(),
                proxy.up.get() + proxy.down.get(), String.join(" ", counter.sequence));
    }

    static void print(List<Row> rows) {
        System.out.println();
        System.out.printf("| docs stored | scenario | docs received | Sync round trips | turns | Sync msgs up/down"
                + " | Sync bytes | TCP bytes | time (%d ms RTT) |%n", 2 * ONE_WAY_DELAY_MS);
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            System.out.printf("| %,d | %s | %,d | %d | %d | %d / %d | %,d | %,d | %.1f ms |%n", r.docs(), r.scenario(),
                    r.received(), r.roundTrips(), r.turns(), r.msgsUp(), r.msgsDown(), r.protoBytes(), r.tcpBytes(),
                    r.millis());
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

    /**
     * Counts Sync round trips at the node as the longest causal chain: a device message can answer
     * a node message only if it arrives at least one relay round trip (2 × the one-way delay) after
     * that node message was sent; a node message answers the device messages received before it.
     * Pipelined messages (many DocRequests, many DocResponses) thus count once, however they
     * interleave; the node's Hello, sent when the stream opens, counts zero.
     */
    static final class FlightCounter extends SyncStreamTap {
        private record Sent(long nanos, long depth) {
        }

        final AtomicLong roundTrips = new AtomicLong();
        private final java.util.ArrayDeque<Sent> downs = new java.util.ArrayDeque<>();
        private long reachableDepth; // deepest node message the device could have heard of
        private long upDepth;        // deepest chain a received device message ends
        private boolean anyUp;

        FlightCounter(SyncStreams delegate) {
            super(delegate);
        }

        synchronized void reset() {
            roundTrips.set(0);
            downs.clear();
            reachableDepth = 0;
            upDepth = 0;
            anyUp = false;
        }

        private synchronized void up() {
            long heardBefore = System.nanoTime() - (2 * ONE_WAY_DELAY_MS * 1_000_000L - 1_000_000L);
            while (!downs.isEmpty() && downs.peekFirst().nanos() <= heardBefore) {
                reachableDepth = Math.max(reachableDepth, downs.pollFirst().depth());
            }
            upDepth = Math.max(upDepth, reachableDepth);
            anyUp = true;
        }

        private synchronized void down() {
            long depth = anyUp ? upDepth + 1 : 0;
            roundTrips.set(Math.max(roundTrips.get(), depth));
            downs.addLast(new Sent(System.nanoTime(), depth));
        }

        @Override
        protected void onFromDevice(SyncMessage m) {
            up();
        }

        @Override
        protected void onToDevice(SyncMessage m) {
            down();
        }
    }

    /** A loopback TCP relay that delivers every chunk a fixed delay after it was read, each way. */
    static final class DelayRelay implements AutoCloseable {
        private static final byte[] EOF = new byte[0];
        private final ServerSocket server;
        private final int targetPort;
        private final long delayNanos;
        private final List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
        private volatile boolean closed;

        DelayRelay(int targetPort, long delayMillis) throws IOException {
            this.targetPort = targetPort;
            this.delayNanos = delayMillis * 1_000_000L;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            daemon(this::acceptLoop, "delay-accept");
        }

        int port() {
            return server.getLocalPort();
        }

        private void acceptLoop() {
            while (!closed) {
                try {
                    Socket client = server.accept();
                    Socket target = new Socket();
                    target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                    client.setTcpNoDelay(true);
                    target.setTcpNoDelay(true);
                    sockets.add(client);
                    sockets.add(target);
                    relay(client, target);
                    relay(target, client);
                } catch (IOException e) {
                    if (!closed) System.err.println("delay relay: " + e);
                }
            }
        }

        private record Chunk(long due, byte[] bytes) {
        }

        private void relay(Socket from, Socket to) {
            LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
            daemon(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream()) {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        queue.add(new Chunk(System.nanoTime() + delayNanos, java.util.Arrays.copyOf(buf, n)));
                    }
                } catch (IOException ignored) {
                    // connection closed
                }
                queue.add(new Chunk(System.nanoTime() + delayNanos, EOF));
            }, "delay-read");
            daemon(() -> {
                try {
                    OutputStream out = to.getOutputStream();
                    while (true) {
                        Chunk c = queue.take();
                        long wait = c.due() - System.nanoTime();
                        if (wait > 0) Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                        if (c.bytes() == EOF) break;
                        out.write(c.bytes());
                        out.flush();
                    }
                    to.shutdownOutput();
                } catch (IOException | InterruptedException ignored) {
                    // connection closed
                }
            }, "delay-write");
        }

        private static void daemon(Runnable r, String name) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            closed = true;
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }
        }
    }

    private ReconnectBench() {
    }
}
