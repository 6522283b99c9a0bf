package org.elohim.node.grpc;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.elohim.api.v1.SyncMessage;
import org.elohim.sync.SyncSession;
import org.elohim.sync.SyncTransport;

/**
 * A gRPC Sync call as the engine's transport. gRPC stream observers are not thread-safe: sends
 * come from the session's serial executor, the end may come from a gRPC thread; both lock here.
 */
final class GrpcSyncTransport implements SyncTransport {
    private final StreamObserver<SyncMessage> target;
    private final ServerCallStreamObserver<SyncMessage> call;
    private Runnable onEnd = () -> { };
    private boolean done;
    volatile SyncSession session;

    GrpcSyncTransport(StreamObserver<SyncMessage> target, ServerCallStreamObserver<SyncMessage> call) {
        this.target = target;
        this.call = call;
    }

    void onEnd(Runnable r) {
        this.onEnd = r;
    }

    @Override
    public synchronized void send(SyncMessage m) {
        if (done) return;
        try {
            target.onNext(m);
        } catch (RuntimeException e) {
            done = true; // the call was cancelled under us
        }
    }

    @Override
    public boolean isWritable() {
        return call == null || call.isReady();
    }

    @Override
    public void request(int n) {
        if (call != null && !call.isCancelled()) {
            try {
                call.request(n);
            } catch (RuntimeException ignored) {
                // the call is over
            }
        }
    }

    @Override
    public void close(SessionEnd end) {
        synchronized (this) {
            if (!done) {
                done = true;
                try {
                    if (end.storageFailure()) {
                        // The device should come back later: nothing past the failure was acknowledged.
                        target.onError(Status.UNAVAILABLE.withDescription(end.reason()).asRuntimeException());
                    } else if (end.protocolError()) {
                        target.onError(Status.FAILED_PRECONDITION.withDescription(end.reason()).asRuntimeException());
                    } else {
                        target.onCompleted();
                    }
                } catch (RuntimeException ignored) {
                    // already cancelled
                }
            }
        }
        onEnd.run();
    }
}
