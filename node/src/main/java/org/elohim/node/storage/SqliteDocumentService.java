package org.elohim.node.storage;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.DocumentChange;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.docs.DocumentRejected;
import org.elohim.node.docs.DocumentService;
import org.elohim.node.docs.EventKind;
import org.elohim.node.docs.StreamEvent;
import org.elohim.node.docs.StreamPosition;
import org.elohim.node.reach.Reach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DocumentService} on SQLite (node.db) and Automerge.
 *
 * <p>Each document is owned by one shard thread (hash of its id); the shard keeps a bounded LRU
 * cache of loaded documents. A write runs on the owner thread (validate, merge in memory, encode
 * just the new changes), then goes to the database's group-commit writer as one job that appends
 * a change chunk, updates the document row and appends a stream event; its future completes after
 * COMMIT, and subscribers are told then. Input Automerge rejects never reaches the database, and
 * the in-memory copy is discarded so it is reloaded from what was stored.
 *
 * <p>Threads: returned futures complete, and subscribers are called, on the database's callback
 * thread, never on a document owner thread, so a callback that blocks (e.g. on a sync session's
 * lock) cannot stall a shard. Callbacks should still be short: that one thread serves everyone.
 */
public final class SqliteDocumentService implements DocumentService {
    private static final Logger log = LoggerFactory.getLogger(SqliteDocumentService.class);
    private static final int MAX_DOC_ID_LENGTH = 256;

    /**
     * Tuning: resident documents in the cache (all shards), owner threads, the largest change
     * payload accepted, and when a document's chunks are folded into a new snapshot (this many
     * chunks, or more chunk bytes than max(snapshot size, compactMinChunkBytes)).
     */
    public record Options(int cacheCapacity, int shards, int maxChangeBytes, int compactChunkCount,
                          long compactMinChunkBytes, LongSupplier clockMillis) {
        public static Options defaults() {
            return new Options(256, Math.max(2, Runtime.getRuntime().availableProcessors()),
                    16 * 1024 * 1024, 1024, 256 * 1024, System::currentTimeMillis);
        }

        public Options withCacheCapacity(int n) {
            return new Options(n, shards, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clockMillis);
        }

        public Options withShards(int n) {
            return new Options(cacheCapacity, n, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clockMillis);
        }

        public Options withMaxChangeBytes(int n) {
            return new Options(cacheCapacity, shards, n, compactChunkCount, compactMinChunkBytes, clockMillis);
        }

        public Options withCompaction(int chunkCount, long minChunkBytes) {
            return new Options(cacheCapacity, shards, maxChangeBytes, chunkCount, minChunkBytes, clockMillis);
        }

        public Options withClock(LongSupplier clock) {
            return new Options(cacheCapacity, shards, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clock);
        }
    }

    private final Database db;
    private final boolean ownsDb;
    private final Options options;
    private volatile long epoch;
    private final StreamWatermark watermark;
    private final PeerPositions peerPositions;
    private final DocumentShard[] shards;
    private final List<Consumer<DocumentChange>> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LongAdder changesApplied = new LongAdder();
    private final LongAdder changeBytes = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder cacheMisses = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder compactions = new LongAdder();
    private final AtomicInteger resident = new AtomicInteger();

    private SqliteDocumentService(Database db, boolean ownsDb, Options options, MeterRegistry registry) {
        this.db = db;
        this.ownsDb = ownsDb;
        this.options = options;
        db.migrate(DocumentSchema.COMPONENT, DocumentSchema.MIGRATIONS);
        this.peerPositions = PeerPositions.open(db, options.clockMillis());
        this.epoch = StreamEpoch.establish(db, options.clockMillis().getAsLong());
        this.watermark = StreamWatermark.open(StreamEpoch.watermarkFile(db.file()), epoch, position().seq());
        subscribers.add(change -> watermark.committed(epoch, change.seq()));
        int n = Math.max(1, options.shards());
        this.shards = new DocumentShard[n];
        int perShard = Math.max(1, (options.cacheCapacity() + n - 1) / n);
        for (int i = 0; i < n; i++) {
            shards[i] = new DocumentShard(i, perShard, evictions, resident, db.callbackExecutor());
        }
        if (registry != null) registerMeters(registry);
    }

    /** Opens {@code <dataDir>/node.db} with default options; closing the service closes the database. */
    public static SqliteDocumentService open(Path dataDir) {
        return open(dataDir, Options.defaults(), null);
    }

    public static SqliteDocumentService open(Path dataDir, Options options, MeterRegistry registry) {
        Database db = Database.open(dataDir, 4, registry);
        try {
            return new SqliteDocumentService(db, true, options, registry);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** On a database shared with other components; closing the service leaves it open. */
    public static SqliteDocumentService open(Database db, Options options, MeterRegistry registry) {
        return new SqliteDocumentService(db, false, options, registry);
    }

    public Database database() {
        return db;
    }

    public PeerPositions peerPositions() {
        return peerPositions;
    }

    public long epoch() {
        return epoch;
    }

    /**
     * Starts a new epoch of this node's stream now: a peer reported having read past its end, so
     * it went back (docs/SYNC-PROTOCOL.md, Epochs). Seqs continue; peers rescan by heads, and this
     * node reads every peer again (what it had read may be lost too).
     */
    public CompletableFuture<StreamPosition> startNewEpoch(String reason) {
        return CompletableFuture.supplyAsync(() -> {
            synchronized (this) {
                long fresh = StreamEpoch.renew(db, options.clockMillis().getAsLong());
                log.warn("starting a new stream epoch {} (was {}): {}", Long.toUnsignedString(fresh, 16),
                        Long.toUnsignedString(epoch, 16), reason);
                epoch = fresh;
                Database.join(peerPositions.forgetReads());
                StreamPosition p = position();
                watermark.committed(fresh, p.seq());
                return p;
            }
        });
    }

    public Options options() {
        return options;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public CompletableFuture<ApplyResult> applyChanges(String docId, byte[] changes, String owner, Reach reachIfNew,
                                                       EventKind kind, String origin) {
        try {
            validateId(docId);
            Objects.requireNonNull(changes, "changes");
            if (changes.length > options.maxChangeBytes()) {
                rejected.increment();
                throw new DocumentRejected(DocumentRejected.Reason.TOO_LARGE,
                        "changes of " + changes.length + " bytes exceed the limit of " + options.maxChangeBytes());
            }
            if (changes.length > 0 && ChangeChunks.parse(changes).isEmpty()) {
                // Automerge silently ignores a truncated tail when the document is not empty.
                rejected.increment();
                throw new DocumentRejected(DocumentRejected.Reason.MALFORMED_CHANGES,
                        "changes for " + docId + " are not a sequence of Automerge chunks");
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> applyOnOwner(shard, docId, changes, owner, reachIfNew, kind, origin))
                .thenCompose(Function.identity());
    }

    private CompletableFuture<ApplyResult> applyOnOwner(DocumentShard shard, String docId, byte[] changes,
                                                        String owner, Reach reachIfNew, EventKind kind,
                                                        String origin) {
        DocumentShard.Loaded l = load(shard, docId, true);
        Document d = l.doc;
        List<byte[]> oldHeads = Hashes.fromChangeHashes(d.getHeads());
        try {
            d.applyEncodedChanges(changes);
        } catch (RuntimeException e) {
            // AutomergeException is package-private in 0.0.7; anything thrown here is bad input.
            // The in-memory copy may hold part of the input: drop it, it reloads from the database.
            shard.discard(docId);
            rejected.increment();
            throw new DocumentRejected(DocumentRejected.Reason.MALFORMED_CHANGES,
                    "malformed Automerge changes for " + docId + ": " + e.getMessage(), e);
        }
        List<byte[]> newHeads = Hashes.fromChangeHashes(d.getHeads());
        boolean headsChanged = !Hashes.sameSet(oldHeads, newHeads);
        boolean outlier = isOutlier(d, changes, newHeads);
        if (outlier && !parsesAlone(changes)) {
            // On a non-empty document Automerge skips a chunk it cannot parse without a word; an
            // empty document refuses it. Never store such bytes as an "outlier".
            shard.discard(docId);
            rejected.increment();
            throw new DocumentRejected(DocumentRejected.Reason.MALFORMED_CHANGES,
                    "malformed Automerge change for " + docId);
        }
        if (!headsChanged && !outlier) {
            if (!l.stored) shard.discard(docId);
            return afterLastWrite(l, new ApplyResult(docId, newHeads, 0, false));
        }
        // Queued changes (missing deps) are not in encodeChangesSince: keep the input as it came.
        byte[] chunk = l.stored ? (outlier ? changes : d.encodeChangesSince(Hashes.toChangeHashes(oldHeads))) : null;
        return persist(shard, docId, l, chunk, oldHeads, newHeads, owner, reachIfNew,
                outlier ? EventKind.OUTLIER : kind, origin);
    }

    /**
     * A no-op answers only once the write that brought what it found is durable: "I already have
     * it" must not be acknowledged on the strength of a write that may still fail.
     */
    private CompletableFuture<ApplyResult> afterLastWrite(DocumentShard.Loaded l, ApplyResult result) {
        CompletableFuture<?> last = l.lastWrite;
        if (last.isDone() && !last.isCompletedExceptionally()) return CompletableFuture.completedFuture(result);
        return last.handleAsync((x, err) -> {
            if (err != null) throw new StorageException("the write this change relies on failed: " + err.getMessage(), err);
            return result;
        }, db.callbackExecutor());
    }

    /**
     * True if the input's last change (its tip) is neither a head nor in the history afterwards:
     * Automerge queued it waiting for dependencies. Only uncompressed change chunks can be hashed.
     */
    private static boolean isOutlier(Document d, byte[] changes, List<byte[]> heads) {
        List<ChangeChunks.Chunk> chunks = ChangeChunks.parse(changes);
        if (chunks.isEmpty()) return false;
        byte[] tip = chunks.get(chunks.size() - 1).hash();
        if (tip == null || Hashes.contains(heads, tip)) return false;
        return !knows(d, tip);
    }

    /** Whether the bytes apply to an empty document without error (changes missing deps just queue). */
    private static boolean parsesAlone(byte[] changes) {
        Document scratch = new Document();
        try {
            scratch.applyEncodedChanges(changes);
            return true;
        } catch (RuntimeException e) {
            return false;
        } finally {
            scratch.free();
        }
    }

    /** Whether the document's history contains {@code hash} (fork fails on an unknown hash). */
    static boolean knows(Document d, byte[] hash) {
        Document fork = null;
        try {
            fork = d.fork(Hashes.toChangeHashes(List.of(hash)));
            return true;
        } catch (RuntimeException e) {
            return false;
        } finally {
            if (fork != null) fork.free();
        }
    }

    @Override
    public CompletableFuture<ApplyResult> edit(String docId, String owner, Reach reachIfNew, Consumer<Document> edit,
                                               String origin) {
        try {
            validateId(docId);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> {
            DocumentShard.Loaded l = load(shard, docId, true);
            List<byte[]> oldHeads = Hashes.fromChangeHashes(l.doc.getHeads());
            try {
                edit.accept(l.doc);
            } catch (RuntimeException e) {
                shard.discard(docId);
                throw e;
            }
            List<byte[]> newHeads = Hashes.fromChangeHashes(l.doc.getHeads());
            if (Hashes.sameSet(oldHeads, newHeads)) {
                if (!l.stored) shard.discard(docId);
                return CompletableFuture.completedFuture(new ApplyResult(docId, newHeads, 0, false));
            }
            byte[] chunk = l.stored ? l.doc.encodeChangesSince(Hashes.toChangeHashes(oldHeads)) : null;
            return persist(shard, docId, l, chunk, oldHeads, newHeads, owner, reachIfNew, EventKind.LOCAL, origin);
        }).thenCompose(Function.identity());
    }

    /** On the owner thread: queue the durable write; {@code chunk == null} stores a new document. */
    private CompletableFuture<ApplyResult> persist(DocumentShard shard, String docId, DocumentShard.Loaded l,
                                                   byte[] chunk, List<byte[]> oldHeads, List<byte[]> newHeads,
                                                   String owner, Reach reachIfNew, EventKind kind, String origin) {
        long now = options.clockMillis().getAsLong();
        byte[] heads = Hashes.encode(newHeads);
        boolean synced = kind == EventKind.NEW || kind == EventKind.BACKFILL;
        byte[] snapshot = chunk == null ? l.doc.save() : null;
        long written = chunk == null ? snapshot.length : chunk.length;
        String reach = (reachIfNew == null ? Reach.PRIVATE : reachIfNew).wireName();
        String ownerName = owner == null ? "" : owner;
        if (chunk == null) {
            l.stored = true;
            l.snapshotBytes = snapshot.length;
        } else {
            l.chunkCount++;
            l.chunkBytes += chunk.length;
        }
        l.pendingWrites.incrementAndGet();
        CompletableFuture<?> previous = l.lastWrite;
        CompletableFuture<Long> write = db.write(c -> {
            requireStored(previous, docId);
            if (chunk == null) {
                PreparedStatement ps = db.cached(c, "INSERT INTO documents(id, reach, owner, updated_at,"
                        + " synced_at, heads, size) VALUES(?,?,?,?,?,?,?)");
                ps.setString(1, docId);
                ps.setString(2, reach);
                ps.setString(3, ownerName);
                ps.setLong(4, now);
                if (synced) ps.setLong(5, now); else ps.setNull(5, java.sql.Types.INTEGER);
                ps.setBytes(6, heads);
                ps.setLong(7, snapshot.length);
                ps.executeUpdate();
                PreparedStatement sn = db.cached(c, "INSERT INTO document_snapshots(doc_id, data) VALUES(?,?)");
                sn.setString(1, docId);
                sn.setBytes(2, snapshot);
                sn.executeUpdate();
            } else {
                PreparedStatement ps = db.cached(c, "INSERT INTO document_chunks(doc_id, n, data)"
                        + " VALUES(?, (SELECT COALESCE(MAX(n), 0) + 1 FROM document_chunks WHERE doc_id=?), ?)");
                ps.setString(1, docId);
                ps.setString(2, docId);
                ps.setBytes(3, chunk);
                ps.executeUpdate();
            }
            long seq;
            PreparedStatement ev = db.cached(c,
                    "INSERT INTO sync_events(doc_id, heads, kind, timestamp) VALUES(?,?,?,?) RETURNING seq");
            ev.setString(1, docId);
            ev.setBytes(2, heads);
            ev.setString(3, kind.name());
            ev.setLong(4, now);
            try (ResultSet rs = ev.executeQuery()) {
                if (!rs.next()) throw new SQLException("no seq for the new event");
                seq = rs.getLong(1);
            }
            PreparedStatement up = db.cached(c, "UPDATE documents SET heads=?, updated_at=?,"
                    + " synced_at=CASE WHEN ? THEN ? ELSE synced_at END, size=size+?,"
                    + " chunk_count=chunk_count+?, chunk_bytes=chunk_bytes+?, last_seq=? WHERE id=?");
            long added = chunk == null ? 0 : chunk.length;
            up.setBytes(1, heads);
            up.setLong(2, now);
            up.setBoolean(3, synced);
            up.setLong(4, now);
            up.setLong(5, added);
            up.setInt(6, chunk == null ? 0 : 1);
            up.setLong(7, added);
            up.setLong(8, seq);
            up.setString(9, docId);
            if (up.executeUpdate() != 1) throw new SQLException("document row missing: " + docId);
            return seq;
        });
        l.lastWrite = write;
        boolean compact = chunk != null && needsCompaction(l);
        // Async: if the commit was already done, handle() would run on this owner thread, and
        // subscribers (sync sessions) must never be called on it.
        return write.handleAsync((seq, err) -> {
            if (l.pendingWrites.decrementAndGet() == 0 && !closed.get()) shard.writesSettled();
            if (err != null) {
                // Memory is ahead of the database now: drop it so the next access reloads.
                shard.submit(() -> {
                    if (shard.get(docId) == l) shard.discard(docId);
                    return null;
                });
                throw err instanceof CompletionException ce ? ce : new CompletionException(err);
            }
            changesApplied.increment();
            changeBytes.add(written);
            ApplyResult result = new ApplyResult(docId, newHeads, seq, true);
            publish(new DocumentChange(docId, oldHeads, newHeads, kind, origin, seq));
            if (compact && !closed.get()) shard.submit(() -> compactOnOwner(shard, docId));
            return result;
        }, db.callbackExecutor());
    }

    /**
     * On the writer thread: this write was encoded on top of {@code previous}; if that one failed,
     * the in-memory document held changes that were never stored, so this one must not be stored.
     */
    private static void requireStored(CompletableFuture<?> previous, String docId) throws SQLException {
        if (previous instanceof Database.WriteFuture<?> w && w.failedInWriter()) {
            throw new SQLException("an earlier write of " + docId + " failed; not storing what was built on it");
        }
    }

    private boolean needsCompaction(DocumentShard.Loaded l) {
        return l.chunkCount >= options.compactChunkCount()
                || l.chunkBytes > Math.max(l.snapshotBytes, options.compactMinChunkBytes());
    }

    /** Folds a document's chunks into a new snapshot (owner thread; FIFO after the chunks it replaces). */
    private CompletableFuture<Boolean> compactOnOwner(DocumentShard shard, String docId) {
        DocumentShard.Loaded l = shard.get(docId);
        if (l == null || !l.stored || l.chunkCount == 0) return CompletableFuture.completedFuture(false);
        byte[] snapshot = l.doc.save();
        byte[] heads = Hashes.encode(Hashes.fromChangeHashes(l.doc.getHeads()));
        l.chunkCount = 0;
        l.chunkBytes = 0;
        l.snapshotBytes = snapshot.length;
        l.pendingWrites.incrementAndGet();
        CompletableFuture<?> previous = l.lastWrite;
        CompletableFuture<Boolean> write = db.write(c -> {
            requireStored(previous, docId);
            try (PreparedStatement ps = c.prepareStatement("UPDATE documents SET size=?, heads=?,"
                    + " chunk_count=0, chunk_bytes=0 WHERE id=?")) {
                ps.setLong(1, snapshot.length);
                ps.setBytes(2, heads);
                ps.setString(3, docId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE document_snapshots SET data=? WHERE doc_id=?")) {
                ps.setBytes(1, snapshot);
                ps.setString(2, docId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM document_chunks WHERE doc_id=?")) {
                ps.setString(1, docId);
                ps.executeUpdate();
            }
            return true;
        });
        l.lastWrite = write;
        return write.whenCompleteAsync((ok, err) -> {
            if (l.pendingWrites.decrementAndGet() == 0 && !closed.get()) shard.writesSettled();
            if (err == null) compactions.increment();
            else log.warn("compaction of {} failed", docId, err);
        }, db.callbackExecutor());
    }

    /** Compacts one document now (normally automatic past the thresholds). */
    public CompletableFuture<Boolean> compact(String docId) {
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> {
            if (load(shard, docId, false) == null) return CompletableFuture.completedFuture(false);
            return compactOnOwner(shard, docId);
        }).thenCompose(Function.identity());
    }

    private void publish(DocumentChange change) {
        for (Consumer<DocumentChange> s : subscribers) {
            try {
                s.accept(change);
            } catch (RuntimeException e) {
                log.warn("document change subscriber failed", e);
            }
        }
    }

    // ------------------------------------------------------------------ loading

    /** On the owner thread: the resident document, loading it from snapshot + chunks if needed. */
    private DocumentShard.Loaded load(DocumentShard shard, String docId, boolean create) {
        DocumentShard.Loaded l = shard.get(docId);
        if (l != null) {
            cacheHits.increment();
            return l;
        }
        cacheMisses.increment();
        StoredDoc stored = db.read(c -> readStored(c, docId));
        if (stored == null) {
            if (!create) return null;
            l = new DocumentShard.Loaded(new Document(), false, 0, 0, 0);
        } else {
            Document d;
            try {
                d = Document.load(stored.bytes);
            } catch (RuntimeException e) {
                throw new StorageException("stored document " + docId + " does not load", e);
            }
            l = new DocumentShard.Loaded(d, true, stored.chunkCount, stored.chunkBytes, stored.snapshotBytes);
        }
        shard.put(docId, l);
        return l;
    }

    private record StoredDoc(byte[] bytes, int chunkCount, long chunkBytes, long snapshotBytes) {
    }

    private static StoredDoc readStored(Connection c, String docId) throws SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int chunkCount = 0;
        long chunkBytes = 0;
        long snapshotBytes;
        try (PreparedStatement ps = c.prepareStatement("SELECT data FROM document_snapshots WHERE doc_id=?")) {
            ps.setString(1, docId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) return null;
                byte[] s = rs.getBytes(1);
                snapshotBytes = s.length;
                out.writeBytes(s);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT data FROM document_chunks WHERE doc_id=? ORDER BY n")) {
            ps.setString(1, docId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byte[] b = rs.getBytes(1);
                    chunkCount++;
                    chunkBytes += b.length;
                    out.writeBytes(b);
                }
            }
        }
        return new StoredDoc(out.toByteArray(), chunkCount, chunkBytes, snapshotBytes);
    }

    // ------------------------------------------------------------------ reads

    @Override
    public <T> CompletableFuture<Optional<T>> read(String docId, Function<Document, T> fn) {
        if (!validIdOrFalse(docId)) return CompletableFuture.completedFuture(Optional.empty());
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> {
            DocumentShard.Loaded l = load(shard, docId, false);
            return l == null ? Optional.<T>empty() : Optional.ofNullable(fn.apply(l.doc));
        });
    }

    @Override
    public Optional<byte[]> save(String docId) {
        return onOwner(docId, Document::save);
    }

    @Override
    public Optional<byte[]> changesSince(String docId, List<byte[]> heads) {
        Hashes.validate(heads); // before anything reaches Automerge
        List<byte[]> theirs = heads == null ? List.of() : heads;
        return onOwner(docId, d -> {
            // encodeChangesSince(unknown hash) silently returns everything, so keep only the hashes
            // this document has; the peer then gets a superset of what it misses, never less.
            List<byte[]> mine = Hashes.fromChangeHashes(d.getHeads());
            List<byte[]> known = new ArrayList<>();
            for (byte[] h : theirs) {
                if (Hashes.contains(mine, h) || knows(d, h)) known.add(h);
            }
            if (!theirs.isEmpty() && Hashes.sameSet(known, mine)) return new byte[0];
            return d.encodeChangesSince(Hashes.toChangeHashes(known));
        });
    }

    @Override
    public boolean containsHeads(String docId, List<byte[]> heads) {
        Hashes.validate(heads);
        return onOwner(docId, d -> {
            List<byte[]> mine = Hashes.fromChangeHashes(d.getHeads());
            for (byte[] h : heads) {
                if (!Hashes.contains(mine, h) && !knows(d, h)) return false;
            }
            return true;
        }).orElse(false);
    }

    /**
     * Writes a consistent copy of the database to {@code target} (VACUUM INTO) marked as a
     * backup: whoever opens the copy draws a new stream epoch (docs/SYNC-PROTOCOL.md, Epochs).
     */
    public void backupTo(Path target) {
        db.backupTo(target);
        StreamEpoch.markRestored(target);
    }

    /** Runs fn on the document's owner thread and waits (inline if already on it). */
    private <T> Optional<T> onOwner(String docId, Function<Document, T> fn) {
        if (!validIdOrFalse(docId)) return Optional.empty();
        DocumentShard shard = shardOf(docId);
        if (shard.onOwnerThread()) {
            DocumentShard.Loaded l = load(shard, docId, false);
            return l == null ? Optional.empty() : Optional.ofNullable(fn.apply(l.doc));
        }
        return Database.join(shard.submitAndWaitOnly(() -> {
            DocumentShard.Loaded l = load(shard, docId, false);
            return l == null ? Optional.<T>empty() : Optional.ofNullable(fn.apply(l.doc));
        }));
    }

    /** The document's heads without loading it (empty if absent). */
    public Optional<List<byte[]>> heads(String docId) {
        return info(docId).map(DocumentInfo::heads);
    }

    @Override
    public Optional<DocumentInfo> info(String docId) {
        if (!validIdOrFalse(docId)) return Optional.empty();
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, reach, owner, updated_at, heads, size FROM documents WHERE id=?")) {
                ps.setString(1, docId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(info(rs)) : Optional.<DocumentInfo>empty();
                }
            }
        });
    }

    private static DocumentInfo info(ResultSet rs) throws SQLException {
        return new DocumentInfo(rs.getString(1), Reach.parse(rs.getString(2)).orElse(Reach.PRIVATE),
                rs.getString(3), rs.getLong(4), Hashes.decode(rs.getBytes(5)), rs.getLong(6));
    }

    @Override
    public List<DocumentInfo> list(String afterDocId, int limit, Optional<Reach> reach, Optional<String> owner) {
        StringBuilder sql = new StringBuilder("SELECT id, reach, owner, updated_at, heads, size FROM documents WHERE id > ?");
        if (reach.isPresent()) sql.append(" AND reach = ?");
        if (owner.isPresent()) sql.append(" AND owner = ?");
        sql.append(" ORDER BY id LIMIT ?");
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = 1;
                ps.setString(i++, afterDocId == null ? "" : afterDocId);
                if (reach.isPresent()) ps.setString(i++, reach.get().wireName());
                if (owner.isPresent()) ps.setString(i++, owner.get());
                ps.setInt(i, Math.max(0, limit));
                List<DocumentInfo> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) out.add(info(rs));
                }
                return out;
            }
        });
    }

    @Override
    public long count() {
        return db.read(c -> scalar(c, "SELECT COUNT(*) FROM documents"));
    }

    private static long scalar(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Override
    public StreamPosition position() {
        return new StreamPosition(epoch, db.read(c -> scalar(c, "SELECT COALESCE(MAX(seq), 0) FROM sync_events")));
    }

    /**
     * One event per document: each document whose latest event is after {@code afterSeq}, taken in
     * seq order of those latest events (so the batch covers the seq range up to its largest seq,
     * with nothing missing), then ordered Local first, then by seq.
     */
    @Override
    public List<StreamEvent> eventsSince(long afterSeq, int limit) {
        List<StreamEvent> out = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT e.seq, e.doc_id, e.heads, e.kind, e.timestamp"
                    + " FROM documents d JOIN sync_events e ON e.seq = d.last_seq"
                    + " WHERE d.last_seq > ? ORDER BY d.last_seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, Math.max(0, limit));
                List<StreamEvent> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new StreamEvent(rs.getLong(1), rs.getString(2), Hashes.decode(rs.getBytes(3)),
                                EventKind.valueOf(rs.getString(4)), rs.getLong(5)));
                    }
                }
                return events;
            }
        });
        out.sort(Comparator.comparing(StreamEvent::kind).thenComparingLong(StreamEvent::seq));
        return out;
    }

    /** Every event of the raw log after {@code afterSeq} (not collapsed), for diagnostics and tests. */
    public List<StreamEvent> rawEventsSince(long afterSeq, int limit) {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, doc_id, heads, kind, timestamp FROM sync_events"
                    + " WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, limit);
                List<StreamEvent> events = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new StreamEvent(rs.getLong(1), rs.getString(2), Hashes.decode(rs.getBytes(3)),
                                EventKind.valueOf(rs.getString(4)), rs.getLong(5)));
                    }
                }
                return events;
            }
        });
    }

    @Override
    public AutoCloseable subscribe(Consumer<DocumentChange> listener) {
        subscribers.add(listener);
        return () -> subscribers.remove(listener);
    }

    // ------------------------------------------------------------------ stats

    public StorageStats stats() {
        long[] docs = db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM documents");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        });
        Database.DatabaseStats d = db.stats();
        return new StorageStats(docs[0], docs[1], position(), changesApplied.sum(), changeBytes.sum(), rejected.sum(),
                cacheHits.sum(), cacheMisses.sum(), evictions.sum(), resident.get(), compactions.sum(),
                d.commits(), d.meanCommitNanos(), d.lastCommitNanos());
    }

    private void registerMeters(MeterRegistry r) {
        FunctionCounter.builder("elohim.storage.changes", changesApplied, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.change.bytes", changeBytes, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.rejected", rejected, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.cache.hits", cacheHits, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.cache.misses", cacheMisses, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.cache.evictions", evictions, LongAdder::doubleValue).register(r);
        FunctionCounter.builder("elohim.storage.compactions", compactions, LongAdder::doubleValue).register(r);
        Gauge.builder("elohim.storage.cache.resident", resident, AtomicInteger::get).register(r);
        Gauge.builder("elohim.storage.documents", this, s -> s.closed.get() ? 0 : s.count()).register(r);
        Gauge.builder("elohim.sync.stream.seq", this, s -> s.closed.get() ? 0 : s.position().seq()).register(r);
    }

    // ------------------------------------------------------------------ helpers

    private DocumentShard shardOf(String docId) {
        return shards[Math.floorMod(docId.hashCode(), shards.length)];
    }

    private static void validateId(String docId) {
        if (!validIdOrFalse(docId)) {
            throw new DocumentRejected(DocumentRejected.Reason.INVALID_ID, "invalid document id");
        }
    }

    private static boolean validIdOrFalse(String docId) {
        if (docId == null || docId.isEmpty() || docId.length() > MAX_DOC_ID_LENGTH) return false;
        for (int i = 0; i < docId.length(); i++) if (Character.isISOControl(docId.charAt(i))) return false;
        return true;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        for (DocumentShard s : shards) s.close();
        try {
            StreamEpoch.rotateToken(db, epoch);
        } catch (RuntimeException e) {
            log.warn("could not rotate the instance token at close", e);
        }
        watermark.close();
        if (ownsDb) db.close();
    }
}
