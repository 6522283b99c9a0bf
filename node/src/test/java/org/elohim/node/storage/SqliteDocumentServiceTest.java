package org.elohim.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.DocumentChange;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.EventKind;
import org.elohim.node.docs.StreamEvent;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.Reach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDocumentServiceTest {
    @TempDir
    Path dir;

    private SqliteDocumentService open() {
        return SqliteDocumentService.open(dir);
    }

    private SqliteDocumentService open(SqliteDocumentService.Options o) {
        return SqliteDocumentService.open(dir, o, null);
    }

    private static ApplyResult put(SqliteDocumentService s, String doc, String key, String value) {
        return s.edit(doc, "alice", Reach.FAMILY, d -> Docs.set(d, key, value), "test").join();
    }

    private static Optional<String> value(SqliteDocumentService s, String doc, String key) {
        return s.read(doc, d -> Docs.get(d, key).orElse(null)).join();
    }

    /** Stored changes not covered by the document's snapshot. */
    private static long chunkRows(SqliteDocumentService s, String doc) {
        return s.database().read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM changes WHERE doc_id=?1 AND n >"
                    + " COALESCE((SELECT upto FROM document_snapshots WHERE doc_id=?1), 0)")) {
                ps.setString(1, doc);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static DocumentRejected.Reason rejection(CompletableFuture<?> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof DocumentRejected r) return r.reason();
            throw e;
        }
        throw new AssertionError("not rejected");
    }

    @Test
    void storesAndReadsBackAcrossReopen() {
        List<byte[]> heads;
        try (SqliteDocumentService s = open()) {
            ApplyResult r = s.applyChanges("doc-1", Docs.saved("title", "hello"), "alice", Reach.FAMILY,
                    EventKind.NEW, "peer").join();
            assertThat(r.changed()).isTrue();
            assertThat(r.seq()).isEqualTo(1);
            heads = r.heads();
            put(s, "doc-1", "body", "world");
            heads = s.info("doc-1").orElseThrow().heads();
        }
        try (SqliteDocumentService s = open()) {
            assertThat(value(s, "doc-1", "title")).contains("hello");
            assertThat(value(s, "doc-1", "body")).contains("world");
            DocumentInfo info = s.info("doc-1").orElseThrow();
            assertThat(info.reach()).isEqualTo(Reach.FAMILY);
            assertThat(info.owner()).isEqualTo("alice");
            assertThat(Hashes.sameSet(info.heads(), heads)).isTrue();
            List<byte[]> loaded = s.read("doc-1", d -> Hashes.fromChangeHashes(d.getHeads())).join().orElseThrow();
            assertThat(Hashes.sameSet(loaded, heads)).isTrue();
            assertThat(s.position().seq()).isEqualTo(2);
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void aWriteCostsTheChangeNotTheDocument() {
        try (SqliteDocumentService s = open(SqliteDocumentService.Options.defaults().withCompaction(1000, 1L << 30))) {
            char[] big = new char[200_000];
            Arrays.fill(big, 'x');
            put(s, "big", "blob", new String(big));
            long before = s.info("big").orElseThrow().sizeBytes();
            long bytesBefore = s.stats().changeBytesWritten();
            put(s, "big", "k", "v");
            long written = s.stats().changeBytesWritten() - bytesBefore;
            assertThat(written).isLessThan(500);
            assertThat(chunkRows(s, "big")).isEqualTo(2); // both writes are changes; no snapshot yet
            assertThat(s.info("big").orElseThrow().sizeBytes()).isEqualTo(before + written);
        }
    }

    @Test
    void compactionFoldsChunksAndPreservesContentAndHeads() {
        List<byte[]> heads;
        try (SqliteDocumentService s = open(SqliteDocumentService.Options.defaults().withCompaction(1000, 1L << 30))) {
            for (int i = 0; i < 40; i++) put(s, "d", "k" + i, "v" + i);
            assertThat(chunkRows(s, "d")).isEqualTo(40);
            heads = s.info("d").orElseThrow().heads();
            assertThat(s.compact("d").join()).isTrue();
            assertThat(chunkRows(s, "d")).isZero();
            assertThat(Hashes.sameSet(s.info("d").orElseThrow().heads(), heads)).isTrue();
            put(s, "d", "after", "compaction");
            assertThat(chunkRows(s, "d")).isEqualTo(1);
        }
        try (SqliteDocumentService s = open()) {
            for (int i = 0; i < 40; i++) assertThat(value(s, "d", "k" + i)).contains("v" + i);
            assertThat(value(s, "d", "after")).contains("compaction");
            List<byte[]> loaded = s.read("d", d -> Hashes.fromChangeHashes(d.getHeads())).join().orElseThrow();
            assertThat(Hashes.sameSet(loaded, s.info("d").orElseThrow().heads())).isTrue();
        }
    }

    @Test
    void compactionRunsInTheBackgroundPastTheThreshold() {
        try (SqliteDocumentService s = open(SqliteDocumentService.Options.defaults().withCompaction(8, 1L << 30))) {
            for (int i = 0; i < 30; i++) put(s, "d", "k" + i, "v" + i);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> s.stats().compactions() >= 3);
            assertThat(chunkRows(s, "d")).isLessThan(8);
        }
        try (SqliteDocumentService s = open()) {
            for (int i = 0; i < 30; i++) assertThat(value(s, "d", "k" + i)).contains("v" + i);
        }
    }

    @Test
    void cacheIsBoundedAndEvictedDocumentsAreFreed() {
        try (SqliteDocumentService s = open(SqliteDocumentService.Options.defaults().withShards(1).withCacheCapacity(2))) {
            List<Document> escaped = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                put(s, "doc" + i, "k", "v" + i);
                // Deliberately let the Document escape (tests only) to observe that it was freed.
                escaped.add(s.read("doc" + i, d -> d).join().orElseThrow());
            }
            StorageStats st = s.stats();
            assertThat(st.cachedDocuments()).isLessThanOrEqualTo(2);
            assertThat(st.cacheEvictions()).isGreaterThanOrEqualTo(4);
            // A freed Automerge document has no native pointer left: calls fail instead of reading memory.
            assertThatThrownBy(() -> escaped.get(0).getHeads()).isInstanceOf(java.util.NoSuchElementException.class);
            for (int i = 0; i < 6; i++) assertThat(value(s, "doc" + i, "k")).contains("v" + i);
            assertThat(s.stats().cacheMisses()).isGreaterThan(0);
        }
    }

    @Test
    void pipelinedWritesOnManyDocumentsWithATinyCacheNeverUseAnEvictedDocument() {
        try (SqliteDocumentService s = open(SqliteDocumentService.Options.defaults().withShards(1).withCacheCapacity(2))) {
            List<CompletableFuture<ApplyResult>> all = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String key = "k" + i;
                all.add(s.edit("doc" + (i % 25), "a", Reach.PRIVATE, d -> Docs.set(d, key, "v"), "t"));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).join();
            // Pinned while their writes were in flight; back within the bound once they landed.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> s.stats().cachedDocuments() <= 2);
            for (int i = 0; i < 400; i++) assertThat(value(s, "doc" + (i % 25), "k" + i)).contains("v");
            assertThat(s.stats().cacheEvictions()).isPositive();
            assertThat(s.stats().cachedDocuments()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void malformedBytesAreRejectedAndNothingIsStored() {
        try (SqliteDocumentService s = open()) {
            byte[] garbage = new byte[300];
            new SplittableRandom(7).nextBytes(garbage);
            assertThat(rejection(s.applyChanges("new-doc", garbage, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            assertThat(s.info("new-doc")).isEmpty();
            assertThat(s.count()).isZero();
            assertThat(s.position().seq()).isZero();

            put(s, "doc", "k", "v");
            StreamPosition pos = s.position();
            byte[] valid = Docs.saved("other", "x");
            byte[] truncated = Arrays.copyOf(valid, valid.length - 5);
            assertThat(rejection(s.applyChanges("doc", truncated, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            assertThat(s.position()).isEqualTo(pos);
            assertThat(value(s, "doc", "k")).contains("v");
            assertThat(value(s, "doc", "other")).isEmpty();
            byte[] badChecksum = valid.clone();
            badChecksum[5] ^= 0x55; // framing intact, so Automerge itself must refuse it
            assertThat(rejection(s.applyChanges("doc", badChecksum, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            assertThat(rejection(s.applyChanges("fresh", badChecksum, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            assertThat(s.position()).isEqualTo(pos);
            assertThat(s.info("fresh")).isEmpty();
            assertThat(s.stats().rejectedChanges()).isEqualTo(4);
        }
    }

    /** A change chunk with correct framing and checksum but a random body: only Automerge can refuse it. */
    private static byte[] framedGarbage(long seed) throws Exception {
        byte[] body = new byte[64];
        new SplittableRandom(seed).nextBytes(body);
        byte[] head = {1, 64}; // type "change", uLEB128 length
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(head);
        md.update(body);
        byte[] sum = md.digest();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83});
        out.write(sum, 0, 4);
        out.write(head);
        out.write(body);
        return out.toByteArray();
    }

    @Test
    void contentAutomergeRefusesIsRejectedEvenWithWritesInFlight() throws Exception {
        try (SqliteDocumentService s = open()) {
            byte[] garbage = framedGarbage(11);
            assertThat(ChangeChunks.parse(garbage)).hasSize(1);
            put(s, "doc", "k", "v0");
            List<CompletableFuture<ApplyResult>> inFlight = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String v = "v" + i;
                inFlight.add(s.edit("doc", "a", Reach.PRIVATE, d -> Docs.set(d, "key" + v, v), "t"));
            }
            assertThat(rejection(s.applyChanges("doc", garbage, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            for (var f : inFlight) f.join();
            // The discarded copy was reloaded only after the writes before it were committed.
            for (int i = 0; i < 20; i++) assertThat(value(s, "doc", "keyv" + i)).contains("v" + i);
            List<byte[]> loaded = s.read("doc", d -> Hashes.fromChangeHashes(d.getHeads())).join().orElseThrow();
            assertThat(Hashes.sameSet(loaded, s.info("doc").orElseThrow().heads())).isTrue();
            assertThat(rejection(s.applyChanges("fresh", garbage, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            assertThat(s.info("fresh")).isEmpty();
        }
    }

    @Test
    void wrongLengthHashesAreRejectedBeforeAutomerge() {
        try (SqliteDocumentService s = open()) {
            put(s, "doc", "k", "v");
            for (int len : new int[] {0, 1, 31, 33, 64}) {
                assertThatThrownBy(() -> s.changesSince("doc", List.of(new byte[len])))
                        .isInstanceOf(DocumentRejected.class)
                        .extracting(e -> ((DocumentRejected) e).reason()).isEqualTo(DocumentRejected.Reason.BAD_HASH);
            }
            assertThat(value(s, "doc", "k")).contains("v"); // still alive and serving
        }
    }

    @Test
    void oversizedChangesAreRejected() {
        try (SqliteDocumentService s = open(SqliteDocumentService.Options.defaults().withMaxChangeBytes(1024))) {
            StringBuilder big = new StringBuilder();
            SplittableRandom rnd = new SplittableRandom(3);
            for (int i = 0; i < 4000; i++) big.append((char) ('a' + rnd.nextInt(26)));
            byte[] payload = Docs.saved("k", big.toString());
            assertThat(payload.length).isGreaterThan(1024);
            assertThat(rejection(s.applyChanges("doc", payload, "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.TOO_LARGE);
            assertThat(s.count()).isZero();
            assertThat(rejection(s.applyChanges("", Docs.saved("a", "b"), "a", Reach.PRIVATE, EventKind.NEW, "p")))
                    .isEqualTo(DocumentRejected.Reason.INVALID_ID);
        }
    }

    @Test
    void changesSinceHandlesHeadsTheDocumentDoesNotHave() {
        try (SqliteDocumentService s = open()) {
            put(s, "doc", "a", "1");
            List<byte[]> h1 = s.info("doc").orElseThrow().heads();
            put(s, "doc", "b", "2");
            put(s, "doc", "c", "3");
            byte[] all = s.changesSince("doc", List.of()).orElseThrow();
            byte[] afterH1 = s.changesSince("doc", h1).orElseThrow();
            byte[] unknown = new byte[32];
            new SplittableRandom(1).nextBytes(unknown);
            assertThat(afterH1.length).isLessThan(all.length);
            assertThat(ChangeChunks.parse(afterH1)).hasSize(2);
            List<byte[]> withUnknown = new ArrayList<>(h1);
            withUnknown.add(unknown);
            assertThat(s.changesSince("doc", withUnknown).orElseThrow()).isEqualTo(afterH1);
            assertThat(s.changesSince("doc", List.of(unknown)).orElseThrow()).isEqualTo(all);
            assertThat(s.changesSince("doc", s.info("doc").orElseThrow().heads()).orElseThrow()).isEmpty();
            assertThat(s.changesSince("missing", List.of())).isEmpty();

            // The answer really completes a copy that has h1.
            Document copy = Document.load(s.save("doc").orElseThrow());
            Document peer = copy.fork(Hashes.toChangeHashes(h1));
            peer.applyEncodedChanges(afterH1);
            assertThat(Hashes.sameSet(Hashes.fromChangeHashes(peer.getHeads()), s.info("doc").orElseThrow().heads())).isTrue();
            peer.free();
            copy.free();
        }
    }

    @Test
    void eventsAreCollapsedPerDocumentWithLocalFirst() {
        try (SqliteDocumentService s = open()) {
            s.applyChanges("n", Docs.saved("k", "v"), "bob", Reach.FAMILY, EventKind.NEW, "peer").join();
            put(s, "a", "k", "1");
            put(s, "a", "k", "2");
            s.applyChanges("b", Docs.saved("k", "v"), "bob", Reach.FAMILY, EventKind.BACKFILL, "peer").join();
            put(s, "a", "k", "3");
            put(s, "c", "k", "1");
            assertThat(s.rawEventsSince(0, 100)).hasSize(6);
            List<StreamEvent> ev = s.eventsSince(0, 100);
            assertThat(ev).extracting(StreamEvent::docId).containsExactly("a", "c", "n", "b");
            assertThat(ev).extracting(StreamEvent::kind)
                    .containsExactly(EventKind.LOCAL, EventKind.LOCAL, EventKind.NEW, EventKind.BACKFILL);
            assertThat(ev.get(0).seq()).isEqualTo(5);
            assertThat(Hashes.sameSet(ev.get(0).heads(), s.info("a").orElseThrow().heads())).isTrue();
            // A batch covers a contiguous range: the two oldest latest-events are seq 1 (n) and 4 (b).
            assertThat(s.eventsSince(0, 2)).extracting(StreamEvent::seq).containsExactly(1L, 4L);
            assertThat(s.eventsSince(4, 100)).extracting(StreamEvent::docId).containsExactly("a", "c");
            assertThat(s.eventsSince(6, 100)).isEmpty();
        }
    }

    @Test
    void changesWithMissingDependenciesAreOutliersAndResolveLater() {
        Document src = new Document();
        Docs.set(src, "first", "1");
        byte[] c1 = src.encodeChangesSince(new ChangeHash[0]);
        ChangeHash[] h1 = src.getHeads();
        Docs.set(src, "second", "2");
        byte[] c2 = src.encodeChangesSince(h1);
        List<byte[]> finalHeads = Hashes.fromChangeHashes(src.getHeads());
        src.free();
        try (SqliteDocumentService s = open()) {
            put(s, "doc", "base", "x"); // an existing doc: concurrent history of its own
            ApplyResult r = s.applyChanges("doc", c2, "a", Reach.PRIVATE, EventKind.NEW, "peer").join();
            assertThat(r.changed()).isTrue();
            assertThat(s.eventsSince(1, 10)).singleElement().extracting(StreamEvent::kind).isEqualTo(EventKind.OUTLIER);
            assertThat(value(s, "doc", "second")).isEmpty();
        }
        try (SqliteDocumentService s = open()) { // the queued change survived the restart
            ApplyResult r = s.applyChanges("doc", c1, "a", Reach.PRIVATE, EventKind.NEW, "peer").join();
            assertThat(r.changed()).isTrue();
            assertThat(value(s, "doc", "second")).contains("2");
            assertThat(value(s, "doc", "base")).contains("x");
            assertThat(Hashes.contains(s.info("doc").orElseThrow().heads(), finalHeads.get(0))).isTrue();
            assertThat(s.eventsSince(2, 10)).singleElement().extracting(StreamEvent::kind).isEqualTo(EventKind.NEW);
        }
    }

    @Test
    void reapplyingKnownChangesChangesNothing() {
        try (SqliteDocumentService s = open()) {
            byte[] d = Docs.saved("k", "v");
            s.applyChanges("doc", d, "a", Reach.PRIVATE, EventKind.NEW, "p").join();
            ApplyResult again = s.applyChanges("doc", d, "a", Reach.PRIVATE, EventKind.NEW, "p").join();
            assertThat(again.changed()).isFalse();
            assertThat(again.seq()).isZero();
            assertThat(s.position().seq()).isEqualTo(1);
        }
    }

    @Test
    void epochIsStableAcrossRestartsAndNewAfterARestore() throws Exception {
        long epoch;
        try (SqliteDocumentService s = open()) {
            epoch = s.epoch();
            put(s, "doc", "k", "v");
            assertThat(s.position()).isEqualTo(new StreamPosition(epoch, 1));
        }
        try (SqliteDocumentService s = open()) {
            assertThat(s.epoch()).isEqualTo(epoch);
        }
        // Restore: node.db copied elsewhere without its marker (what a backup contains).
        Path restored = Files.createDirectories(dir.resolve("restored"));
        Files.copy(dir.resolve("node.db"), restored.resolve("node.db"));
        try (SqliteDocumentService s = SqliteDocumentService.open(restored)) {
            assertThat(s.epoch()).isNotEqualTo(epoch).isNotZero();
            assertThat(s.position().seq()).isEqualTo(1);
            assertThat(value(s, "doc", "k")).contains("v");
        }
        // A consistent backup taken with backupTo, put back in place of node.db: new epoch.
        long beforeRestore;
        Path backup = dir.resolve("backup.db");
        try (SqliteDocumentService s = open()) {
            beforeRestore = s.epoch();
            s.backupTo(backup);
            put(s, "doc", "k", "after-backup");
        }
        Files.delete(dir.resolve("node.db"));
        Files.deleteIfExists(dir.resolve("node.db-wal"));
        Files.deleteIfExists(dir.resolve("node.db-shm"));
        Files.copy(backup, dir.resolve("node.db"));
        try (SqliteDocumentService s = open()) {
            assertThat(s.epoch()).isNotEqualTo(beforeRestore);
            assertThat(value(s, "doc", "k")).contains("v");
            beforeRestore = s.epoch();
        }
        try (SqliteDocumentService s = open()) {
            assertThat(s.epoch()).isEqualTo(beforeRestore);
        }
        // A raw file copy made while the node ran, restored after it stopped: new epoch.
        Path raw = dir.resolve("raw.db");
        try (SqliteDocumentService s = open()) {
            beforeRestore = s.epoch();
            put(s, "doc", "k", "before-raw-copy");
            Files.copy(dir.resolve("node.db"), raw);
        }
        Files.deleteIfExists(dir.resolve("node.db-wal"));
        Files.deleteIfExists(dir.resolve("node.db-shm"));
        Files.copy(raw, dir.resolve("node.db"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (SqliteDocumentService s = open()) {
            assertThat(s.epoch()).isNotEqualTo(beforeRestore);
            beforeRestore = s.epoch();
        }
        Files.delete(dir.resolve("node.db.instance"));
        try (SqliteDocumentService s = open()) {
            assertThat(s.epoch()).isNotEqualTo(beforeRestore);
        }
    }

    @Test
    void subscribersHearAfterCommit() throws Exception {
        try (SqliteDocumentService s = open()) {
            List<Boolean> visibleAtNotification = new CopyOnWriteArrayList<>();
            List<DocumentChange> changes = new CopyOnWriteArrayList<>();
            AutoCloseable sub = s.subscribe(c -> {
                changes.add(c);
                visibleAtNotification.add(s.info(c.docId()).isPresent());
            });
            ApplyResult r = put(s, "doc", "k", "v");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> changes.size() == 1);
            assertThat(visibleAtNotification).containsExactly(true);
            assertThat(changes.get(0).seq()).isEqualTo(r.seq());
            assertThat(changes.get(0).kind()).isEqualTo(EventKind.LOCAL);
            assertThat(changes.get(0).origin()).isEqualTo("test");
            assertThat(changes.get(0).oldHeads()).isEmpty();
            sub.close();
            put(s, "doc", "k", "w");
            Thread.sleep(50);
            assertThat(changes).hasSize(1);
        }
    }

    @Test
    void manyConcurrentWritersOnSharedDocumentsAllLand() throws Exception {
        int threads = 12;
        int perThread = 40;
        int docs = 7;
        try (SqliteDocumentService s = open()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<CompletableFuture<ApplyResult>> all = new CopyOnWriteArrayList<>();
            List<java.util.concurrent.Future<?>> started = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                started.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        String key = "t" + thread + "-" + i;
                        all.add(s.edit("doc" + (i % docs), "alice", Reach.PRIVATE, d -> Docs.set(d, key, "v"), "w"));
                    }
                }));
            }
            for (var f : started) f.get(30, TimeUnit.SECONDS);
            pool.shutdown();
            CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
            assertThat(all).allSatisfy(f -> assertThat(f.join().changed()).isTrue());
            assertThat(all.stream().map(f -> f.join().seq()).distinct().count()).isEqualTo(threads * perThread);
            assertThat(s.position().seq()).isEqualTo(threads * perThread);
        }
        try (SqliteDocumentService s = open()) {
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    assertThat(value(s, "doc" + (i % docs), "t" + t + "-" + i)).contains("v");
                }
            }
        }
    }

    @Test
    void peerPositionsSurviveReopen() {
        try (SqliteDocumentService s = open()) {
            PeerPositions p = s.peerPositions();
            assertThat(p.get("peer").read()).isEqualTo(new StreamPosition(0, 0));
            p.setRead("peer", new StreamPosition(42, 7)).join();
            p.setAcked("peer", new StreamPosition(s.epoch(), 3)).join();
            p.setRead("peer", new StreamPosition(42, 9)).join();
        }
        try (SqliteDocumentService s = open()) {
            PeerPositions.Entry e = s.peerPositions().get("peer");
            assertThat(e.read()).isEqualTo(new StreamPosition(42, 9));
            assertThat(e.acked()).isEqualTo(new StreamPosition(s.epoch(), 3));
            assertThat(s.peerPositions().all()).hasSize(1);
        }
    }

    @Test
    void listFiltersByReachAndOwner() {
        try (SqliteDocumentService s = open()) {
            s.applyChanges("a", Docs.saved("k", "v"), "alice", Reach.PRIVATE, EventKind.LOCAL, "o").join();
            s.applyChanges("b", Docs.saved("k", "v"), "bob", Reach.COMMONS, EventKind.LOCAL, "o").join();
            s.applyChanges("c", Docs.saved("k", "v"), "alice", Reach.COMMONS, EventKind.LOCAL, "o").join();
            assertThat(s.list(null, 10, Optional.empty(), Optional.empty())).extracting(DocumentInfo::docId)
                    .containsExactly("a", "b", "c");
            assertThat(s.list("a", 10, Optional.of(Reach.COMMONS), Optional.empty())).extracting(DocumentInfo::docId)
                    .containsExactly("b", "c");
            assertThat(s.list(null, 10, Optional.of(Reach.COMMONS), Optional.of("alice")))
                    .extracting(DocumentInfo::docId).containsExactly("c");
            assertThat(s.list(null, 1, Optional.empty(), Optional.empty())).hasSize(1);
        }
    }
}
