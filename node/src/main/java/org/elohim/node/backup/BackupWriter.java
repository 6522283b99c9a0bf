package org.elohim.node.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a backup archive (zip): a consistent snapshot of {@code node.db} (taken by the caller with
 * {@code SqliteDocumentService.backupTo}, flagged so that a restore starts a new stream epoch), the
 * identity {@code node.key}, {@code config.toml} and every blob, then {@code manifest.json} with
 * each file's size and SHA-256. Blobs are content-addressed and never change once written, so
 * copying them after the snapshot yields every blob the snapshot refers to. The archive appears
 * under its name only once complete and fsync'd.
 */
public final class BackupWriter {
    private BackupWriter() {
    }

    public static BackupManifest write(Path target, Path dbSnapshot, Path dataDir, String nodeId, String nodeVersion,
                                       BackupProgress progress) {
        List<Source> sources = new ArrayList<>();
        try {
            sources.add(new Source(BackupLayout.DATABASE, dbSnapshot, Files.size(dbSnapshot)));
            for (String f : List.of(BackupLayout.IDENTITY, BackupLayout.CONFIG)) {
                Path p = dataDir.resolve(f);
                if (Files.isRegularFile(p)) sources.add(new Source(f, p, Files.size(p)));
            }
            sources.addAll(blobs(dataDir.resolve("blobs")));
        } catch (IOException e) {
            throw new BackupException("cannot list what to back up: " + e.getMessage(), e);
        }
        long total = sources.stream().mapToLong(Source::size).sum();
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        List<BackupManifest.Item> items = new ArrayList<>();
        long[] done = {0};
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (OutputStream file = Files.newOutputStream(partial);
                 ZipOutputStream zip = new ZipOutputStream(file)) {
                zip.setLevel(Deflater.BEST_SPEED);
                for (Source s : sources) items.add(copy(zip, s, done, total, progress));
                BackupManifest m = new BackupManifest(BackupManifest.FORMAT, nodeId, Instant.now().toString(), nodeVersion,
                        List.copyOf(items));
                zip.putNextEntry(new ZipEntry(BackupManifest.ENTRY));
                zip.write(m.toJson());
                zip.closeEntry();
                zip.finish();
                try (FileChannel ch = FileChannel.open(partial, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return m;
            }
        } catch (IOException e) {
            throw new BackupException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // best effort: a leftover .partial is visibly incomplete
            }
        }
    }

    private record Source(String name, Path path, long size) {
    }

    private static List<Source> blobs(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        List<Source> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir, 5)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                if (!Files.isRegularFile(p)) continue;
                String rel = dir.relativize(p).toString().replace('\\', '/');
                String name = BackupLayout.BLOBS + rel;
                String leaf = p.getFileName().toString();
                // unfinished uploads (temporary names) are not blobs yet
                if (leaf.startsWith(".") || leaf.endsWith(".tmp") || leaf.endsWith(".part") || leaf.endsWith(".partial")) continue;
                try {
                    BackupLayout.checkName(name);
                } catch (BackupException unexpected) {
                    continue;
                }
                out.add(new Source(name, p, Files.size(p)));
            }
        }
        return out;
    }

    private static BackupManifest.Item copy(ZipOutputStream zip, Source s, long[] done, long total, BackupProgress progress)
            throws IOException {
        MessageDigest sha = sha256();
        zip.putNextEntry(new ZipEntry(s.name()));
        long size = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(s.path())) {
            int n;
            while ((n = in.read(buf)) > 0) {
                zip.write(buf, 0, n);
                sha.update(buf, 0, n);
                size += n;
                done[0] += n;
                progress.update(s.name(), done[0], Math.max(total, done[0]));
            }
        }
        zip.closeEntry();
        progress.update(s.name(), done[0], Math.max(total, done[0]));
        return new BackupManifest.Item(s.name(), size, HexFormat.of().formatHex(sha.digest()));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
