package org.elohim.node.runtime;

import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.grpc.SyncStreams;
import org.elohim.node.reach.Requester;

/** Counts Sync stream traffic for /metrics: messages and protobuf bytes, in and out, and streams opened. */
final class MeteredSyncStreams implements SyncStreams {
    private final SyncStreams delegate;
    private final Counter messagesIn;
    private final Counter messagesOut;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter streams;

    MeteredSyncStreams(SyncStreams delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.messagesIn = Counter.builder("elohim.sync.messages").tag("direction", "in")
                .description("Sync protocol messages received from devices").register(registry);
        this.messagesOut = Counter.builder("elohim.sync.messages").tag("direction", "out")
                .description("Sync protocol messages sent to devices").register(registry);
        this.bytesIn = Counter.builder("elohim.sync.message.bytes").tag("direction", "in")
                .description("Protobuf bytes of Sync messages received").register(registry);
        this.bytesOut = Counter.builder("elohim.sync.message.bytes").tag("direction", "out")
                .description("Protobuf bytes of Sync messages sent").register(registry);
        this.streams = Counter.builder("elohim.sync.streams").description("Sync streams opened").register(registry);
    }

    @Override
    public StreamObserver<SyncMessage> open(Requester requester, StreamObserver<SyncMessage> outbound) {
        streams.increment();
        StreamObserver<SyncMessage> inbound = delegate.open(requester, new StreamObserver<>() {
            @Override
            public void onNext(SyncMessage m) {
                messagesOut.increment();
                bytesOut.increment(m.getSerializedSize());
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
                messagesIn.increment();
                bytesIn.increment(m.getSerializedSize());
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
