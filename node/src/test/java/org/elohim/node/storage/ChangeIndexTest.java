package org.elohim.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.elohim.node.changes.Chunk;
import org.elohim.node.changes.ChunkCodec;
import org.elohim.node.docs.ContentUnavailable;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.EventKind;
import org.elohim.node.reach.Reach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The change graph on real SQLite files: sync reads without the engine, budget, migration, validation. */
class ChangeIndexTest {
    @TempDir
    Path dir;

    static List<Chunk.Change> changesOf(Document d, List<byte[]> since) {
        List<Chunk.Change> out = new ArrayList<>();
        for (Chunk c : ChunkCodec.decode(d.encodeChangesSince(Hashes.toChangeHashes(since)), Long.MAX_VALUE)) {
            out.add((Chunk.Change) c);
        }
        return out;
    }

    static byte[] concat(List<Chunk.Change> cs) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Chunk.Change c : cs) out.writeBytes(c.bytes());
        return out.toByteArray();
    }

    private static DocumentRejected.Reason rejection(Runnable r) {
        try {
            r.run();
        } catch (CompletionException e) {
            return ((DocumentRejected) e.getCause()).reason();
        }
        throw new AssertionError("not rejected");
    }

    @Test
    void manyChangeDocumentAnswersSyncQueriesFromTheIndex() {
        Document d = new Document();
        List<byte[]> headsAt = new ArrayList<>();
        try {
            for (int i = 0; i < 20_000; i++) {
                Docs.set(d, "k" + (i % 100), "v" + i);
                if (i % 1000 == 999) headsAt.add(Hashes.fromChangeHashes(d.getHeads()).get(0));
            }
            List<Chunk.Change> all = changesOf(d, List.of());
            assertThat(all).hasSize(20_000);
            try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
                s.applyChanges("big", concat(all), "alice", Reach.PRIVATE, EventKind.NEW, "test").join();
                List<byte[]> heads = Hashes.fromChangeHashes(d.getHeads());
                assertThat(Hashes.sameSet(s.info("big").orElseThrow().heads(), heads)).isTrue();
                assertThat(s.containsHeads("big", List.of(headsAt.get(3)))).isTrue();
                assertThat(s.containsHeads("big", List.of(new byte[32]))).isFalse();
                byte[] tail = s.changesSince("big", List.of(headsAt.get(18))).orElseThrow();
                assertThat(ChunkCodec.decode(tail, Long.MAX_VALUE)).hasSize(1000);
                assertThat(s.changesSince("big", heads).orElseThrow()).isEmpty();
                // warm timings, printed for docs/BENCHMARKS.md (bench/ has the measured run)
                long t0 = System.nanoTime();
                for (int i = 0; i < 100; i++) s.containsHeads("big", List.of(headsAt.get(i % headsAt.size())));
                long t1 = System.nanoTime();
                for (int i = 0; i < 100; i++) s.changesSince("big", List.of(headsAt.get(19)));
                long t2 = System.nanoTime();
                System.out.printf("20k changes: containsHeads %.3f ms, changesSince(1 behind) %.3f ms%n",
                        (t1 - t0) / 1e8, (t2 - t1) / 1e8);
                // The whole document loads in the engine from save().
                Document back = Document.load(s.save("big").orElseThrow());
                try {
                    assertThat(Hashes.sameSet(Hashes.fromChangeHashes(back.getHeads()), heads)).isTrue();
                } finally {
                    back.free();
                }
            }
        } finally {
            d.free();
        }
    }

    @Test
    void aDocumentOverTheBudgetSyncsButRefusesContentViews() {
        var opts = SqliteDocumentService.Options.defaults().withMaterializeBudget(4096);
        try (SqliteDocumentService s = SqliteDocumentService.open(dir, opts, null)) {
            char[] big = new char[20_000];
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            for (int i = 0; i < big.length; i++) big[i] = (char) ('a' + r.nextInt(26)); // does not compress
            Document d = new Document();
            try {
                Docs.set(d, "small", "1");
                byte[] first = d.encodeChangesSince(new ChangeHash[0]);
                s.applyChanges("d", first, "a", Reach.PRIVATE, EventKind.NEW, "t").join();
                assertThat(s.read("d", x -> Docs.get(x, "small").orElse(null)).join()).contains("1");
                List<byte[]> h1 = Hashes.fromChangeHashes(d.getHeads());
                Docs.set(d, "big", new String(big));
                // Larger than the budget: checked structurally only, stored, served.
                s.applyChanges("d", d.encodeChangesSince(Hashes.toChangeHashes(h1)), "a", Reach.PRIVATE,
                        EventKind.NEW, "t").join();
                assertThat(s.changesSince("d", h1).orElseThrow().length).isGreaterThan(1000);
                assertThat(s.containsHeads("d", Hashes.fromChangeHashes(d.getHeads()))).isTrue();
                assertThatThrownBy(() -> s.read("d", x -> 1).join()).hasCauseInstanceOf(ContentUnavailable.class)
                        .hasMessageContaining("storage.materialize_budget_mb");
                assertThatThrownBy(() -> s.edit("d", "a", Reach.PRIVATE, x -> Docs.set(x, "n", "1"), "t").join())
                        .hasCauseInstanceOf(ContentUnavailable.class);
                // A whole document larger than the budget cannot be split into changes: refused.
                assertThat(rejection(() -> s.applyChanges("e", d.save(), "a", Reach.PRIVATE, EventKind.NEW, "t")
                        .join())).isEqualTo(DocumentRejected.Reason.TOO_LARGE);
                assertThat(s.info("e")).isEmpty();
            } finally {
                d.free();
            }
        }
    }

    @Test
    void aWholeDocumentIsSplitIntoItsChanges() {
        try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
            byte[] saved = Docs.saved("k", "v");
            s.applyChanges("d", saved, "a", Reach.PRIVATE, EventKind.NEW, "t").join();
            assertThat(s.read("d", x -> Docs.get(x, "k").orElse(null)).join()).contains("v");
            assertThat(ChunkCodec.decode(s.save("d").orElseThrow(), 1 << 20)).hasSize(1)
                    .allMatch(c -> c instanceof Chunk.Change);
        }
    }

    /**
     * A change with valid framing, checksum, hash and header whose op columns the engine cannot
     * decode: rejected before anything is stored, so it is never listed or served.
     */
    @Test
    void aWellFormedChangeTheEngineCannotDecodeIsNeverStoredNorServed() {
        Document d = new Document();
        try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
            Docs.set(d, "a", "1");
            List<byte[]> h1 = Hashes.fromChangeHashes(d.getHeads());
            s.applyChanges("d", d.encodeChangesSince(new ChangeHash[0]), "a", Reach.PRIVATE, EventKind.NEW, "t").join();
            Docs.set(d, "b", "2");
            Chunk.Change good = changesOf(d, h1).get(0);
            byte[] body = Arrays.copyOfRange(good.bytes(), 10, good.bytes().length);
            for (int i = body.length - 6; i < body.length; i++) body[i] = (byte) 0xff; // garbage column data
            byte[] forged = ChunkCodec.changeChunk(body);
            Chunk.Change parsed = (Chunk.Change) ChunkCodec.decode(forged, 1 << 20).get(0); // structurally fine
            assertThat(parsed.deps()).containsExactlyElementsOf(h1);
            assertThat(rejection(() -> s.applyChanges("d", forged, "x", Reach.PRIVATE, EventKind.NEW, "t").join()))
                    .isEqualTo(DocumentRejected.Reason.MALFORMED_CHANGES);
            assertThat(s.containsHeads("d", List.of(parsed.hash()))).isFalse();
            assertThat(s.changesSince("d", h1).orElseThrow()).isEmpty();
            assertThat(rows(s, "SELECT COUNT(*) FROM changes")).isEqualTo(1);
            assertThat(rows(s, "SELECT COUNT(*) FROM outliers")).isZero();
        } finally {
            d.free();
        }
    }

    @Test
    void aDatabaseOfTheFormerLayoutIsMigrated() {
        Document d = new Document();
        List<byte[]> mid;
        List<byte[]> heads;
        try {
            Docs.set(d, "a", "1");
            byte[] snapshot = d.save();
            mid = Hashes.fromChangeHashes(d.getHeads());
            Docs.set(d, "b", "2");
            byte[] chunk1 = d.encodeChangesSince(Hashes.toChangeHashes(mid));
            List<byte[]> h2 = Hashes.fromChangeHashes(d.getHeads());
            Docs.set(d, "c", "3");
            byte[] chunk2 = d.encodeChangesSince(Hashes.toChangeHashes(h2));
            heads = Hashes.fromChangeHashes(d.getHeads());
            try (Database db = Database.open(dir)) {
                db.migrate(DocumentSchema.COMPONENT, DocumentSchema.MIGRATIONS.subList(0, 1));
                Database.join(db.write(c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO documents(id, owner, updated_at, heads,"
                            + " size, chunk_count) VALUES('old', 'alice', 1, ?, 10, 2)")) {
                        ps.setBytes(1, Hashes.encode(heads));
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO document_snapshots(doc_id, data) VALUES('old', ?)")) {
                        ps.setBytes(1, snapshot);
                        ps.executeUpdate();
                    }
                    int n = 1;
                    for (byte[] ch : List.of(chunk1, chunk2)) {
                        try (PreparedStatement ps = c.prepareStatement(
                                "INSERT INTO document_chunks(doc_id, n, data) VALUES('old', ?, ?)")) {
                            ps.setInt(1, n++);
                            ps.setBytes(2, ch);
                            ps.executeUpdate();
                        }
                    }
                    return null;
                }));
            }
        } finally {
            d.free();
        }
        try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
            assertThat(s.database().schemaVersion(DocumentSchema.COMPONENT)).isEqualTo(DocumentSchema.MIGRATIONS.size());
            assertThat(rows(s, "SELECT COUNT(*) FROM changes WHERE doc_id='old'")).isEqualTo(3);
            assertThat(rows(s, "SELECT COUNT(*) FROM document_chunks")).isZero();
            assertThat(s.containsHeads("old", mid)).isTrue();
            assertThat(ChunkCodec.decode(s.changesSince("old", mid).orElseThrow(), 1 << 20)).hasSize(2);
            assertThat(Hashes.sameSet(s.info("old").orElseThrow().heads(), heads)).isTrue();
            assertThat(s.read("old", x -> Docs.get(x, "c").orElse(null)).join()).contains("3");
            s.edit("old", "alice", Reach.PRIVATE, x -> Docs.set(x, "d", "4"), "t").join();
        }
        try (SqliteDocumentService s = SqliteDocumentService.open(dir)) {
            assertThat(s.read("old", x -> Docs.get(x, "d").orElse(null)).join()).contains("4");
            assertThat(rows(s, "SELECT COUNT(*) FROM changes WHERE doc_id='old'")).isEqualTo(4);
        }
    }

    private static long rows(SqliteDocumentService s, String sql) {
        return s.database().read(c -> DocumentCatalog.scalar(c, sql));
    }
}
