package org.elohim.node.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The highest committed seq of the stream and its epoch, in {@code node.db.seq}, rewritten in place
 * after commits without fsync (see {@link StreamEpoch}): cheap, survives a process crash, and after
 * a power loss may only lag. Compared at the next open to notice a stream that went back.
 */
final class StreamWatermark implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamWatermark.class);
    private static final int SIZE = 40;

    private final FileChannel channel;
    private long epoch;
    private long written = -1;

    private StreamWatermark(FileChannel channel, long epoch) {
        this.channel = channel;
        this.epoch = epoch;
    }

    static StreamWatermark open(Path file, long epoch, long seq) {
        try {
            StreamWatermark w = new StreamWatermark(FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE), epoch);
            w.committed(epoch, seq);
            return w;
        } catch (IOException e) {
            throw new StorageException("cannot open " + file, e);
        }
    }

    /** After a commit of {@code seq} in {@code epoch}. */
    synchronized void committed(long epoch, long seq) {
        if (epoch == this.epoch && seq <= written) return;
        if (epoch != this.epoch) written = -1;
        this.epoch = epoch;
        String text = Long.toUnsignedString(epoch, 16) + " " + seq;
        byte[] line = String.format("%-" + (SIZE - 1) + "s\n", text).getBytes(StandardCharsets.US_ASCII);
        try {
            channel.write(ByteBuffer.wrap(line), 0);
            written = seq;
        } catch (IOException e) {
            log.debug("could not update the stream watermark", e);
        }
    }

    /** {@code [epoch, seq]} if the file exists and parses. */
    static Optional<long[]> read(Path file) {
        try {
            if (!Files.exists(file)) return Optional.empty();
            String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split("\\s+");
            if (parts.length != 2) return Optional.empty();
            return Optional.of(new long[] {Long.parseUnsignedLong(parts[0], 16), Long.parseLong(parts[1])});
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
