package org.elohim.node.automergerepo;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/** Bitcoin-alphabet base58 with a 4-byte double-SHA-256 checksum, as automerge-repo uses for ids and heads. */
public final class Base58Check {
    private static final String ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final BigInteger BASE = BigInteger.valueOf(58);
    /** Longer input is never a valid id or head; bounds the big-integer work on hostile strings. */
    private static final int MAX_ENCODED_LENGTH = 128;
    private static final int[] INDEX = new int[128];

    static {
        Arrays.fill(INDEX, -1);
        for (int i = 0; i < ALPHABET.length(); i++) INDEX[ALPHABET.charAt(i)] = i;
    }

    private Base58Check() {
    }

    public static String encode(byte[] payload) {
        byte[] check = checksum(payload);
        byte[] all = Arrays.copyOf(payload, payload.length + 4);
        System.arraycopy(check, 0, all, payload.length, 4);
        return encodePlain(all);
    }

    /** The payload, or empty if the string is not base58 or its checksum is wrong. */
    public static Optional<byte[]> decode(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_ENCODED_LENGTH) return Optional.empty();
        byte[] all = decodePlain(text);
        if (all == null || all.length < 4) return Optional.empty();
        byte[] payload = Arrays.copyOf(all, all.length - 4);
        byte[] check = checksum(payload);
        for (int i = 0; i < 4; i++) if (check[i] != all[payload.length + i]) return Optional.empty();
        return Optional.of(payload);
    }

    static String encodePlain(byte[] bytes) {
        int zeros = 0;
        while (zeros < bytes.length && bytes[zeros] == 0) zeros++;
        StringBuilder sb = new StringBuilder();
        BigInteger n = new BigInteger(1, bytes);
        while (n.signum() > 0) {
            BigInteger[] qr = n.divideAndRemainder(BASE);
            sb.append(ALPHABET.charAt(qr[1].intValue()));
            n = qr[0];
        }
        for (int i = 0; i < zeros; i++) sb.append('1');
        return sb.reverse().toString();
    }

    static byte[] decodePlain(String text) {
        BigInteger n = BigInteger.ZERO;
        int zeros = 0;
        boolean leading = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = c < 128 ? INDEX[c] : -1;
            if (digit < 0) return null;
            if (leading && digit == 0) {
                zeros++;
                continue;
            }
            leading = false;
            n = n.multiply(BASE).add(BigInteger.valueOf(digit));
        }
        byte[] body = n.signum() == 0 ? new byte[0] : n.toByteArray();
        int strip = body.length > 1 && body[0] == 0 ? 1 : 0;
        byte[] out = new byte[zeros + body.length - strip];
        System.arraycopy(body, strip, out, zeros, body.length - strip);
        return out;
    }

    private static byte[] checksum(byte[] payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] once = sha.digest(payload);
            return sha.digest(once);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
