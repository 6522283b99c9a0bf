package org.elohim.node.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.elohim.api.v1.SyncMessage;
import org.elohim.node.grpc.SyncStreamTap;
import org.elohim.node.grpc.SyncStreams;
import org.elohim.node.reach.Requester;

/** Counts Sync stream traffic for /metrics: messages and protobuf bytes, in and out, and streams opened. */
final class MeteredSyncStreams extends SyncStreamTap {
    private final Counter messagesIn;
    private final Counter messagesOut;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter streams;

    MeteredSyncStreams(SyncStreams delegate, MeterRegistry registry) {
        super(delegate);
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
    protected void onOpen(Requester requester) {
        streams.increment();
    }

    @Override
    protected void onFromDevice(SyncMessage m) {
        messagesIn.increment();
        bytesIn.increment(m.getSerializedSize());
    }

    @Override
    protected void onToDevice(SyncMessage m) {
        messagesOut.increment();
        bytesOut.increment(m.getSerializedSize());
    }
}
