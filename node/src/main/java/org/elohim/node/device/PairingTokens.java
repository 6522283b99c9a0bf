package org.elohim.node.device;

import static org.elohim.node.device.PairingRejected.Reason.BAD_DEVICE;
import static org.elohim.node.device.PairingRejected.Reason.BAD_TOKEN;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.elohim.node.storage.Database;

/**
 * Pairing: {@code elohim pair --owner alice} makes a short-lived, single-use token; a device
 * presents it with its public key ({@code Pair} RPC) and is registered to that owner. The token
 * is consumed and the device inserted in one transaction, so a token pairs exactly one device.
 */
public final class PairingTokens {
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
    public static final int MAX_OWNER_CHARS = 128;
    public static final int MAX_NAME_CHARS = 128;
    private static final int TOKEN_BYTES = 20;

    private final DeviceRegistry registry;
    private final Database database;
    private final SecureRandom random = new SecureRandom();

    public PairingTokens(DeviceRegistry registry) {
        this.registry = registry;
        this.database = registry.database();
    }

    /** A new token for {@code owner}, valid for {@code ttl}; durable when returned. 32 base32 chars in groups of 4. */
    public String createToken(String owner, Duration ttl) {
        validateOwner(owner);
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("token lifetime must be between 0 and 7 days");
        }
        byte[] secret = new byte[TOKEN_BYTES];
        random.nextBytes(secret);
        String compact = DeviceKeys.base32(secret);
        long now = registry.clock().millis();
        Database.join(database.write(c -> {
            DeviceTables.insertToken(c, hash(compact), owner, now, now + ttl.toMillis());
            return null;
        }));
        StringBuilder grouped = new StringBuilder();
        for (int i = 0; i < compact.length(); i += 4) {
            if (i > 0) grouped.append('-');
            grouped.append(compact, i, Math.min(compact.length(), i + 4));
        }
        return grouped.toString();
    }

    /** The bytes a device signs to prove it holds the key it pairs: {@code "elohim-pair-v1\n" + token}. */
    public static byte[] pairingPayload(String token) {
        return ("elohim-pair-v1\n" + token).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Registers {@code rawPublicKey} to the token's owner, if {@code signature} proves the caller
     * holds its private key ({@link #pairingPayload}). Re-pairing a key already registered (for
     * example after revocation) replaces its owner and name. Completes after the commit.
     */
    public CompletableFuture<RegisteredDevice> pair(String token, byte[] rawPublicKey, String deviceName,
                                                    byte[] signature) {
        return pair(token, rawPublicKey, deviceName, signature, true);
    }

    /**
     * For in-process callers that hold the key themselves (tests, operator tools): no proof of
     * possession is asked. The network API ({@code Pair}) always goes through the signed variant.
     */
    public CompletableFuture<RegisteredDevice> pair(String token, byte[] rawPublicKey, String deviceName) {
        return pair(token, rawPublicKey, deviceName, null, false);
    }

    private CompletableFuture<RegisteredDevice> pair(String token, byte[] rawPublicKey, String deviceName,
                                                     byte[] signature, boolean requireProof) {
        final String name;
        final String deviceId;
        try {
            if (token == null || token.length() > 128) throw new PairingRejected(BAD_TOKEN, "invalid pairing token");
            deviceId = DeviceKeys.deviceId(rawPublicKey);
            DeviceKeys.publicKey(rawPublicKey); // must be a usable Ed25519 point
            if (requireProof && !DeviceKeys.verify(rawPublicKey, pairingPayload(token), signature)) {
                throw new PairingRejected(BAD_DEVICE, "pairing signature does not match the device key");
            }
            name = deviceName == null || deviceName.isBlank() ? "device" : deviceName.strip();
            if (name.length() > MAX_NAME_CHARS || name.chars().anyMatch(Character::isISOControl)) {
                throw new PairingRejected(BAD_DEVICE, "device name must be at most " + MAX_NAME_CHARS
                        + " printable characters");
            }
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(
                    new PairingRejected(BAD_DEVICE, "device public key must be a raw 32-byte Ed25519 key"));
        } catch (PairingRejected e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] tokenHash = hash(normalize(token));
        long now = registry.clock().millis();
        byte[] key = rawPublicKey.clone();
        return database.write(c -> {
            Optional<String> owner = DeviceTables.consumeToken(c, tokenHash, now);
            if (owner.isEmpty()) throw new PairingRejected(BAD_TOKEN, "pairing token unknown, already used or expired");
            RegisteredDevice d = new RegisteredDevice(deviceId, owner.get(), name, key, now, false);
            DeviceTables.insert(c, d);
            return d;
        }).thenApply(d -> {
            registry.registered(d);
            return d;
        });
    }

    static void validateOwner(String owner) {
        if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER_CHARS
                || owner.chars().anyMatch(ch -> Character.isISOControl(ch) || Character.isWhitespace(ch))) {
            throw new IllegalArgumentException("owner must be 1.." + MAX_OWNER_CHARS + " characters without spaces");
        }
    }

    /** Users type tokens: ignore case, dashes and spaces. */
    static String normalize(String token) {
        return token.replace("-", "").replace(" ", "").toLowerCase(Locale.ROOT);
    }

    private static byte[] hash(String compactToken) {
        return DeviceKeys.sha256(compactToken.getBytes(StandardCharsets.UTF_8));
    }
}
