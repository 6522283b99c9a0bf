package org.elohim.node.sync;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.SqliteDocumentService;

/**
 * Two sessions wired back to back over in-memory queues (messages go through protobuf bytes, as
 * on a wire). The test thread delivers messages one at a time, so it can cut the "stream" at any
 * message, drop messages, or advance the fake clock.
 */
final class Link {
    /** One end: its store, its id, and what it knows (proved) about the other end. */
    record Side(SqliteDocumentService docs, String id, Requester peerAs) {
    }

    final AtomicLong clock;
    final SyncSession a;
    final SyncSession b;
    final ConcurrentLinkedQueue<SyncMessage> toB = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<SyncMessage> toA = new ConcurrentLinkedQueue<>();
    final List<SyncMessage> seenByA = new ArrayList<>();
    final List<SyncMessage> seenByB = new ArrayList<>();
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    Predicate<SyncMessage> dropToA = m -> false;
    Predicate<SyncMessage> dropToB = m -> false;
    long delivered;

    Link(Side sa, Side sb, ReachEnforcer reach, AtomicLong clock, int eventsPerBatch, int inFlight) {
        this(sa, sb, reach, clock, eventsPerBatch, inFlight, SyncSession.DEFAULT_MAX_MESSAGE_BYTES);
    }

    Link(Side sa, Side sb, ReachEnforcer reach, AtomicLong clock, int eventsPerBatch, int inFlight, int maxBytes) {
        this.clock = clock;
        this.a = new SyncSession(sa.docs(), sa.docs().peerPositions(), sa.peerAs(), reach,
                SyncSession.Config.defaults(sa.id(), sb.id()).withBatching(eventsPerBatch, inFlight)
                        .withTimeouts(1_000, 5_000).withMaxMessageBytes(maxBytes), clock::get, toB::add);
        this.b = new SyncSession(sb.docs(), sb.docs().peerPositions(), sb.peerAs(), reach,
                SyncSession.Config.defaults(sb.id(), sa.id()).withBatching(eventsPerBatch, inFlight)
                        .withTimeouts(1_000, 5_000).withMaxMessageBytes(maxBytes), clock::get, toA::add);
        subscriptions.add(sa.docs().subscribe(a::onDocumentChange));
        subscriptions.add(sb.docs().subscribe(b::onDocumentChange));
        a.start();
        b.start();
    }

    static SyncMessage wire(SyncMessage m) {
        try {
            return SyncMessage.parseFrom(m.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    /** Delivers one queued message (alternating directions); false if both queues were empty. */
    boolean step() {
        boolean any = false;
        SyncMessage m = toB.poll();
        if (m != null) {
            any = true;
            if (!dropToB.test(m)) {
                seenByB.add(m);
                b.onMessage(wire(m));
            }
            delivered++;
        }
        m = toA.poll();
        if (m != null) {
            any = true;
            if (!dropToA.test(m)) {
                seenByA.add(m);
                a.onMessage(wire(m));
            }
            delivered++;
        }
        return any;
    }

    /** Delivers until both sessions are in sync (bounded by time); ticks the clock when idle. */
    void runUntilInSync(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        int idle = 0;
        while (System.nanoTime() < deadline) {
            if (step()) {
                idle = 0;
                continue;
            }
            if (a.isInSync() && b.isInSync() && toA.isEmpty() && toB.isEmpty()) return;
            if (++idle % 200 == 0) { // nothing moving: let the timeouts fire
                clock.addAndGet(10_000);
                a.tick();
                b.tick();
            }
            sleepMillis(1);
        }
        throw new AssertionError("not in sync after " + max + ": a=" + a.status() + " b=" + b.status());
    }

    /** Delivers up to n messages (waiting briefly for async work), then cuts the link. */
    void runThenCut(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int done = 0;
        while (done < n && System.nanoTime() < deadline) {
            if (step()) {
                done++;
            } else if (a.isInSync() && b.isInSync()) {
                break;
            } else {
                sleepMillis(1);
            }
        }
        cut();
    }

    /** The stream breaks: both sessions stop, whatever was in flight is lost. */
    void cut() {
        a.close();
        b.close();
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        toA.clear();
        toB.clear();
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
