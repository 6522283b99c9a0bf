package org.elohim.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.elohim.node.reach.Reach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sync stream cut at arbitrary points (a TCP proxy closes the connection after a random number
 * of bytes) resumes from the durable positions on both sides and converges.
 */
class CutStreamTest {
    private static final int NODE_DOCS = 600;
    private static final int DEVICE_DOCS = 150;

    @TempDir
    Path dir;
    private TestNode node;
    private ElohimClient phone;
    private CuttingProxy proxy;

    @BeforeEach
    void start() throws Exception {
        node = new TestNode(dir.resolve("node"));
        proxy = new CuttingProxy(node.port());
    }

    @AfterEach
    void stop() throws Exception {
        if (phone != null) phone.close();
        proxy.close();
        node.close();
    }

    @ParameterizedTest
    @ValueSource(longs = {21, 22, 23})
    void cutStreamsResumeAndConverge(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        // In groups well below the node's cache size: more pending writes than that trip a cache
        // eviction problem in the storage engine (reported separately).
        for (int from = 0; from < NODE_DOCS; from += 50) {
            List<java.util.concurrent.CompletableFuture<?>> writes = new ArrayList<>();
            for (int i = from; i < Math.min(NODE_DOCS, from + 50); i++) {
                writes.add(node.putAsync(String.format("node-%04d", i), "alice", Reach.PRIVATE, "n", "v" + i));
            }
            writes.forEach(java.util.concurrent.CompletableFuture::join);
        }
        phone = ElohimClient.open(dir.resolve("phone")).connect("127.0.0.1", node.port());
        phone.pair(node.token("alice"), "phone");
        for (int i = 0; i < DEVICE_DOCS; i++) phone.edit(String.format("dev-%04d", i), Docs.set("d", "v" + i));
        String deviceId = phone.deviceId().orElseThrow();

        phone.connect("127.0.0.1", proxy.port());
        List<Long> readAfterCuts = new ArrayList<>();
        List<Long> nodeReadAfterCuts = new ArrayList<>();
        int cuts = 0;
        boolean done = false;
        for (int attempt = 0; attempt < 60 && !done; attempt++) {
            proxy.cutAfterBytes.set(60_000L + attempt * 25_000L + random.nextInt(25_000));
            try {
                phone.sync(Duration.ofSeconds(15));
                done = true;
            } catch (ClientException e) {
                cuts++;
                readAfterCuts.add(phone.nodePositions().read().seq());
                nodeReadAfterCuts.add(node.docs.peerPositions().get(deviceId).read().seq());
            }
        }
        assertThat(done).as("converged through the cutting proxy").isTrue();
        assertThat(cuts).as("the stream was cut").isPositive();
        // Durable positions only move forward, and some progress survived a cut (resumption, not restart).
        assertThat(readAfterCuts).isSorted();
        assertThat(nodeReadAfterCuts).isSorted();
        assertThat(readAfterCuts.get(readAfterCuts.size() - 1) + nodeReadAfterCuts.get(nodeReadAfterCuts.size() - 1))
                .as("positions persisted before the last cut").isPositive();

        assertThat(phone.list()).hasSize(NODE_DOCS + DEVICE_DOCS);
        assertThat(node.docs.count()).isEqualTo(NODE_DOCS + DEVICE_DOCS);
        for (LocalDocument d : phone.list()) {
            assertThat(Docs.headsKey(d.heads())).as(d.docId()).isEqualTo(Docs.headsKey(node.docs.info(d.docId()).orElseThrow().heads()));
        }
        assertThat(phone.read("node-0123", Docs::contents).orElseThrow()).containsEntry("n", "v123");
        assertThat(node.value("dev-0077", "d")).contains("v77");
    }
}
