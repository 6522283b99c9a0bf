package org.elohim.node.automergerepo;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.elohim.api.v1.ElohimNodeGrpc;
import org.elohim.api.v1.GetDocumentRequest;
import org.elohim.api.v1.PutDocumentRequest;
import org.elohim.node.config.NodeConfig;
import org.elohim.node.device.AuthHeaders;
import org.elohim.node.realtime.RealtimeEndpoints;
import org.elohim.node.runtime.ElohimNodeRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A gRPC device and a stock automerge-repo client (both alice's) edit one document and converge. */
class GrpcDeviceInteropTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    /** Signs every call with the device API's headers (method = the gRPC full method name). */
    private static ClientInterceptor signedBy(TestDevices.Device device) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        try {
                            String ts = Long.toString(System.currentTimeMillis());
                            byte[] n = new byte[12];
                            RANDOM.nextBytes(n);
                            String nonce = HexFormat.of().formatHex(n);
                            Signature s = Signature.getInstance("Ed25519");
                            s.initSign(device.keys().getPrivate());
                            s.update(AuthHeaders.signedPayload(method.getFullMethodName(), ts, nonce));
                            headers.put(key(AuthHeaders.DEVICE_ID), device.registered().deviceId());
                            headers.put(key(AuthHeaders.TIMESTAMP), ts);
                            headers.put(key(AuthHeaders.NONCE), nonce);
                            headers.put(key(AuthHeaders.SIGNATURE), Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign()));
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    private static Metadata.Key<String> key(String name) {
        return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
    }

    @Test
    void grpcDeviceAndAutomergeRepoClientConverge() throws Exception {
        NodeScripts.requireInstalled();
        try (ElohimNodeRuntime node = ElohimNodeRuntime.builder(NodeConfig.ephemeral(dir).with("realtime.access", "paired"))
                .webSockets(RealtimeEndpoints::create).start()) {
            TestDevices.Device laptop = TestDevices.pair(node.storage().pairing(), "alice", "laptop");
            TestDevices.Device phone = TestDevices.pair(node.storage().pairing(), "alice", "phone");
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", node.ports().grpc()).usePlaintext().build();
            try {
                ElohimNodeGrpc.ElohimNodeBlockingStub grpc = ElohimNodeGrpc.newBlockingStub(channel)
                        .withInterceptors(signedBy(laptop)).withDeadlineAfter(20, TimeUnit.SECONDS);
                String id = DocumentUrl.random().documentId();
                Document local = new Document();
                ChangeHash[] before = local.getHeads();
                try (Transaction tx = local.startTransaction()) {
                    tx.set(ObjectId.ROOT, "fromGrpc", "laptop");
                    tx.commit();
                }
                grpc.putDocument(PutDocumentRequest.newBuilder().setDocId(id)
                        .setChanges(ByteString.copyFrom(local.encodeChangesSince(before))).build());

                // alice's phone, a stock automerge-repo client, finds the gRPC-made document and edits it
                String base = "ws://127.0.0.1:" + node.ports().http();
                NodeScripts.Result r = NodeScripts.runOk(60, "scenario-edit.mjs",
                        phone.signedUrl(base, AutomergeRepoEndpoint.DEFAULT_PATH), "automerge:" + id, "fromRepo", "phone",
                        phone.signedUrl(base, AutomergeRepoEndpoint.DEFAULT_PATH));
                assertThat(r.stdout()).contains("\"fromGrpc\":\"laptop\"").contains("\"fromRepo\":\"phone\"");

                // and the gRPC device reads both edits back
                org.elohim.api.v1.Document doc = grpc.withDeadlineAfter(20, TimeUnit.SECONDS)
                        .getDocument(GetDocumentRequest.newBuilder().setDocId(id).build());
                Document merged = Document.load(doc.getAutomerge().toByteArray());
                assertThat(merged.get(ObjectId.ROOT, "fromGrpc")).isPresent();
                assertThat(merged.get(ObjectId.ROOT, "fromRepo")).isPresent();
                merged.free();
                local.free();
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
