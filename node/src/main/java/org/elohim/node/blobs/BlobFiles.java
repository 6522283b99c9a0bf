package org.elohim.node.blobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The blob store on disk: {@code blobs/chunks/ab/<hex>} (content-addressed chunks),
 * {@code blobs/manifests/ab/<hex>} (one per blob, named by the blob's SHA-256) and
 * {@code blobs/staging/} (files being written). A file becomes visible only by an atomic rename
 * after its bytes were fsync'd, then the directory is fsync'd: a crash leaves either nothing or the
 * whole file, and staging is emptied at start.
 */
public final class BlobFiles {
    private static final HexFormat HEX = HexFormat.of();
    private final Path root;
    private final Path chunks;
    private final Path manifests;
    private final Path staging;

    public BlobFiles(Path root) {
        this.root = root;
        this.chunks = root.resolve("chunks");
        this.manifests = root.resolve("manifests");
        this.staging = root.resolve("staging");
        try {
            Files.createDirectories(chunks);
            Files.createDirectories(manifests);
            Files.createDirectories(staging);
            cleanStaging();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare blob store in " + root, e);
        }
    }

    public Path root() {
        return root;
    }

    /** Leftovers of writes a crash interrupted: never visible, safe to drop. */
    private void cleanStaging() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(staging)) {
            for (Path p : ds) Files.deleteIfExists(p);
        }
    }

    public Path chunkPath(byte[] hash) {
        String hex = HEX.formatHex(hash);
        return chunks.resolve(hex.substring(0, 2)).resolve(hex);
    }

    public Path manifestPath(BlobId id) {
        String hex = id.hex();
        return manifests.resolve(hex.substring(0, 2)).resolve(hex);
    }

    public boolean hasChunk(byte[] hash) {
        return Files.isRegularFile(chunkPath(hash));
    }

    /**
     * Stores a chunk durably unless it is already there (dedupe). An existing chunk's mtime is
     * refreshed so the collector's grace period protects it while an upload is using it.
     */
    public void putChunk(byte[] hash, byte[] data, int length) {
        Path target = chunkPath(hash);
        if (Files.isRegularFile(target)) {
            touch(target);
            return;
        }
        writeDurably(target, ByteBuffer.wrap(data, 0, length));
    }

    public boolean hasManifest(BlobId id) {
        return Files.isRegularFile(manifestPath(id));
    }

    public void putManifest(BlobId id, Manifest m) {
        Path target = manifestPath(id);
        if (Files.isRegularFile(target)) {
            touch(target);
            return;
        }
        writeDurably(target, ByteBuffer.wrap(m.encode()));
    }

    public Optional<Manifest> manifest(BlobId id) {
        Path p = manifestPath(id);
        try {
            if (Files.size(p) > Manifest.maxEncodedBytes()) throw new Manifest.MalformedManifestException("manifest too large");
            return Optional.of(Manifest.decode(Files.readAllBytes(p)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FileChannel openChunk(byte[] hash) throws IOException {
        return FileChannel.open(chunkPath(hash), StandardOpenOption.READ);
    }

    public void deleteManifest(BlobId id) {
        deleteQuietly(manifestPath(id));
    }

    /** Every stored chunk file, for the collector. */
    public void forEachChunk(Consumer<Path> action) {
        forEachIn(chunks, action);
    }

    public void forEachManifest(Consumer<Path> action) {
        forEachIn(manifests, action);
    }

    private static void forEachIn(Path dir, Consumer<Path> action) {
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(dir)) {
            for (Path shard : shards) {
                if (!Files.isDirectory(shard)) continue;
                try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
                    for (Path f : files) action.accept(f);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the collector tries again next time
        }
    }

    private static void touch(Path p) {
        try {
            Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException ignored) {
            // only shortens the grace of an unreferenced file
        }
    }

    /** temp file in staging → write → fsync → atomic rename → fsync of the target directory. */
    private void writeDurably(Path target, ByteBuffer data) {
        Path tmp = staging.resolve(UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                while (data.hasRemaining()) ch.write(data);
                ch.force(true);
            }
            Path dir = target.getParent();
            boolean newDir = !Files.isDirectory(dir);
            if (newDir) Files.createDirectories(dir);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                // Someone stored the same content first: same bytes, keep theirs.
                Files.deleteIfExists(tmp);
            }
            fsyncDirectory(dir);
            if (newDir) fsyncDirectory(dir.getParent());
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot store " + target.getFileName() + ": " + e.getMessage(), e);
        }
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
