package org.elohim.node.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.elohim.node.reach.Requester;
import org.elohim.node.storage.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pairing and per-call authentication against a real node.db. */
class PairingAndAuthenticationTest {
    private static final String METHOD = "elohim.v1.ElohimNode/GetDocument";

    @TempDir
    Path dir;
    private Database db;
    private MutableClock clock;
    private DeviceRegistry registry;
    private PairingTokens tokens;
    private DeviceAuthenticator auth;

    @BeforeEach
    void open() {
        db = Database.open(dir);
        clock = new MutableClock(1_700_000_000_000L);
        registry = new DeviceRegistry(db, clock);
        tokens = new PairingTokens(registry);
        auth = new DeviceAuthenticator(registry, clock, Duration.ofMinutes(2));
    }

    @AfterEach
    void close() {
        db.close();
    }

    private RegisteredDevice pair(TestDevice d, String owner) {
        String token = tokens.createToken(owner, Duration.ofMinutes(5));
        return tokens.pair(token, d.publicKey(), "phone").join();
    }

    @Test
    void aTokenPairsOneDeviceToItsOwnerAndTheDeviceThenAuthenticates() throws Exception {
        TestDevice phone = new TestDevice(1);
        String token = tokens.createToken("alice", Duration.ofMinutes(5));
        assertThat(token).matches("[a-z2-7]{4}(-[a-z2-7]{4}){7}");

        RegisteredDevice d = tokens.pair(token.toUpperCase(), phone.publicKey(), "alice's phone").join();
        assertThat(d.owner()).isEqualTo("alice");
        assertThat(d.deviceId()).isEqualTo(phone.deviceId());
        assertThat(registry.isMember("alice")).isTrue();
        assertThat(registry.isMember("bob")).isFalse();

        Map<String, String> h = phone.headers(METHOD, clock.millis(), phone.nonce());
        assertThat(auth.authenticate(METHOD, h)).contains(new Requester.Device(phone.deviceId(), "alice"));
    }

    @Test
    void aTokenIsSingleUse() {
        String token = tokens.createToken("alice", Duration.ofMinutes(5));
        tokens.pair(token, new TestDevice(1).publicKey(), "a").join();
        assertThatThrownBy(() -> tokens.pair(token, new TestDevice(2).publicKey(), "b").join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(PairingRejected.class);
        assertThat(registry.list()).hasSize(1);
    }

    @Test
    void anExpiredOrUnknownTokenPairsNothing() {
        String token = tokens.createToken("alice", Duration.ofMinutes(5));
        clock.advance(Duration.ofMinutes(5).toMillis() + 1);
        assertThatThrownBy(() -> tokens.pair(token, new TestDevice(1).publicKey(), "a").join())
                .hasCauseInstanceOf(PairingRejected.class);
        assertThatThrownBy(() -> tokens.pair("aaaa-bbbb", new TestDevice(1).publicKey(), "a").join())
                .hasCauseInstanceOf(PairingRejected.class);
        assertThatThrownBy(() -> tokens.pair(tokens.createToken("alice", Duration.ofMinutes(1)), new byte[5], "a").join())
                .hasCauseInstanceOf(PairingRejected.class);
        assertThat(registry.list()).isEmpty();
        assertThat(registry.isMember("alice")).isFalse();
    }

    @Test
    void devicesSurviveARestart() {
        TestDevice phone = new TestDevice(1);
        pair(phone, "alice");
        db.close();
        db = Database.open(dir);
        DeviceRegistry reopened = new DeviceRegistry(db, clock);
        assertThat(reopened.find(phone.deviceId())).hasValueSatisfying(d -> assertThat(d.owner()).isEqualTo("alice"));
        assertThat(reopened.isMember("alice")).isTrue();
    }

    @Test
    void noHeadersIsAnonymous() throws Exception {
        assertThat(auth.authenticate(METHOD, Map.of())).isEmpty();
        assertThat(auth.authenticate(Map.of("unrelated", "x"))).isEmpty();
    }

    @Test
    void replayedNonceIsRejected() throws Exception {
        TestDevice phone = new TestDevice(1);
        pair(phone, "alice");
        Map<String, String> h = phone.headers(METHOD, clock.millis(), phone.nonce());
        assertThat(auth.authenticate(METHOD, h)).isPresent();
        assertThatThrownBy(() -> auth.authenticate(METHOD, h)).isInstanceOf(AuthenticationFailed.class)
                .hasMessageContaining("nonce");
    }

    @Test
    void staleOrFutureTimestampsAreRejected() {
        TestDevice phone = new TestDevice(1);
        pair(phone, "alice");
        long now = clock.millis();
        assertThatThrownBy(() -> auth.authenticate(METHOD, phone.headers(METHOD, now - 121_000, phone.nonce())))
                .isInstanceOf(AuthenticationFailed.class).hasMessageContaining("window");
        assertThatThrownBy(() -> auth.authenticate(METHOD, phone.headers(METHOD, now + 121_000, phone.nonce())))
                .isInstanceOf(AuthenticationFailed.class).hasMessageContaining("window");
    }

    @Test
    void aSignatureIsBoundToItsMethodAndDevice() {
        TestDevice phone = new TestDevice(1);
        TestDevice other = new TestDevice(2);
        pair(phone, "alice");
        pair(other, "bob");
        Map<String, String> forGet = phone.headers(METHOD, clock.millis(), phone.nonce());
        assertThatThrownBy(() -> auth.authenticate("elohim.v1.ElohimNode/PutDocument", forGet))
                .isInstanceOf(AuthenticationFailed.class).hasMessageContaining("signature");
        // Claiming to be another registered device with my signature fails.
        Map<String, String> spoofed = new HashMap<>(forGet);
        spoofed.put(AuthHeaders.DEVICE_ID, other.deviceId());
        assertThatThrownBy(() -> auth.authenticate(METHOD, spoofed)).hasMessageContaining("signature");
    }

    @Test
    void unknownRevokedOrMalformedIsRejectedNotDowngraded() throws Exception {
        TestDevice stranger = new TestDevice(9);
        assertThatThrownBy(() -> auth.authenticate(METHOD, stranger.headers(METHOD, clock.millis(), stranger.nonce())))
                .hasMessageContaining("unknown");

        TestDevice phone = new TestDevice(1);
        pair(phone, "alice");
        Map<String, String> partial = new HashMap<>(phone.headers(METHOD, clock.millis(), phone.nonce()));
        partial.remove(AuthHeaders.SIGNATURE);
        assertThatThrownBy(() -> auth.authenticate(METHOD, partial)).hasMessageContaining("missing");
        Map<String, String> badNonce = phone.headers(METHOD, clock.millis(), "short");
        assertThatThrownBy(() -> auth.authenticate(METHOD, badNonce)).hasMessageContaining("nonce");
        Map<String, String> garbage = new HashMap<>(phone.headers(METHOD, clock.millis(), phone.nonce()));
        garbage.put(AuthHeaders.SIGNATURE, "!!!");
        assertThatThrownBy(() -> auth.authenticate(METHOD, garbage)).hasMessageContaining("signature");

        assertThat(registry.revoke(phone.deviceId()).join()).isTrue();
        assertThatThrownBy(() -> auth.authenticate(METHOD, phone.headers(METHOD, clock.millis(), phone.nonce())))
                .hasMessageContaining("revoked");
        assertThat(registry.isMember("alice")).isFalse();
    }

    @Test
    void webSocketStyleMapsCarryTheSignedMethod() throws Exception {
        TestDevice phone = new TestDevice(1);
        pair(phone, "alice");
        Map<String, String> q = new HashMap<>(phone.headers("/ws", clock.millis(), phone.nonce()));
        assertThatThrownBy(() -> auth.authenticate(q)).hasMessageContaining(AuthHeaders.METHOD);
        q.put(AuthHeaders.METHOD, "/ws");
        assertThat(auth.authenticate(q)).contains(new Requester.Device(phone.deviceId(), "alice"));
    }
}
