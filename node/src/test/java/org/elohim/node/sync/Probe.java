package org.elohim.node.sync;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.SqliteDocumentService;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;

/** One engine session over a real store, driven message by message by the test, which sees what it sends. */
final class Probe {
    final SyncSession session;
    private final List<SyncMessage> out = new ArrayList<>();
    private long delivered;
    volatile SyncTransport.SessionEnd end;

    Probe(SqliteDocumentService docs, Requester peerAs, ReachEnforcer reach, SyncSession.Config config, AtomicLong clock) {
        session = NodeSessions.session(docs, peerAs, reach, config, clock::get, new SyncTransport() {
            @Override
            public void send(SyncMessage message) {
                synchronized (out) {
                    out.add(message);
                }
            }

            @Override
            public void close(SessionEnd e) {
                end = e;
            }
        });
    }

    Probe start() {
        session.start();
        await(() -> session.status().started() && session.status().settled());
        return this;
    }

    /** Delivers a message and waits until the session has done everything it causes. */
    Probe deliver(SyncMessage m) {
        session.receive(m);
        delivered++;
        await(() -> session.status().messagesIn() == delivered && session.status().settled());
        return this;
    }

    List<SyncMessage> out() {
        synchronized (out) {
            return new ArrayList<>(out);
        }
    }

    SyncMessage last() {
        synchronized (out) {
            return out.get(out.size() - 1);
        }
    }

    void clear() {
        synchronized (out) {
            out.clear();
        }
    }

    static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out");
            Link.sleepMillis(1);
        }
    }
}
