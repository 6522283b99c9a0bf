package org.elohim.node.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Puts a backup archive back into a data directory (the caller holds its lock; no node runs).
 * Every file is extracted to a staging folder and checked against the manifest (names, sizes,
 * SHA-256) before anything is replaced; what was there is set aside, not deleted. The restored
 * database is flagged as a backup, and its instance marker is not restored, so the node opens it
 * with a new stream epoch and every peer re-syncs by heads (docs/SYNC-PROTOCOL.md, Epochs).
 */
public final class BackupRestorer {
    private static final List<String> DATABASE_FILES = List.of("node.db", "node.db-wal", "node.db-shm", "node.db.instance");

    /** What was restored, and where the files it replaced went (empty if the directory had none). */
    public record Result(BackupManifest manifest, Optional<Path> setAside, boolean configRestored) {
    }

    private BackupRestorer() {
    }

    /** True if the directory already holds a node (database or identity). */
    public static boolean hasNode(Path dataDir) {
        return Files.exists(dataDir.resolve(BackupLayout.DATABASE)) || Files.exists(dataDir.resolve(BackupLayout.IDENTITY));
    }

    public static Result restore(Path archive, Path dataDir, BackupProgress progress) {
        if (!Files.isRegularFile(archive)) throw new BackupException("no such file: " + archive);
        try (ZipFile zip = new ZipFile(archive.toFile())) {
            BackupManifest manifest = readManifest(zip);
            Map<String, BackupManifest.Item> items = new HashMap<>();
            for (BackupManifest.Item i : manifest.items()) {
                if (items.put(i.name(), i) != null) throw new BackupException("the manifest lists " + i.name() + " twice");
            }
            for (String required : List.of(BackupLayout.DATABASE, BackupLayout.IDENTITY)) {
                if (!items.containsKey(required)) throw new BackupException("the archive has no " + required);
            }
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (!name.equals(BackupManifest.ENTRY) && !items.containsKey(name)) {
                    throw new BackupException("the archive holds \"" + name + "\", which its manifest does not list");
                }
            }
            Files.createDirectories(dataDir);
            long total = manifest.totalBytes();
            long free = Files.getFileStore(dataDir).getUsableSpace();
            if (free < total) {
                throw new BackupException("not enough disk space in " + dataDir + ": " + total + " bytes needed, " + free + " free");
            }
            Path staging = Files.createTempDirectory(dataDir, ".restore-");
            try {
                long done = 0;
                for (BackupManifest.Item i : manifest.items()) {
                    ZipEntry e = zip.getEntry(i.name());
                    if (e == null) throw new BackupException("the archive lacks " + i.name() + ", which its manifest lists");
                    done = extract(zip, e, i, staging.resolve(i.name()), done, total, progress);
                }
                return swapIn(staging, dataDir, manifest);
            } finally {
                deleteTree(staging);
            }
        } catch (ZipException e) {
            throw new BackupException(archive + " is not a backup archive (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new BackupException("cannot restore " + archive + ": " + e.getMessage(), e);
        }
    }

    private static BackupManifest readManifest(ZipFile zip) throws IOException {
        ZipEntry m = zip.getEntry(BackupManifest.ENTRY);
        if (m == null) throw new BackupException("the archive has no " + BackupManifest.ENTRY + " (not an elohim backup?)");
        try (InputStream in = zip.getInputStream(m)) {
            byte[] bytes = in.readNBytes(BackupManifest.MAX_BYTES + 1);
            if (bytes.length > BackupManifest.MAX_BYTES) throw new BackupException("the archive's manifest is too large");
            return BackupManifest.parse(bytes);
        }
    }

    /** Copies one entry, never more bytes than the manifest says (a zip bomb stops there), and checks its hash. */
    private static long extract(ZipFile zip, ZipEntry e, BackupManifest.Item item, Path target, long done, long total,
                                BackupProgress progress) throws IOException {
        Files.createDirectories(target.getParent());
        MessageDigest sha = BackupWriter.sha256();
        long size = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = zip.getInputStream(e); OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                size += n;
                if (size > item.size()) throw new BackupException(item.name() + " is larger than its manifest says: corrupt archive");
                out.write(buf, 0, n);
                sha.update(buf, 0, n);
                progress.update(item.name(), done + size, total);
            }
        }
        if (size != item.size()) throw new BackupException(item.name() + " is shorter than its manifest says: corrupt archive");
        if (!HexFormat.of().formatHex(sha.digest()).equals(item.sha256())) {
            throw new BackupException(item.name() + " does not match its SHA-256 in the manifest: corrupt archive");
        }
        return done + size;
    }

    private static Result swapIn(Path staging, Path dataDir, BackupManifest manifest) throws IOException {
        Optional<Path> aside = Optional.empty();
        if (hasNode(dataDir)) {
            Path dir = dataDir.resolve("before-restore-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Files.createDirectories(dir);
            for (String f : DATABASE_FILES) moveIfExists(dataDir.resolve(f), dir.resolve(f));
            moveIfExists(dataDir.resolve(BackupLayout.IDENTITY), dir.resolve(BackupLayout.IDENTITY));
            aside = Optional.of(dir);
        } else {
            // no database, but a stale marker would only confuse the epoch check
            Files.deleteIfExists(dataDir.resolve("node.db.instance"));
        }
        Files.move(staging.resolve(BackupLayout.IDENTITY), dataDir.resolve(BackupLayout.IDENTITY));
        Files.move(staging.resolve(BackupLayout.DATABASE), dataDir.resolve(BackupLayout.DATABASE));
        boolean configRestored = false;
        Path stagedConfig = staging.resolve(BackupLayout.CONFIG);
        if (Files.exists(stagedConfig)) {
            if (Files.exists(dataDir.resolve(BackupLayout.CONFIG))) {
                // this machine's settings (ports, binds) stay; the backup's are kept beside them
                Files.move(stagedConfig, dataDir.resolve(BackupLayout.CONFIG + ".from-backup"), StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(stagedConfig, dataDir.resolve(BackupLayout.CONFIG));
                configRestored = true;
            }
        }
        Path stagedBlobs = staging.resolve("blobs");
        if (Files.isDirectory(stagedBlobs)) {
            try (Stream<Path> files = Files.walk(stagedBlobs)) {
                for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    Path target = dataDir.resolve("blobs").resolve(stagedBlobs.relativize(p).toString());
                    if (Files.exists(target)) continue; // content-addressed: same name, same bytes
                    Files.createDirectories(target.getParent());
                    Files.move(p, target);
                }
            }
        }
        return new Result(manifest, aside, configRestored);
    }

    private static void moveIfExists(Path from, Path to) throws IOException {
        if (Files.exists(from)) Files.move(from, to);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover .restore-* folder is harmless and visibly temporary
        }
    }
}
