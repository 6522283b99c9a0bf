package org.elohim.node.runtime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive OS lock on {@code node.lock}: one process per data directory. The OS drops it when
 * the process dies (even by kill -9), so a crashed node never leaves a stale lock behind.
 */
public final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Empty if another process (or this one) holds the directory. */
    public static Optional<DataDirLock> tryAcquire(NodeFiles files) throws IOException {
        Files.createDirectories(files.dataDir());
        FileChannel ch = FileChannel.open(files.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            return Optional.of(new DataDirLock(ch, l));
        } catch (OverlappingFileLockException e) {
            ch.close();
            return Optional.empty();
        }
    }

    /** True if a live process holds the data directory (probes by taking and releasing the lock). */
    public static boolean isHeld(NodeFiles files) {
        if (!Files.exists(files.lock())) return false;
        try {
            Optional<DataDirLock> probe = tryAcquire(files);
            probe.ifPresent(DataDirLock::close);
            return probe.isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS releases it with the process anyway
        }
    }
}
