package org.elohim.p2p.peer;

import java.util.Arrays;

/** Base58btc (Bitcoin alphabet), used by peer ids. Input length is bounded by the callers. */
public final class Base58 {
    private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
    private static final int[] INDEXES = new int[128];

    static {
        Arrays.fill(INDEXES, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            INDEXES[ALPHABET[i]] = i;
        }
    }

    private Base58() {
    }

    public static String encode(byte[] input) {
        if (input.length == 0) {
            return "";
        }
        int zeros = 0;
        while (zeros < input.length && input[zeros] == 0) {
            zeros++;
        }
        byte[] num = input.clone();
        char[] out = new char[input.length * 2];
        int outStart = out.length;
        int start = zeros;
        while (start < num.length) {
            int rem = 0;
            for (int i = start; i < num.length; i++) {
                int v = (rem << 8) | (num[i] & 0xFF);
                num[i] = (byte) (v / 58);
                rem = v % 58;
            }
            out[--outStart] = ALPHABET[rem];
            if (num[start] == 0) {
                start++;
            }
        }
        while (outStart < out.length && out[outStart] == ALPHABET[0]) {
            outStart++;
        }
        while (zeros-- > 0) {
            out[--outStart] = ALPHABET[0];
        }
        return new String(out, outStart, out.length - outStart);
    }

    /** @throws IllegalArgumentException on a character outside the alphabet */
    public static byte[] decode(String input) {
        if (input.isEmpty()) {
            return new byte[0];
        }
        byte[] input58 = new byte[input.length()];
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            int digit = c < 128 ? INDEXES[c] : -1;
            if (digit < 0) {
                throw new IllegalArgumentException("invalid base58 character at " + i);
            }
            input58[i] = (byte) digit;
        }
        int zeros = 0;
        while (zeros < input58.length && input58[zeros] == 0) {
            zeros++;
        }
        byte[] decoded = new byte[input.length()];
        int outStart = decoded.length;
        int start = zeros;
        while (start < input58.length) {
            int rem = 0;
            for (int i = start; i < input58.length; i++) {
                int v = rem * 58 + (input58[i] & 0xFF);
                input58[i] = (byte) (v / 256);
                rem = v % 256;
            }
            decoded[--outStart] = (byte) rem;
            if (input58[start] == 0) {
                start++;
            }
        }
        while (outStart < decoded.length && decoded[outStart] == 0) {
            outStart++;
        }
        return Arrays.copyOfRange(decoded, outStart - zeros, decoded.length);
    }
}
