package org.elohim.node.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.elohim.node.device.TestDevice;

/** Signs each call as {@code device} would; {@code tamper} lets a test corrupt the headers. */
final class SigningInterceptor implements ClientInterceptor {
    private final TestDevice device;
    private final UnaryOperator<Map<String, String>> tamper;

    SigningInterceptor(TestDevice device) {
        this(device, UnaryOperator.identity());
    }

    SigningInterceptor(TestDevice device, UnaryOperator<Map<String, String>> tamper) {
        this.device = device;
        this.tamper = tamper;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                Map<String, String> h = tamper.apply(device.headers(method.getFullMethodName(), System.currentTimeMillis(),
                        device.nonce()));
                h.forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
                super.start(listener, headers);
            }
        };
    }
}
