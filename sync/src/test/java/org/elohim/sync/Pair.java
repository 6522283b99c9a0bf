package org.elohim.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.elohim.api.v1.EventKind;
import org.elohim.api.v1.SyncMessage;

/**
 * Two sessions over in-memory stores, everything on the test thread: one task queue is both
 * sessions' executor, messages wait in queues until delivered (within the granted window), the
 * clock is a number. Deterministic.
 */
final class Pair {
    final AtomicLong clock = new AtomicLong(1_000);
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    final End a;
    final End b;

    final class End implements SyncTransport {
        final String id;
        final InMemoryStore store;
        final ArrayDeque<SyncMessage> inbox = new ArrayDeque<>();
        final List<SyncMessage> received = new ArrayList<>();
        End peer;
        SyncSession session;
        int credits;
        boolean writable = true;
        SessionEnd end;
        Predicate<SyncMessage> drop = m -> false;

        End(String id, InMemoryStore store) {
            this.id = id;
            this.store = store;
        }

        @Override
        public void send(SyncMessage message) {
            peer.inbox.addLast(message);
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void request(int n) {
            credits += n;
        }

        @Override
        public void close(SessionEnd e) {
            end = e;
        }

        void open(SyncSession.Config config) {
            session = new SyncSession(store, SyncPolicy.trusting(EventKind.EVENT_KIND_NEW), config, clock::get, this,
                    tasks::add, null);
        }
    }

    Pair(InMemoryStore sa, InMemoryStore sb) {
        a = new End("a", sa);
        b = new End("b", sb);
        a.peer = b;
        b.peer = a;
        a.open(SyncSession.Config.defaults("a", "b").withBatching(2, 2).withTimeouts(1_000, 5_000));
        b.open(SyncSession.Config.defaults("b", "a").withBatching(2, 2).withTimeouts(1_000, 5_000));
    }

    Pair start() {
        a.session.start();
        b.session.start();
        run();
        return this;
    }

    /** Runs tasks and delivers granted messages until nothing moves. */
    void run() {
        for (int i = 0; i < 1_000_000; i++) {
            Runnable t = tasks.poll();
            if (t != null) {
                t.run();
                continue;
            }
            if (!deliver(a) && !deliver(b)) return;
        }
        throw new AssertionError("did not settle");
    }

    private boolean deliver(End to) {
        if (to.inbox.isEmpty() || to.credits == 0 || to.end != null) return false;
        SyncMessage m = to.inbox.pollFirst();
        if (to.drop.test(m)) return true;
        to.credits--;
        to.received.add(m);
        to.session.receive(m);
        return true;
    }

    boolean inSync() {
        return a.session.isInSync() && b.session.isInSync() && a.inbox.isEmpty() && b.inbox.isEmpty();
    }
}
