package org.elohim.p2p.peer;

import java.util.Arrays;

/** RFC 4648 base32 without padding, as used by multibase 'b' (lower case) and 'B' (upper case). */
public final class Base32 {
    private static final char[] LOWER = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int[] INDEXES = new int[128];

    static {
        Arrays.fill(INDEXES, -1);
        for (int i = 0; i < LOWER.length; i++) {
            INDEXES[LOWER[i]] = i;
            INDEXES[Character.toUpperCase(LOWER[i])] = i;
        }
    }

    private Base32() {
    }

    public static String encodeLower(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xFF);
            bits += 8;
            while (bits >= 5) {
                sb.append(LOWER[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(LOWER[(buffer << (5 - bits)) & 31]);
        }
        return sb.toString();
    }

    /** Decodes either case (not mixed within a call is not enforced); rejects bad characters and stray bits. */
    public static byte[] decode(String text) {
        byte[] out = new byte[text.length() * 5 / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int v = c < 128 ? INDEXES[c] : -1;
            if (v < 0) {
                throw new IllegalArgumentException("invalid base32 character at " + i);
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
            throw new IllegalArgumentException("invalid base32 length or trailing bits");
        }
        return out;
    }
}
