package org.elohim.node.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.PairRequest;
import org.elohim.node.device.DeviceAuthenticator;
import org.elohim.node.device.DeviceRegistry;
import org.elohim.node.device.PairingTokens;
import org.elohim.node.device.TestDevice;
import org.elohim.node.reach.ReachEnforcer;
import org.elohim.node.storage.SqliteDocumentService;

/** A real node: SQLite in a temp dir, the device API on 127.0.0.1 port 0 (grpc-netty), and clients. */
final class GrpcNodeFixture implements AutoCloseable {
    final SqliteDocumentService docs;
    final DeviceRegistry registry;
    final PairingTokens tokens;
    final GrpcServer server;
    final NodeSyncStreams syncStreams;
    private final List<ManagedChannel> channels = new ArrayList<>();

    GrpcNodeFixture(Path dataDir, int maxInboundMessageBytes) {
        docs = SqliteDocumentService.open(dataDir);
        registry = new DeviceRegistry(docs.database());
        tokens = new PairingTokens(registry);
        ReachEnforcer reach = new ReachEnforcer(registry);
        syncStreams = new NodeSyncStreams(docs, docs.peerPositions(), reach, "node-under-test", maxInboundMessageBytes);
        ElohimNodeService service = new ElohimNodeService(docs, reach, tokens, syncStreams,
                new NodeIdentity("node-under-test", "test"));
        server = GrpcServer.start(GrpcServer.Config.defaults("127.0.0.1", 0).withMaxInboundMessageBytes(maxInboundMessageBytes),
                service, new DeviceAuthInterceptor(new DeviceAuthenticator(registry)));
    }

    ManagedChannel channel(ClientInterceptor... interceptors) {
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).intercept(interceptors).build();
        channels.add(ch);
        return ch;
    }

    ElohimNodeGrpc.ElohimNodeBlockingStub anonymous() {
        return ElohimNodeGrpc.newBlockingStub(channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    ElohimNodeGrpc.ElohimNodeBlockingStub as(TestDevice device) {
        return ElohimNodeGrpc.newBlockingStub(channel(new SigningInterceptor(device))).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    /** Pairs {@code device} to {@code owner} through the Pair RPC, as a real device does. */
    TestDevice pair(TestDevice device, String owner) {
        String token = tokens.createToken(owner, Duration.ofMinutes(5));
        anonymous().pair(PairRequest.newBuilder().setToken(token)
                .setDevicePublicKey(ByteString.copyFrom(device.publicKey())).setDeviceName(owner + "-device")
                .setSignature(ByteString.copyFrom(device.signRaw(PairingTokens.pairingPayload(token)))).build());
        return device;
    }

    @Override
    public void close() {
        for (ManagedChannel ch : channels) ch.shutdownNow();
        server.close();
        syncStreams.close();
        docs.close();
    }
}
