package org.elohim.node.sync;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;

/**
 * Two engine sessions wired back to back over in-memory queues (messages go through protobuf
 * bytes, as on a wire), with the engine's inbound flow control: a message is delivered only when
 * the receiving session has granted it. The test thread delivers messages one at a time, so it can
 * cut the "stream" at any message, drop messages, or advance the fake clock.
 */
final class Link {
    /** One end: its store, its id, and what it knows (proved) about the other end. */
    record Side(SqliteDocumentService docs, String id, Requester peerAs) {
    }

    /** One session's transport: what it sends goes to the other side's queue. */
    static final class QueueTransport implements SyncTransport {
        final ConcurrentLinkedQueue<SyncMessage> out;
        final AtomicInteger credits = new AtomicInteger();
        volatile SessionEnd end;

        QueueTransport(ConcurrentLinkedQueue<SyncMessage> out) {
            this.out = out;
        }

        @Override
        public void send(SyncMessage message) {
            out.add(message);
        }

        @Override
        public void request(int n) {
            credits.addAndGet(n);
        }

        @Override
        public void close(SessionEnd end) {
            this.end = end;
        }
    }

    final AtomicLong clock;
    final SyncSession a;
    final SyncSession b;
    final ConcurrentLinkedQueue<SyncMessage> toB = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<SyncMessage> toA = new ConcurrentLinkedQueue<>();
    final QueueTransport ta = new QueueTransport(toB);
    final QueueTransport tb = new QueueTransport(toA);
    final List<SyncMessage> seenByA = Collections.synchronizedList(new ArrayList<>());
    final List<SyncMessage> seenByB = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    Predicate<SyncMessage> dropToA = m -> false;
    Predicate<SyncMessage> dropToB = m -> false;
    long delivered;

    Link(Side sa, Side sb, ReachEnforcer reach, AtomicLong clock, int eventsPerBatch, int inFlight) {
        this(sa, sb, reach, clock, eventsPerBatch, inFlight, SyncSession.DEFAULT_MAX_MESSAGE_BYTES);
    }

    Link(Side sa, Side sb, ReachEnforcer reach, AtomicLong clock, int eventsPerBatch, int inFlight, int maxBytes) {
        this.clock = clock;
        this.a = NodeSessions.session(sa.docs(), sa.peerAs(), reach, SyncSession.Config.defaults(sa.id(), sb.id())
                .withBatching(eventsPerBatch, inFlight).withTimeouts(1_000, 5_000).withMaxMessageBytes(maxBytes),
                clock::get, ta);
        this.b = NodeSessions.session(sb.docs(), sb.peerAs(), reach, SyncSession.Config.defaults(sb.id(), sa.id())
                .withBatching(eventsPerBatch, inFlight).withTimeouts(1_000, 5_000).withMaxMessageBytes(maxBytes),
                clock::get, tb);
        subscriptions.add(sa.docs().subscribe(c -> a.onLocalCommit(c.seq())));
        subscriptions.add(sb.docs().subscribe(c -> b.onLocalCommit(c.seq())));
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

    /** Delivers one queued message each way, if granted; false if nothing could be delivered. */
    boolean step() {
        boolean any = false;
        if (tb.credits.get() > 0) {
            SyncMessage m = toB.poll();
            if (m != null) {
                any = true;
                if (!dropToB.test(m)) {
                    tb.credits.decrementAndGet();
                    seenByB.add(m);
                    b.receive(wire(m));
                }
                delivered++;
            }
        }
        if (ta.credits.get() > 0) {
            SyncMessage m = toA.poll();
            if (m != null) {
                any = true;
                if (!dropToA.test(m)) {
                    ta.credits.decrementAndGet();
                    seenByA.add(m);
                    a.receive(wire(m));
                }
                delivered++;
            }
        }
        return any;
    }

    boolean inSync() {
        return a.isInSync() && b.isInSync() && toA.isEmpty() && toB.isEmpty();
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
            if (inSync()) return;
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
            } else if (inSync()) {
                break;
            } else {
                sleepMillis(1);
            }
        }
        cut();
    }

    /** The stream breaks: both sessions stop, whatever was in flight is lost. */
    void cut() {
        a.close("cut");
        b.close("cut");
        for (AutoCloseable s : subscriptions) {
            try {
                s.close();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        // Let both sessions see the close before their stores may be closed.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(a.status().ended() && b.status().ended() && a.status().storageOps() == 0
                && b.status().storageOps() == 0) && System.nanoTime() < deadline) {
            sleepMillis(1);
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
