package org.elohim.node.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.elohim.api.v1.SyncMessage;

/**
 * Forwards a Sync stream's outbound observer while keeping the gRPC call's flow control
 * (isReady/onReady, manual request(n), cancel) reachable through decorators (taps, counters):
 * without it the session could not see that the device stopped reading.
 */
public class ForwardingSyncObserver extends ServerCallStreamObserver<SyncMessage> {
    private final StreamObserver<SyncMessage> target;
    private final ServerCallStreamObserver<SyncMessage> call;

    @SuppressWarnings("unchecked")
    public ForwardingSyncObserver(StreamObserver<SyncMessage> target) {
        this.target = target;
        this.call = target instanceof ServerCallStreamObserver<?> s ? (ServerCallStreamObserver<SyncMessage>) s : null;
    }

    @Override
    public void onNext(SyncMessage m) {
        target.onNext(m);
    }

    @Override
    public void onError(Throwable t) {
        target.onError(t);
    }

    @Override
    public void onCompleted() {
        target.onCompleted();
    }

    @Override
    public boolean isCancelled() {
        return call != null && call.isCancelled();
    }

    @Override
    public void setOnCancelHandler(Runnable r) {
        if (call != null) call.setOnCancelHandler(r);
    }

    @Override
    public void setOnCloseHandler(Runnable r) {
        if (call != null) call.setOnCloseHandler(r);
    }

    @Override
    public void setCompression(String compression) {
        if (call != null) call.setCompression(compression);
    }

    @Override
    public void disableAutoRequest() {
        if (call != null) call.disableAutoRequest();
    }

    @Override
    @SuppressWarnings("deprecation")
    public void disableAutoInboundFlowControl() {
        if (call != null) call.disableAutoInboundFlowControl();
    }

    @Override
    public boolean isReady() {
        return call == null || call.isReady();
    }

    @Override
    public void setOnReadyHandler(Runnable r) {
        if (call != null) call.setOnReadyHandler(r);
    }

    @Override
    public void setOnReadyThreshold(int bytes) {
        if (call != null) call.setOnReadyThreshold(bytes);
    }

    @Override
    public void request(int n) {
        if (call != null) call.request(n);
    }

    @Override
    public void setMessageCompression(boolean enable) {
        if (call != null) call.setMessageCompression(enable);
    }
}
