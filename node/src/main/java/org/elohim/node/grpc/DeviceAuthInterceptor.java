package org.elohim.node.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.elohim.node.device.AuthHeaders;
import org.elohim.node.device.AuthenticationFailed;
import org.elohim.node.device.DeviceAuthenticator;
import org.elohim.node.reach.Requester;

/**
 * Turns the device authentication metadata of each call into a {@link Requester} in the gRPC
 * {@link Context}. No headers: anonymous. Headers that fail verification: UNAUTHENTICATED.
 */
public final class DeviceAuthInterceptor implements ServerInterceptor {
    static final Context.Key<Requester> REQUESTER = Context.keyWithDefault("elohim-requester", Requester.ANONYMOUS);
    private static final String[] NAMES = {AuthHeaders.DEVICE_ID, AuthHeaders.TIMESTAMP, AuthHeaders.NONCE,
            AuthHeaders.SIGNATURE};

    private final DeviceAuthenticator authenticator;

    public DeviceAuthInterceptor(DeviceAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** The requester of the current call. */
    public static Requester requester() {
        return REQUESTER.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        Map<String, String> values = new HashMap<>();
        for (String name : NAMES) {
            String v = headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
            if (v != null) values.put(name, v);
        }
        Requester requester;
        try {
            Optional<Requester.Device> device = authenticator.authenticate(call.getMethodDescriptor().getFullMethodName(), values);
            requester = device.isPresent() ? device.get() : Requester.ANONYMOUS;
        } catch (AuthenticationFailed e) {
            call.close(Status.UNAUTHENTICATED.withDescription("device authentication failed: " + e.getMessage()),
                    new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(REQUESTER, requester), call, headers, next);
    }
}
