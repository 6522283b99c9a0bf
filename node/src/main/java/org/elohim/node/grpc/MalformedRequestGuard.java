package org.elohim.node.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Answers a request that is not valid protobuf with INVALID_ARGUMENT and a clear message, instead
 * of grpc-java's generic UNKNOWN "Application error processing RPC". The parse failure becomes a
 * null message, which the wrapped listener turns into the status; nothing reaches the service.
 */
final class MalformedRequestGuard {
    static final String MESSAGE = "malformed request: not a valid protobuf message for this method";

    private MalformedRequestGuard() {
    }

    static ServerServiceDefinition wrap(ServerServiceDefinition def) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(def.getServiceDescriptor().getName());
        for (ServerMethodDefinition<?, ?> m : def.getMethods()) b.addMethod(guard(m));
        return b.build();
    }

    private static <Q, R> ServerMethodDefinition<Q, R> guard(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> md = m.getMethodDescriptor();
        MethodDescriptor.Marshaller<Q> original = md.getRequestMarshaller();
        MethodDescriptor.Marshaller<Q> tolerant = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(Q value) {
                return original.stream(value);
            }

            @Override
            public Q parse(InputStream stream) {
                try {
                    return original.parse(stream);
                } catch (RuntimeException e) {
                    return null;
                }
            }
        };
        ServerCallHandler<Q, R> handler = m.getServerCallHandler();
        ServerCallHandler<Q, R> guarded = (call, headers) -> {
            ServerCall.Listener<Q> inner = handler.startCall(call, headers);
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(inner) {
                private boolean rejected;

                @Override
                public void onMessage(Q message) {
                    if (rejected) return;
                    if (message == null) {
                        rejected = true;
                        call.close(Status.INVALID_ARGUMENT.withDescription(MESSAGE), new Metadata());
                        return;
                    }
                    super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (!rejected) super.onHalfClose();
                }
            };
        };
        return ServerMethodDefinition.create(md.toBuilder(tolerant, md.getResponseMarshaller()).build(), guarded);
    }
}
