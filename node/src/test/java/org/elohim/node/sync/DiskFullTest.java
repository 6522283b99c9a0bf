package org.elohim.node.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.docs.DocumentInfo;
import org.elohim.node.reach.Reach;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.Docs;
import org.elohim.node.storage.SqliteDocumentService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's data directory on a real, small filesystem (a 1 MiB tmpfs) that fills up while a
 * device uploads: SQLite fails with "database or disk is full", the session ends with nothing
 * acknowledged past it, and once there is room again everything converges. Needs root to mount
 * the tmpfs; skipped (with the reason) otherwise.
 */
class DiskFullTest {
    private static final ReachEnforcer REACH = new ReachEnforcer(Set.of("alice")::contains);

    @TempDir
    Path tmp;

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static Set<String> ids(SqliteDocumentService s) {
        Set<String> out = new TreeSet<>();
        for (DocumentInfo i : s.list(null, 100_000, Optional.empty(), Optional.empty())) out.add(i.docId());
        return out;
    }

    @Test
    void aDiskThatFillsUpMidSyncEndsTheSessionUnacknowledgedAndAllConvergesWhenThereIsRoomAgain() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a small tmpfs");
        Path disk = tmp.resolve("small-disk");
        Files.createDirectories(disk);
        assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()) == 0,
                "mount -t tmpfs refused here");
        try {
            AtomicLong clock = new AtomicLong(1_000_000);
            SplittableRandom rnd = new SplittableRandom(5);
            try (SqliteDocumentService device = SqliteDocumentService.open(tmp.resolve("device"));
                 SqliteDocumentService node = SqliteDocumentService.open(disk.resolve("node"))) {
                for (int i = 0; i < 40; i++) {
                    StringBuilder text = new StringBuilder();
                    for (int j = 0; j < 30_000; j++) text.append((char) ('a' + rnd.nextInt(26)));
                    device.edit("d" + i, "alice", Reach.PRIVATE, d -> Docs.set(d, "text", text.toString()), "t").join();
                }
                Link l = new Link(new Link.Side(node, "node", new Requester.Device("phone", "alice")),
                        new Link.Side(device, "phone", new Requester.ClusterNode("node")), REACH, clock, 4, 2);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (l.ta.end == null && !l.inSync() && System.nanoTime() < deadline) {
                    if (!l.step()) Link.sleepMillis(1);
                }
                assertThat(l.ta.end).as("the node's session ended on the full disk").isNotNull();
                assertThat(l.ta.end.storageFailure()).isTrue();
                // SQLite rolls the transaction back itself on SQLITE_FULL; what reaches the session may be
                // that or the failed COMMIT after it: either way a storage failure, not bad input.
                assertThat(l.ta.end.reason()).startsWith("storage failure");
                // Every Ack the node sent covers only documents it stored, and so does its read position.
                long read = node.peerPositions().get("phone").read().seq();
                List<SyncMessage> acks = l.seenByB.stream().filter(SyncMessage::hasAck).toList();
                for (SyncMessage a : acks) assertThat(a.getAck().getPosition().getSeq()).isLessThanOrEqualTo(read);
                for (var e : device.rawEventsSince(0, 1000)) {
                    if (e.seq() <= read) assertThat(node.info(e.docId())).as("acknowledged %s", e.docId()).isPresent();
                }
                assertThat(ids(node)).hasSizeLessThan(40);
                l.cut();

                assertThat(run("mount", "-o", "remount,size=64m", disk.toString())).isZero();
                Link again = new Link(new Link.Side(node, "node", new Requester.Device("phone", "alice")),
                        new Link.Side(device, "phone", new Requester.ClusterNode("node")), REACH, clock, 4, 2);
                again.runUntilInSync(Duration.ofSeconds(60));
                again.cut();
                assertThat(ids(node)).isEqualTo(ids(device));
                assertThat(node.peerPositions().get("phone").read()).isEqualTo(device.position());
            }
        } finally {
            if (run("umount", disk.toString()) != 0) run("umount", "-l", disk.toString());
        }
    }
}
