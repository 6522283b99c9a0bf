package org.elohim.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.util.Map;
import java.util.function.Supplier;

/** Signs every call with the device key once the device is paired; before that, calls are anonymous. */
final class DeviceAuthInterceptor implements ClientInterceptor {
    /** Device id and key, or null while unpaired. */
    record Credentials(String deviceId, DeviceKey key) {
    }

    private final Supplier<Credentials> credentials;

    DeviceAuthInterceptor(Supplier<Credentials> credentials) {
        this.credentials = credentials;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                Credentials c = credentials.get();
                if (c != null) {
                    Map<String, String> h = c.key().headers(c.deviceId(), method.getFullMethodName(),
                            System.currentTimeMillis());
                    h.forEach((k, v) -> headers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
                }
                super.start(listener, headers);
            }
        };
    }
}
