package org.elohim.node.blobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.elohim.node.reach.Reach;
import org.elohim.node.storage.Database;

/**
 * The node's blob store (DESIGN §7): content-addressed 1 MiB chunks and manifests in files under
 * {@code <dataDir>/blobs}, metadata in node.db. No reach here: callers go through {@link BlobAccess}.
 */
public final class BlobStore {
    public static final String DIR = "blobs";
    public static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    /** {@code quotaBytesPerOwner} 0 = unlimited; unreferenced blobs and stale uploads live {@code gcGrace}. */
    public record Options(long quotaBytesPerOwner, Duration gcGrace) {
        public static Options defaults() {
            return new Options(0, Duration.ofDays(7));
        }
    }

    /** What the node holds of one owner's upload of a blob. */
    public record UploadState(boolean complete, SortedSet<Integer> chunks) {
    }

    private final BlobFiles files;
    private final BlobIndex index;
    private final Options options;
    private final Clock clock;
    // Uploads and commits share it; the collector takes it alone, so it never removes a chunk an
    // upload has stored but not yet recorded.
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();

    private BlobStore(BlobFiles files, BlobIndex index, Options options, Clock clock) {
        this.files = files;
        this.index = index;
        this.options = options;
        this.clock = clock;
    }

    public static BlobStore open(Path dataDir, Database db, Options options, Clock clock) {
        return new BlobStore(new BlobFiles(dataDir.resolve(DIR)), new BlobIndex(db), options, clock);
    }

    public Options options() {
        return options;
    }

    BlobFiles files() {
        return files;
    }

    // ---- uploads ---------------------------------------------------------------------------

    /**
     * Starts (or resumes) an upload by {@code owner}. With {@code expected} and a known size the
     * upload is resumable: chunks stored by an earlier, interrupted upload count.
     */
    public BlobUpload beginUpload(String owner, Optional<BlobId> expected, long size, String contentType, Reach reach) {
        if (owner == null || owner.isEmpty()) throw new IllegalArgumentException("an upload needs an owner");
        if (size > Manifest.MAX_BLOB_BYTES) {
            throw new BlobRejected(BlobRejected.Reason.TOO_LARGE, "blobs are at most " + Manifest.MAX_BLOB_BYTES + " bytes");
        }
        if (expected.isPresent() && size < 0) throw new BlobRejected(BlobRejected.Reason.MALFORMED, "a declared hash needs a size");
        String key = expected.map(BlobId::toString).orElseGet(() -> "upload-" + UUID.randomUUID());
        index.startUpload(owner, key, Math.max(0, size), options.quotaBytesPerOwner(), clock.millis());
        TreeMap<Integer, byte[]> held = new TreeMap<>();
        if (expected.isPresent() && uploadState(owner, expected.get()).complete()) {
            // This owner already stored exactly this blob: every chunk counts as delivered.
            files.manifest(expected.get()).ifPresent(m -> {
                for (int i = 0; i < m.chunks().size(); i++) held.put(i, m.chunks().get(i));
            });
        } else if (expected.isPresent()) {
            index.upload(owner, key).ifPresent(u -> {
                // Only chunks still on disk count (the collector may have run in between).
                u.chunks().forEach((i, h) -> {
                    if (files.hasChunk(h)) held.put(i, h);
                });
            });
        }
        return new BlobUpload(this, owner, expected, size, contentType == null || contentType.isBlank()
                ? DEFAULT_CONTENT_TYPE : contentType, reach == null ? Reach.PRIVATE : reach, key, held);
    }

    /** Chunk indexes this owner already delivered for {@code id}; complete if it already owns the blob. */
    public UploadState uploadState(String owner, BlobId id) {
        if (index.blob(id).isPresent() && index.owners(id).stream().anyMatch(o -> o.owner().equals(owner))) {
            return new UploadState(true, new TreeSet<>());
        }
        SortedSet<Integer> have = new TreeSet<>();
        index.upload(owner, id.toString()).ifPresent(u -> u.chunks().forEach((i, h) -> {
            if (files.hasChunk(h)) have.add(i);
        }));
        return new UploadState(false, have);
    }

    void storeChunk(String owner, String key, int chunkIndex, byte[] hash, byte[] data, int length) {
        gcLock.readLock().lock();
        try {
            files.putChunk(hash, data, length);
            index.recordUploadChunk(owner, key, chunkIndex, hash, clock.millis());
        } finally {
            gcLock.readLock().unlock();
        }
    }

    byte[] digestOf(Manifest m) {
        return BlobUpload.digestChunks(files, m);
    }

    /** The blob's info and whether this owner did not hold it before. */
    record Committed(BlobInfo info, boolean created) {
    }

    Committed commit(BlobId id, Manifest manifest, String owner, Reach reach, String contentType, String key) {
        boolean created;
        gcLock.readLock().lock();
        try {
            for (byte[] h : manifest.chunks()) {
                if (!files.hasChunk(h)) throw new BlobRejected(BlobRejected.Reason.INCOMPLETE, "a chunk of the upload is missing");
            }
            files.putManifest(id, manifest); // manifest last: durable before the row that makes it visible
            created = index.commit(id, manifest.size(), manifest.chunks().size(), owner, reach, contentType, key,
                    options.quotaBytesPerOwner(), clock.millis());
        } finally {
            gcLock.readLock().unlock();
        }
        return new Committed(info(id).orElseThrow(), created);
    }

    void abandon(String owner, String key) {
        index.dropUpload(owner, key);
    }

    // ---- reads (no reach: see BlobAccess) ----------------------------------------------------

    public Optional<BlobInfo> info(BlobId id) {
        return index.blob(id).map(r -> new BlobInfo(id, r.size(), r.chunkCount(), r.createdAt(), contentType(id)));
    }

    private String contentType(BlobId id) {
        List<BlobOwnership> owners = index.owners(id);
        if (!owners.isEmpty()) return owners.get(0).contentType();
        return index.references(id, 16).values().stream().filter(s -> !s.isBlank()).findFirst().orElse(DEFAULT_CONTENT_TYPE);
    }

    public List<BlobOwnership> owners(BlobId id) {
        return index.owners(id);
    }

    /** Documents referencing the blob: doc id → declared content type (at most {@code limit}). */
    public Map<String, String> references(BlobId id, int limit) {
        return index.references(id, limit);
    }

    public Optional<BlobReader> open(BlobId id) {
        Optional<BlobInfo> info = info(id);
        if (info.isEmpty()) return Optional.empty();
        return files.manifest(id).map(m -> new BlobReader(files, info.get(), m));
    }

    /** Stored blobs ordered by id after {@code after} (null: from the start). */
    public List<BlobInfo> list(String after, int limit) {
        List<BlobInfo> out = new ArrayList<>();
        for (BlobIndex.Row r : index.list(after, limit)) {
            out.add(new BlobInfo(r.id(), r.size(), r.chunkCount(), r.createdAt(), contentType(r.id())));
        }
        return out;
    }

    public long count() {
        return index.count();
    }

    public long usage(String owner) {
        return index.usage(owner, "");
    }

    /** The indexer's entry: the blobs {@code docId} references now (blob id → content type). */
    public void replaceReferences(String docId, Map<BlobId, String> refs) {
        index.replaceReferences(docId, refs);
    }

    long[] referenceCursor() {
        return index.referenceCursor();
    }

    void indexReferences(Map<String, Map<BlobId, String>> byDoc, long epoch, long seq) {
        index.indexReferences(byDoc, epoch, seq);
    }

    // ---- collection ------------------------------------------------------------------------

    /** What one collection removed. */
    public record Collected(int blobs, int uploads, int chunks, int manifests) {
    }

    /**
     * Removes blobs no document references and no owner declared within the grace period, stale
     * uploads, then chunk and manifest files nothing live names (older than the grace period, so a
     * file written by a running upload is never taken).
     */
    public Collected collect() {
        long cutoff = clock.millis() - options.gcGrace().toMillis();
        gcLock.writeLock().lock();
        try {
            int uploads = index.dropUploadsBefore(cutoff);
            int blobs = 0;
            for (List<BlobId> batch; !(batch = index.unreferencedBefore(cutoff, 500)).isEmpty(); ) {
                for (BlobId id : batch) {
                    index.deleteBlob(id);
                    files.deleteManifest(id);
                    blobs++;
                }
            }
            java.util.Set<String> liveBlobs = index.allBlobIds();
            java.util.Set<String> liveChunks = index.uploadChunkHashes();
            int[] manifests = {0};
            files.forEachManifest(p -> {
                Optional<BlobId> id = BlobId.parse(BlobId.PREFIX + p.getFileName());
                if (id.isPresent() && liveBlobs.contains(id.get().toString())) {
                    files.manifest(id.get()).ifPresent(m -> m.chunks().forEach(
                            h -> liveChunks.add(java.util.HexFormat.of().formatHex(h))));
                } else if (olderThan(p, cutoff)) {
                    BlobFiles.deleteQuietly(p); // a manifest whose row was never committed
                    manifests[0]++;
                }
            });
            int[] chunks = {0};
            files.forEachChunk(p -> {
                if (!liveChunks.contains(p.getFileName().toString()) && olderThan(p, cutoff)) {
                    BlobFiles.deleteQuietly(p);
                    chunks[0]++;
                }
            });
            return new Collected(blobs, uploads, chunks[0], manifests[0]);
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    private static boolean olderThan(Path p, long cutoff) {
        try {
            return Files.getLastModifiedTime(p).toMillis() < cutoff;
        } catch (IOException e) {
            return false;
        }
    }
}
