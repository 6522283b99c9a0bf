package org.elohim.bench.node;

import java.util.concurrent.atomic.AtomicLong;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.grpc.SyncStreamTap;
import org.elohim.node.grpc.SyncStreams;

/**
 * Counts the Sync protocol's messages and their protobuf bytes each way, and its round trips: a
 * round trip is a turn of the conversation, the node answering after the device spoke.
 */
final class CountingSyncStreams extends SyncStreamTap {
    final AtomicLong messagesUp = new AtomicLong();
    final AtomicLong messagesDown = new AtomicLong();
    final AtomicLong bytesUp = new AtomicLong();
    final AtomicLong bytesDown = new AtomicLong();
    final AtomicLong roundTrips = new AtomicLong();
    /** Message kinds in order of appearance, e.g. "up:hello down:hello down:events ..." (first 12 only). */
    final java.util.List<String> sequence = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    private final Object turnLock = new Object();
    private boolean deviceSpokeLast;

    CountingSyncStreams(SyncStreams delegate) {
        super(delegate);
    }

    void reset() {
        messagesUp.set(0);
        messagesDown.set(0);
        bytesUp.set(0);
        bytesDown.set(0);
        roundTrips.set(0);
        sequence.clear();
        synchronized (turnLock) {
            deviceSpokeLast = false;
        }
    }

    private void note(String direction, SyncMessage m) {
        if (sequence.size() < 12) sequence.add(direction + ":" + m.getBodyCase().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    protected void onToDevice(SyncMessage m) {
        messagesDown.incrementAndGet();
        bytesDown.addAndGet(m.getSerializedSize());
        note("down", m);
        synchronized (turnLock) {
            if (deviceSpokeLast) roundTrips.incrementAndGet();
            deviceSpokeLast = false;
        }
    }

    @Override
    protected void onFromDevice(SyncMessage m) {
        messagesUp.incrementAndGet();
        bytesUp.addAndGet(m.getSerializedSize());
        note("up", m);
        synchronized (turnLock) {
            deviceSpokeLast = true;
        }
    }
}
