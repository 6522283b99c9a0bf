package org.elohim.node.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.Docs;
import org.elohim.node.storage.Hashes;
import org.elohim.node.storage.SqliteDocumentService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage failures on real SQLite files (a write job that fails inside a group commit, injected
 * with a trigger): they are not bad input. The session ends without acknowledging anything past
 * the failure, nothing is stored on top of a failed write, and everything converges once the
 * fault clears.
 */
class StorageFailureTest {
    private static final Duration MAX = Duration.ofSeconds(30);
    private static final ReachEnforcer REACH = new ReachEnforcer(Set.of("alice")::contains);
    private static final Requester DEVICE = new Requester.Device("device-1", "alice");
    private static final Requester NODE = new Requester.ClusterNode("node");

    @TempDir
    Path tmp;
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private static SqliteDocumentService open(Path dir) {
        return SqliteDocumentService.open(dir, SqliteDocumentService.Options.defaults().withShards(2), null);
    }

    private static void sql(SqliteDocumentService s, String statement) {
        s.database().write(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(statement);
            }
            return null;
        }).join();
    }

    /** Every write job that records an event for {@code docId} fails, as on a full disk. */
    private static void failWritesOf(SqliteDocumentService s, String docId) {
        sql(s, "CREATE TRIGGER injected_failure BEFORE INSERT ON sync_events WHEN NEW.doc_id = '" + docId + "'"
                + " BEGIN SELECT RAISE(ABORT, 'database or disk is full (injected)'); END");
    }

    private static void clearFailure(SqliteDocumentService s) {
        sql(s, "DROP TRIGGER injected_failure");
    }

    private static Set<String> ids(SqliteDocumentService s) {
        Set<String> out = new TreeSet<>();
        for (DocumentInfo i : s.list(null, 100_000, Optional.empty(), Optional.empty())) out.add(i.docId());
        return out;
    }

    @Test
    void aFailedWriteInABatchEndsTheSessionUnacknowledgedAndAllConvergesOnceTheFaultClears() {
        try (SqliteDocumentService node = open(tmp.resolve("node")); SqliteDocumentService device = open(tmp.resolve("device"))) {
            for (int i = 0; i < 10; i++) {
                device.edit("d" + i, "alice", Reach.PRIVATE, d -> Docs.set(d, "k", "v"), "test").join();
            }
            long failingSeq = device.rawEventsSince(0, 100).stream().filter(e -> e.docId().equals("d5"))
                    .findFirst().orElseThrow().seq();
            failWritesOf(node, "d5");
            Link l = new Link(new Link.Side(node, "node", DEVICE), new Link.Side(device, "device-1", NODE), REACH,
                    clock, 2, 3);
            long deadline = System.nanoTime() + MAX.toNanos();
            while (l.ta.end == null && System.nanoTime() < deadline) {
                if (!l.step()) Link.sleepMillis(1);
            }
            assertThat(l.ta.end).as("the node's session ended").isNotNull();
            assertThat(l.ta.end.storageFailure()).isTrue();
            // Nothing at or past the failed document was acknowledged, nor stored as read.
            List<SyncMessage> acks = l.seenByB.stream().filter(SyncMessage::hasAck).toList();
            assertThat(acks).allSatisfy(m -> assertThat(m.getAck().getPosition().getSeq()).isLessThan(failingSeq));
            assertThat(node.peerPositions().get("device-1").read().seq()).isLessThan(failingSeq);
            assertThat(node.info("d5")).isEmpty();
            l.cut();

            clearFailure(node);
            Link again = new Link(new Link.Side(node, "node", DEVICE), new Link.Side(device, "device-1", NODE), REACH,
                    clock, 2, 3);
            again.runUntilInSync(MAX);
            again.cut();
            assertThat(ids(node)).isEqualTo(ids(device));
            assertThat(node.peerPositions().get("device-1").read()).isEqualTo(device.position());
        }
    }

    @Test
    void writesQueuedBehindAFailedWriteOfTheSameDocumentAreNotStoredOnTopOfIt() throws Exception {
        Path dir = tmp.resolve("node");
        byte[] c1;
        byte[] c2;
        List<byte[]> headsAfterC1;
        try (SqliteDocumentService node = open(dir)) {
            node.edit("doc", "alice", Reach.PRIVATE, d -> Docs.set(d, "base", "v"), "test").join();
            Document d = Document.load(node.save("doc").orElseThrow());
            try {
                ChangeHash[] h0 = d.getHeads();
                try (Transaction tx = d.startTransaction()) {
                    tx.set(ObjectId.ROOT, "k1", "one");
                    tx.commit();
                }
                c1 = d.encodeChangesSince(h0);
                headsAfterC1 = Hashes.fromChangeHashes(d.getHeads());
                ChangeHash[] h1 = d.getHeads();
                try (Transaction tx = d.startTransaction()) {
                    tx.set(ObjectId.ROOT, "k2", "two");
                    tx.commit();
                }
                c2 = d.encodeChangesSince(h1);
            } finally {
                d.free();
            }
            List<byte[]> before = node.info("doc").orElseThrow().heads();
            // The write of c1 fails (its event names c1's hash); c2 is queued right behind it.
            sql(node, "CREATE TRIGGER injected_failure BEFORE INSERT ON sync_events WHEN NEW.heads = X'"
                    + HexFormat.of().formatHex(Hashes.encode(headsAfterC1)) + "'"
                    + " BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END");
            CompletableFuture<ApplyResult> first = node.applyChanges("doc", c1, "alice", Reach.PRIVATE, EventKind.LOCAL, "t");
            CompletableFuture<ApplyResult> second = node.applyChanges("doc", c2, "alice", Reach.PRIVATE, EventKind.LOCAL, "t");
            assertThat(first).failsWithin(Duration.ofSeconds(10));
            // c2 was encoded against a document holding c1: storing it alone would leave a change
            // whose dependency is missing, under heads that do not load. It fails with c1 (or, if it
            // ran after the document was reloaded, it is kept apart as an outlier).
            try {
                ApplyResult r = second.get();
                assertThat(node.info("doc").orElseThrow().heads()).usingElementComparator(java.util.Arrays::compare)
                        .containsExactlyInAnyOrderElementsOf(before);
                assertThat(r.changed()).isTrue();
            } catch (java.util.concurrent.ExecutionException expected) {
                assertThat(node.info("doc").orElseThrow().heads()).usingElementComparator(java.util.Arrays::compare)
                        .containsExactlyInAnyOrderElementsOf(before);
            }
            // A no-op (c1 again) while the fault lasts: it is no longer in memory, so it is a write,
            // and it fails: never "already have it" on the strength of the failed write.
            assertThat(node.applyChanges("doc", c1, "alice", Reach.PRIVATE, EventKind.LOCAL, "t"))
                    .failsWithin(Duration.ofSeconds(10));
            clearFailure(node);
        }
        try (SqliteDocumentService node = open(dir)) {
            // What is stored loads, and its heads are the stored heads.
            List<byte[]> loaded = node.read("doc", x -> Hashes.fromChangeHashes(x.getHeads())).join().orElseThrow();
            assertThat(Hashes.sameSet(loaded, node.info("doc").orElseThrow().heads())).isTrue();
            node.applyChanges("doc", c1, "alice", Reach.PRIVATE, EventKind.LOCAL, "t").join();
            node.applyChanges("doc", c2, "alice", Reach.PRIVATE, EventKind.LOCAL, "t").join();
            assertThat(node.read("doc", x -> Docs.get(x, "k2").orElse(null)).join()).contains("two");
        }
    }
}
