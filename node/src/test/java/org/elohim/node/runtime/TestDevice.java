package org.elohim.node.runtime;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.elohim.node.device.AuthHeaders;

/**
 * A device for tests: an Ed25519 key made with the JDK and the signed authentication headers of
 * docs/DEVICE-API.md, for HTTP (method = request path) and gRPC (method = full method name).
 */
public final class TestDevice {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final KeyPair keys;
    private String deviceId;

    public TestDevice() {
        try {
            keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Raw 32-byte public key (the tail of the X.509 encoding). */
    public byte[] rawPublicKey() {
        byte[] x509 = keys.getPublic().getEncoded();
        return Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    }

    public String deviceId() {
        return deviceId;
    }

    public TestDevice withDeviceId(String id) {
        this.deviceId = id;
        return this;
    }

    /** Pairs directly on a node's storage (token + pair, as `elohim-node pair` and the Pair RPC do). */
    public TestDevice pairWith(NodeStorage storage, String owner) {
        String token = storage.pairing().createToken(owner, java.time.Duration.ofMinutes(5));
        deviceId = storage.pairing().pair(token, rawPublicKey(), "test-" + owner).join().deviceId();
        return this;
    }

    public Map<String, String> headers(String method) {
        String ts = Long.toString(System.currentTimeMillis());
        byte[] n = new byte[24];
        RANDOM.nextBytes(n);
        String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(n);
        Map<String, String> h = new LinkedHashMap<>();
        h.put(AuthHeaders.DEVICE_ID, deviceId);
        h.put(AuthHeaders.TIMESTAMP, ts);
        h.put(AuthHeaders.NONCE, nonce);
        h.put(AuthHeaders.SIGNATURE, Base64.getUrlEncoder().withoutPadding()
                .encodeToString(sign(AuthHeaders.signedPayload(method, ts, nonce))));
        return h;
    }

    /** As {@code String...} for {@code HttpRequest.Builder.headers}. */
    public String[] httpHeaders(String path) {
        return headers(path).entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                .toArray(String[]::new);
    }

    public byte[] sign(byte[] payload) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.getPrivate());
            s.update(payload);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Signs every gRPC call with fresh headers for its method. */
    public ClientInterceptor grpcAuth() {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        for (Map.Entry<String, String> e : headers(method.getFullMethodName()).entrySet()) {
                            headers.put(Metadata.Key.of(e.getKey(), Metadata.ASCII_STRING_MARSHALLER), e.getValue());
                        }
                        super.start(listener, headers);
                    }
                };
            }
        };
    }
}
