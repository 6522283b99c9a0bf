package org.elohim.node.grpc;

import io.grpc.stub.StreamObserver;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.reach.Requester;

/**
 * A {@link SyncStreams} decorator that sees every Sync message passing each way (metrics,
 * benchmarks' byte and round-trip counters) without changing the conversation.
 */
public abstract class SyncStreamTap implements SyncStreams {
    private final SyncStreams delegate;

    protected SyncStreamTap(SyncStreams delegate) {
        this.delegate = delegate;
    }

    /** A device opened a Sync stream. */
    protected void onOpen(Requester requester) {
    }

    /** A message from the device, before the node handles it. */
    protected abstract void onFromDevice(SyncMessage m);

    /** A message from the node, before it is sent to the device. */
    protected abstract void onToDevice(SyncMessage m);

    @Override
    public final StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound) {
        onOpen(requester);
        StreamObserver<SyncMessage> inbound = delegate.open(requester, new Forwarding(outbound) {
            @Override
            public void onNext(SyncMessage m) {
                onToDevice(m);
                super.onNext(m);
            }
        });
        return new Forwarding(inbound) {
            @Override
            public void onNext(SyncMessage m) {
                onFromDevice(m);
                super.onNext(m);
            }
        };
    }

    private static class Forwarding extends ForwardingSyncObserver {
        Forwarding(StreamObserver<SyncMessage> target) {
            super(target);
        }
    }
}
