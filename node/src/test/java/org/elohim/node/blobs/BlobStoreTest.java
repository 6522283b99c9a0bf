package org.elohim.node.blobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.elohim.node.reach.Reach;
import org.elohim.node.storage.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store on a real data directory: SQLite file, chunk and manifest files. */
class BlobStoreTest {
    static final int C = Manifest.CHUNK_SIZE;

    @TempDir
    Path dir;
    Database db;
    final AtomicLong now = new AtomicLong(System.currentTimeMillis());
    BlobStore store;

    @BeforeEach
    void open() {
        db = Database.open(dir);
        store = open(new BlobStore.Options(0, Duration.ofHours(1)));
    }

    BlobStore open(BlobStore.Options options) {
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        return BlobStore.open(dir, db, options, clock);
    }

    @AfterEach
    void close() {
        db.close();
    }

    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static BlobId idOf(byte[] data) {
        return BlobId.of(BlobId.sha256().digest(data));
    }

    BlobInfo put(String owner, byte[] data, Optional<BlobId> expected, int piece) {
        try (BlobUpload u = store.beginUpload(owner, expected, expected.isPresent() ? data.length : -1, "image/jpeg",
                Reach.FAMILY)) {
            for (int off = 0; off < data.length; off += piece) u.write(off, data, off, Math.min(piece, data.length - off));
            return u.finish();
        }
    }

    byte[] read(BlobId id) throws IOException {
        try (BlobReader r = store.open(id).orElseThrow(); InputStream in = r.stream(0, Long.MAX_VALUE)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, C - 1, C, C + 1, 3 * C + C / 2})
    void storesAndReadsBackAnySize(int size) throws IOException {
        byte[] data = random(size, size);
        BlobInfo info = put("alice", data, Optional.empty(), 100_003);
        assertThat(info.id()).isEqualTo(idOf(data));
        assertThat(info.size()).isEqualTo(size);
        assertThat(info.chunkCount()).isEqualTo(Manifest.chunkCount(size));
        assertThat(info.contentType()).isEqualTo("image/jpeg");
        assertThat(read(info.id())).isEqualTo(data);
        // ranged reads
        if (size > 10) {
            try (BlobReader r = store.open(info.id()).orElseThrow(); InputStream in = r.stream(size / 3, size / 2)) {
                assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(data, size / 3, size / 3 + size / 2));
            }
        }
    }

    @Test
    void identicalChunksAreStoredOnce() throws IOException {
        byte[] shared = random(1, 2 * C);
        byte[] a = concat(shared, random(2, 100));
        byte[] b = concat(shared, random(3, 200));
        put("alice", a, Optional.empty(), C);
        put("bob", b, Optional.of(idOf(b)), 70_000);
        put("bob", b, Optional.of(idOf(b)), 70_000);
        // 2 shared + 1 tail each
        assertThat(chunkFiles()).isEqualTo(4);
        assertThat(read(idOf(a))).isEqualTo(a);
        assertThat(read(idOf(b))).isEqualTo(b);
        assertThat(store.count()).isEqualTo(2);
    }

    long chunkFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir.resolve("blobs/chunks"))) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    static byte[] concat(byte[] x, byte[] y) {
        byte[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    @Test
    void wrongHashOrSizeLeavesNothingVisible() {
        byte[] data = random(4, C + 10);
        BlobId claimed = idOf(random(5, C + 10));
        assertThatThrownBy(() -> put("alice", data, Optional.of(claimed), 4096))
                .isInstanceOf(BlobRejected.class).extracting(e -> ((BlobRejected) e).reason())
                .isEqualTo(BlobRejected.Reason.HASH_MISMATCH);
        assertThat(store.info(claimed)).isEmpty();
        assertThat(store.info(idOf(data))).isEmpty();
        assertThat(store.uploadState("alice", claimed).chunks()).isEmpty();

        try (BlobUpload u = store.beginUpload("alice", Optional.of(idOf(data)), data.length, "", Reach.PRIVATE)) {
            u.write(0, data, 0, 100);
            assertThatThrownBy(u::finish).isInstanceOf(BlobRejected.class);
        }
        assertThat(store.info(idOf(data))).isEmpty();
        try (BlobUpload u = store.beginUpload("alice", Optional.of(idOf(data)), 10, "", Reach.PRIVATE)) {
            assertThatThrownBy(() -> u.write(0, data, 0, 11)).isInstanceOf(BlobRejected.class);
        }
    }

    @Test
    void anInterruptedUploadResumesFromTheChunksItStored() throws IOException {
        byte[] data = random(6, 5 * C + 123);
        BlobId id = idOf(data);
        try (BlobUpload u = store.beginUpload("alice", Optional.of(id), data.length, "video/mp4", Reach.PRIVATE)) {
            u.write(0, data, 0, 3 * C + 500); // then the connection drops
        }
        assertThat(store.info(id)).isEmpty();
        assertThat(store.uploadState("alice", id).chunks()).containsExactly(0, 1, 2);
        // Another owner cannot learn or use what alice sent.
        assertThat(store.uploadState("bob", id).chunks()).isEmpty();
        try (BlobUpload u = store.beginUpload("bob", Optional.of(id), data.length, "", Reach.PRIVATE)) {
            assertThatThrownBy(() -> u.write(3L * C, data, 3 * C, 10)).isInstanceOf(BlobRejected.class);
        }

        try (BlobUpload u = store.beginUpload("alice", Optional.of(id), data.length, "video/mp4", Reach.PRIVATE)) {
            // Skipping inside a chunk or past a missing chunk is refused.
            assertThatThrownBy(() -> u.write(4L * C, data, 4 * C, 10)).isInstanceOf(BlobRejected.class);
        }
        try (BlobUpload u = store.beginUpload("alice", Optional.of(id), data.length, "video/mp4", Reach.PRIVATE)) {
            u.write(3L * C, data, 3 * C, data.length - 3 * C);
            BlobInfo info = u.finish();
            assertThat(info.id()).isEqualTo(id);
        }
        assertThat(read(id)).isEqualTo(data);
        assertThat(store.uploadState("alice", id).complete()).isTrue();
    }

    @Test
    void quotaCountsStoredBlobsAndUploadsInProgress() {
        BlobStore small = open(new BlobStore.Options(3L * C, Duration.ofHours(1)));
        store = small;
        put("alice", random(7, 2 * C), Optional.empty(), C);
        byte[] big = random(8, 2 * C);
        assertThatThrownBy(() -> store.beginUpload("alice", Optional.of(idOf(big)), big.length, "", Reach.PRIVATE))
                .isInstanceOf(BlobRejected.class).extracting(e -> ((BlobRejected) e).reason())
                .isEqualTo(BlobRejected.Reason.QUOTA_EXCEEDED);
        // Undeclared size: refused at the end, and nothing becomes visible.
        assertThatThrownBy(() -> put("alice", big, Optional.empty(), C)).isInstanceOf(BlobRejected.class);
        assertThat(store.info(idOf(big))).isEmpty();
        // Another owner has their own quota.
        put("bob", big, Optional.empty(), C);
        assertThat(store.usage("alice")).isEqualTo(2L * C);
    }

    @Test
    void collectionRemovesOnlyUnreferencedBlobsPastTheGracePeriod() throws IOException {
        byte[] kept = random(9, C + 1);
        byte[] dropped = random(10, C + 2);
        BlobId keptId = put("alice", kept, Optional.empty(), C).id();
        BlobId droppedId = put("alice", dropped, Optional.empty(), C).id();
        try (BlobUpload u = store.beginUpload("alice", Optional.of(idOf(random(11, 3 * C))), 3 * C, "", Reach.PRIVATE)) {
            u.write(0, random(11, 3 * C), 0, C);
        }
        store.replaceReferences("album", Map.of(keptId, "image/png"));

        assertThat(store.collect()).isEqualTo(new BlobStore.Collected(0, 0, 0, 0)); // within grace
        now.addAndGet(Duration.ofHours(2).toMillis());
        BlobStore.Collected c = store.collect();
        assertThat(c.blobs()).isEqualTo(1);
        assertThat(c.uploads()).isEqualTo(1);
        assertThat(store.info(droppedId)).isEmpty();
        assertThat(store.open(droppedId)).isEmpty();
        assertThat(read(keptId)).isEqualTo(kept);
        assertThat(chunkFiles()).isEqualTo(2); // only the kept blob's chunks
        assertThat(store.info(keptId).orElseThrow().contentType()).isEqualTo("image/jpeg");
    }

    @Test
    void stagingLeftoversAreRemovedAtOpen() throws IOException {
        Path leftover = dir.resolve("blobs/staging/crashed.tmp");
        Files.writeString(leftover, "half a chunk");
        open(BlobStore.Options.defaults());
        assertThat(leftover).doesNotExist();
    }

    @Test
    void concurrentUploadsOfTheSameContentDedupe() throws Exception {
        byte[] data = random(12, 4 * C + 7);
        List<Thread> threads = new java.util.ArrayList<>();
        List<BlobInfo> results = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        for (String owner : List.of("alice", "bob", "carol", "alice")) {
            Thread t = new Thread(() -> results.add(put(owner, data, Optional.of(idOf(data)), 50_000)));
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        assertThat(results).hasSize(4).allMatch(i -> i.id().equals(idOf(data)));
        assertThat(chunkFiles()).isEqualTo(5);
        assertThat(store.owners(idOf(data))).extracting(BlobOwnership::owner).containsExactly("alice", "bob", "carol");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(read(idOf(data)));
        assertThat(out.toByteArray()).isEqualTo(data);
    }
}
