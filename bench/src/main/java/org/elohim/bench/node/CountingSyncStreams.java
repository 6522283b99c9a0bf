package org.elohim.bench.node;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicLong;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.grpc.SyncStreams;
import org.elohim.node.reach.Requester;

/**
 * Counts the Sync protocol's messages and their protobuf bytes each way, and its round trips: a
 * round trip is a turn of the conversation, the node answering after the device spoke.
 */
final class CountingSyncStreams implements SyncStreams {
    private final SyncStreams delegate;
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
        this.delegate = delegate;
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
    public StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound) {
        StreamObserver<SyncMessage> inbound = delegate.open(requester, new StreamObserver<>() {
            @Override
            public void onNext(SyncMessage m) {
                messagesDown.incrementAndGet();
                bytesDown.addAndGet(m.getSerializedSize());
                note("down", m);
                synchronized (turnLock) {
                    if (deviceSpokeLast) roundTrips.incrementAndGet();
                    deviceSpokeLast = false;
                }
                outbound.onNext(m);
            }

            @Override
            public void onError(Throwable t) {
                outbound.onError(t);
            }

            @Override
            public void onCompleted() {
                outbound.onCompleted();
            }
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(SyncMessage m) {
                messagesUp.incrementAndGet();
                bytesUp.addAndGet(m.getSerializedSize());
                note("up", m);
                synchronized (turnLock) {
                    deviceSpokeLast = true;
                }
                inbound.onNext(m);
            }

            @Override
            public void onError(Throwable t) {
                inbound.onError(t);
            }

            @Override
            public void onCompleted() {
                inbound.onCompleted();
            }
        };
    }
}
