package org.elohim.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer's queue is bounded: past the bound a write is refused at once as busy, nothing of it stored. */
class DatabaseBusyTest {
    @TempDir
    Path dir;

    @Test
    void writesBeyondTheQueueBoundAreRefusedAsBusyAndTheRestCommit() throws Exception {
        try (Database db = Database.open(dir, 1, null, 8)) {
            db.migrate("busy_test", List.of("CREATE TABLE t(n INTEGER)"));
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // Holds the writer thread, as a slow disk would.
            CompletableFuture<Object> blocker = db.write(c -> {
                started.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<Object>> writes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                writes.add(db.write(c -> {
                    try (var ps = c.prepareStatement("INSERT INTO t(n) VALUES(?)")) {
                        ps.setInt(1, n);
                        ps.executeUpdate();
                    }
                    return null;
                }));
            }
            List<CompletableFuture<Object>> refused = writes.stream().filter(CompletableFuture::isCompletedExceptionally).toList();
            assertThat(refused).hasSize(12);
            assertThat(refused).allSatisfy(f -> assertThat(f).failsWithin(Duration.ZERO)
                    .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                    .withCauseInstanceOf(StorageBusyException.class));
            assertThat(db.stats().busyRejections()).isEqualTo(12);
            release.countDown();
            blocker.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<Object> f : writes) if (!refused.contains(f)) f.get(10, TimeUnit.SECONDS);
            long rows = db.read(c -> {
                try (var ps = c.prepareStatement("SELECT COUNT(*) FROM t"); var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertThat(rows).isEqualTo(8);
        }
    }
}
