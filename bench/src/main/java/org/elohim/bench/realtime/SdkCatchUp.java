package org.elohim.bench.realtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.bench.node.TcpCountingProxy;
import org.elohim.client.ElohimClient;
import org.elohim.client.SyncResult;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Reach;
import org.elohim.node.runtime.ElohimNodeRuntime;

/**
 * Catch-up through the node's gRPC Sync with the Java device SDK: a paired device holds D documents
 * (synced once), disconnects, C of them are edited on the node by another writer, the device
 * reconnects and syncs from its stream position. Time = connect + sync until converged (the C
 * edits are checked in the device's own store); bytes = every TCP byte of that connection.
 */
final class SdkCatchUp {
    record Result(double millis, long bytesUp, long bytesDown, int documentsReceived) {
    }

    private static final String OWNER = "alice";
    private static final int WINDOW = 128;

    private SdkCatchUp() {
    }

    static String id(int i) {
        return String.format("doc-%06d", i);
    }

    static Result run(int docs, int changed) throws Exception {
        Path tmp = Files.createTempDirectory("elohim-sdk-catchup");
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(tmp.resolve("node"))).start();
             TcpCountingProxy wire = new TcpCountingProxy(node.ports().grpc());
             ElohimClient device = ElohimClient.open(tmp.resolve("device"))) {
            DocumentService store = node.storage().documents();
            populate(store, docs);
            String token = node.storage().pairing().createToken(OWNER, Duration.ofMinutes(10));
            device.connect("127.0.0.1", wire.port());
            device.pair(token, "catchup-device");
            SyncResult first = device.sync(Duration.ofMinutes(20));
            device.disconnect();
            if (device.list().size() < docs) {
                throw new IllegalStateException("device has " + device.list().size() + " of " + docs + " after first sync "
                        + first);
            }
            // another writer changes the first C documents while the device is offline (the JS row changes the same ones)
            List<CompletableFuture<?>> edits = new ArrayList<>();
            for (int i = 0; i < changed; i++) {
                edits.add(store.edit(id(i), OWNER, Reach.PRIVATE, d -> {
                    Transaction tx = d.startTransaction();
                    tx.set(ObjectId.ROOT, "value", "changed");
                    tx.commit();
                }, "bench"));
            }
            CompletableFuture.allOf(edits.toArray(CompletableFuture[]::new)).join();
            Thread.sleep(300);

            wire.reset();
            long t0 = System.nanoTime();
            device.connect("127.0.0.1", wire.port());
            SyncResult r = device.sync(Duration.ofMinutes(20));
            double millis = (System.nanoTime() - t0) / 1e6;
            device.disconnect();
            Thread.sleep(300); // let the relay count the connection's last frames
            for (int i = 0; i < changed; i++) {
                String v = device.read(id(i), d -> d.get(ObjectId.ROOT, "value").map(a -> a instanceof org.automerge.AmValue.Str s ? s.getValue() : a.toString()).orElse(""))
                        .orElse("");
                if (!v.contains("changed")) throw new IllegalStateException(id(i) + " not converged: " + v);
            }
            return new Result(millis, wire.up.get(), wire.down.get(), r.documentsReceived());
        } finally {
            RealtimeBench.deleteTree(tmp);
        }
    }

    private static void populate(DocumentService store, int n) {
        List<CompletableFuture<?>> window = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Document d = new Document();
            Transaction tx = d.startTransaction();
            tx.set(ObjectId.ROOT, "i", i);
            tx.set(ObjectId.ROOT, "value", "original");
            tx.commit();
            byte[] bytes = d.save();
            d.free();
            window.add(store.applyChanges(id(i), bytes, OWNER, Reach.PRIVATE, EventKind.LOCAL, "bench"));
            if (window.size() == WINDOW) {
                CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
                window.clear();
            }
        }
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
    }
}
