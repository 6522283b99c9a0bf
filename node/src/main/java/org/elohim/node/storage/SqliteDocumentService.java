package org.elohim.node.storage;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.automerge.Document;
import org.elohim.node.changes.Chunk;
import org.elohim.node.changes.ChunkCodec;
import org.elohim.node.changes.MalformedChunkException;
import org.elohim.node.docs.ApplyResult;
import org.elohim.node.docs.ChangeIndex;
import org.elohim.node.docs.ChangeView;
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
 * {@link DocumentService} on SQLite (node.db): documents are change graphs (DESIGN §4).
 *
 * <p>A write is checked in Java (chunk framing, checksum, hash, change header; see
 * {@link ChunkCodec}) and, when it fits the materialize budget, decoded by the engine in an empty
 * scratch document (so a change the engine cannot parse is never stored nor served); then its new
 * changes go into the document's {@link org.elohim.node.changes.ChangeGraph} (deps present) or its
 * outliers (deps missing), and one group-committed job stores them, the document row and a stream
 * event. Its future completes after COMMIT, and subscribers are told then.
 *
 * <p>Sync reads ({@link #changesSince}, {@link #containsHeads}, {@link #withChanges}) use the
 * graph only. The CRDT engine builds a document only for content ({@link #read}, {@link #edit},
 * compaction), through the {@link Materializer}'s budget.
 *
 * <p>Threads: each document has one owner shard thread; returned futures complete, and
 * subscribers are called, on the database's callback thread, never on an owner thread.
 */
public final class SqliteDocumentService implements DocumentService, ChangeIndex {
    private static final Logger log = LoggerFactory.getLogger(SqliteDocumentService.class);
    private static final int MAX_DOC_ID_LENGTH = 256;
    /** Changes waiting for deps, per document: a peer cannot park unbounded data here. */
    private static final int MAX_OUTLIERS = 4096;
    private static final long MAX_OUTLIER_BYTES = 32L * 1024 * 1024;

    /**
     * Tuning: documents whose state stays cached (all shards), owner threads, the largest change
     * payload accepted, when a snapshot is taken (this many changes, or more change bytes than
     * max(snapshot size, compactMinChunkBytes) since the last), and the materialize budget.
     */
    public record Options(int cacheCapacity, int shards, int maxChangeBytes, int compactChunkCount,
                          long compactMinChunkBytes, LongSupplier clockMillis, long materializeBudgetBytes) {
        public static final long DEFAULT_MATERIALIZE_BUDGET = 2L * 1024 * 1024;

        public Options(int cacheCapacity, int shards, int maxChangeBytes, int compactChunkCount,
                       long compactMinChunkBytes, LongSupplier clockMillis) {
            this(cacheCapacity, shards, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clockMillis,
                    DEFAULT_MATERIALIZE_BUDGET);
        }

        public static Options defaults() {
            return new Options(256, Math.max(2, Runtime.getRuntime().availableProcessors()),
                    16 * 1024 * 1024, 1024, 256 * 1024, System::currentTimeMillis);
        }

        public Options withCacheCapacity(int n) {
            return new Options(n, shards, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clockMillis,
                    materializeBudgetBytes);
        }

        public Options withShards(int n) {
            return new Options(cacheCapacity, n, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clockMillis,
                    materializeBudgetBytes);
        }

        public Options withMaxChangeBytes(int n) {
            return new Options(cacheCapacity, shards, n, compactChunkCount, compactMinChunkBytes, clockMillis,
                    materializeBudgetBytes);
        }

        public Options withCompaction(int chunkCount, long minChunkBytes) {
            return new Options(cacheCapacity, shards, maxChangeBytes, chunkCount, minChunkBytes, clockMillis,
                    materializeBudgetBytes);
        }

        public Options withClock(LongSupplier clock) {
            return new Options(cacheCapacity, shards, maxChangeBytes, compactChunkCount, compactMinChunkBytes, clock,
                    materializeBudgetBytes);
        }

        public Options withMaterializeBudget(long bytes) {
            return new Options(cacheCapacity, shards, maxChangeBytes, compactChunkCount, compactMinChunkBytes,
                    clockMillis, bytes);
        }
    }

    private final Database db;
    private final boolean ownsDb;
    private final Options options;
    private final EventLog events;
    private final StreamWatermark watermark;
    private final DocumentCatalog catalog;
    private final ChangeStore changes;
    private final Materializer materializer;
    private final IncomingChanges incoming;
    private final SnapshotCompaction compaction;
    private final PeerPositions peerPositions;
    private final DocumentShard[] shards;
    private final StorageMetrics metrics = new StorageMetrics();
    private final List<Consumer<DocumentChange>> subscribers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Stored bytes of materialized copies kept between the node's own edits (at most the budget). */
    private final AtomicLong residentBytes = new AtomicLong();

    private SqliteDocumentService(Database db, boolean ownsDb, Options options, MeterRegistry registry) {
        this.db = db;
        this.ownsDb = ownsDb;
        this.options = options;
        db.migrate(DocumentSchema.COMPONENT, DocumentSchema.MIGRATIONS);
        this.peerPositions = PeerPositions.open(db, options.clockMillis());
        this.events = new EventLog(db, StreamEpoch.establish(db, options.clockMillis().getAsLong()));
        this.watermark = StreamWatermark.open(StreamEpoch.watermarkFile(db.file()), events.epoch(), events.position().seq());
        subscribers.add(change -> watermark.committed(events.epoch(), change.seq()));
        this.catalog = new DocumentCatalog(db);
        this.changes = new ChangeStore(db);
        this.materializer = new Materializer(options.materializeBudgetBytes());
        this.incoming = new IncomingChanges(materializer, metrics.rejected);
        this.compaction = new SnapshotCompaction(db, changes, materializer, options, metrics.compactions, closed::get);
        ChangeIndexBackfill.run(db, options.maxChangeBytes());
        int n = Math.max(1, options.shards());
        this.shards = new DocumentShard[n];
        int perShard = Math.max(1, (options.cacheCapacity() + n - 1) / n);
        for (int i = 0; i < n; i++) {
            shards[i] = new DocumentShard(i, perShard, metrics.evictions, metrics.resident, db.callbackExecutor());
        }
        if (registry != null) {
            metrics.register(registry, () -> closed.get() ? 0 : count(), () -> closed.get() ? 0 : position().seq(),
                    materializer);
        }
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
        return events.epoch();
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
                        Long.toUnsignedString(events.epoch(), 16), reason);
                events.renewEpoch(fresh);
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

    public Materializer materializer() {
        return materializer;
    }

    // ------------------------------------------------------------------ writes

    @Override
    public CompletableFuture<ApplyResult> applyChanges(String docId, byte[] bytes, String owner, Reach reachIfNew,
                                                       EventKind kind, String origin) {
        List<Chunk> chunks;
        try {
            validateId(docId);
            Objects.requireNonNull(bytes, "changes");
            if (bytes.length > options.maxChangeBytes()) {
                throw reject(DocumentRejected.Reason.TOO_LARGE,
                        "changes of " + bytes.length + " bytes exceed the limit of " + options.maxChangeBytes());
            }
            chunks = ChunkCodec.decode(bytes, options.maxChangeBytes());
        } catch (MalformedChunkException e) {
            metrics.rejected.increment();
            return CompletableFuture.failedFuture(new DocumentRejected(DocumentRejected.Reason.MALFORMED_CHANGES,
                    "changes for " + docId + " are not well-formed Automerge chunks: " + e.getMessage(), e));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> {
            List<Chunk.Change> input = incoming.changesOf(docId, chunks);
            return store(shard, docId, input, true, owner, reachIfNew, kind, origin);
        }).thenCompose(Function.identity());
    }

    /**
     * On the owner thread: adds the new changes of {@code input} to the document's graph (or its
     * outliers) and queues the durable write. {@code validate} runs the engine's decoder on input
     * that came from outside.
     */
    private CompletableFuture<ApplyResult> store(DocumentShard shard, String docId, List<Chunk.Change> input,
                                                 boolean validate, String owner, Reach reachIfNew, EventKind kind,
                                                 String origin) {
        DocState s = state(shard, docId, true);
        List<Chunk.Change> fresh = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Chunk.Change c : input) {
            String key = Hashes.hex(c.hash());
            if (s.graph.contains(c.hash()) || s.outliers.containsKey(key) || !seen.add(key)) continue;
            fresh.add(c);
        }
        if (fresh.isEmpty()) {
            if (!s.stored) shard.discard(docId);
            return afterLastWrite(s, new ApplyResult(docId, s.graph.heads(), 0, false));
        }
        if (validate) incoming.check(docId, fresh);
        List<byte[]> oldHeads = s.graph.heads();
        // Apply what has its deps, repeatedly (input may come in any order, outliers may now fit).
        List<Chunk.Change> waiting = new ArrayList<>(s.outliers.values());
        waiting.addAll(fresh);
        List<Chunk.Change> applied = new ArrayList<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (var it = waiting.iterator(); it.hasNext(); ) {
                Chunk.Change c = it.next();
                if (s.graph.missingDeps(c.deps()).isEmpty()) {
                    s.graph.add(c.hash(), c.deps());
                    applied.add(c);
                    it.remove();
                    progress = true;
                }
            }
        }
        List<Chunk.Change> promoted = new ArrayList<>();
        for (Chunk.Change c : applied) if (s.outliers.remove(Hashes.hex(c.hash())) != null) promoted.add(c);
        for (Chunk.Change c : promoted) s.outlierBytes -= c.bytes().length;
        List<Chunk.Change> newOutliers = new ArrayList<>();
        for (Chunk.Change c : waiting) {
            if (!s.outliers.containsKey(Hashes.hex(c.hash()))) newOutliers.add(c);
        }
        long newOutlierBytes = newOutliers.stream().mapToLong(c -> c.bytes().length).sum();
        if (!newOutliers.isEmpty() && (s.outliers.size() + newOutliers.size() > MAX_OUTLIERS
                || s.outlierBytes + newOutlierBytes > MAX_OUTLIER_BYTES)) {
            shard.discard(docId); // the graph took part of the input: rebuild it from the database
            throw reject(DocumentRejected.Reason.TOO_LARGE, "too many changes of " + docId
                    + " wait for missing dependencies (" + s.outliers.size() + ")");
        }
        for (Chunk.Change c : newOutliers) s.outliers.put(Hashes.hex(c.hash()), c);
        s.outlierBytes += newOutlierBytes;
        if (!newOutliers.isEmpty()) metrics.outliers.add(newOutliers.size());
        List<byte[]> newHeads = s.graph.heads();
        if (s.resident != null && !applied.isEmpty() && validate) {
            // The node's edit copy is behind now; rebuild it on the next edit rather than merge here.
            releaseResident(s);
        }
        EventKind eventKind = applied.isEmpty() ? EventKind.OUTLIER : kind;
        return persist(shard, docId, s, applied, promoted, newOutliers, oldHeads, newHeads, owner, reachIfNew,
                eventKind, origin);
    }

    /**
     * A no-op answers only once the write that brought what it found is durable: "I already have
     * it" must not be acknowledged on the strength of a write that may still fail.
     */
    private CompletableFuture<ApplyResult> afterLastWrite(DocState s, ApplyResult result) {
        CompletableFuture<?> last = s.lastWrite;
        if (last.isDone() && !last.isCompletedExceptionally()) return CompletableFuture.completedFuture(result);
        return last.handleAsync((x, err) -> {
            if (err != null) throw new StorageException("the write this change relies on failed: " + err.getMessage(), err);
            return result;
        }, db.callbackExecutor());
    }

    /**
     * On the writer thread: this write was built on top of {@code previous}; if that one failed,
     * the in-memory graph held changes that were never stored, so this one must not be stored.
     */
    static void requireStored(CompletableFuture<?> previous, String docId) throws java.sql.SQLException {
        if (previous instanceof Database.WriteFuture<?> w && w.failedInWriter()) {
            throw new java.sql.SQLException("an earlier write of " + docId + " failed; not storing what was built on it");
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
            DocState s = state(shard, docId, true);
            Document d = editCopy(docId, s);
            List<byte[]> oldHeads = Hashes.fromChangeHashes(d.getHeads());
            byte[] encoded;
            try {
                edit.accept(d);
                encoded = d.encodeChangesSince(Hashes.toChangeHashes(oldHeads));
            } catch (RuntimeException e) {
                releaseResident(s);
                if (!s.stored) shard.discard(docId);
                throw e;
            }
            List<Chunk.Change> made = IncomingChanges.decodeOwn(encoded);
            if (made.isEmpty()) {
                if (!s.stored || s.residentTransient) releaseResident(s);
                if (!s.stored) shard.discard(docId);
                return CompletableFuture.completedFuture(new ApplyResult(docId, s.graph.heads(), 0, false));
            }
            List<byte[]> headsAfter = Hashes.fromChangeHashes(d.getHeads());
            if (s.residentTransient) releaseResident(s);
            else s.residentHeads = headsAfter;
            return store(shard, docId, made, false, owner, reachIfNew, EventKind.LOCAL, origin);
        }).thenCompose(Function.identity());
    }

    /**
     * The materialized copy the node edits: kept between edits while the copies kept fit the
     * budget (the node's own writers edit the same documents again and again), rebuilt if changes
     * arrived since; freed on eviction from the cache.
     */
    private Document editCopy(String docId, DocState s) {
        if (s.resident != null && Hashes.sameSet(s.residentHeads, s.graph.heads())) return s.resident;
        releaseResident(s);
        materializer.checkFits(docId, s.size);
        Document d = Materializer.build(parts(docId, s));
        s.keepResident(d, Hashes.fromChangeHashes(d.getHeads()), s.size, residentBytes, materializer.budgetBytes());
        return d;
    }

    private void releaseResident(DocState s) {
        if (s.freeResident() >= 256 * 1024) materializer.trimNativeHeap();
    }

    /** On the owner thread: queues the durable write of new changes and outliers. */
    private CompletableFuture<ApplyResult> persist(DocumentShard shard, String docId, DocState s,
                                                   List<Chunk.Change> applied, List<Chunk.Change> promoted,
                                                   List<Chunk.Change> newOutliers, List<byte[]> oldHeads,
                                                   List<byte[]> newHeads, String owner, Reach reachIfNew,
                                                   EventKind kind, String origin) {
        long now = options.clockMillis().getAsLong();
        byte[] heads = Hashes.encode(newHeads);
        boolean synced = kind == EventKind.NEW || kind == EventKind.BACKFILL;
        String reach = (reachIfNew == null ? Reach.PRIVATE : reachIfNew).wireName();
        String ownerName = owner == null ? "" : owner;
        boolean isNew = !s.stored;
        s.stored = true;
        int[] ns = new int[applied.size()];
        long added = 0;
        for (int i = 0; i < ns.length; i++) {
            Chunk.Change c = applied.get(i);
            ns[i] = s.graph.indexOf(c.hash()) + 1;
            s.uncommitted.put(ns[i], c.bytes());
            added += c.bytes().length;
        }
        long addedBytes = added;
        s.size += added;
        s.pendingWrites.incrementAndGet();
        CompletableFuture<?> previous = s.lastWrite;
        CompletableFuture<Long> write = db.write(c -> {
            requireStored(previous, docId);
            if (isNew) catalog.insert(c, docId, reach, ownerName, now, synced);
            for (int i = 0; i < ns.length; i++) changes.insertChange(c, docId, ns[i], applied.get(i));
            for (Chunk.Change p : promoted) changes.deleteOutlier(c, docId, p.hash());
            for (Chunk.Change o : newOutliers) changes.insertOutlier(c, docId, o, now);
            long seq = events.append(c, docId, heads, kind, now);
            catalog.update(c, docId, heads, now, synced, addedBytes, ns.length, seq);
            return seq;
        });
        s.lastWrite = write;
        boolean compact = compaction.needed(s);
        // Async: if the commit was already done, handle() would run on this owner thread, and
        // subscribers (sync sessions) must never be called on it.
        return write.handleAsync((seq, err) -> {
            for (int n : ns) s.uncommitted.remove(n);
            if (s.pendingWrites.decrementAndGet() == 0 && !closed.get()) shard.writesSettled();
            if (err != null) {
                // Memory is ahead of the database now: drop it so the next access reloads.
                shard.submit(() -> {
                    if (shard.get(docId) == s) {
                        releaseResident(s);
                        shard.discard(docId);
                    }
                    return null;
                });
                throw err instanceof CompletionException ce ? ce : new CompletionException(err);
            }
            metrics.changesApplied.add(Math.max(1, ns.length));
            metrics.changeBytes.add(addedBytes);
            ApplyResult result = new ApplyResult(docId, newHeads, seq, true);
            publish(new DocumentChange(docId, oldHeads, newHeads, kind, origin, seq));
            if (compact && !closed.get()) shard.submit(() -> compaction.compact(shard, docId));
            return result;
        }, db.callbackExecutor());
    }

    /** Takes a snapshot of one document now (normally automatic past the thresholds). */
    public CompletableFuture<Boolean> compact(String docId) {
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> {
            if (state(shard, docId, false) == null) return CompletableFuture.completedFuture(false);
            return compaction.compact(shard, docId);
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

    // ------------------------------------------------------------------ state

    /** On the owner thread: the document's state, loading its graph if needed. */
    private DocState state(DocumentShard shard, String docId, boolean create) {
        DocState s = shard.get(docId);
        if (s != null) {
            metrics.cacheHits.increment();
            return s;
        }
        metrics.cacheMisses.increment();
        s = changes.load(docId);
        if (s == null) {
            if (!create) return null;
            s = DocState.empty();
        }
        s.snapshotCoveredBytes = s.snapshotUpto == 0 ? 0 : s.size; // approximate after a reload
        shard.put(docId, s);
        return s;
    }

    /** Snapshot and changes to materialize, including changes not committed yet. */
    private List<byte[]> parts(String docId, DocState s) {
        if (!s.stored) return List.of();
        int committed = s.graph.size();
        if (!s.uncommitted.isEmpty()) {
            committed = s.uncommitted.keySet().stream().mapToInt(Integer::intValue).min().orElse(committed + 1) - 1;
        }
        List<byte[]> parts = new ArrayList<>(changes.materialParts(docId, committed));
        int[] newer = new int[s.graph.size() - committed];
        for (int k = 0; k < newer.length; k++) newer[k] = committed + k; // graph indices
        parts.addAll(changeBytes(docId, s, newer));
        return parts;
    }

    // ------------------------------------------------------------------ reads

    @Override
    public <T> CompletableFuture<Optional<T>> read(String docId, Function<Document, T> fn) {
        if (!validIdOrFalse(docId)) return CompletableFuture.completedFuture(Optional.empty());
        DocumentShard shard = shardOf(docId);
        return shard.submit(() -> {
            DocState s = state(shard, docId, false);
            if (s == null || !s.stored) return Optional.<T>empty();
            if (s.resident != null && Hashes.sameSet(s.residentHeads, s.graph.heads())) {
                return Optional.ofNullable(fn.apply(s.resident));
            }
            return Optional.ofNullable(materializer.with(docId, s.size, parts(docId, s), fn));
        });
    }

    /** Every change of the document, concatenated in application order (loadable by any Automerge). */
    @Override
    public Optional<byte[]> save(String docId) {
        return onOwner(docId, s -> concat(view(docId, s).changes(all(s.graph.size()))));
    }

    @Override
    public Optional<byte[]> changesSince(String docId, List<byte[]> heads) {
        Hashes.validate(heads);
        List<byte[]> theirs = heads == null ? List.of() : heads;
        return onOwner(docId, s -> {
            // Unknown hashes are ignored: the peer then gets a superset of what it misses, never less.
            int[] idx = s.graph.since(theirs);
            if (idx.length == 0) return new byte[0];
            return concat(view(docId, s).changes(idx));
        });
    }

    @Override
    public boolean containsHeads(String docId, List<byte[]> heads) {
        Hashes.validate(heads);
        return onOwner(docId, s -> s.graph.containsAll(heads)).orElse(false);
    }

    /** Whether {@code hash} is an applied change of the document. */
    public boolean knows(String docId, byte[] hash) {
        return containsHeads(docId, List.of(hash));
    }

    @Override
    public <T> Optional<T> withChanges(String docId, Function<ChangeView, T> fn) {
        return onOwner(docId, s -> fn.apply(view(docId, s)));
    }

    private ChangeView view(String docId, DocState s) {
        return new ChangeView() {
            @Override
            public org.elohim.node.changes.ChangeGraph graph() {
                return s.graph;
            }

            @Override
            public java.util.Collection<Chunk.Change> outliers() {
                return java.util.Collections.unmodifiableCollection(s.outliers.values());
            }

            @Override
            public List<byte[]> changes(int[] indices) {
                return changeBytes(docId, s, indices);
            }
        };
    }

    /**
     * Bytes of the changes at graph {@code indices} (n - 1). The newest may not be committed yet:
     * their bytes come from memory. The commit callback drops them from memory concurrently, so each
     * is read once; whatever is not in memory any more is committed, hence in the database.
     */
    private List<byte[]> changeBytes(String docId, DocState s, int[] indices) {
        byte[][] out = new byte[indices.length][];
        int missing = 0;
        for (int k = 0; k < indices.length; k++) {
            out[k] = s.uncommitted.get(indices[k] + 1);
            if (out[k] == null) missing++;
        }
        if (missing > 0) {
            int[] ns = new int[missing];
            int j = 0;
            for (int k = 0; k < indices.length; k++) if (out[k] == null) ns[j++] = indices[k] + 1;
            List<byte[]> stored = changes.changeList(docId, ns);
            j = 0;
            for (int k = 0; k < indices.length; k++) if (out[k] == null) out[k] = stored.get(j++);
        }
        return Arrays.asList(out);
    }

    private static int[] all(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = i;
        return out;
    }

    private static byte[] concat(List<byte[]> parts) {
        int total = 0;
        for (byte[] p : parts) total += p.length;
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
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
    private <T> Optional<T> onOwner(String docId, Function<DocState, T> fn) {
        if (!validIdOrFalse(docId)) return Optional.empty();
        DocumentShard shard = shardOf(docId);
        if (shard.onOwnerThread()) {
            DocState s = state(shard, docId, false);
            return s == null || !s.stored ? Optional.empty() : Optional.ofNullable(fn.apply(s));
        }
        return Database.join(shard.submitAndWaitOnly(() -> {
            DocState s = state(shard, docId, false);
            return s == null || !s.stored ? Optional.<T>empty() : Optional.ofNullable(fn.apply(s));
        }));
    }

    /** The document's heads without loading it (empty if absent). */
    public Optional<List<byte[]>> heads(String docId) {
        return info(docId).map(DocumentInfo::heads);
    }

    @Override
    public Optional<DocumentInfo> info(String docId) {
        if (!validIdOrFalse(docId)) return Optional.empty();
        return catalog.info(docId);
    }

    @Override
    public List<DocumentInfo> list(String afterDocId, int limit, Optional<Reach> reach, Optional<String> owner) {
        return catalog.list(afterDocId, limit, reach, owner);
    }

    @Override
    public long count() {
        return catalog.count();
    }

    @Override
    public StreamPosition position() {
        return events.position();
    }

    @Override
    public List<StreamEvent> eventsSince(long afterSeq, int limit) {
        return events.eventsSince(afterSeq, limit);
    }

    /** Every event of the raw log after {@code afterSeq} (not collapsed), for diagnostics and tests. */
    public List<StreamEvent> rawEventsSince(long afterSeq, int limit) {
        return events.rawEventsSince(afterSeq, limit);
    }

    @Override
    public AutoCloseable subscribe(Consumer<DocumentChange> listener) {
        subscribers.add(listener);
        return () -> subscribers.remove(listener);
    }

    public StorageStats stats() {
        long[] docs = catalog.totals();
        Database.DatabaseStats d = db.stats();
        return new StorageStats(docs[0], docs[1], position(), metrics.changesApplied.sum(), metrics.changeBytes.sum(),
                metrics.rejected.sum(), metrics.cacheHits.sum(), metrics.cacheMisses.sum(), metrics.evictions.sum(),
                metrics.resident.get(), metrics.compactions.sum(), d.commits(), d.meanCommitNanos(),
                d.lastCommitNanos());
    }

    // ------------------------------------------------------------------ helpers

    private DocumentRejected reject(DocumentRejected.Reason reason, String message) {
        metrics.rejected.increment();
        return new DocumentRejected(reason, message);
    }

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
            StreamEpoch.rotateToken(db, events.epoch());
        } catch (RuntimeException e) {
            log.warn("could not rotate the instance token at close", e);
        }
        watermark.close();
        if (ownsDb) db.close();
    }
}
