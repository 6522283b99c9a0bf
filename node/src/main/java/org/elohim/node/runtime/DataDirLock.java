package org.elohim.node.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/**
 * An exclusive OS lock on {@code node.lock}: one process per data directory. The OS drops it when
 * the process dies (even by kill -9), so a crashed node never leaves a stale lock behind.
 *
 * <p>The holder writes who it is into the file ({@code node 1234} or {@code cli 1234}): a CLI
 * command holds the directory for a moment and a starting node waits for it, while a command that
 * finds a node (starting or running) talks to that node instead of failing.
 */
public final class DataDirLock implements AutoCloseable {
    /** Who holds the directory. */
    public enum Role { NODE, CLI }

    /** What the lock file says about its holder; role empty when it says nothing readable. */
    public record Holder(Optional<Role> role, long pid) {
        public boolean isNode() {
            return role.orElse(null) == Role.NODE;
        }

        @Override
        public String toString() {
            String who = role.map(r -> r == Role.NODE ? "a node" : "another elohim command").orElse("another process");
            return pid > 0 ? who + " (pid " + pid + ")" : who;
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Empty if another process (or this one) holds the directory. Marks the holder as a CLI command. */
    public static Optional<DataDirLock> tryAcquire(NodeFiles files) throws IOException {
        return tryAcquire(files, Role.CLI);
    }

    /** Empty if another process (or this one) holds the directory; else holds it as {@code role}. */
    public static Optional<DataDirLock> tryAcquire(NodeFiles files, Role role) throws IOException {
        Files.createDirectories(files.dataDir());
        FileChannel ch = FileChannel.open(files.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                return Optional.empty();
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((role.name().toLowerCase(java.util.Locale.ROOT) + " "
                    + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return Optional.of(new DataDirLock(ch, l));
        } catch (OverlappingFileLockException e) {
            ch.close();
            return Optional.empty();
        }
    }

    /**
     * Takes the directory for a node: waits up to {@code patience} while a CLI command (or an
     * unidentified holder) has it, fails at once when a node has it.
     */
    public static DataDirLock acquireForNode(NodeFiles files, Duration patience) throws IOException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            Optional<DataDirLock> l = tryAcquire(files, Role.NODE);
            if (l.isPresent()) return l.get();
            Holder h = holder(files);
            if (h.isNode() && (h.pid() == ProcessHandle.current().pid() || isAlive(h.pid()))) {
                throw new NodeStartException("another node is running on " + files.dataDir().toAbsolutePath()
                        + (h.pid() > 0 ? " (pid " + h.pid() + ")" : ""));
            }
            if (System.nanoTime() > deadline) {
                throw new NodeStartException(files.dataDir().toAbsolutePath() + " is held by " + h + " (" + files.lock()
                        + " is locked)");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NodeStartException("interrupted while waiting for " + files.lock());
            }
        }
    }

    private static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Reads the holder written in the lock file (meaningful only while someone holds it). */
    public static Holder holder(NodeFiles files) {
        try {
            if (Files.size(files.lock()) > 100) return new Holder(Optional.empty(), 0);
            String[] s = Files.readString(files.lock(), StandardCharsets.US_ASCII).trim().split(" ");
            if (s.length != 2) return new Holder(Optional.empty(), 0);
            Optional<Role> role = switch (s[0]) {
                case "node" -> Optional.of(Role.NODE);
                case "cli" -> Optional.of(Role.CLI);
                default -> Optional.empty();
            };
            return new Holder(role, Long.parseLong(s[1]));
        } catch (IOException | NumberFormatException e) {
            return new Holder(Optional.empty(), 0);
        }
    }

    /** True if a live process holds the data directory (probes by taking and releasing the lock). */
    public static boolean isHeld(NodeFiles files) {
        if (!Files.exists(files.lock())) return false;
        try (FileChannel ch = FileChannel.open(files.lock(), StandardOpenOption.WRITE)) {
            // probe without rewriting the holder line: a lock we get is released at once
            FileLock l = ch.tryLock();
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
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
