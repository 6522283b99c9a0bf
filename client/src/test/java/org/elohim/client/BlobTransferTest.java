package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDK's blob transfers against a real node over real sockets, with real files. */
class BlobTransferTest {
    static final int C = BlobTransfer.CHUNK_SIZE;

    @TempDir
    Path dir;
    ElohimClient phone;
    CuttingProxy proxy;

    @AfterEach
    void stop() throws IOException {
        if (phone != null) phone.close();
        if (proxy != null) proxy.close();
    }

    static Path randomFile(Path file, long size, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
        return file;
    }

    ElohimClient paired(String dirName, int port, String token) {
        ElohimClient c = ElohimClient.open(dir.resolve(dirName)).connect("127.0.0.1", port);
        c.pair(token, dirName);
        return c;
    }

    @Test
    void putAndGetWithProgressAndAStream() throws Exception {
        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir.resolve("node")))) {
            phone = paired("phone", node.ports().grpc(), node.storage().pairing().createToken("alice",
                    java.time.Duration.ofMinutes(5)));
            Path file = randomFile(dir.resolve("clip.mp4"), 5L * C + 12345, 1);
            AtomicLong lastProgress = new AtomicLong();
            BlobTransfer.Uploaded up = phone.blobs().putBlob(file, "video/mp4", Reach.FAMILY,
                    (done, total) -> lastProgress.set(done));
            assertThat(up.id()).isEqualTo(BlobTransfer.idOf(file));
            assertThat(up.size()).isEqualTo(Files.size(file));
            assertThat(up.cid()).startsWith("bafkrei");
            assertThat(lastProgress.get()).isEqualTo(Files.size(file));
            Path back = dir.resolve("back.mp4");
            try (OutputStream out = Files.newOutputStream(back)) {
                assertThat(phone.blobs().getBlob(up.id(), out, null)).isEqualTo(Files.size(file));
            }
            assertThat(Files.mismatch(file, back)).isEqualTo(-1);
            // The same file again: the node already has every chunk.
            assertThat(phone.blobs().putBlob(file, "video/mp4", Reach.FAMILY, null).created()).isFalse();

            byte[] small = "a note".getBytes();
            BlobTransfer.Uploaded s = phone.blobs().putBlob(new ByteArrayInputStream(small), "text/plain", null, null);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            phone.blobs().getBlob(s.id(), out, null);
            assertThat(out.toByteArray()).isEqualTo(small);

            assertThatThrownBy(() -> phone.blobs().getBlob("sha256-" + "0".repeat(64), new ByteArrayOutputStream(), null))
                    .isInstanceOf(ClientException.class).hasMessageContaining("NOT_FOUND");
        }
    }

    /**
     * Every connection is cut (by a TCP proxy) before the blob is through, at a random byte
     * offset: the transfer can only complete by resuming where the last connection stopped.
     */
    @ParameterizedTest
    @ValueSource(longs = {7, 8})
    @Timeout(180)
    void transfersCutAtRandomOffsetsResume(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        try (ElohimNodeRuntime node = ElohimNodeRuntime.start(NodeConfig.ephemeral(dir.resolve("node")))) {
            String token = node.storage().pairing().createToken("alice", java.time.Duration.ofMinutes(5));
            proxy = new CuttingProxy(node.ports().grpc());
            phone = paired("phone", node.ports().grpc(), token);
            phone.connect("127.0.0.1", proxy.port());
            long size = 12L * C + 777;
            Path file = randomFile(dir.resolve("movie.bin"), size, seed);
            Runnable newCut = () -> proxy.cutAfterBytes.set(2L * C + random.nextLong(3L * C));
            newCut.run();
            Thread cutter = new Thread(() -> {
                // Each new connection gets a new random cut below the blob's size.
                while (!Thread.currentThread().isInterrupted()) {
                    long cuts = proxy.cuts.get();
                    while (proxy.cuts.get() == cuts && !Thread.currentThread().isInterrupted()) Thread.onSpinWait();
                    newCut.run();
                }
            });
            cutter.setDaemon(true);
            cutter.start();
            try {
                BlobTransfer t = phone.blobs().maxAttempts(40);
                BlobTransfer.Uploaded up = t.putBlob(file, null, Reach.PRIVATE, null);
                assertThat(up.id()).isEqualTo(BlobTransfer.idOf(file));
                long cutsAfterUpload = proxy.cuts.get();
                assertThat(cutsAfterUpload).as("the upload was cut").isGreaterThanOrEqualTo(3);
                Path back = dir.resolve("back.bin");
                try (OutputStream out = Files.newOutputStream(back)) {
                    t.getBlob(up.id(), out, null); // verified against the id
                }
                assertThat(proxy.cuts.get()).as("the download was cut").isGreaterThan(cutsAfterUpload);
                assertThat(Files.mismatch(file, back)).isEqualTo(-1);
            } finally {
                cutter.interrupt();
            }
        }
    }

    /**
     * A 128 MiB blob up and down through a node running in its own JVM; the node's resident
     * memory (VmRSS) is sampled throughout and must not grow by anything like the blob's size.
     */
    @Test
    @Timeout(300)
    void memoryStaysFlat128MiB() throws Exception {
        transferMeasuringRss(128L << 20, 96L << 10);
    }

    @Test
    @Tag("slow")
    @Timeout(1800)
    void memoryStaysFlat1GiB() throws Exception {
        transferMeasuringRss(1L << 30, 128L << 10);
    }

    private void transferMeasuringRss(long size, long maxGrowthKib) throws Exception {
        Path data = dir.resolve("node");
        String token = ChildNode.token(data, "alice");
        try (ChildNode node = ChildNode.start(data)) {
            phone = paired("phone", node.grpcPort(), token);
            Path file = randomFile(dir.resolve("big.bin"), size, 3);
            // Warm up the paths once (class loading, gRPC buffers), then measure.
            phone.blobs().putBlob(randomFile(dir.resolve("warm.bin"), 4L * C, 4), null, null, null);
            Thread.sleep(300);
            long baseline = node.rssKib().orElseThrow();
            node.resetPeak();
            long t0 = System.nanoTime();
            BlobTransfer.Uploaded up = phone.blobs().putBlob(file, null, null, null);
            long t1 = System.nanoTime();
            long peakUp = node.peakRssKib();
            Path back = dir.resolve("big.back");
            try (OutputStream out = Files.newOutputStream(back)) {
                phone.blobs().getBlob(up.id(), out, null);
            }
            long t2 = System.nanoTime();
            long peak = node.peakRssKib();
            assertThat(Files.mismatch(file, back)).isEqualTo(-1);
            System.out.printf("blob %d MiB: node RSS baseline %d MiB, peak during upload %d MiB, during both %d MiB;"
                            + " upload %.0f MiB/s, download %.0f MiB/s%n", size >> 20, baseline >> 10, peakUp >> 10,
                    peak >> 10, (size / 1048576.0) / ((t1 - t0) / 1e9), (size / 1048576.0) / ((t2 - t1) / 1e9));
            assertThat(peak - baseline).as("node RSS growth (KiB) while moving %d MiB", size >> 20)
                    .isLessThan(maxGrowthKib);
        }
    }
}
