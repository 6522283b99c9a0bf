package org.elohim.node.runtime;

import io.grpc.stub.StreamObserver;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.grpc.SyncStreams;
import org.elohim.node.http.SyncPeers;
import org.elohim.node.reach.Requester;

/** Wraps the Sync stream service to know which devices have a stream open right now (for /sync/peers). */
final class LiveSyncPeers implements SyncStreams, SyncPeers {
    private final SyncStreams delegate;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    LiveSyncPeers(SyncStreams delegate) {
        this.delegate = delegate;
    }

    @Override
    public Set<String> connected() {
        return Set.copyOf(open.keySet());
    }

    @Override
    public StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound) {
        if (!(requester instanceof Requester.Device device)) return delegate.open(requester, outbound);
        String id = device.deviceId();
        open.merge(id, 1, Integer::sum);
        AtomicBoolean ended = new AtomicBoolean();
        Runnable end = () -> {
            if (ended.compareAndSet(false, true)) open.computeIfPresent(id, (k, n) -> n <= 1 ? null : n - 1);
        };
        StreamObserver<SyncMessage> inbound = delegate.open(requester, new org.elohim.node.grpc.ForwardingSyncObserver(outbound) {
            @Override
            public void onError(Throwable t) {
                end.run();
                outbound.onError(t);
            }

            @Override
            public void onCompleted() {
                end.run();
                outbound.onCompleted();
            }
        });
        return new StreamObserver<>() {
            @Override
            public void onNext(SyncMessage value) {
                inbound.onNext(value);
            }

            @Override
            public void onError(Throwable t) {
                end.run();
                inbound.onError(t);
            }

            @Override
            public void onCompleted() {
                end.run();
                inbound.onCompleted();
            }
        };
    }
}
